import Blotter
import BlotterCrypto
import BlotterPostgres
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `--server SECONDS [--postgres URL]`: `blotter serve` under load from wrk (a load generator in C,
/// on the same machine), statements signed beforehand, on SQLite and then on PostgreSQL:
///   - durable appends through HTTP, 32 connections, one signed complaint per request: the rate
///     counted from the ledger's own size before and after, and wrk's latency percentiles;
///   - `GET /v1/cases/ID` signed in as a commander, offered at up to 512/s (64 connections, each
///     waiting 125 ms after an answer), while appends are offered at up to 1,024/s (128 connections):
///     each side's achieved rate and latency percentiles;
///   - beside them, the same statements appended in-process (`Ledger.append(groups:)` in batches of
///     256, and of 16 as 32 connections make) in the same run, and `openssl speed ed25519`.
/// wrk comes from Debian (`apt-get install wrk`).
@MainActor
func serverBenchmark(seconds duration: Int) throws {
    guard let wrk = which("wrk") else { fatalError("the server benchmark needs wrk: apt-get install wrk") }
    line("Blotter server benchmark: blotter serve under wrk, \(duration) s per run, \(cores) cores (load generator on the same machine)")
    guard let speed = opensslSpeed() else { fatalError("openssl speed ed25519 did not run") }
    line("openssl speed ed25519 (one core): sign \(fmt(speed.sign))/s, verify \(fmt(speed.verify))/s")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-bench-server").path
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let scripts = try writeWrkScripts(dir)

    if let serverStore, !["SQLite", "PostgreSQL"].contains(serverStore) { fatalError("--server-store is SQLite or PostgreSQL, not \(serverStore)") }
    let needsPostgres = serverStore == nil || serverStore == "PostgreSQL"
    var server = postgresURL
    if server == nil && needsPostgres { server = startThrowawayPostgres(dir + "/pg") }
    defer { if postgresURL == nil && needsPostgres { stopThrowawayPostgres(dir + "/pg") } }
    let stamp = Int(Date().timeIntervalSince1970)
    let stores: [(name: String, location: () throws -> String)] = [
        ("SQLite", { dir + "/server-\(UUID().uuidString.prefix(8)).ledger" }),
        ("PostgreSQL", {
            let name = "serverbench_\(stamp)_\(UUID().uuidString.prefix(8).lowercased())"
            try PostgresStore.createDatabase(serverURL: server!, name: name)
            return try PostgresStore.url(server!, database: name)
        }),
    ]
    for (name, location) in stores where serverStore == nil || serverStore == name {
        // In-process: the same kind of statements, in batches of the server's largest size.
        let inProcess = try BenchLedger(location: try location(), cases: 0)
        let statements = try inProcess.complaints(20_000, prefix: "C-IP")
        let inProcessRate = try appendRate(inProcess.ledger, statements, batch: 256)
        line("\(name): in-process append, batches of 256, signatures checked: \(fmt(inProcessRate))/s (\(fmt(100 * inProcessRate / speed.verify))% of one core's Ed25519 verify)")
        // Batches as small as 32 connections make: what each batch costs besides its statements
        // (the commit's fsync, the look-ups at its start) shows here.
        let smallRate = try appendRate(inProcess.ledger, try inProcess.complaints(4_000, prefix: "C-IPS"), batch: 16)
        try inProcess.ledger.close()
        line("\(name): in-process append, batches of 16: \(fmt(smallRate))/s (\(fmt(100 * smallRate / speed.verify))% of one core's Ed25519 verify)")

        // Through HTTP, as fast as 32 connections go.
        let bench = try BenchLedger(location: try location(), cases: 200)
        let bodies = dir + "/bodies.jsonl"
        try bench.writeBodies(try bench.complaints(max(20_000, 7_000 * duration), prefix: "C-HTTP"), to: bodies)
        var process = try startServer(bench.location, flags: serverFlags)
        defer { process.stop() }
        let before = try bench.ledger.count()
        let full = runWrk(wrk, ["-t2", "-c32", "-d\(duration)s", "--timeout", "10s", "--latency", "-s", scripts.post, process.base + "/v1/submissions", "--", "2", bodies])
        let appended = try bench.ledger.count() - before
        if let metrics = try? String(contentsOf: URL(string: process.base + "/metrics")!, encoding: .utf8) {
            for l in metrics.split(separator: "\n") where (l.hasPrefix("blotter_batch_statements") || l.hasPrefix("blotter_batch_commit_seconds")) && (l.contains("_sum") || l.contains("_count")) { line("  metrics: " + l) }
        }
        line("\(name): HTTP appends, 32 connections: \(fmt(Double(appended) / Double(duration))) appended/s (ledger count; wrk \(fmt(full.rate)) requests/s), "
             + "latency p50 \(full.p50) p90 \(full.p90) p99 \(full.p99), non-200 \(full.non200), socket errors \(full.socketErrors)")

        // Reads of case files while appends go on, each paced.
        let token = try signIn(process.base, bench.commander)
        let caseList = dir + "/cases.txt"
        try bench.caseIDs.joined(separator: "\n").write(toFile: caseList, atomically: true, encoding: .utf8)
        try bench.writeBodies(try bench.complaints(max(20_000, 1_500 * duration), prefix: "C-MIX"), to: bodies)
        let mixBefore = try bench.ledger.count()
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: wrk)
        // Paced by a wait after each answer (wrk's delay), over many connections so that latency
        // takes little off the offered rate: 128 connections waiting 125 ms, at most 1,024 appends/s.
        writer.arguments = ["-t1", "-c128", "-d\(duration)s", "--timeout", "10s", "--latency", "-s", scripts.post, process.base + "/v1/submissions", "--", "1", bodies, "125"]
        let writerOut = Pipe()
        writer.standardOutput = writerOut
        try writer.run()
        // 64 connections waiting 125 ms: at most 512 reads/s.
        let reads = runWrk(wrk, ["-t1", "-c64", "-d\(duration)s", "--timeout", "10s", "--latency", "-s", scripts.read, process.base + "/v1/cases/", "--", token, caseList, "125"])
        let writes = parseWrk(String(decoding: writerOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        writer.waitUntilExit()
        let mixAppended = try bench.ledger.count() - mixBefore
        line("\(name): GET /v1/cases/ID at \(fmt(reads.rate)) reads/s while \(fmt(Double(mixAppended) / Double(duration))) appends/s: "
             + "read latency p50 \(reads.p50) p90 \(reads.p90) p99 \(reads.p99) (non-200 \(reads.non200)); append p99 \(writes.p99) (non-200 \(writes.non200))")
        let audited = try bench.ledger.accessLog(AccessQuery(view: "case", limit: 10_000_000)).count
        line("\(name): access-log records written: \(audited) (one per case read answered)")
        process.stop()
        let verify = measuredVerify(bench.location)
        line("\(name): blotter verify after the runs: status \(verify.status), \(try bench.ledger.count()) entries")
        try bench.ledger.close()
    }
}

/// A domain ledger for the benchmark: 8 intake keys (statements spread over them), a commander to
/// read with, and `cases` open cases to read.
final class BenchLedger {
    let location: String
    let ledger: Ledger
    let origin = "ia.bench.example/ledger"
    let admin: PrivateKey
    let commander: PrivateKey
    var intake: [(String, PrivateKey)] = []
    var caseIDs: [String] = []

    init(location: String, cases: Int) throws {
        self.location = location
        let store: any LedgerStore = location.hasPrefix("postgres") ? try PostgresStore.create(url: location) : try SQLiteStore.create(path: location)
        ledger = Ledger(store: store)
        admin = try PrivateKey.generate(.ed25519)
        commander = try PrivateKey.generate(.ed25519)
        let operatorKey = try PrivateKey.generate(.ed25519)
        _ = try ledger.append(try Genesis.statement(origin: origin, admin: "ia/admin", adminKey: admin, operatorKey: operatorKey.publicKey,
                                                    roles: try RoleTable.bundled(), catalog: try EventCatalog.bundled()))
        func register(_ actor: String, _ key: PrivateKey, _ roles: [String]) throws {
            _ = try ledger.append(try StatementDraft(log: origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin", fields: [
                ("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))), ("roles", .array(roles.map { .string($0) })),
            ]).sign(with: admin))
        }
        try register("ia/cmdr", commander, ["commander"])
        for i in 0..<8 {
            let key = try PrivateKey.generate(.ed25519)
            try register("ia/intake-\(i)", key, ["intake"])
            intake.append(("ia/intake-\(i)", key))
        }
        for (i, complaint) in try complaints(cases, prefix: "C-SEED").enumerated() {
            _ = try ledger.append(complaint)
            let id = "IA-2026-\(String(format: "%05d", i))"
            _ = try ledger.append(try StatementDraft(log: origin, type: "case.opened", schema: try currentSchema("case.opened"), stream: "case/\(id)", actor: intake[0].0, fields: [
                ("case_id", .string(id)), ("complaints", .array([.string(complaint.statement.stream.replacingOccurrences(of: "complaint/", with: ""))])),
                ("discovery_date", .string("2026-11-02")), ("unit", .string("IAB Group \(i % 4 + 1)")),
            ]).sign(with: intake[0].1))
            caseIDs.append(id)
        }
    }

    /// `n` signed complaints of about 1 KiB each, new streams, spread over the intake keys.
    func complaints(_ n: Int, prefix: String) throws -> [Submission] {
        let narrative = String(repeating: "Complainant states that during a traffic stop the officer used force and refused to give a badge number. ", count: 6)
        return try (0..<n).map { i in
            let (actor, key) = intake[i % intake.count]
            let id = "\(prefix)-\(i)"
            return try StatementDraft(log: origin, type: "complaint.received", schema: try currentSchema("complaint.received"), stream: "complaint/\(id)", expect: 0, actor: actor, fields: [
                ("complaint_id", .string(id)), ("channel", .string("phone")), ("received_at", .string("2026-11-02T09:00:00Z")),
                ("officers", .array([.string("P-\(1000 + i % 300)")])), ("narrative", .string(narrative)),
            ]).sign(with: key)
        }
    }

    /// One submission's JSON per line, what wrk's script posts.
    func writeBodies(_ submissions: [Submission], to path: String) throws {
        var out = [UInt8]()
        for s in submissions { out += try CanonicalJSON.encode(s.json()) + [0x0A] }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }
}

/// `blotter serve` (the release binary beside this one) on a free port.
struct ServerProcess {
    let process: Process
    let base: String
    mutating func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// Appends `statements` in-process, `batch` one-statement groups per call, and returns statements a second.
func appendRate(_ ledger: Ledger, _ statements: [Submission], batch: Int) throws -> Double {
    let started = DispatchTime.now()
    for first in stride(from: 0, to: statements.count, by: batch) {
        _ = try ledger.append(groups: statements[first..<min(first + batch, statements.count)].map { AppendGroup([$0]) })
    }
    return Double(statements.count) / seconds(since: started)
}

func startServer(_ location: String, flags: [String]) throws -> ServerProcess {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: blotterPath)
    p.arguments = ["serve", "--ledger", location, "--listen", "127.0.0.1:0", "--log-level", "warning"] + flags
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    var text = ""
    while !text.contains("\n") {
        let data = out.fileHandleForReading.availableData
        guard !data.isEmpty else { fatalError("blotter serve ended: \(text)") }
        text += String(decoding: data, as: UTF8.self)
    }
    // "serving LEDGER at http://127.0.0.1:PORT": the ledger may be a PostgreSQL URL on loopback too.
    guard let range = text.range(of: #"at http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { fatalError("blotter serve said: \(text)") }
    // Keep reading its output so it never writes into a full pipe.
    Thread.detachNewThread { while !out.fileHandleForReading.availableData.isEmpty {} }
    return ServerProcess(process: p, base: String(text[range].dropFirst(3)))
}

/// Signs in with `key` (challenge, signature, session) and returns the bearer token.
func signIn(_ base: String, _ key: PrivateKey) throws -> String {
    func call(_ method: String, _ path: String, _ body: [UInt8]? = nil) throws -> JSONValue {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let body { request.httpBody = Data(body) }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in result = data; done.signal() }.resume()
        done.wait()
        return try JSONParser.parse(Array(result ?? Data()))
    }
    let challenge = try call("GET", "/v1/challenge")
    let text = challenge["sign"]!.stringValue!
    let signature = try key.signature(for: Array(text.utf8))
    let session = try call("POST", "/v1/session", try CanonicalJSON.encode(.object([
        ("key", .string(key.publicKey.keyID)), ("nonce", challenge["nonce"]!), ("signature", .string(Base64.urlEncode(signature))),
    ])))
    guard let token = session["token"]?.stringValue else { fatalError("sign-in failed: \(session)") }
    return token
}

/// The Lua scripts wrk runs: posting the pre-signed bodies (each thread its share, each body once,
/// an optional pause per request), and reading case files with a bearer token.
func writeWrkScripts(_ dir: String) throws -> (post: String, read: String) {
    let common = """
        local threads = {}
        function setup(thread)
          thread:set("id", #threads)
          table.insert(threads, thread)
        end
        non200 = 0
        function response(status, headers, body)
          if status ~= 200 then non200 = non200 + 1 end
        end
        function done(summary, latency, requests)
          local total = 0
          for _, t in ipairs(threads) do total = total + t:get("non200") end
          io.write(string.format("non200 %d\\n", total))
        end
        local pause = 0
        function delay() return pause end

        """
    let post = common + """
        local bodies = {}
        local next = 0
        function init(args)
          local nthreads, index = tonumber(args[1]), 0
          for line in io.lines(args[2]) do
            if index % nthreads == id then table.insert(bodies, line) end
            index = index + 1
          end
          pause = tonumber(args[3] or "0")
          wrk.method = "POST"
          wrk.headers["Content-Type"] = "application/json"
        end
        function request()
          next = next + 1
          if next > #bodies then next = 1 end
          return wrk.format("POST", nil, nil, bodies[next])
        end
        """
    let read = common + """
        local cases = {}
        function init(args)
          wrk.headers["Authorization"] = "Bearer " .. args[1]
          for line in io.lines(args[2]) do table.insert(cases, line) end
          pause = tonumber(args[3] or "0")
          math.randomseed(id + 1)
        end
        function request()
          return wrk.format("GET", wrk.path .. cases[math.random(#cases)])
        end
        """
    let postPath = dir + "/post.lua", readPath = dir + "/read.lua"
    try post.write(toFile: postPath, atomically: true, encoding: .utf8)
    try read.write(toFile: readPath, atomically: true, encoding: .utf8)
    return (postPath, readPath)
}

struct WrkResult {
    var rate = 0.0
    var p50 = "?", p90 = "?", p99 = "?"
    var non200 = 0
    var socketErrors = "0"
}

func runWrk(_ wrk: String, _ arguments: [String]) -> WrkResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: wrk)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    try! p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return parseWrk(text)
}

