import Blotter
import Foundation
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
}
