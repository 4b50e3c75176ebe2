import Blotter
import BlotterCrypto
import BlotterSQL
import Foundation
import GRDB
import Testing

/// Tampering with the SQLite file directly, behind Blotter's back: `blotter verify` and the
/// independent Python verifier must both fail, and name the same entry.
@Suite("Tampering with the ledger file", .serialized)
struct TamperTests {
    /// A closed ledger file of 40 entries: keys of both algorithms, a revocation, several streams.
    static func makeLedger(in directory: TemporaryDirectory) throws -> (path: String, t: TestLedger) {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake", "investigator"])
        try t.register("ia/chen", roles: ["commander"], alg: .ecdsaP256SHA256)
        try t.register("ia/old", roles: ["intake"])
        for i in 0..<30 {
            let actor = i % 3 == 0 ? "ia/chen" : "ia/rivera"
            let type = actor == "ia/chen" ? "case.assigned" : "complaint.received"
            _ = try t.ledger.append(try t.statement(actor, type: type, stream: "case/IA-\(i % 4)",
                                                    fields: [("narrative", .string("entry \(i) é ✓")), ("count", .integer(Int64(i)))]))
        }
        _ = try t.ledger.append(try StatementDraft(log: TestLedger.origin, type: "key.revoked", stream: "keys/ia/old", actor: "ia/admin",
                                                   fields: [("key", .string(t.keys["ia/old"]!.publicKey.keyID)), ("reason", .string("left the unit"))]).sign(with: t.admin))
        for i in 0..<5 { _ = try t.ledger.append(try t.statement("ia/rivera", stream: "complaint/C-\(i)")) }
        #expect(try t.ledger.count() == 40)
        try (t.ledger.store as! SQLiteStore).close()
        let path = directory.path("clean.ledger")
        try FileManager.default.copyItem(atPath: t.path, toPath: path)
        return (path, t)
    }

    enum Scenario: String, CaseIterable, Sendable {
        case none, flipByteInEntry, breakJSONOfEntry, changeDisclosure, deleteMiddleEntry, deleteLastEntry, swapTwoEntries, replaceSignature,
             forgedEntryWithCorrectPrev, forgedEntryUnknownKey, injectedKeyRow, reorderedBytes, disclosureForOtherField,
             changedTreeHash, missingTreeHash, extraTreeHash, forgedCheckpoint, checkpointBeyondLedger,
             changedEarlierEntry, backdatedRecorded, clockAhead, revokedKeySigns, hiddenKeyStatement

        /// The message of the table of failures in docs/OVERSIGHT.md ("What a failure means") that both
        /// verifiers must print for this tampering.
        var table: String? {
            switch self {
            case .none: nil
            case .flipByteInEntry: "key K is registered to A, not B"
            case .breakJSONOfEntry: "entry bytes are not valid: …"
            case .changeDisclosure, .disclosureForOtherField: "disclosure for field \"F\" does not match its digest"
            case .deleteMiddleEntry: "expected entry N next, found entry M: an entry is missing"
            case .deleteLastEntry: "entry N is missing: the stored Merkle tree has its leaf"
            case .swapTwoEntries: "stored as entry N but its bytes say seq M"
            case .replaceSignature, .forgedEntryWithCorrectPrev: "signature does not verify with key K"
            case .forgedEntryUnknownKey: "key K is not registered"
            case .injectedKeyRow: "the stored key table differs from the log: key K …"
            case .reorderedBytes: "entry bytes are not valid: not in RFC 8785 canonical form"
            case .changedTreeHash: "the stored Merkle tree hash at level L, index I does not match the entries"
            case .missingTreeHash: "the stored Merkle tree has no hash at level L, index I"
            case .extraTreeHash: "the stored Merkle tree has N hashes; M entries make …"
            case .forgedCheckpoint: "stored checkpoint at size N: not signed by the operator key"
            case .checkpointBeyondLedger: "stored checkpoint at size N: its size is larger than the ledger's"
            case .changedEarlierEntry: "prev does not match SHA-256 of entry N"
            case .backdatedRecorded: "recorded T is earlier than the previous entry's"
            case .clockAhead: "statement time \"at\" T is more than 5 minutes after the ledger's time"
            case .revokedKeySigns: "key K of A was revoked at entry N"
            case .hiddenKeyStatement: "its bytes are a key statement, but the store does not list it as one"
            }
        }
    }