/// Reads wrk's report: Requests/sec, the --latency percentiles, socket errors, and the script's non-200 count.
func parseWrk(_ text: String) -> WrkResult {
    var r = WrkResult()
    for raw in text.split(separator: "\n") {
        let fields = raw.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first else { continue }
        switch first {
        case "Requests/sec:": r.rate = Double(fields[1]) ?? 0
        case "50%": r.p50 = String(fields[1])
        case "90%": r.p90 = String(fields[1])
        case "99%": r.p99 = String(fields[1])
        case "non200": r.non200 = Int(fields[1]) ?? 0
        case "Socket": r.socketErrors = fields.dropFirst(2).joined(separator: " ")
        default: break
        }
    }
    return r
}

func which(_ program: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/\(program)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// The bundled catalog, compiled once (compiling it takes milliseconds: every schema's patterns).
nonisolated(unsafe) private var compiledCatalog: EventCatalog?
func bundledCatalog() throws -> EventCatalog {
    if let compiledCatalog { return compiledCatalog }
    let catalog = try EventCatalog.bundled()
    compiledCatalog = catalog
    return catalog
}

/// The current schema version of a type in the bundled catalog: what a domain ledger made with it
/// takes (an earlier version is refused).
func currentSchema(_ type: String) throws -> Int64 {
    guard let version = try bundledCatalog().types[type]?.version else { fatalError("\(type) is not in the bundled catalog") }
    return version
}
