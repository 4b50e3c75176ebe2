import Blotter
import BlotterCrypto
import BlotterPostgres
import BlotterSQL
import Foundation
import Synchronization
import Testing

/// A PostgreSQL cluster of a test's own, for tests that stop the server or add a replica (the shared
/// one serves the other tests at the same time).
final class OwnCluster: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let url: String
    let port: Int

    init() throws {
        url = try startPostgresCluster(directory.path("pg"))
        port = Int(try String(contentsOfFile: directory.path("pg/port"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    deinit { _ = try? run("/bin/bash", [Self.script, "stop", directory.path("pg")]) }

    static let script = repositoryRoot.appendingPathComponent("Tools/postgres.sh").path

    func tool(_ command: String, _ extra: [String] = []) throws -> ProcessResult {
        try run("/bin/bash", [Self.script, command, directory.path("pg")] + extra)
    }

    func database(_ name: String) throws -> String {
        try PostgresStore.createDatabase(serverURL: url, name: name)
        return try PostgresStore.url(url, database: name)
    }
}

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("a wrong address, password or database, or a database that is not a ledger, is a clear error that writes nothing and shows no password")
    func badLocations() throws {
        let server = try PostgresTestCluster.serverURL.get()
        let good = try PostgresTestCluster.newDatabase()
        let location = try PostgresLocation(url: good)
        let closedPort = "postgres://blotter:secret-pw-1@127.0.0.1:1/\(location.database)"
        let badPassword = "postgres://blotter:secret-pw-2@\(location.host):\(location.port)/\(location.database)"
        let noDatabase = try PostgresStore.url(server, database: "no_such_database_here")
        for (url, fragment) in [(closedPort, "cannot connect to PostgreSQL at postgres://blotter@127.0.0.1:1/"),
                                (badPassword, "refused user blotter"),
                                (noDatabase, "has no database no_such_database_here"),
                                (good, "is not a Blotter ledger")] {
            for args in [["verify", "--ledger", url], ["case", "list", "--ledger", url], ["log", "--ledger", url]] {
                let r = try blotter(args)
                #expect(r.status != 0 && r.stderr.contains(fragment), "\(args[0]) \(url): \(r.stderr)")
                #expect(!r.stderr.contains("secret-pw"), "a password in a message: \(r.stderr)")
            }
        }
        // Nothing was created in the database that is not a ledger.
        let tables = try run("/usr/bin/env", ["python3", "-c", """
            import psycopg, sys
            with psycopg.connect(sys.argv[1]) as c:
                print(c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0])
            """, good])
        #expect(tables.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(tables.stdout)\(tables.stderr)")
        // init refuses a database that already holds a ledger.
        let dir = TemporaryDirectory()
        let ledger = try PostgresTestCluster.newDatabase()
        let first = try blotter(["init", "--ledger", ledger, "--origin", "ia.one.example/ledger", "--admin", "ia/admin",
                                 "--admin-key", dir.path("a.pem"), "--operator-key", dir.path("o.pem")])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try blotter(["init", "--ledger", ledger, "--origin", "ia.two.example/ledger", "--admin", "ia/admin",
                                  "--admin-key", dir.path("b.pem"), "--operator-key", dir.path("p.pem")])
        #expect(second.status != 0 && second.stderr.contains("refusing to overwrite a ledger"), "\(second.stderr)")
        #expect(try openLedger(ledger).identity()?.origin == "ia.one.example/ledger")
    }

    @Test("the server stopped in the middle of a batch: the batch is refused, nothing of it is written, and the same Ledger appends again once the server is back")
    func serverStopped() throws {
        let cluster = try OwnCluster()
        let url = try cluster.database("restart")
        let admin = try PrivateKey.generate(.ed25519)
        let ledger = Ledger(store: try PostgresStore.create(url: url))
        _ = try ledger.append(try Genesis.statement(origin: TestLedger.origin, admin: "ia/admin", adminKey: admin,
                                                    operatorKey: try PrivateKey.generate(.ed25519).publicKey, roles: try RoleTable.bundled(), catalog: nil))
        let feed = try PrivateKey.generate(.ed25519)
        _ = try ledger.append(try StatementDraft(log: TestLedger.origin, type: "key.registered", stream: "keys/cam/feed", actor: "ia/admin",
                                                 fields: [("subject", .string("cam/feed")), ("public_key", .string(Base64.urlEncode(feed.publicKey.spkiDER))),
                                                          ("roles", .array([.string("evidence-system")]))]).sign(with: admin))
        func batch(_ round: Int) throws -> [Submission] {
            try (0..<4000).map { i in
                try StatementDraft(log: TestLedger.origin, type: "bodycam.evidence.accessed", stream: "bodycam/\(round)/\(i % 40)", actor: "cam/feed",
                                   fields: [("action", .string("viewed")), ("n", .integer(Int64(i)))]).sign(with: feed)
            }
        }
        let before = try ledger.count()
        let big = try batch(1)
        let outcome = Mutex<Result<[AppendReceipt], any Error>?>(nil)
        let thread = Thread { outcome.withLock { $0 = Result { try ledger.append(big) } } }
        thread.start()
        usleep(300_000)
        let killed = try cluster.tool("kill")
        #expect(killed.status == 0, "\(killed.stderr)")
        while outcome.withLock({ $0 }) == nil { usleep(20_000) }
        let result = outcome.withLock { $0 }!
        switch result {
        case .success:
            Issue.record("the batch of 4,000 was acknowledged before the server was stopped; the test did not stop it mid-batch")
        case let .failure(error):
            let e = try #require(error as? BlotterError)
            #expect(e.code == .storage && e.message.contains("PostgreSQL"), "\(e)")
        }
        // While the server is down: a clear error, at once.
        #expect(throws: BlotterError.self) { try ledger.count() }
        let restarted = try cluster.tool("restart")
        #expect(restarted.status == 0, "\(restarted.stderr)")
        // Nothing of the refused batch was written; the same Ledger object appends again.
        #expect(try ledger.count() == before)
        let receipts = try ledger.append(big)
        #expect(receipts.count == 4000 && receipts.first?.seq == before)
        #expect(try LedgerVerifier(store: ledger.store).verify().entries == before + 4000)
    }

    @Test("derived-table statements sent together as one block keep their values byte for byte (quotes, backslashes, dollar quotes, NUL, extremes) and their order; one that fails refuses the whole write")
    func statementsSentTogether() throws {
        let store = try PostgresStore.create(url: try PostgresTestCluster.newDatabase())
        defer { try? store.close() }
        let texts = ["it's", "back\\slash", "\\'; DROP TABLE script_values; --", "$1", "$2$", "$blotter_0011223344556677$", "END$blotter_ab$; DO $$ x $$",
                     "\\x41 \\u0041 %_", "line\nbreak\ttab\r", "", "ünïcödé ✓ 🚓", "E'x'", "''", "\\"]
        let integers: [Int64] = [.min, .max, 0, -1, 42]
        let reals: [Double] = [0.1, -1e-300, .greatestFiniteMagnitude, -.infinity, .infinity, -0.0, .leastNormalMagnitude]
        var expected: [[SQLValue]] = []
        for (i, text) in texts.enumerated() {
            expected.append([.integer(Int64(i)), .integer(integers[i % integers.count]), .real(reals[i % reals.count]), .text(text)])
        }
        expected.append([.integer(100), .null, .null, .null])
        try store.write { w in
            let c = try #require(w as? any SQLConnection)
            try c.execute("CREATE TABLE script_values (id INTEGER PRIMARY KEY, n BIGINT, r DOUBLE PRECISION, s TEXT)", [])
            for row in expected { try c.execute("INSERT INTO script_values (id, n, r, s) VALUES (?, ?, ?, ?)", row) }
            // In order: a row inserted, changed and deleted within the block.
            try c.execute("INSERT INTO script_values (id, n, r, s) VALUES (?, ?, ?, ?)", [.integer(200), .integer(1), .real(1), .text("a")])
            try c.execute("UPDATE script_values SET s = ? WHERE id = ?", [.text("b'"), .integer(200)])
            try c.execute("DELETE FROM script_values WHERE id = ? AND s = ?", [.integer(200), .text("b'")])
        }
        let stored = try store.read { r in try #require(r as? any SQLConnection).rows("SELECT id, n, r, s FROM script_values ORDER BY id", []) }
        #expect(stored == expected)
        // A subnormal real, which PostgreSQL's text input refuses: those statements go with bindings.
        let subnormal: [[SQLValue]] = [[.integer(150), .integer(1), .real(5e-324), .text("tiny")], [.integer(151), .null, .real(-5e-324), .text("it's")]]
        try store.write { w in
            let c = try #require(w as? any SQLConnection)
            for row in subnormal { try c.execute("INSERT INTO script_values (id, n, r, s) VALUES (?, ?, ?, ?)", row) }
        }
        expected.append(contentsOf: subnormal)
        // A text PostgreSQL cannot hold (NUL), and a statement that fails in the middle of the others:
        // the write is refused and nothing of it is kept.
        for bad in [[SQLValue.integer(300), .null, .null, .text("nul\u{0}here")], [.integer(0), .null, .null, .text("duplicate id")]] {
            #expect(throws: (any Error).self) {
                try store.write { w in
                    let c = try #require(w as? any SQLConnection)
                    try c.execute("INSERT INTO script_values (id, n, r, s) VALUES (?, ?, ?, ?)", [.integer(301), .null, .null, .text("before")])
                    try c.execute("INSERT INTO script_values (id, n, r, s) VALUES (?, ?, ?, ?)", bad)
                    try c.execute("INSERT INTO script_values (id, n, r, s) VALUES (?, ?, ?, ?)", [.integer(302), .null, .null, .text("after")])
                }
            }
            let after = try store.read { r in try #require(r as? any SQLConnection).rows("SELECT id, n, r, s FROM script_values ORDER BY id", []) }
            #expect(after.sorted { $0[0].integer! < $1[0].integer! } == expected.sorted { $0[0].integer! < $1[0].integer! })
        }
    }

    @Test("queries sent ahead (a case file's) are answered as if asked one by one; a write after them in the same transaction is seen by the read that follows it")
    func fetchedAhead() throws {
        let store = try PostgresStore.create(url: try PostgresTestCluster.newDatabase())
        defer { try? store.close() }
        let query = "SELECT k, v FROM ahead_values WHERE k >= ? ORDER BY k"
        try store.write { w in
            let c = try #require(w as? any SQLConnection)
            try c.execute("CREATE TABLE ahead_values (k TEXT PRIMARY KEY, v INTEGER)", [])
            try c.execute("INSERT INTO ahead_values (k, v) VALUES (?, ?)", [.text("a"), .integer(1)])
        }
        // In a read: the answers come from what was sent ahead, each once, and equal a direct read.
        let (ahead, again, other) = try store.read { r in
            let c = try #require(r as? any SQLConnection)
            try c.prefetch([(query, [.text("a")]), (query, [.text("b")])])
            return (try c.rows(query, [.text("a")]), try c.rows(query, [.text("a")]), try c.rows(query, [.text("b")]))
        }
        #expect(ahead == [[.text("a"), .integer(1)]] && again == ahead && other.isEmpty)
        // In a write: sent ahead, then a row written, then read: the read sees the row.
        let seen = try store.write { w in
            let c = try #require(w as? any SQLConnection)
            try c.prefetch([(query, [.text("a")])])
            try c.execute("INSERT INTO ahead_values (k, v) VALUES (?, ?)", [.text("b"), .integer(2)])
            return try c.rows(query, [.text("a")])
        }
        #expect(seen == [[.text("a"), .integer(1)], [.text("b"), .integer(2)]])
    }
}
