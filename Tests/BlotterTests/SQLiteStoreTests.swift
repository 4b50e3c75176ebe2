import Blotter
import BlotterSQL
import Foundation
import Synchronization
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("runs in WAL mode with synchronous=FULL, so an acknowledged append survives power loss")
    func durability() throws {
        let t = try TestLedger()
        let settings = try (t.ledger.store as! SQLiteStore).durabilitySettings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2, "2 is FULL")
        try t.ledger.close()
        let reopened = try SQLiteStore.open(path: t.path)
        #expect(try reopened.durabilitySettings().synchronous == 2)
    }

    @Test("the write-ahead log is copied into the main file beside the writer and starts over: it stays bounded while appends go on, and nothing is lost")
    func checkpointsBesideTheWriter() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        try t.ledger.close()
        // Small lengths (frames of 4 KiB) so that a few hundred appends cross them many times.
        let frames: (copy: Int32, restart: Int32) = (16, 128)
        let ledger = Ledger(store: try SQLiteStore.open(path: t.path, checkpointFrames: frames))
        func size(_ path: String) -> Int64 { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0 }
        let mainBefore = size(t.path)
        let before = try ledger.count()
        var largestLog: Int64 = 0
        let appends = 400
        for i in 0..<appends {
            _ = try ledger.append(try t.statement("ia/rivera", stream: "complaint/C-\(i)"))
            largestLog = max(largestLog, size(t.path + "-wal"))
        }
        // Without a checkpoint the log would hold every page written (several per append, about
        // 10 MiB here); the bound is the restart length and what the writer appends while the
        // checkpoint thread finishes a copy (the writer's own copy does nothing while the thread
        // holds the checkpoint lock). On a loaded machine (CI runs suites in parallel) that copy
        // took long enough for 66 frames beyond the restart length, so the margin is the restart
        // length again: still a small fraction of the 10 MiB an unbounded log reaches.
        let frame: Int64 = 4096 + 24
        #expect(largestLog > 0 && largestLog <= 2 * Int64(frames.restart) * frame, "the log reached \(largestLog) bytes")
        #expect(size(t.path) > mainBefore, "nothing was copied into the main file while the ledger was open")
        #expect(try ledger.count() == before + Int64(appends))
        #expect(try LedgerVerifier(store: ledger.store).verify().entries == before + Int64(appends))
        try ledger.close()
        #expect(!FileManager.default.fileExists(atPath: t.path + "-wal"), "closing leaves the whole ledger in the main file")
        let reopened = try Ledger.open(path: t.path)
        defer { try? reopened.close() }
        #expect(try LedgerVerifier(store: reopened.store).verify().entries == before + Int64(appends))
    }

    @Test("opening and reading a ledger does not change a byte of the file")
    func readOnlyUse() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        try t.ledger.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: t.path))
        for _ in 0..<2 {
            let ledger = try Ledger.open(path: t.path)
            _ = try LedgerVerifier(store: ledger.store).verify()
            try ledger.close()
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: t.path)) == before)
    }

    @Test("refuses a file that is not a Blotter ledger, and a missing one")
    func notALedger() throws {
        let dir = TemporaryDirectory()
        try Data("hello".utf8).write(to: dir.url.appendingPathComponent("x"))
        #expect(throws: BlotterError.self) { try SQLiteStore.open(path: dir.path("x")) }
        #expect(throws: BlotterError.self) { try SQLiteStore.open(path: dir.path("missing")) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing")))
    }

    @Test("a read is recorded in the access log's own file while a batch holds the ledger's write transaction; records a ledger kept in its own access_log table before are still listed")
    func accessLogBesideTheLedger() throws {
        let t = try TestLedger()
        let store = t.ledger.store as! SQLiteStore
        // A ledger served before the access log had its own file kept it in the ledger's table.
        let older = AccessRecord(at: "2026-12-01T09:00:00.000Z", actor: "ccrb/analyst", key: "k1", view: "officer", subject: "P-1", outcome: "read")
        try store.write { w in
            try w.execute("CREATE TABLE access_log (at TEXT NOT NULL, id TEXT NOT NULL, actor TEXT NOT NULL, key_id TEXT NOT NULL, view TEXT NOT NULL, subject TEXT NOT NULL, outcome TEXT NOT NULL, PRIMARY KEY (at, id)) WITHOUT ROWID", [])
            try w.execute("INSERT INTO access_log VALUES (?, 'a1', ?, ?, ?, ?, ?)", [.text(older.at), .text(older.actor), .text(older.key), .text(older.view), .text(older.subject), .text(older.outcome)])
        }
        let ledgerBefore = try Data(contentsOf: URL(fileURLWithPath: t.path))

        // Another batch holds the ledger's write transaction while a read is recorded.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), writerDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? store.write { _ in holding.signal(); release.wait() }
            writerDone.signal()
        }
        holding.wait()
        let record = AccessRecord(at: "2026-12-07T10:00:00.000Z", actor: "ia/lee", key: "k2", view: "case", subject: "IA-1", outcome: "read")
        let recorded = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.global().async {
            do { try store.insertAccess([record]) } catch { failure.withLock { $0 = error } }
            recorded.signal()
        }
        let whileHeld = recorded.wait(timeout: .now() + 5) == .success
        release.signal()
        writerDone.wait()
        if !whileHeld { recorded.wait() }
        #expect(whileHeld, "recording the read waited for the ledger's write transaction")
        #expect(failure.withLock { $0 } == nil)

        #expect(FileManager.default.fileExists(atPath: store.accessLogPath))
        #expect(try Data(contentsOf: URL(fileURLWithPath: t.path)) == ledgerBefore, "recording a read wrote nothing to the ledger's file")
        #expect(try store.accessRecords(AccessQuery()) == [older, record])
        #expect(try store.accessRecords(AccessQuery(actor: "ia/lee")) == [record])
        #expect(try store.accessRecords(AccessQuery(limit: 1)) == [older])
        try t.ledger.close()

        // Reopened, the records are there; a new ledger is not created over another ledger's access log.
        let reopened = try SQLiteStore.open(path: t.path)
        #expect(try reopened.accessRecords(AccessQuery(view: "case")) == [record])
        try reopened.close()
        try FileManager.default.removeItem(atPath: t.path)
        let refused = #expect(throws: BlotterError.self) { try SQLiteStore.create(path: t.path) }
        #expect(refused?.message.contains("an access log of an earlier ledger is at \(t.path).access") == true)
        #expect(!FileManager.default.fileExists(atPath: t.path))
    }
}
