import Blotter
import BlotterCrypto
import BlotterPostgres
import Foundation

/// `--stores N`: the same N signed statements appended to a SQLite ledger and to a PostgreSQL ledger
/// in the same run (durable batches of 1,000, signatures checked), then `blotter verify` of each,
/// then `blotter submit` from one process against four at once into PostgreSQL. Without
/// `--postgres URL` (a superuser URL) a throwaway cluster is started with Tools/postgres.sh, with
/// PostgreSQL's defaults: fsync on, synchronous_commit on.
@MainActor
func storeBenchmark(entries n: Int) throws {
    line("Blotter store benchmark: \(n) entries, SQLite and PostgreSQL in the same run, \(cores) cores")
    guard let speed = opensslSpeed() else { fatalError("openssl speed ed25519 did not run") }
    line("openssl speed ed25519 (one core): sign \(fmt(speed.sign))/s, verify \(fmt(speed.verify))/s")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-bench-stores").path
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var server = postgresURL
    if server == nil { server = startThrowawayPostgres(dir + "/pg") }
    defer { if postgresURL == nil { stopThrowawayPostgres(dir + "/pg") } }
    let stamp = Int(Date().timeIntervalSince1970)
    func database(_ name: String) throws -> String {
        try PostgresStore.createDatabase(serverURL: server!, name: "\(name)_\(stamp)")
        return try PostgresStore.url(server!, database: "\(name)_\(stamp)")
    }

    // One set of statements for both stores.
    let origin = "ia.bench.example/ledger"
    let admin = try PrivateKey.generate(.ed25519)
    let operatorKey = try PrivateKey.generate(.ed25519)
    let genesis = try Genesis.statement(origin: origin, admin: "ia/admin", adminKey: admin, operatorKey: operatorKey.publicKey,
                                        roles: try RoleTable.bundled(), catalog: nil)
    var actors: [(String, PrivateKey)] = []
    var registrations: [Submission] = []
    for i in 0..<20 {
        let key = try PrivateKey.generate(.ed25519)
        let actor = "ia/investigator\(i)"
        registrations.append(try StatementDraft(
            log: origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin",
            fields: [("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))),
                     ("roles", .array([.string("intake"), .string("investigator")]))]).sign(with: admin))
        actors.append((actor, key))
    }
    let factory = StatementFactory(origin: origin, actors: actors)
    let g = DispatchTime.now()
    let statements = factory.make(0..<n, cores: cores)
    line("signed \(n) statements in \(fmt(seconds(since: g), 1)) s (not timed below)")

    func appendAll(_ store: any LedgerStore) throws -> Double {
        let ledger = Ledger(store: store, policy: nil)
        _ = try ledger.append(genesis)
        _ = try ledger.append(registrations)
        let start = DispatchTime.now()
        var done = 0
        while done < n {
            let end = min(done + 1000, n)
            _ = try ledger.append(Array(statements[done..<end]))
            done = end
        }
        return Double(n) / seconds(since: start)
    }
    let sqlitePath = dir + "/bench.ledger"
    let sqliteRate = try appendAll(try SQLiteStore.create(path: sqlitePath))
    line("")
    line("append, batches of 1,000, durable, signatures checked, bare log (no domain tables):")
    line("  SQLite       \(fmt(sqliteRate)) entries/s = \(fmt(100 * sqliteRate / speed.verify))% of one core's Ed25519 verify")
    let pgURL = try database("bench")
    let pgStore = try PostgresStore.create(url: pgURL)
    let pgRate = try appendAll(pgStore)
    try pgStore.close()
    line("  PostgreSQL   \(fmt(pgRate)) entries/s = \(fmt(100 * pgRate / sqliteRate))% of SQLite's (target >= 70%)")

    let total = Double(n + 21)
    let vs = measuredVerify(sqlitePath)
    let vp = measuredVerify(pgURL)
    guard vs.status == 0, vp.status == 0 else { fatalError("blotter verify failed: \(vs.status), \(vp.status)") }
    line("")
    line("blotter verify, \(n + 21) entries, whole process:")
    line("  SQLite       \(fmt(vs.seconds, 1)) s, \(fmt(total / vs.seconds)) entries/s = \(fmt(100 * total / vs.seconds / (Double(cores) * speed.verify)))% of \(cores) x Ed25519 verify; peak \(fmt(Double(vs.maxRSSKiB) / 1024, 1)) MiB")
    line("  PostgreSQL   \(fmt(vp.seconds, 1)) s, \(fmt(total / vp.seconds)) entries/s = \(fmt(100 * vs.seconds / vp.seconds))% of SQLite's (target >= 80%); peak \(fmt(Double(vp.maxRSSKiB) / 1024, 1)) MiB")

    // Writers in separate processes: one submitting half the statements, then four submitting an
    // eighth each at once, to fresh ledgers.
    func feed(_ range: Range<Int>, _ name: String) throws -> String {
        let path = dir + "/" + name + ".jsonl"
        var text = ""
        for s in statements[range] { text += String(decoding: try CanonicalJSON.encode(s.json()), as: UTF8.self) + "\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    func fresh() throws -> String {
        let url = try database("writers\(Int.random(in: 0..<1_000_000))")
        let ledger = Ledger(store: try PostgresStore.create(url: url), policy: nil)
        _ = try ledger.append(genesis)
        _ = try ledger.append(registrations)
        try ledger.close()
        return url
    }
    let half = n / 2, eighth = n / 8
    let one = try feed(0..<half, "one")
    let four = try (0..<4).map { try feed((half + $0 * eighth)..<(half + ($0 + 1) * eighth), "four-\($0)") }
    let single = try fresh()
    let s1 = DispatchTime.now()
    let r1 = spawnMeasured(blotterPath, ["submit", "--batch", "1000", "--ledger", single, one])
    let oneRate = Double(half) / seconds(since: s1)
    let shared = try fresh()
    let s4 = DispatchTime.now()
    var pids: [pid_t] = []
    for f in four {
        var pid: pid_t = 0
        let words: [String] = [blotterPath, "submit", "--batch", "1000", "--ledger", shared, f]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        guard posix_spawn(&pid, blotterPath, &actions, nil, argv, environ) == 0 else { fatalError("cannot start blotter submit") }
        posix_spawn_file_actions_destroy(&actions)
        argv.forEach { free($0) }
        pids.append(pid)
    }
    var failed = 0
    for pid in pids {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if status != 0 { failed += 1 }
    }
    let fourRate = Double(4 * eighth) / seconds(since: s4)
    line("")
    line("blotter submit into PostgreSQL, batches of 1,000, separate processes:")
    line("  1 process    \(half) statements: \(fmt(oneRate)) entries/s (status \(r1.status))")
    line("  4 processes  \(4 * eighth) statements at once: \(fmt(fourRate)) entries/s in total = \(fmt(fourRate / oneRate, 2))x one process's (target > 1x)\(failed > 0 ? "; \(failed) failed" : "")")
    let check = measuredVerify(shared)
    line("  the ledger the four wrote verifies: status \(check.status)")
}

/// A throwaway PostgreSQL cluster in `dir` (Tools/postgres.sh), with PostgreSQL's defaults (fsync
/// on, synchronous_commit on); its superuser URL.
func startThrowawayPostgres(_ dir: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [repository.appendingPathComponent("Tools/postgres.sh").path, "start", dir]
    let out = Pipe()
    p.standardOutput = out
    try! p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    // Not waitUntilExit: Foundation misses the exit of a script whose child daemonises (the
    // script stays a zombie and the wait never returns).
    var status: Int32 = 0
    waitpid(p.processIdentifier, &status, 0)
    guard status == 0, let url = text.split(separator: "\n").last.map(String.init) else { fatalError("cannot start PostgreSQL") }
    return url
}

func stopThrowawayPostgres(_ dir: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [repository.appendingPathComponent("Tools/postgres.sh").path, "stop", dir]
    if (try? p.run()) != nil {
        var status: Int32 = 0
        waitpid(p.processIdentifier, &status, 0)
    }
}
