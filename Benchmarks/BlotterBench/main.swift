// Blotter's benchmarks: prints figures beside this machine's own limits (`openssl speed`).
//
//   swift run -c release blotter-bench [--entries N] [--checkpoint N] [--dir DIR] [--skip-python] [--python-verifier]
//   swift run -c release blotter-bench --tree LEDGER     (Merkle tree: root from scratch, proof latency)
//   swift run -c release blotter-bench --stores N [--postgres URL]   (SQLite and PostgreSQL side by side)
//   swift run -c release blotter-bench --server SECONDS [--postgres URL] [--server-store SQLite|PostgreSQL] [--serve-flag F]...   (blotter serve under wrk)
//
// Measures, on a ledger of N entries of realistic size (about 1 KiB of statement each):
//   - appending signed statements durably (synchronous=FULL) in batches of 1,000, signature checks
//     included, against one core's Ed25519 verify rate (target: at least 70%);
//   - single appends (one statement, one transaction): median and p99 latency (target: median < 10 ms);
//   - `blotter verify` of the whole ledger in a separate process, against cores x one core's Ed25519
//     verify rate (target: at least 80%), with its peak memory (target: < 200 MiB, flat from
//     100,000 to N entries);
//   - for comparison, the Python eventsourcing library appending N unsigned events in batches of 10.

import Blotter
import BlotterDemo
import BlotterPostgres
import BlotterSQL
import BlotterCrypto
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

// MARK: options

var entries = 1_000_000
var checkpoint = 100_000
var directory = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-bench").path
var runPython = true
var runPythonVerifier = false
var treeLedger: String? = nil
var syntheticTree: Int64? = nil
var domainEvents: Int? = nil
var domainLedger: String? = nil
var importRows: Int? = nil
var exportRecords: Int? = nil
var storeEntries: Int? = nil
var postgresURL: String? = nil
var serverSeconds: Int? = nil
var serverStore: String? = nil
var serverFlags: [String] = []
var quick = false
let usage = """
    usage: blotter-bench [OPTION...]   (build with `swift build -c release`; every figure is printed
                                        beside `openssl speed ed25519` of the same run)
      (no option)             the ledger core: append, single appends, verify, tree, proofs (--entries)
      --entries N             entries of the ledger-core run (default 1000000)
      --checkpoint N          also report the append rate over the first N entries
      --dir DIR               where the benchmark's ledgers go
      --skip-python           leave out the Python eventsourcing comparison
      --python-verifier       also time Tools/verify_ledger.py
      --tree LEDGER           root, proofs and tiles on an existing ledger
      --proofs-at N           proofs on a tree of N entries (the tree table only)
      --domain N              the Precinct 120 demo scaled to N entries: build, rebuild, views
      --domain-ledger FILE    reuse a domain ledger built by --domain
      --import N              the NJ use-of-force file ($BLOTTER_DATA or ../shared/data) repeated to N rows, imported
      --export N              export and verify-export of N published use-of-force records
      --stores N              the same N statements appended to SQLite and to PostgreSQL
      --postgres URL          the PostgreSQL database for --stores and --server (else a throwaway cluster)
      --server SECONDS        `blotter serve` under wrk load for SECONDS per run
      --server-store S        SQLite or PostgreSQL (default both)
      --serve-flag F          pass F to `blotter serve` (repeat)
      --quick                 every figure at small sizes, one after another (a regression check by
                              hand, under 3 minutes; the sizes are too small for the targets)
      --help                  this text
    """
