import Blotter
import BlotterCrypto
import Foundation
import GRDB
import Testing

@Suite("Verifying against a trusted checkpoint", .serialized)
struct VerifySinceTests {
    /// A closed ledger of 30 entries with a checkpoint signed at 20, and that checkpoint's note.
    static func make() throws -> (TestLedger, SignedNote) {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        try t.register("ia/chen", roles: ["commander"], alg: .ecdsaP256SHA256)
        _ = try t.ledger.append(try (0..<17).map { try t.statement("ia/rivera", stream: "c/\($0 % 5)") })
        let note = try t.ledger.checkpoint(operatorKey: t.operatorKey)
        _ = try t.ledger.append(try StatementDraft(log: TestLedger.origin, type: "key.revoked", stream: "keys/ia/chen", actor: "ia/admin",
                                                   fields: [("key", .string(t.keys["ia/chen"]!.publicKey.keyID))]).sign(with: t.admin))
        _ = try t.ledger.append(try (0..<9).map { try t.statement("ia/rivera", stream: "c/\($0 % 5)", expect: nil) })
        try t.ledger.close()
        return (t, note)
    }

    @Test("a ledger that extends the checkpoint verifies, checking only the newer entries one by one")
    func extends() throws {
        let (t, note) = try Self.make()
        let checkpoint = try Checkpoint(text: note.text)
        #expect(checkpoint.size == 20)
        let ledger = try Ledger.open(path: t.path)
        defer { try? ledger.close() }
        let report = try LedgerVerifier(store: ledger.store).verify(since: checkpoint)
        #expect(report.since == 20 && report.entries == 30)
        #expect(report.root == (try LedgerVerifier(store: ledger.store).verify().root))
        #expect(report.revokedKeys == 1)
    }