    /// The table's rows about views, checked by ProjectionTests.viewEditsAreFound on a domain ledger.
    static let viewMessages = ["view T, row K: C is X, the log gives Y", "view T, row K: no entry makes this row", "view T, row K is missing: the log makes it"]

    func bytes(_ db: Database, _ seq: Int64) throws -> [UInt8] {
        Array(try Data.fetchOne(db, sql: "SELECT bytes FROM entries WHERE seq = ?", arguments: [seq])!)
    }

    func setBytes(_ db: Database, _ seq: Int64, _ bytes: [UInt8]) throws {
        try db.execute(sql: "UPDATE entries SET bytes = ? WHERE seq = ?", arguments: [Data(bytes), seq])
    }

    func replacing(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        precondition(text.contains(old))
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }

    /// An entry chained to the head (seq 40) that Blotter never appended, with its disclosures.
    func appendBehindBlotter(_ db: Database, _ submission: Submission, recorded: Timestamp? = nil) throws {
        let head = try bytes(db, 39)
        let entry = Entry(seq: 40, prev: Entry.hash(head), recorded: try recorded?.rfc3339Milliseconds ?? Entry(bytes: head).recorded, statement: submission.statement)
        try db.execute(sql: "INSERT INTO entries (seq, bytes, type, stream, stream_version, actor, key_id, at, nonce, recorded) VALUES (40, ?, 'x', 'x', 1, 'x', ?, 'x', ?, 'x')",
                       arguments: [Data(try entry.canonicalBytes()), submission.statement.key, submission.statement.nonce])
        for d in submission.disclosures {
            try db.execute(sql: "INSERT INTO disclosures VALUES (40, ?, ?)", arguments: [d.name, d.encoded])
        }
    }

    /// Entry `seq` made again with another `recorded` time: the same signed statement, other bytes.
    func rerecord(_ db: Database, _ seq: Int64, _ recorded: Timestamp) throws {
        let e = try Entry(bytes: try bytes(db, seq))
        try setBytes(db, seq, try Entry(seq: seq, prev: e.prev, recorded: recorded.rfc3339Milliseconds, statement: e.statement).canonicalBytes())
    }