func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("blotter-bench: \(message)\n\n\(usage)\n".utf8))
    exit(2)
}
var arguments = CommandLine.arguments.dropFirst().makeIterator()
@MainActor func value(_ option: String) -> String {
    guard let v = arguments.next() else { usageError("\(option) needs a value") }
    return v
}
@MainActor func number<T: FixedWidthInteger>(_ option: String) -> T {
    let v = value(option)
    guard let n = T(v), n >= 0 else { usageError("\(option) takes a whole number, not \(v)") }
    return n
}
while let a = arguments.next() {
    switch a {
    case "--help", "-h":
        print(usage)
        exit(0)
    case "--entries": entries = number(a)
    case "--checkpoint": checkpoint = number(a)
    case "--dir": directory = value(a)
    case "--skip-python": runPython = false
    case "--python-verifier": runPythonVerifier = true
    case "--tree": treeLedger = value(a)
    case "--proofs-at": syntheticTree = number(a)
    case "--domain": domainEvents = number(a)
    case "--domain-ledger": domainLedger = value(a)
    case "--import": importRows = number(a)
    case "--export": exportRecords = number(a)
    case "--stores": storeEntries = number(a)
    case "--postgres": postgresURL = value(a)
    case "--server": serverSeconds = number(a)
    case "--server-store": serverStore = value(a)
    case "--serve-flag": serverFlags.append(value(a))
    case "--quick": quick = true
    default: usageError("unknown argument \(a)")
    }
}
checkpoint = min(checkpoint, entries)
let cores = ProcessInfo.processInfo.activeProcessorCount
let executableDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let blotterPath = executableDirectory.appendingPathComponent("blotter").path
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func line(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
func seconds(since start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
func fmt(_ v: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", v) }

// MARK: every figure at small sizes (--quick)

/// Runs this benchmark again once per figure, at sizes that finish in seconds, and says how long
/// each took. The figures print beside their limits and targets as in a full run; at these sizes
/// they show a regression, not whether a target is met.
if quick {
    let quickDirectory = directory + "/quick"
    let runs: [(String, [String])] = [
        ("ledger core: append, single appends, verify, Python verifier", ["--entries", "20000", "--checkpoint", "10000", "--skip-python", "--python-verifier"]),
        ("Merkle tree, proofs and tiles on that ledger", ["--tree", quickDirectory + "/bench.ledger"]),
        ("domain: demo build, projection rebuild, views", ["--domain", "3000"]),
        ("import of the New Jersey file", ["--import", "5000"]),
        ("disclosure export and verify-export", ["--export", "2000"]),
        ("SQLite and PostgreSQL side by side", ["--stores", "5000"] + (postgresURL.map { ["--postgres", $0] } ?? [])),
        ("blotter serve under wrk", ["--server", "2"] + (postgresURL.map { ["--postgres", $0] } ?? [])),
    ]
    let started = DispatchTime.now()
    var failed: [String] = []
    for (what, arguments) in runs {
        line("")
        line("== \(what): blotter-bench \(arguments.joined(separator: " "))")
        let run = DispatchTime.now()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        p.arguments = arguments + ["--dir", quickDirectory]
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { failed.append(what) }
        line("== \(fmt(seconds(since: run), 1)) s\(p.terminationStatus == 0 ? "" : ", FAILED with status \(p.terminationStatus)")")
    }
    let total = seconds(since: started)
    line("")
    line("quick run: \(runs.count) benchmarks in \(fmt(total)) s (target < 180 s)\(failed.isEmpty ? "" : "; failed: " + failed.joined(separator: ", "))")
    exit(failed.isEmpty ? 0 : 1)
}

// MARK: the machine's own limits

/// Runs `openssl speed -seconds 3 ARGUMENTS` (one core) and returns what it printed.
func runOpenSSLSpeed(_ arguments: [String]) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["openssl", "speed", "-seconds", "3"] + arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return text
}

/// `openssl speed ed25519`: one core's sign and verify rates.
func opensslSpeed() -> (sign: Double, verify: Double)? {
    guard let text = runOpenSSLSpeed(["ed25519"]), let row = text.split(separator: "\n").first(where: { $0.contains("Ed25519") }) else { return nil }
    let numbers = row.split(separator: " ").compactMap { Double($0) }
    guard numbers.count >= 2 else { return nil }
    return (numbers[numbers.count - 2], numbers[numbers.count - 1])
}

/// Runs `blotter verify --json` and returns its exit status, wall time and peak resident memory
/// (KiB) as the process itself read it from /proc (VmHWM). (wait4's ru_maxrss is not usable here:
/// posix_spawn's vfork makes the child's high-water mark include this process's memory.)
func measuredVerify(_ ledger: String) -> (status: Int32, seconds: Double, maxRSSKiB: Int) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: blotterPath)
    p.arguments = ["verify", "--json", "--ledger", ledger]
    let out = Pipe()
    p.standardOutput = out
    let start = DispatchTime.now()
    try! p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let elapsed = seconds(since: start)
    let result = try? JSONParser.parse(text.trimmingCharacters(in: .whitespacesAndNewlines))
    return (p.terminationStatus, elapsed, Int(result?["peak_memory_kib"]?.integerValue ?? -1))
}

/// Runs a program and returns its exit status and wall time.
func spawnMeasured(_ path: String, _ args: [String]) -> (status: Int32, seconds: Double, maxRSSKiB: Int) {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let start = DispatchTime.now()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { fatalError("cannot start \(path)") }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    return ((status >> 8) & 0xff, seconds(since: start), usage.ru_maxrss)
}

/// `openssl speed -bytes 64 sha256`: one core's 64-byte SHA-256 rate (a Merkle node hashes 65 bytes).
func opensslSHA256Speed() -> Double? {
    // "sha256  <k bytes/s>k": thousands of bytes per second for 64-byte blocks.
    guard let text = runOpenSSLSpeed(["-bytes", "64", "sha256"]), let row = text.split(separator: "\n").last(where: { $0.hasPrefix("sha256") }),
          let value = row.split(separator: " ").last.flatMap({ Double($0.dropLast()) }) else { return nil }
    return value * 1000 / 64
}

// MARK: proofs at a size too large to append here (--proofs-at N)

