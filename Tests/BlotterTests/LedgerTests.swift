import Blotter
import BlotterCrypto
import BlotterSQL
import Foundation
import Testing

@Suite("Appending")
struct LedgerAppendTests {
    @Test("appends, chains and verifies statements from registered actors", arguments: StoreKind.allCases)
    func appendsAndVerifies(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake", "investigator"])
        try t.register("ia/chen", roles: ["commander"], alg: .ecdsaP256SHA256)
        let r1 = try t.ledger.append(try t.statement("ia/rivera", expect: 0))
        let r2 = try t.ledger.append(try t.statement("ia/chen", type: "case.opened", stream: "case/IA-1", expect: 0,
                                                     fields: [("complaints", .array([.string("C-1")]))]))
        #expect(r1.seq == 3 && r2.seq == 4)
        let e2 = try Entry(bytes: try t.ledger.entry(4).bytes)
        #expect(e2.prev == r1.entryHash)
        let report = try LedgerVerifier(store: t.ledger.store).verify()
        #expect(report.entries == 5 && report.keys == 3 && report.headHash == r2.entryHash)
        #expect(report.disclosures == 5 + 3 + 3 + 1 + 1)
    }

    @Test("two ledgers over one store (two writers) appending in turn continue one chain and one tree: each starts from where the other left them", arguments: StoreKind.allCases)
    func writersInTurn(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake"])
        let other = Ledger(store: t.ledger.store)
        var receipts: [AppendReceipt] = []
        for (i, ledger) in [t.ledger, other, other, t.ledger, t.ledger, other].enumerated() {
            receipts += try ledger.append([try t.statement("ia/rivera", stream: "complaint/C-\(i)"), try t.statement("ia/rivera", stream: "complaint/D-\(i)")])
        }
        for (before, after) in zip(receipts, receipts.dropFirst()) {
            #expect(after.seq == before.seq + 1)
            #expect(try Entry(bytes: try t.ledger.entry(after.seq).bytes).prev == before.entryHash)
        }
        let report = try LedgerVerifier(store: t.ledger.store).verify()
        #expect(report.entries == receipts.last!.seq + 1 && report.headHash == receipts.last!.entryHash)
        // The tree both kept is the tree of the entries: every stored hash agrees with one made from scratch.
        var fromScratch = MerkleFrontier()
        for seq in 0...receipts.last!.seq { fromScratch.append(TreeHash.leaf(try t.ledger.entry(seq).bytes)) }
        #expect(try t.ledger.root().root == fromScratch.root)
    }

    @Test("resubmitting the same signed statement returns its entry instead of appending it twice", arguments: StoreKind.allCases)
    func idempotent(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake"])
        let s = try t.statement("ia/rivera")
        let first = try t.ledger.append(s)
        let again = try t.ledger.append(s)
        #expect(again == AppendReceipt(seq: first.seq, entryHash: first.entryHash, recorded: first.recorded, stream: first.stream,
                                      streamVersion: first.streamVersion, duplicate: true))
        #expect(try t.ledger.count() == first.seq + 1)
        let inBatch = try t.statement("ia/rivera", stream: "complaint/C-2")
        let receipts = try t.ledger.append([inBatch, inBatch])
        #expect(receipts[0].seq == receipts[1].seq && receipts[1].duplicate)
    }

    @Test("a nonce reused by the same key for a different statement is refused", arguments: StoreKind.allCases)
    func nonceReuse(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        let key = try t.register("ia/rivera", roles: ["intake"])
        let s = try t.statement("ia/rivera")
        _ = try t.ledger.append(s)
        var other = s.statement
        other.stream = "complaint/C-9"
        try other.sign(with: key)
        let before = try t.fileDigest()
        #expect { try t.ledger.append(Submission(statement: other, disclosures: s.disclosures)) } throws: { error in
            (error as? BlotterError)?.message.contains("already used by entry") == true
        }
        #expect(try t.fileDigest() == before)
    }

    @Test("expect is checked against the stream version, and the error names both", arguments: StoreKind.allCases)
    func optimisticConcurrency(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try t.statement("ia/rivera", expect: 0))
        _ = try t.ledger.append(try t.statement("ia/rivera", expect: 1))
        _ = try t.ledger.append(try t.statement("ia/rivera", expect: nil))
        do {
            _ = try t.ledger.append(try t.statement("ia/rivera", expect: 1))
            Issue.record("stale expect accepted")
        } catch let error as BlotterError {
            #expect(error.code == .staleExpect)
            #expect(error.message == "stream complaint/C-1: expected version 1, current version is 3")
        }
    }

    @Test("a batch is all or nothing, and names the statement that failed", arguments: StoreKind.allCases)
    func batchAtomic(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake"])
        let count = try t.ledger.count()
        let good = try t.statement("ia/rivera", stream: "complaint/C-5")
        let stale = try t.statement("ia/rivera", stream: "complaint/C-6", expect: 4)
        do {
            _ = try t.ledger.append([good, stale])
            Issue.record("batch with a stale expect accepted")
        } catch let error as BlotterError {
            #expect(error.code == .staleExpect)
            #expect(error.message.hasPrefix("statement 2 of 2: "))
        }
        #expect(try t.ledger.count() == count)
        #expect(try LedgerVerifier(store: t.ledger.store).verify().entries == count)
    }

    @Test("keys registered earlier in the same batch can sign later statements of it", arguments: StoreKind.allCases)
    func registerAndUseInOneBatch(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        let key = try PrivateKey.generate(.ed25519)
        t.keys["ia/new"] = key
        let receipts = try t.ledger.append([try t.registration(of: key, to: "ia/new", roles: ["intake"]), try t.statement("ia/new")])
        #expect(receipts.map(\.seq) == [1, 2])
        #expect(try LedgerVerifier(store: t.ledger.store).verify().entries == 3)
    }
}