    @Test("a revocation after the checkpoint is enforced: an entry signed by the revoked key, written behind Blotter's back, fails")
    func revokedAfterCheckpoint() throws {
        let (t, note) = try Self.make()
        let checkpoint = try Checkpoint(text: note.text)
        // Appending refuses the revoked key, so the entry is written into the store directly, chained and in the tree.
        let store = try SQLiteStore.open(path: t.path)
        let late = try StatementDraft(log: TestLedger.origin, type: "case.assigned", stream: "c/late", actor: "ia/chen", fields: [])
            .sign(with: t.keys["ia/chen"]!)
        try store.write { w in
            let count = try w.count()
            let last = try #require(try w.entryBytes(from: count - 1, limit: 1).first)
            let recorded = Timestamp.now().rfc3339Milliseconds
            let bytes = Entry.canonicalBytes(seq: count, prev: Entry.hash(last.bytes), recorded: recorded,
                                             statementBytes: try CanonicalJSON.encode(late.statement.json()))
            try w.insert(seq: count, bytes: bytes, statement: late.statement, streamVersion: 1, recorded: recorded, disclosures: late.disclosures)
            var frontier = try MerkleFrontier(size: count, stored: Ledger.storedHash(w))
            for f in frontier.append(TreeHash.leaf(bytes)) { try w.insertTreeHash(level: f.level, index: f.index, hash: f.hash) }
        }
        try store.close()
        let ledger = try Ledger.open(path: t.path)
        defer { try? ledger.close() }
        #expect {
            _ = try LedgerVerifier(store: ledger.store).verify(since: checkpoint)
        } throws: { error in
            guard let error = error as? BlotterError else { return false }
            return error.code == .verificationFailed && error.seq == 30 && error.message.contains("of ia/chen was revoked at entry 20")
        }
    }

    @Test("a ledger truncated below the checkpoint fails, naming both sizes")
    func truncated() throws {
        let (t, note) = try Self.make()
        let db = try DatabaseQueue(path: t.path)
        try db.write { db in
            try db.execute(sql: "DELETE FROM entries WHERE seq >= 19")
            try db.execute(sql: "DELETE FROM tree_hashes")
            try db.execute(sql: "DELETE FROM checkpoints")
            try db.execute(sql: "PRAGMA user_version = 1")   // the tree is rebuilt from what is left
        }
        try db.close()
        let ledger = try Ledger.open(path: t.path)
        defer { try? ledger.close() }
        #expect(try LedgerVerifier(store: ledger.store).verify().entries == 19, "the truncated ledger is self-consistent")
        do {
            _ = try LedgerVerifier(store: ledger.store).verify(since: try Checkpoint(text: note.text))
            Issue.record("truncation not caught")
        } catch let error as BlotterError {
            #expect(error.message.contains("the ledger has 19 entries, fewer than the 20 of the checkpoint"), "\(error.message)")
        }
    }

    @Test("history rewritten with the chain and tree recomputed passes a full verify, but not --since, nor the witness")
    func rewritten() throws {
        let (t, note) = try Self.make()
        let logKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey)
        let dir = TemporaryDirectory()
        let witness0 = try Witness.initialize(directory: dir.path("w"), name: "oversight.example/w", logKey: logKey)
        let (_, witness) = try witness0.cosign(note.serialized, consistency: nil, time: 1)
        // Entry 19's `recorded` time (not covered by any signature) moves later, to entry 20's; every
        // later prev is recomputed, the tree rebuilt and the stored checkpoints dropped.
        let db = try DatabaseQueue(path: t.path)
        try db.write { db in
            var previous: [UInt8] = []
            let next = try Entry(bytes: Array(try Data.fetchOne(db, sql: "SELECT bytes FROM entries WHERE seq = 20")!)).recorded
            for seq in Int64(19)..<30 {
                let bytes = Array(try Data.fetchOne(db, sql: "SELECT bytes FROM entries WHERE seq = ?", arguments: [seq])!)
                var entry = try Entry(bytes: bytes)
                if seq == 19 {
                    #expect(entry.recorded != next, "the rewrite must change the entry")
                    entry.recorded = next
                } else {
                    entry.prev = Entry.hash(previous)
                }
                previous = try entry.canonicalBytes()
                try db.execute(sql: "UPDATE entries SET bytes = ? WHERE seq = ?", arguments: [Data(previous), seq])
            }
            try db.execute(sql: "DELETE FROM tree_hashes")
            try db.execute(sql: "DELETE FROM checkpoints")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        try db.close()
        let ledger = try Ledger.open(path: t.path)
        defer { try? ledger.close() }
        #expect(try LedgerVerifier(store: ledger.store).verify().entries == 30, "a full verify cannot see this rewrite")
        do {
            _ = try LedgerVerifier(store: ledger.store).verify(since: try Checkpoint(text: note.text))
            Issue.record("rewrite not caught by --since")
        } catch let error as BlotterError {
            #expect(error.message.contains("the first 20 entries have root"), "\(error.message)")
            #expect(error.message.contains("but the checkpoint says \(try Checkpoint(text: note.text).root.base64)"))
        }
        // The operator (who holds the key) signs the rewritten log; the witness will not cosign it.
        let rewrittenNote = try ledger.checkpoint(operatorKey: t.operatorKey)
        let proof = try ledger.consistencyProof(oldSize: 20, newSize: 30)
        #expect(throws: BlotterError.self) { try witness.cosign(rewrittenNote.serialized, consistency: proof, time: 2) }
    }

    @Test("blotter verify --since: exit 0 on an extension, 1 with the sizes on a truncation")
    func cli() throws {
        let (t, note) = try Self.make()
        try Data(note.serialized.utf8).write(to: t.directory.url.appendingPathComponent("cp"))
        let ok = try blotter(["verify", "--since", t.directory.path("cp"), "--ledger", t.path])
        #expect(ok.status == 0 && ok.stdout.contains("consistent with the checkpoint at size 20; entries 20 to 29 verified"), "\(ok.stdout)\(ok.stderr)")
        let db = try DatabaseQueue(path: t.path)
        try db.write { db in try db.execute(sql: "DELETE FROM entries WHERE seq >= 10") }
        try db.close()
        let bad = try blotter(["verify", "--since", t.directory.path("cp"), "--ledger", t.path])
        #expect(bad.status == 1 && bad.stdout.contains("fewer than the 20 of the checkpoint"), "\(bad.stdout)\(bad.stderr)")
    }
}