if let n = syntheticTree {
    // A ledger file whose tree table is that of N entries (random leaf hashes, every complete subtree
    // stored as appends store them) and whose entries table ends at seq N-1. Proofs read only the
    // tree table and the count, so their latency is that of a real ledger of N entries.
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-bench-proofs.ledger").path
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try SQLiteStore.create(path: path)
    let build = DispatchTime.now()
    try store.write { w in
        var frontier = MerkleFrontier()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<n {
            let leaf = TreeHash(bytes: (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next() as UInt64) { Array($0) } })!
            try frontier.append(leaf) { level, index, hash in try w.insertTreeHash(level: level, index: index, hash: hash) }
        }
    }
    try store.close()
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        try db.execute(sql: "INSERT INTO entries (seq, bytes, type, stream, stream_version, actor, key_id, at, nonce, recorded) VALUES (?, x'', '', '', 0, '', '', '', '', '')",
                       arguments: [n - 1])
    }
    try queue.close()
    let ledger = Ledger(store: try SQLiteStore.open(path: path))
    line("synthetic tree of \(n) leaves built in \(fmt(seconds(since: build), 1)) s (tree table only; entries table ends at seq \(n - 1))")
    var inclusion: [Double] = [], consistency: [Double] = []
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
        let a = DispatchTime.now()
        _ = try ledger.inclusionProof(seq: Int64.random(in: 0..<n, using: &rng))
        inclusion.append(seconds(since: a) * 1000)
        let b = DispatchTime.now()
        _ = try ledger.consistencyProof(oldSize: Int64.random(in: 1...n, using: &rng), newSize: n)
        consistency.append(seconds(since: b) * 1000)
    }
    inclusion.sort()
    consistency.sort()
    line("inclusion proof at \(n) entries: median \(fmt(inclusion[1000], 3)) ms, p99 \(fmt(inclusion[1980], 3)) ms (target < 1 ms)")
    line("consistency proof at \(n) entries: median \(fmt(consistency[1000], 3)) ms, p99 \(fmt(consistency[1980], 3)) ms (target < 1 ms)")
    try ledger.close()
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    exit(0)
}

// MARK: import (--import N): the NJ use-of-force file repeated to N rows, through `blotter import`

if let n = importRows {
    guard let speed = opensslSpeed() else { fatalError("openssl speed ed25519 did not run") }
    line("openssl speed ed25519 (one core): sign \(fmt(speed.sign))/s, verify \(fmt(speed.verify))/s; \(cores) cores")
    let data = ProcessInfo.processInfo.environment["BLOTTER_DATA"].map { URL(fileURLWithPath: $0) }
        ?? repository.deletingLastPathComponent().appendingPathComponent("shared/data")
    let source = data.appendingPathComponent("nj-use-of-force.csv").path
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // The file repeated with a distinct report id per copy, at N/5 and N rows, to show memory flat in the file size.
    var reader = try SourceReader(path: source, format: .csv)
    var records: [[String]] = []
    while let r = try reader.next() { records.append(r.raw) }
    reader.close()
    let idColumn = reader.header.firstIndex(of: "unique_report_id")!
    for rows in [n / 5, n] {
        let csv = directory + "/nj-\(rows).csv"
        FileManager.default.createFile(atPath: csv, contents: nil)
        let out = FileHandle(forWritingAtPath: csv)!
        out.write(Data((reader.header.joined(separator: ",") + "\r\n").utf8))
        var chunk = ""
        for i in 0..<rows {
            var r = records[i % records.count]
            r[idColumn] += i < records.count ? "" : "r\(i / records.count)"
            chunk += SourceReader.csvLine(r) + "\r\n"
            if chunk.utf8.count > 1 << 20 { out.write(Data(chunk.utf8)); chunk = "" }
        }
        out.write(Data(chunk.utf8))
        try out.close()
        let ledgerPath = directory + "/import-\(rows).ledger"
        for suffix in ["", "-wal", "-shm", ".operator.pem"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
        let adminKey = directory + "/import-admin.pem", importerKey = directory + "/import-importer.pem"
        for k in [adminKey, importerKey, importerKey + ".pub"] { try? FileManager.default.removeItem(atPath: k) }
        func cli(_ args: [String]) -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: blotterPath)
            p.arguments = args
            let pipe = Pipe()
            p.standardOutput = pipe
            try! p.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { fatalError("blotter \(args.joined(separator: " ")) failed") }
            return text
        }
        _ = cli(["init", "--ledger", ledgerPath, "--origin", "bench.example/import", "--admin", "admin/bench", "--admin-key", adminKey])
        _ = cli(["keys", "generate", "--out", importerKey, "--public-out", importerKey + ".pub"])
        _ = cli(["keys", "register", "--ledger", ledgerPath, "--key", adminKey, "--subject", "import/nj", "--role", "importer", importerKey + ".pub"])
        let mapping = repository.appendingPathComponent("Tools/mappings/nj-use-of-force.json").path
        let start = DispatchTime.now()
        let text = cli(["import", "--ledger", ledgerPath, "--key", importerKey, "--mapping", mapping, "--quiet", "--json", csv])
        let s = seconds(since: start)
        let report = try JSONParser.parse(text.trimmingCharacters(in: .whitespacesAndNewlines))
        let written = report["statements"]?["use_of_force.reported"]?.integerValue ?? 0
        line("import \(rows) rows (\(written) statements, \(report["rows_rejected"]?.integerValue ?? -1) rejected) in \(fmt(s, 1)) s = \(fmt(Double(rows) / s)) rows/s end to end (target >= 5,000/s); peak memory \((report["peak_memory_kib"]?.integerValue ?? 0) / 1024) MiB; file \(((try? FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int) ?? 0) / 1_048_576) MiB")
        line("  per row: \(fmt(1e6 * s / Double(rows))) us; the machine's Ed25519 on \(cores) cores would sign+verify \(fmt(Double(cores) / (1 / speed.sign + 1 / speed.verify))) statements/s")
        // Again: everything is already there, so this is the cost of reading, mapping and comparing.
        let again = DispatchTime.now()
        _ = cli(["import", "--ledger", ledgerPath, "--key", importerKey, "--mapping", mapping, "--quiet", "--json", csv])
        line("  import again (nothing new): \(fmt(seconds(since: again), 1)) s = \(fmt(Double(rows) / seconds(since: again))) rows/s")
    }
    exit(0)
}