@Suite("The async API")
struct LedgerAsyncTests {
    @Test("two hundred tasks appending at once: each acknowledged once, gap-free, one chain, and the views follow", arguments: StoreKind.allCases)
    func concurrentTasks(_ store: StoreKind) async throws {
        let t = try TestLedger(catalog: try EventCatalog.bundled(), store: store)
        try t.register("ia/intake", roles: ["intake"])
        let statements = try (0..<200).map { i in
            try t.statement("ia/intake", stream: "complaint/C-\(i)", fields: [("complaint_id", .string("C-\(i)")), ("channel", .string("phone")),
                                                                                      ("received_at", .string("2026-11-20T10:00:00Z"))])
        }
        let ledger = t.ledger
        let receipts = try await withThrowingTaskGroup(of: AppendReceipt.self) { group in
            for s in statements { group.addTask { try await ledger.append(s) } }
            var out: [AppendReceipt] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(Set(receipts.map(\.seq)) == Set(Int64(2)..<202))
        for r in receipts { #expect(Entry.hash(try await ledger.entry(r.seq).bytes) == r.entryHash) }
        #expect(try await LedgerVerifier(store: ledger.store).verify().entries == 202)
        let held = try await ledger.store.reading { try $0.rows("SELECT COUNT(*) FROM p_complaints", []) }
        #expect(held.first?.first?.integer == 200)
        // The async views read the same snapshot: every complaint is counted in its year.
        let stats = try await ledger.views(today: CalendarDate(Timestamp.now())) { views in try views.statistics() }
        #expect(stats.byYear.map(\.year) == ["2026"] && stats.byYear.first?.complaints == 200)

        // The async verifier (next chunk read in a child task) reaches what the synchronous one does,
        // over many chunks, and stops at the same entry when one is tampered with.
        var small = LedgerVerifier(store: ledger.store)
        small.chunkSize = 16
        let verifier = small
        // In async code `verify()` is the async one; the synchronous one, as the command line calls it:
        let synchronous: @Sendable () throws -> VerificationReport = { try verifier.verify() }
        let async = try await verifier.verify()
        let sync = try synchronous()
        #expect(async.entries == 202 && async.root == sync.root && async.headHash == sync.headHash && async.streams == sync.streams)
        let progress = Counter()
        _ = try await verifier.verify(progress: { done, _ in progress.add(done) })
        #expect(progress.values == stride(from: 16, to: 202, by: 16).map(Int64.init) + [202])
        try await ledger.store.writing { try $0.execute("UPDATE disclosures SET disclosure = ? WHERE seq = 100 AND field = 'channel'", [.text("eA")]) }
        for run in [{ try await verifier.verify() }, { try synchronous() }] as [@Sendable () async throws -> VerificationReport] {
            do {
                _ = try await run()
                Issue.record("a tampered disclosure passed verification")
            } catch let error as BlotterError {
                #expect(error.code == .verificationFailed && error.seq == 100, "\(error)")
            }
        }
    }
}

/// Values collected from a `@Sendable` callback.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int64] = []
    func add(_ v: Int64) { lock.withLock { list.append(v) } }
    var values: [Int64] { lock.withLock { list } }
}

@Suite("Refusals leave the ledger exactly as it was")
struct LedgerRefusalTests {
    enum Case: String, CaseIterable, Sendable {
        case wrongOrigin, badSignature, unregisteredKey, revokedKey, wrongActor, wrongAlgorithm, roleNotAllowed,
             staleExpect, tooLarge, disclosureMismatch, unknownType, futureTime, reRegisterKey, secondGenesis
    }