    /// Tampers with the file and returns the entry both verifiers must name (nil: must verify).
    func tamper(_ scenario: Scenario, path: String, t: TestLedger) throws -> Int64? {
        let db = try DatabaseQueue(path: path)
        defer { try? db.close() }
        switch scenario {
        case .none:
            return nil
        case .changedEarlierEntry:
            // An entry re-made with an earlier time (no earlier than the one before it), and the stored
            // tree recomputed to match: it checks on its own, but the next entry is chained to the bytes it had.
            let seq: Int64 = try db.read { db in
                try (10..<30).first { try Entry(bytes: try bytes(db, $0)).recordedTime > Entry(bytes: try bytes(db, $0 - 1)).recordedTime }!
            }
            try db.write { db in
                try rerecord(db, seq, try Entry(bytes: try bytes(db, seq - 1)).recordedTime)
                var level = try (0..<40).map { TreeHash.leaf(try bytes(db, Int64($0))) }
                var height = 0
                while !level.isEmpty {
                    for (index, hash) in level.enumerated() {
                        try db.execute(sql: "UPDATE tree_hashes SET hash = ? WHERE level = ? AND idx = ?", arguments: [Data(hash.bytes), height, index])
                    }
                    level = stride(from: 0, to: level.count - 1, by: 2).map { TreeHash.node(level[$0], level[$0 + 1]) }
                    height += 1
                }
            }
            return seq + 1
        case .backdatedRecorded:
            // The log's time of the newest entry set a minute before the entry it follows.
            try db.write { db in
                try rerecord(db, 39, Timestamp(milliseconds: try Entry(bytes: try bytes(db, 38)).recordedTime.milliseconds - 60_000))
            }
            return 39
        case .clockAhead:
            // A key holder's statement dated ten minutes after the log's time of its entry.
            try db.write { db in
                let recorded = try Entry(bytes: try bytes(db, 39)).recordedTime
                try appendBehindBlotter(db, try t.statement("ia/rivera", stream: "complaint/C-late", at: Timestamp(milliseconds: recorded.milliseconds + 600_000)),
                                        recorded: recorded)
            }
            return 40
        case .revokedKeySigns:
            // ia/old's key, revoked at entry 34, still signs.
            try db.write { db in try appendBehindBlotter(db, try t.statement("ia/old", stream: "complaint/C-late")) }
            return 40
        case .hiddenKeyStatement:
            // The revocation's stored type changed, so that appends do not find it.
            try db.write { db in try db.execute(sql: "UPDATE entries SET type = 'complaint.received' WHERE seq = 34") }
            return 34
        case .flipByteInEntry:
            try db.write { db in try setBytes(db, 17, replacing(try bytes(db, 17), "\"actor\":\"ia/rivera\"", "\"actor\":\"ia/riverb\"")) }
            return 17
        case .breakJSONOfEntry:
            try db.write { db in
                var b = try bytes(db, 12)
                b[b.count - 1] = UInt8(ascii: "]")
                try setBytes(db, 12, b)
            }
            return 12
        case .changeDisclosure:
            let fake = try Disclosure.make(name: "narrative", value: .string("nothing happened"))
            try db.write { db in
                try db.execute(sql: "UPDATE disclosures SET disclosure = ? WHERE seq = 20 AND field = 'narrative'", arguments: [fake.encoded])
            }
            return 20
        case .disclosureForOtherField:
            try db.write { db in
                let other = try String.fetchOne(db, sql: "SELECT disclosure FROM disclosures WHERE seq = 21 AND field = 'count'")!
                try db.execute(sql: "UPDATE disclosures SET disclosure = ? WHERE seq = 21 AND field = 'narrative'", arguments: [other])
            }
            return 21
        case .deleteMiddleEntry:
            try db.write { db in try db.execute(sql: "DELETE FROM entries WHERE seq = 25") }
            return 25
        case .deleteLastEntry:
            try db.write { db in try db.execute(sql: "DELETE FROM entries WHERE seq = 39") }
            return 39
        case .swapTwoEntries:
            try db.write { db in
                let a = try bytes(db, 30), b = try bytes(db, 31)
                try setBytes(db, 30, b)
                try setBytes(db, 31, a)
            }
            return 30
        case .replaceSignature:
            try db.write { db in
                let victim = try Entry(bytes: try bytes(db, 33)), donor = try Entry(bytes: try bytes(db, 36))
                try setBytes(db, 33, replacing(try bytes(db, 33), victim.statement.sig, donor.statement.sig))
            }
            return 33
        case .forgedEntryWithCorrectPrev, .forgedEntryUnknownKey:
            // An attacker with write access to the file but not the actor's key: a well-formed entry
            // chained to the real head, signed with the attacker's own key.
            let attacker = try PrivateKey.generate(.ed25519)
            var draft = try StatementDraft(log: TestLedger.origin, type: "case.finding.approved", stream: "case/IA-1", actor: "ia/chen",
                                           fields: [("finding", .string("exonerated"))]).sign(with: attacker)
            if scenario == .forgedEntryWithCorrectPrev {
                draft.statement.key = t.keys["ia/chen"]!.publicKey.keyID
                draft.statement.alg = .ecdsaP256SHA256
                draft.statement.sig = Base64.urlEncode(try attacker.signature(for: try draft.statement.signingInput()))
            }
            try db.write { db in
                let head = try bytes(db, 39)
                let recorded = try Entry(bytes: head).recorded
                let entry = Entry(seq: 40, prev: Entry.hash(head), recorded: recorded, statement: draft.statement)
                try db.execute(sql: "INSERT INTO entries (seq, bytes, type, stream, stream_version, actor, key_id, at, nonce, recorded) VALUES (40, ?, 'x', 'x', 1, 'x', ?, 'x', ?, 'x')",
                               arguments: [Data(try entry.canonicalBytes()), draft.statement.key, draft.statement.nonce])
                for d in draft.disclosures {
                    try db.execute(sql: "INSERT INTO disclosures VALUES (40, ?, ?)", arguments: [d.name, d.encoded])
                }
            }
            return 40
        case .injectedKeyRow:
            // The derived key table is edited to admit an attacker's key; Blotter then appends with it.
            let attacker = try PrivateKey.generate(.ed25519)
            try db.write { db in
                try db.execute(sql: "INSERT INTO keys VALUES (?, 'ia/chen', ?, 'commander', 5, NULL)",
                               arguments: [attacker.publicKey.keyID, Data(attacker.publicKey.spkiDER)])
            }
            try db.close()
            // Appends decide with the keys the log's statements prove, so Blotter refuses, writing nothing.
            let ledger = try Ledger.open(path: path)
            #expect {
                _ = try ledger.append(try StatementDraft(log: TestLedger.origin, type: "case.closed", stream: "case/IA-2", actor: "ia/chen", fields: [])
                    .sign(with: attacker))
            } throws: { error in
                (error as? BlotterError)?.message.contains("is in the table (registered to ia/chen), but no key statement of the log registers it") == true
            }
            #expect(try ledger.count() == 40)
            try (ledger.store as! SQLiteStore).close()
            // Both verifiers name the table, at no entry.
            return -1
        case .changedTreeHash:
            // Level 2, index 3 covers leaves 12..15: finished by entry 15.
            try db.write { db in try db.execute(sql: "UPDATE tree_hashes SET hash = zeroblob(32) WHERE level = 2 AND idx = 3") }
            return 15
        case .missingTreeHash:
            try db.write { db in try db.execute(sql: "DELETE FROM tree_hashes WHERE level = 0 AND idx = 22") }
            return 22
        case .extraTreeHash:
            // A hash for a subtree beyond the entries: proofs would be served for entries that are not there.
            // (A leaf hash beyond them reads as entries removed from the end: deleteLastEntry.)
            try db.write { db in try db.execute(sql: "INSERT INTO tree_hashes VALUES (1, 20, zeroblob(32))") }
            return -1
        case .forgedCheckpoint, .checkpointBeyondLedger:
            // A checkpoint the operator never signed: a different root, or a size the ledger does not have.
            let ledger = try Ledger.open(path: path)
            let note = try ledger.checkpoint(operatorKey: t.operatorKey)
            try ledger.close()
            var checkpoint = try Checkpoint(text: note.text)
            checkpoint = scenario == .forgedCheckpoint
                ? Checkpoint(origin: checkpoint.origin, size: 12, root: checkpoint.root)
                : Checkpoint(origin: checkpoint.origin, size: 60, root: checkpoint.root)
            var forged = SignedNote(text: checkpoint.text)
            try forged.sign(name: TestLedger.origin, key: scenario == .forgedCheckpoint ? try PrivateKey.generate(.ed25519) : t.operatorKey)
            let again = try DatabaseQueue(path: path)
            try again.write { db in try db.execute(sql: "INSERT INTO checkpoints VALUES (?, ?)", arguments: [checkpoint.size, forged.serialized]) }
            try again.close()
            return -1
        case .reorderedBytes:
            // Same JSON, members in a different order: not the canonical bytes that were hashed.
            try db.write { db in
                let b = try bytes(db, 8)
                let e = try Entry(bytes: b)
                let text = "{\"seq\":8," + String(decoding: b.dropFirst(), as: UTF8.self).replacingOccurrences(of: ",\"seq\":8", with: "")
                #expect(try JSONParser.parse(text) == e.json())
                try setBytes(db, 8, Array(text.utf8))
            }
            return 8
        }
    }

    @Test("an edit of the stored key table (a revoked key un-revoked, an officer's key given the commander role) does not let Blotter append with it; both verifiers name the key's entry",
          arguments: ["unrevoke", "promote"])
    func keyTableEditsAreRefused(_ edit: String) throws {
        let dir = TemporaryDirectory()
        let (clean, t) = try Self.makeLedger(in: dir)
        let path = dir.path("edited.ledger")
        try FileManager.default.copyItem(atPath: clean, toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let db = try DatabaseQueue(path: path)
        let (actor, registered, expected): (String, Int64, String)
        let draft: StatementDraft
        switch edit {
        case "unrevoke":
            // ia/old (entry 3) was revoked at entry 34.
            try db.write { try $0.execute(sql: "UPDATE keys SET revoked_seq = NULL WHERE actor = 'ia/old'") }
            (actor, registered, expected) = ("ia/old", 3, "not revoked in the table, revoked at entry 34 in the log")
            draft = StatementDraft(log: TestLedger.origin, type: "complaint.received", stream: "complaint/C-new", actor: actor, fields: [])
        default:
            // ia/rivera (entry 1) holds intake and investigator; the table is given commander.
            try db.write { try $0.execute(sql: "UPDATE keys SET roles = 'commander' WHERE actor = 'ia/rivera'") }
            (actor, registered, expected) = ("ia/rivera", 1, "roles [commander] in the table, [intake, investigator] in the log")
            draft = StatementDraft(log: TestLedger.origin, type: "case.assigned", stream: "case/IA-1", actor: actor, fields: [])
        }
        try db.close()
        let edited = try Data(contentsOf: URL(fileURLWithPath: path))

        let ledger = try Ledger.open(path: path)
        #expect {
            _ = try ledger.append(try draft.sign(with: t.keys[actor]!))
        } throws: { error in
            guard let error = error as? BlotterError else { return false }
            return error.code == .verificationFailed && error.message.contains("the stored key table was edited outside Blotter")
                && error.message.contains(expected) && error.message.contains("nothing was written")
        }
        #expect(try ledger.count() == 40)
        try (ledger.store as! SQLiteStore).close()
        #expect(before != edited)

        let swift = try blotter(["verify", "--json", "--ledger", path])
        let python = try pythonVerifier(path)
        #expect(swift.status == 1 && python.status == 1, "\(swift.stdout) \(python.stdout)")
        let swiftResult = try JSONParser.parse(swift.stdout)
        #expect(swiftResult["seq"] == .integer(registered), "\(swift.stdout)")
        #expect(swiftResult["error"]?.stringValue?.contains(expected) == true, "\(swift.stdout)")
        #expect(try JSONParser.parse(python.stdout)["seq"] == .integer(registered), "\(python.stdout)")
    }

    @Test("a revocation hidden by editing its entry's stored type as well as the key table: verify names the entry the key should not have signed, and the hidden revocation")
    func hiddenRevocationIsNamed() throws {
        let dir = TemporaryDirectory()
        let (path, t) = try Self.makeLedger(in: dir)
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            try db.execute(sql: "UPDATE entries SET type = 'complaint.received' WHERE seq = 34")
            try db.execute(sql: "UPDATE keys SET revoked_seq = NULL WHERE actor = 'ia/old'")
        }
        try db.close()
        // The one edit an append cannot see without reading every entry (the stored type is how it
        // finds key statements): it appends, and verify names both what was appended and why.
        let ledger = try Ledger.open(path: path)
        _ = try ledger.append(try t.statement("ia/old", stream: "complaint/C-late"))
        try (ledger.store as! SQLiteStore).close()
        let result = try blotter(["verify", "--json", "--ledger", path])
        #expect(result.status == 1)
        let failures = try JSONParser.parse(result.stdout)["failures"]?.arrayValue ?? []
        #expect(failures.map { $0["seq"] } == [.integer(40), .integer(34)], "\(result.stdout)")
        #expect(failures.first?["error"]?.stringValue?.contains("was revoked at entry 34") == true, "\(result.stdout)")
        #expect(failures.last?["error"]?.stringValue == "its bytes are a key statement, but the store does not list it as one (its stored type was changed): appends would not see it")
        #expect(try pythonVerifier(path).status == 1)
    }

    @Test("verify lists every failing entry, in order, not only the first; and stops listing at its limit")
    func everyFailureIsListed() throws {
        let dir = TemporaryDirectory()
        let (path, _) = try Self.makeLedger(in: dir)
        let db = try DatabaseQueue(path: path)
        // Three entries' disclosures altered, and one entry's signature replaced.
        try db.write { db in
            for seq in [7, 19, 31] {
                try db.execute(sql: "UPDATE disclosures SET disclosure = ? WHERE seq = ? AND field = 'narrative'",
                               arguments: [try Disclosure.make(name: "narrative", value: .string("altered")).encoded, seq])
            }
        }
        let e = try Entry(bytes: try db.read { try bytes($0, 25) })
        try db.write { db in
            let other = try Entry(bytes: try bytes(db, 26))
            try setBytes(db, 25, replacing(try bytes(db, 25), e.statement.sig, other.statement.sig))
        }
        try db.close()
        let result = try blotter(["verify", "--json", "--ledger", path])
        #expect(result.status == 1)
        let json = try JSONParser.parse(result.stdout)
        let failures = json["failures"]?.arrayValue ?? []
        // 25's bytes changed: its stored leaf hash differs (the subtrees above it are not named again),
        // and entry 26's prev no longer matches them.
        #expect(failures.map { $0["seq"] } == [7, 19, 25, 25, 26, 31].map { .integer($0) }, "\(result.stdout)")
        let messages = failures.map { $0["error"]?.stringValue ?? "" }
        #expect(messages.count == 6 && messages[0].hasPrefix("disclosure for field \"narrative\" does not match its digest"), "\(messages)")
        #expect(messages.count == 6 && messages[2].hasPrefix("signature does not verify"), "\(messages)")
        #expect(messages.count == 6 && messages[3].hasPrefix("the stored Merkle tree hash at level 0, index 25 does not match"), "\(messages)")
        #expect(messages.count == 6 && messages[4].hasPrefix("prev does not match SHA-256 of entry 25"), "\(messages)")
        #expect(json["seq"] == .integer(7))
        let text = try blotter(["verify", "--ledger", path])
        #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("FAILED: entry ") }.count == 6, "\(text.stdout)")

        var verifier = LedgerVerifier(store: try SQLiteStore.open(path: path))
        verifier.failureLimit = 2
        #expect {
            _ = try verifier.verify()
        } throws: { error in
            guard let error = error as? BlotterError else { return false }
            return error.seq == 7 && error.further.map(\.seq) == [19]
        }
    }

    @Test("every message of the table of failures in docs/OVERSIGHT.md is made by a tampering here (or, for views, in ProjectionTests), and each pattern tells its rows apart")
    func everyRowOfTheTable() throws {
        let messages = FailureTable.messages
        #expect(FailureTable.rows.count == 14, "\(FailureTable.rows)")
        let made = Set(Scenario.allCases.compactMap(\.table) + Self.viewMessages)
        #expect(Set(messages) == made, "not made: \(Set(messages).subtracting(made)); not in the table: \(made.subtracting(messages))")
        // A message of one row is not also taken for another row's.
        #expect(FailureTable.matches("stored as entry 30 but its bytes say seq 31", "stored as entry N but its bytes say seq M"))
        #expect(!FailureTable.matches("stored as entry 30 but its bytes say seq 31", "prev does not match SHA-256 of entry N"))
        #expect(!FailureTable.matches("key 9f is not registered", "key K of A was revoked at entry N"))
    }

    @Test("both verifiers fail, name the same entry, and say what docs/OVERSIGHT.md's table says for it", arguments: Scenario.allCases)
    func verifiersAgree(_ scenario: Scenario) throws {
        let dir = TemporaryDirectory()
        let (clean, t) = try Self.makeLedger(in: dir)
        let path = dir.path("tampered.ledger")
        try FileManager.default.copyItem(atPath: clean, toPath: path)
        let expected = try tamper(scenario, path: path, t: t)

        let swift = try blotter(["verify", "--json", "--ledger", path])
        let python = try pythonVerifier(path)
        let swiftResult = try JSONParser.parse(swift.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let pythonResult = try JSONParser.parse(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        if let expected {
            // -1: a failure of the whole ledger, at no entry.
            let seq: JSONValue = expected < 0 ? .null : .integer(expected)
            #expect(swift.status == 1, "\(swift.stdout)\(swift.stderr)")
            #expect(python.status == 1, "\(python.stdout)\(python.stderr)")
            #expect(swiftResult["seq"] == seq, "swift: \(swift.stdout)")
            #expect(pythonResult["seq"] == seq, "python: \(python.stdout)")
            // What both say is the table's row for it, in the same words.
            let row = try #require(scenario.table)
            #expect(FailureTable.messages.contains(row), "docs/OVERSIGHT.md's table has no row \(row)")
            #expect(FailureTable.matches(swiftResult["error"]?.stringValue ?? "", row), "swift: \(swift.stdout)")
            #expect(FailureTable.matches(pythonResult["error"]?.stringValue ?? "", row), "python: \(python.stdout)")
            if scenario == .deleteLastEntry {
                // Named as the missing entry, not as a count of tree hashes.
                #expect(swift.stdout.contains("entry 39 is missing") && python.stdout.contains("entry 39 is missing"), "\(swift.stdout) \(python.stdout)")
            }
        } else {
            #expect(swift.status == 0 && python.status == 0, "\(swift.stdout) \(python.stdout)")
            #expect(swiftResult["head"] != nil && swiftResult["head"] == pythonResult["head"])
            #expect(swiftResult["root"] != nil && swiftResult["root"] == pythonResult["root"])
            #expect(swiftResult["entries"] == .integer(40) && pythonResult["entries"] == .integer(40))
        }
    }
}