// MARK: disclosure export (--export N): N use-of-force reports, all published under the CA-style policy

if let n = exportRecords {
    guard let speed = opensslSpeed() else { fatalError("openssl speed ed25519 did not run") }
    line("openssl speed ed25519 (one core): sign \(fmt(speed.sign))/s, verify \(fmt(speed.verify))/s; \(cores) cores")
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory + "/export-\(n).ledger"
    let custodianPath = path + ".custodian.pem"
    if !FileManager.default.fileExists(atPath: path) {
        let origin = "bench.example/export"
        let admin = try PrivateKey.generate(.ed25519), operatorKey = try PrivateKey.generate(.ed25519)
        let importer = try PrivateKey.generate(.ed25519), custodian = try PrivateKey.generate(.ed25519)
        let ledger = Ledger(store: try SQLiteStore.create(path: path))
        _ = try ledger.append(try Genesis.statement(origin: origin, admin: "ia/admin", adminKey: admin, operatorKey: operatorKey.publicKey,
                                                    roles: try RoleTable.bundled(), catalog: try EventCatalog.bundled()))
        try operatorKey.pkcs8PEM.write(toFile: path + ".operator.pem", atomically: true, encoding: .utf8)
        try custodian.pkcs8PEM.write(toFile: custodianPath, atomically: true, encoding: .utf8)
        for (actor, key, role) in [("sys/bench", importer, "importer"), ("records/bench", custodian, "custodian")] {
            _ = try ledger.append(try StatementDraft(log: origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin", fields: [
                ("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))), ("roles", .array([.string(role)])),
            ]).sign(with: admin))
        }
        let start = DispatchTime.now()
        let uofSchema = try currentSchema("use_of_force.reported")
        let batch = 2000
        for from in stride(from: 0, to: n, by: batch) {
            let count = min(batch, n - from)
            var signed = [Submission?](repeating: nil, count: count)
            signed.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let out = out
                DispatchQueue.concurrentPerform(iterations: count) { k in
                    let i = from + k
                    let day = 1 + i % 28, month = 1 + (i / 28) % 12
                    out[k] = try! StatementDraft(log: origin, type: "use_of_force.reported", schema: uofSchema, stream: "uof/UOF-\(i)", actor: "sys/bench", fields: [
                        ("report_id", .string("UOF-\(i)")), ("officer", .string("P-\(1000 + i % 700)")), ("agency", .string("Bench PD")),
                        ("incident_at", .string(String(format: "2025-%02d-%02dT12:00:00Z", month, day))), ("municipality", .string("Benchville")),
                        ("location", .string("\(i) Main St")), ("force_types", .array([.string("Compliance hold"), .string("Takedown")])),
                        ("subjects_count", .integer(1)), ("subjects_injured", .integer(Int64(i % 3 == 0 ? 1 : 0))),
                        ("great_bodily_injury", .bool(i % 40 == 0)), ("death", .bool(false)), ("firearm_discharged", .bool(i % 97 == 0)),
                        ("video_footage", .bool(true)), ("narrative", .string("Subject resisted; force used to effect the arrest (report \(i)).")),
                    ]).sign(with: importer)
                }
            }
            _ = try ledger.append(signed.map { $0! })
        }
        line("export bench ledger: \(n) use-of-force reports appended in \(fmt(seconds(since: start), 1)) s")
        try ledger.close()
    }
    func spawn(_ exe: String, _ args: [String]) -> (seconds: Double, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe(), err = Pipe()
        p.standardOutput = pipe
        p.standardError = err
        let start = DispatchTime.now()
        try! p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { fatalError("\(exe) \(args.joined(separator: " ")) failed: \(errors)") }
        return (seconds(since: start), text)
    }
    let out = directory + "/export-\(n)-bundle"
    try? FileManager.default.removeItem(atPath: out)
    let policy = repository.appendingPathComponent("Tools/policies/ca-sb1421.json").path
    let verifyStart = DispatchTime.now()
    _ = spawn(blotterPath, ["verify", "--ledger", path])
    let verifySeconds = seconds(since: verifyStart)
    let export = spawn(blotterPath, ["export", "--ledger", path, "--policy", policy, "--out", out, "--key", custodianPath, "--json"])
    let report = try JSONParser.parse(export.output.trimmingCharacters(in: .whitespacesAndNewlines))
    let records = report["records"]?.integerValue ?? 0
    var bytes = 0
    for name in (FileManager.default.enumerator(atPath: out)?.allObjects as? [String]) ?? [] {
        bytes += ((try? FileManager.default.attributesOfItem(atPath: out + "/" + name)[.size] as? Int) ?? 0) ?? 0
    }
    line("export \(records) records (\(report["entries"]?.integerValue ?? 0) entries with proofs, \(report["proved_values"]?.integerValue ?? 0) proved values) in \(fmt(export.seconds, 1)) s end to end (target < 30 s); bundle \(bytes / 1_048_576) MiB; peak memory \((report["peak_memory_kib"]?.integerValue ?? 0) / 1024) MiB")
    func number(_ v: JSONValue?) -> Double { if case let .double(d)? = v { return d } else { return Double(v?.integerValue ?? 0) } }
    let phases = (report["phases"]?.objectValue ?? []).map { "\($0.0) \(fmt(number($0.1), 1)) s" }.joined(separator: ", ")
    line("  of which: verifying the ledger first \(fmt(verifySeconds, 1)) s (measured alone); writing the bundle \(fmt(number(report["seconds"]), 1)) s (\(phases))")
    let vkey = spawn(blotterPath, ["operator-key", "--ledger", path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    let check = spawn(blotterPath, ["verify-export", out, "--key", vkey, "--json"])
    let checked = try JSONParser.parse(check.output.trimmingCharacters(in: .whitespacesAndNewlines))
    let entriesChecked = checked["entries"]?.integerValue ?? 0
    let signaturesAlone = Double(entriesChecked) / (speed.verify * Double(cores))
    line("verify-export: \(checked["records"]?.integerValue ?? 0) records, \(entriesChecked) entries in \(fmt(check.seconds, 1)) s = \(fmt(check.seconds / signaturesAlone, 2))x "
         + "the machine's Ed25519 verify of those signatures alone on \(cores) cores (\(fmt(signaturesAlone, 1)) s; target <= 1.5x); "
         + "peak memory \((checked["peak_memory_kib"]?.integerValue ?? 0) / 1024) MiB (target < 200 MiB, flat in the bundle size)")
    if runPython {
        let py = spawn("/usr/bin/env", ["python3", repository.appendingPathComponent("Tools/verify_export.py").path, out, "--key", vkey])
        line("verify_export.py: \(fmt(py.seconds, 1)) s — \(py.output.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))")
    }
    exit(0)
}

// MARK: the domain (--domain N [--domain-ledger PATH]): demo build, rebuild, case and officer views, validation cost

if let n = domainEvents {
    guard let speed = opensslSpeed() else { fatalError("openssl speed ed25519 did not run") }
    line("openssl speed ed25519 (one core): sign \(fmt(speed.sign))/s, verify \(fmt(speed.verify))/s; \(cores) cores")
    let path = domainLedger ?? directory + "/precinct120-\(n).ledger"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    if !FileManager.default.fileExists(atPath: path) {
        var demo = Precinct120(events: n)
        let start = DispatchTime.now()
        var last = DispatchTime.now()
        let report = try demo.build(path: path, keysDirectory: path + ".keys") { done in
            if seconds(since: last) > 30 { last = .now(); line("  ... \(done) entries, \(fmt(Double(done) / seconds(since: start))) /s") }
        }
        let s = seconds(since: start)
        line("demo build: \(report.entries) entries in \(fmt(s, 1)) s = \(fmt(Double(report.entries) / s)) entries/s (signing on \(cores) cores, schema validation, lifecycle rules, projections, durable commits)")
    }
    let ledger = try Ledger.open(path: path)
    let count = try ledger.count()
    // Rebuild, twice; the second is the one reported (the first warms the page cache like a running server).
    var rebuildSeconds = 0.0
    for _ in 0..<2 {
        let start = DispatchTime.now()
        try ledger.rebuildProjections()
        rebuildSeconds = seconds(since: start)
    }
    line("projection rebuild: \(count) entries in \(fmt(rebuildSeconds, 2)) s = \(fmt(Double(count) / rebuildSeconds)) entries/s (target >= 60,000/s at 1M entries)")
    let catalog = try ledger.catalog()!
    let today = CalendarDate(Timestamp.now())
    let cases = try ledger.store.read { try $0.rows("SELECT case_id FROM p_cases ORDER BY random() LIMIT 200", []) }.compactMap { $0[0].text }
    let officers = try ledger.store.read { try $0.rows("SELECT DISTINCT officer FROM p_officer_events ORDER BY random() LIMIT 200", []) }.compactMap { $0[0].text }
    let rules = try EarlyInterventionRules.bundled()
    func timed<T: Encodable>(_ ids: [String], _ body: (Views, String) throws -> T) throws -> [Double] {
        try ids.map { id in
            let start = DispatchTime.now()
            // The view as `--json` prints it: the model and its encoding.
            _ = try JSONValueCoding.encode(try ledger.store.read { try body(try Views($0, catalog: catalog, today: today), id) })
            return seconds(since: start) * 1000
        }.sorted()
    }
    let caseTimes = try timed(cases) { try $0.caseView($1) }
    let officerTimes = try timed(officers) { try $0.officer($1, rules: rules) }
    line("case view (library) at \(count) entries: median \(fmt(caseTimes[caseTimes.count / 2], 2)) ms, max \(fmt(caseTimes.last!, 2)) ms over \(caseTimes.count) cases")
    line("officer view with flags (library): median \(fmt(officerTimes[officerTimes.count / 2], 2)) ms, max \(fmt(officerTimes.last!, 2)) ms over \(officerTimes.count) officers")
    // The command a user runs: process start, open, query, print.
    // posix_spawn and waitpid, not Foundation's Process: its waitUntilExit polls and adds tens of ms.
    func cli(_ args: [String]) -> [Double] {
        (0..<20).map { i in
            let argv = [blotterPath] + args.map { $0 == "ID" ? (args.contains("case") ? cases[i % cases.count] : officers[i % officers.count]) : $0 } + ["--ledger", path]
            var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            let cArgs = argv.map { strdup($0) } + [nil]
            defer { cArgs.forEach { free($0) }; posix_spawn_file_actions_destroy(&actions) }
            let start = DispatchTime.now()
            var pid: pid_t = 0
            guard posix_spawn(&pid, blotterPath, &actions, nil, cArgs, environ) == 0 else { fatalError("cannot run \(blotterPath)") }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            return seconds(since: start) * 1000
        }.sorted()
    }
    let caseCLI = cli(["case", "show", "ID"])
    let officerCLI = cli(["officer", "show", "ID"])
    line("blotter case show (whole process): median \(fmt(caseCLI[10], 1)) ms, max \(fmt(caseCLI.last!, 1)) ms (target < 50 ms)")
    line("blotter officer show (whole process): median \(fmt(officerCLI[10], 1)) ms, max \(fmt(officerCLI.last!, 1)) ms (target < 50 ms)")
    // Schema validation against the append path: validate a sample of real statements, and compare
    // with the time an append of one statement takes in the demo build's batches.
    let sample = try ledger.store.read { try $0.entries(from: max(1, count - 20_000), limit: 20_000) }
    var work: [(Blotter.Statement, [String: JSONValue])] = []
    for stored in sample {
        let entry = try Entry(bytes: stored.bytes)
        guard !EventCatalog.coreTypes.contains(entry.statement.type) else { continue }
        var values: [String: JSONValue] = [:]
        for (name, d) in stored.disclosures { values[name] = try Disclosure(encoded: d).value }
        work.append((entry.statement, values))
    }
    let vStart = DispatchTime.now()
    for (statement, values) in work { try catalog.validate(statement, values: values) }
    let perStatement = seconds(since: vStart) / Double(work.count) * 1e6
    line("schema validation: \(fmt(perStatement, 1)) µs per statement on one core (\(work.count) real statements)")
    try ledger.close()
    exit(0)
}

// MARK: the Merkle tree (--tree LEDGER): root from scratch, proof latency

if let treeLedger {
    line("Merkle tree benchmarks on \(treeLedger), \(cores) cores")
    guard let hashRate = opensslSHA256Speed() else { fatalError("openssl speed sha256 did not run") }
    line("openssl speed -bytes 64 sha256 (one core): \(fmt(hashRate)) hashes/s")
    let open = DispatchTime.now()
    let ledger = try Ledger.open(path: treeLedger)
    line("open (upgrading a layout-1 file builds its tree once): \(fmt(seconds(since: open), 1)) s")
    let n = try ledger.count()
    // Leaf hashes from the stored entries, then the root from scratch, timed alone.
    var leaves: [TreeHash] = []
    leaves.reserveCapacity(Int(n))
    var next: Int64 = 0
    while next < n {
        let rows = try ledger.store.read { try $0.entryBytes(from: next, limit: 8192) }
        for r in rows { leaves.append(TreeHash.leaf(r.bytes)) }
        next += Int64(rows.count)
    }
    let t = DispatchTime.now()
    var frontier = MerkleFrontier()
    for leaf in leaves { frontier.append(leaf) { _, _, _ in } }
    let root = frontier.root
    let rootSeconds = seconds(since: t)
    let floor = Double(n - 1) / hashRate
    line("tree root of \(n) leaves from scratch: \(fmt(rootSeconds * 1000, 1)) ms; \(n - 1) node hashes at openssl's rate take "
         + "\(fmt(floor * 1000, 1)) ms: \(fmt(rootSeconds / floor, 2))x (target <= 1.5x)")
    guard try ledger.root().root == root else { fatalError("stored root differs from the recomputed one") }
    var inclusion: [Double] = []
    var consistency: [Double] = []
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
        let seq = Int64.random(in: 0..<n, using: &rng)
        let a = DispatchTime.now()
        _ = try ledger.inclusionProof(seq: seq)
        inclusion.append(seconds(since: a) * 1000)
        let old = Int64.random(in: 1...n, using: &rng)
        let b = DispatchTime.now()
        _ = try ledger.consistencyProof(oldSize: old, newSize: n)
        consistency.append(seconds(since: b) * 1000)
    }
    inclusion.sort()
    consistency.sort()
    line("inclusion proof (2,000 random leaves of \(n)): median \(fmt(inclusion[1000], 3)) ms, p99 \(fmt(inclusion[1980], 3)) ms (target < 1 ms)")
    line("consistency proof (2,000 random old sizes): median \(fmt(consistency[1000], 3)) ms, p99 \(fmt(consistency[1980], 3)) ms (target < 1 ms)")
    // Tiles export, fresh then incremental. The note is signed by a throwaway key: only timing matters here.
    var note = SignedNote(text: Checkpoint(origin: "bench.example/ledger", size: n, root: root).text)
    try note.sign(name: "bench.example/ledger", key: try PrivateKey.generate(.ed25519))
    let tilesDir = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-bench-tiles").path
    try? FileManager.default.removeItem(atPath: tilesDir)
    let e1 = DispatchTime.now()
    let fresh = try TilesExport.export(ledger, checkpoint: note, to: tilesDir)
    line("tiles export of \(n) entries: \(fmt(seconds(since: e1), 1)) s, \(fresh.written) files, \(fmt(Double(fresh.bytesWritten) / 1_048_576, 0)) MiB (target < 30 s)")
    let e2 = DispatchTime.now()
    let again = try TilesExport.export(ledger, checkpoint: note, to: tilesDir)
    line("tiles export again, nothing new: \(fmt(seconds(since: e2), 2)) s, \(again.written) file written, \(again.skipped) already there")
    try? FileManager.default.removeItem(atPath: tilesDir)
    try ledger.close()
    exit(0)
}