    @Test("refused with a clear error naming the problem", arguments: StoreKind.allCases, Case.allCases)
    func refused(_ store: StoreKind, _ c: Case) throws {
        let t = try TestLedger(store: store)
        let rivera = try t.register("ia/rivera", roles: ["intake"])
        try t.register("ia/old", roles: ["intake"])
        _ = try t.ledger.append(try StatementDraft(log: TestLedger.origin, type: "key.revoked", stream: "keys/ia/old", actor: "ia/admin",
                                                   fields: [("key", .string(t.keys["ia/old"]!.publicKey.keyID))]).sign(with: t.admin))
        let submission: Submission
        let code: BlotterError.Code
        let fragment: String
        switch c {
        case .wrongOrigin:
            submission = try t.statement("ia/rivera", log: "other.example/ledger")
            (code, fragment) = (.wrongOrigin, "this ledger is \"ia.test.example/ledger\"")
        case .badSignature:
            var s = try t.statement("ia/rivera")
            s.statement.sig = try t.statement("ia/rivera").statement.sig
            submission = s
            (code, fragment) = (.badSignature, "signature does not verify")
        case .unregisteredKey:
            t.keys["ia/stranger"] = try PrivateKey.generate(.ed25519)
            submission = try t.statement("ia/stranger")
            (code, fragment) = (.keyNotValid, "is not registered")
        case .revokedKey:
            submission = try t.statement("ia/old")
            (code, fragment) = (.keyNotValid, "was revoked at entry 3")
        case .wrongActor:
            submission = try StatementDraft(log: TestLedger.origin, type: "complaint.received", stream: "complaint/C-1", actor: "ia/chen",
                                            fields: []).sign(with: rivera)
            (code, fragment) = (.keyNotValid, "is registered to ia/rivera, not ia/chen")
        case .wrongAlgorithm:
            var s = try t.statement("ia/rivera")
            s.statement.alg = .ecdsaP256SHA256
            submission = s
            (code, fragment) = (.keyNotValid, "is ed25519, statement says ecdsa-p256-sha256")
        case .roleNotAllowed:
            submission = try t.statement("ia/rivera", type: "case.finding.approved", stream: "case/IA-1")
            (code, fragment) = (.roleNotAllowed, "needs one of [commander, importer]")
        case .staleExpect:
            submission = try t.statement("ia/rivera", expect: 2)
            (code, fragment) = (.staleExpect, "expected version 2, current version is 0")
        case .tooLarge:
            let fields: [(String, JSONValue)] = (0..<1400).map { ("f\($0)", .integer(Int64($0))) }
            submission = try t.statement("ia/rivera", fields: fields)
            (code, fragment) = (.tooLarge, "more than the limit of 65535")
        case .disclosureMismatch:
            var s = try t.statement("ia/rivera")
            s.disclosures[0] = try Disclosure.make(name: "narrative", value: .string("something else"))
            submission = s
            (code, fragment) = (.disclosureMismatch, "does not match its digest")
        case .unknownType:
            submission = try t.statement("ia/rivera", type: "complaint.invented")
            (code, fragment) = (.roleNotAllowed, "not in the ledger's role table")
        case .futureTime:
            submission = try t.statement("ia/rivera", at: Timestamp(milliseconds: Timestamp.now().milliseconds + 10 * 60_000))
            (code, fragment) = (.invalidStatement, "more than 5 minutes after")
        case .reRegisterKey:
            submission = try t.registration(of: rivera, to: "ia/rivera2", roles: ["intake"])
            (code, fragment) = (.keyNotValid, "already registered at entry 1")
        case .secondGenesis:
            submission = try StatementDraft(log: TestLedger.origin, type: "ledger.created", stream: "ledger", actor: "ia/admin", fields: [])
                .sign(with: t.admin)
            (code, fragment) = (.invalidStatement, "ledger.created may only be entry 0")
        }
        let before = try t.fileDigest()
        let count = try t.ledger.count()
        do {
            _ = try t.ledger.append(submission)
            Issue.record("\(c) was accepted")
        } catch let error as BlotterError {
            #expect(error.code == code, "\(error)")
            #expect(error.message.contains(fragment), "\(error.message)")
        }
        #expect(try t.ledger.count() == count)
        #expect(try t.fileDigest() == before)
    }
}