if let n = storeEntries {
    try storeBenchmark(entries: n)
    exit(0)
}

if let serverSeconds {
    try serverBenchmark(seconds: serverSeconds)
    exit(0)
}

line("Blotter benchmarks: \(entries) entries, \(cores) cores, ledger in \(directory)")
guard let speed = opensslSpeed() else { fatalError("openssl speed ed25519 did not run") }
line("openssl speed ed25519 (one core): sign \(fmt(speed.sign))/s, verify \(fmt(speed.verify))/s")

// MARK: realistic statements

try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let ledgerPath = directory + "/bench.ledger"
let origin = "ia.bench.example/ledger"
let admin = try PrivateKey.generate(.ed25519)
let operatorKey = try PrivateKey.generate(.ed25519)
let store = try SQLiteStore.create(path: ledgerPath)
var ledger = Ledger(store: store)
_ = try ledger.append(try StatementDraft(
    log: origin, type: "ledger.created", stream: "ledger", expect: 0, actor: "ia/admin",
    fields: [("origin", .string(origin)), ("operator_key", .string(try NoteVerifierKey(name: origin, publicKey: operatorKey.publicKey).description)),
             ("admin", .string("ia/admin")), ("admin_key", .string(Base64.urlEncode(admin.publicKey.spkiDER))),
             ("roles", try RoleTable.bundled().json())]).sign(with: admin))
var actors: [(String, PrivateKey)] = []
for i in 0..<20 {
    let key = try PrivateKey.generate(.ed25519)
    let actor = "ia/investigator\(i)"
    _ = try ledger.append(try StatementDraft(
        log: origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin",
        fields: [("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))),
                 ("roles", .array([.string("intake"), .string("investigator")]))]).sign(with: admin))
    actors.append((actor, key))
}
/// Makes statement `i`: a complaint of twelve fields, about 1 KiB of statement.
struct StatementFactory: Sendable {
    let origin: String
    let actors: [(String, PrivateKey)]
    let narrative = "Complainant states that the officer stopped him on the corner, searched his bag without consent and used discourteous language. Two witnesses were present; one gave a phone number. "

    func make(_ i: Int) -> Submission {
        let (actor, key) = actors[i % actors.count]
        let fields: [(String, JSONValue)] = [
            ("channel", .string(["phone", "online", "walk-in", "mail"][i % 4])),
            ("received_at", .string("2026-11-20T10:\(10 + i % 50):00Z")),
            ("incident_at", .string("2026-11-19T22:15:00Z")),
            ("location", .string("Bay St & Victory Blvd")),
            ("precinct", .string(String(100 + i % 23))),
            ("complainant_name", .string("Person \(i)")),
            ("complainant_contact", .string("+1 718 555 \(1000 + i % 9000)")),
            ("narrative", .string(narrative)),
            ("officers", .array([.string("T-\(1000 + i % 997)"), .string("T-\(2000 + i % 331)")])),
            ("allegations", .array([.object([("category", .string("Abuse of Authority")), ("type", .string("Search (of person)"))])])),
            ("witness_count", .integer(Int64(i % 3))),
            ("intake_notes", .string("Follow up with witness; request BWC footage.")),
        ]
        return try! StatementDraft(log: origin, type: "complaint.received", stream: "complaint/C-\(i / 8)", actor: actor, fields: fields).sign(with: key)
    }

    /// Makes statements for `range` on all cores.
    func make(_ range: Range<Int>, cores: Int) -> [Submission] {
        let results = UnsafeMutableBufferPointer<Submission?>.allocate(capacity: range.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: cores) { w in
            var j = w
            while j < range.count { slots[j] = make(range.lowerBound + j); j += cores }
        }
        return results.map { $0! }
    }
}

let factory = StatementFactory(origin: origin, actors: actors)
func makeStatement(_ i: Int) -> Submission { factory.make(i) }
func parallelMake(_ range: Range<Int>) -> [Submission] { factory.make(range, cores: cores) }

let sample = makeStatement(0)
let sampleEntry = Entry(seq: 1, prev: Entry.genesisPrev, recorded: "2026-11-21T14:03:01.532Z", statement: sample.statement)
let statementBytes = try CanonicalJSON.encode(sample.statement.json()).count
let entryBytes = try sampleEntry.canonicalBytes().count
line("statement size \(statementBytes) bytes, entry \(entryBytes) bytes, 12 disclosures of \(sample.disclosures.map(\.encoded.count).reduce(0, +)) bytes")

// MARK: durable appends in batches of 1,000

let batch = 1000
var appendSeconds = 0.0
var generateSeconds = 0.0
var appended = 0
var verifyAtCheckpoint: (status: Int32, seconds: Double, maxRSSKiB: Int)?
/// The batch checked and not yet committed.
var preparedBatch: PreparedAppend? = nil
while appended < entries {
    let n = min(batch, entries - appended)
    let g = DispatchTime.now()
    let submissions = parallelMake(appended..<(appended + n))
    generateSeconds += seconds(since: g)
    let a = DispatchTime.now()
    // The checks of this batch (signatures, disclosures, on all cores) overlap the commit of the one
    // before (its serial write and fsync), as `blotter submit` and the server append.
    if let previous = preparedBatch {
        let (committed, next) = ledger.commitStatements(previous, whilePreparing: submissions)
        _ = try committed.get()
        preparedBatch = try next.get()
    } else {
        preparedBatch = try ledger.prepare(submissions)
    }
    if appended + n == entries || appended + n == checkpoint {
        _ = try ledger.commitStatements(preparedBatch!)
        preparedBatch = nil
    }
    appendSeconds += seconds(since: a)
    appended += n
    if appended % 100_000 == 0 || appended == entries {
        FileHandle.standardError.write(Data("  appended \(appended) (\(fmt(Double(appended) / appendSeconds)) /s)\n".utf8))
    }
    if appended == checkpoint && checkpoint < entries {
        try ledger.close()
        verifyAtCheckpoint = measuredVerify(ledgerPath)
        ledger = try Ledger.open(path: ledgerPath)
    }
}
let appendRate = Double(entries) / appendSeconds
line("")
line("append, batches of \(batch), durable, signatures checked: \(fmt(appendRate)) entries/s "
     + "= \(fmt(100 * appendRate / speed.verify))% of one core's Ed25519 verify rate (target >= 100%, at 1M entries too)")
line("  (signing the statements, not timed: \(fmt(Double(entries) / generateSeconds)) /s on \(cores) cores)")

// MARK: single appends

let reopened = try Ledger.open(path: ledgerPath)
var latencies: [Double] = []
for i in 0..<1000 {
    let s = makeStatement(entries + i)
    let t = DispatchTime.now()
    _ = try reopened.append(s)
    latencies.append(seconds(since: t) * 1000)
}
latencies.sort()
line("single append (one statement, one durable transaction): median \(fmt(latencies[500], 2)) ms, "
     + "p99 \(fmt(latencies[990], 2)) ms (target: median < 10 ms)")
try reopened.close()
let total = entries + 1000 + 21

// MARK: verification

let target = Double(cores) * speed.verify
if let v = verifyAtCheckpoint, v.status == 0 {
    let rate = Double(checkpoint + 21) / v.seconds
    line("blotter verify at \(checkpoint + 21) entries: \(fmt(v.seconds, 1)) s, \(fmt(rate)) entries/s = \(fmt(100 * rate / target))% "
         + "of \(cores) x Ed25519 verify; peak memory \(fmt(Double(v.maxRSSKiB) / 1024, 1)) MiB")
}
let v = measuredVerify(ledgerPath)
guard v.status == 0 else { fatalError("blotter verify failed with status \(v.status)") }
let verifyRate = Double(total) / v.seconds
line("blotter verify at \(total) entries: \(fmt(v.seconds, 1)) s, \(fmt(verifyRate)) entries/s = \(fmt(100 * verifyRate / target))% "
     + "of \(cores) x Ed25519 verify (target >= 85%, at 1M entries as at 200k); peak memory \(fmt(Double(v.maxRSSKiB) / 1024, 1)) MiB (target < 200 MiB)")

if runPythonVerifier {
    let python = spawnMeasured("/usr/bin/env", ["python3", repository.appendingPathComponent("Tools/verify_ledger.py").path, ledgerPath])
    line("Tools/verify_ledger.py at \(total) entries: \(fmt(python.seconds, 1)) s = \(fmt(Double(total) / python.seconds)) entries/s, status \(python.status); "
         + "it runs on one core (target: >= 1.7x its one-core rate on 2 cores)")
}

// MARK: comparison

if runPython {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", repository.appendingPathComponent("Tools/bench_eventsourcing.py").path, String(entries), directory + "/eventsourcing.db"]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    if let result = try? JSONParser.parse(text.trimmingCharacters(in: .whitespacesAndNewlines)),
       case let .double(rate)? = result["per_second"] {
        line("python eventsourcing (SQLite), \(entries) unsigned events in batches of 10: \(fmt(rate)) events/s; "
             + "Blotter appends \(fmt(appendRate / rate, 2))x as many per second while signing-checking and chaining each")
    } else {
        line("python eventsourcing did not run (pip install eventsourcing): \(text)")
    }
}
let size = (try? FileManager.default.attributesOfItem(atPath: ledgerPath)[.size] as? Int) ?? 0
let recordBytes = entryBytes + sample.disclosures.map(\.encoded.utf8.count).reduce(0, +)
line("ledger file: \(fmt(Double(size) / 1_048_576, 1)) MiB for \(total) entries = \(size / max(total, 1)) bytes per entry for \(recordBytes) bytes of entry "
     + "and disclosures = \(fmt(Double(size) / Double(max(total, 1)) / Double(recordBytes), 2))x (target <= 1.3x)")
