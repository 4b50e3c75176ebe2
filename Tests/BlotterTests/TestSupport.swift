import Blotter
import BlotterPostgres
import Synchronization
import Testing
import BlotterCrypto
import BlotterSQL
import Foundation

/// The folder of test fixtures (published vectors copied from shared/vectors).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
/// The repository root.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

/// A fresh directory, removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A ledger made through the library, with an administrator and a few registered actors.
final class TestLedger: @unchecked Sendable {
    static let origin = "ia.test.example/ledger"
    let directory = TemporaryDirectory()
    /// The ledger's location: a file path, or a PostgreSQL URL.
    let path: String
    let kind: StoreKind
    let ledger: Ledger
    let admin: PrivateKey
    let operatorKey: PrivateKey
    var keys: [String: PrivateKey] = [:]
    /// The catalog the ledger was made with (statements use its current versions).
    let catalog: EventCatalog?

    /// - Parameter catalog: a domain ledger (schemas, lifecycle rules, projections) rather than a bare one.
    /// - Parameter url: a PostgreSQL database of the caller's to create the ledger in, instead of a new one.
    init(alg: SignatureAlgorithm = .ed25519, catalog: EventCatalog? = nil, clock: (@Sendable () -> Timestamp)? = nil,
         store kind: StoreKind = .sqlite, url: String? = nil) throws {
        self.kind = url == nil ? kind : .postgres
        self.catalog = catalog
        admin = try PrivateKey.generate(alg)
        operatorKey = try PrivateKey.generate(.ed25519)
        let (store, location) = try url.map { (try PostgresStore.create(url: $0) as any LedgerStore, $0) } ?? kind.makeStore(in: directory)
        path = location
        ledger = clock.map { Ledger(store: store, clock: $0) } ?? Ledger(store: store)
        _ = try ledger.append(try Genesis.statement(origin: Self.origin, admin: "ia/admin", adminKey: admin, operatorKey: operatorKey.publicKey,
                                                    roles: try RoleTable.bundled(), catalog: catalog))
        keys["ia/admin"] = admin
    }

    /// Registers a new key for `actor` with `roles` and returns it. A key with the officer role belongs
    /// to `officer`, by default the last part of the actor's name (`pd/P-1` is officer P-1).
    @discardableResult
    func register(_ actor: String, roles: [String], alg: SignatureAlgorithm = .ed25519, officer: String? = nil) throws -> PrivateKey {
        let key = try PrivateKey.generate(alg)
        _ = try ledger.append(try registration(of: key, to: actor, roles: roles, officer: officer))
        keys[actor] = key
        return key
    }

    func registration(of key: PrivateKey, to actor: String, roles: [String], officer: String? = nil) throws -> Submission {
        let officer = officer ?? (roles.contains("officer") ? actor.split(separator: "/").last.map(String.init) : nil)
        return try StatementDraft(log: Self.origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin",
                                  fields: [("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))),
                                           ("roles", .array(roles.map { .string($0) }))] + (officer.map { [("officer", .string($0))] } ?? []))
            .sign(with: admin)
    }

    /// A signed statement by `actor` (whose key this ledger made).
    func statement(_ actor: String, type: String = "complaint.received", stream: String = "complaint/C-1", expect: Int64? = nil,
                   fields: [(String, JSONValue)] = [("narrative", .string("Officer was discourteous at the front desk."))],
                   log: String = TestLedger.origin, at: Timestamp = .now()) throws -> Submission {
        try StatementDraft(log: log, type: type, schema: catalog?.types[type]?.version ?? 1, stream: stream, expect: expect, actor: actor,
                           at: at, fields: fields).sign(with: keys[actor]!)
    }

    /// A digest of everything the store holds, to prove nothing changed: for SQLite the files as they
    /// are on disk (main file, WAL), byte for byte (the store may be closed); for PostgreSQL every
    /// table read back through the store.
    func fileDigest() throws -> String {
        var all: [UInt8] = []
        switch kind {
        case .sqlite:
            for suffix in ["", "-wal"] {
                if let data = FileManager.default.contents(atPath: path + suffix) { all += SHA256.hash(Array(data)) }
            }
        case .postgres:
            all = Array(try storeContents(ledger.store).utf8)
        }
        return Hex.encode(SHA256.hash(all))
    }
}

/// The built `blotter` executable, next to the test bundle.
let blotterExecutable: String = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent("blotter").path
}()

struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion and captures its output.
@discardableResult
func run(_ executable: String, _ arguments: [String], cwd: String? = nil, stdin: Data? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    return ProcessResult(status: waitForExit(process), stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Waits for `process` to end and returns its exit status (128 + the signal if a signal ended it).
/// Foundation's `waitUntilExit` can miss a child's exit when many are started at once from several
/// threads (the child stays a zombie and the wait never returns); this reaps it directly.
func waitForExit(_ process: Process) -> Int32 {
    let pid = process.processIdentifier
    var status: Int32 = 0
    while true {
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid {
            return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        if reaped == -1 {  // Foundation reaped it first
            process.waitUntilExit()
            return process.terminationStatus
        }
        usleep(2_000)
    }
}

/// Runs the blotter CLI.
@discardableResult
func blotter(_ arguments: [String], cwd: String? = nil, stdin: Data? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
    try run(blotterExecutable, arguments, cwd: cwd, stdin: stdin, environment: environment)
}

/// Runs the independent Python verifier on a ledger file.
func pythonVerifier(_ ledgerPath: String) throws -> ProcessResult {
    try run("/usr/bin/env", ["python3", repositoryRoot.appendingPathComponent("Tools/verify_ledger.py").path, "--json", ledgerPath])
}

/// Starts a throwaway PostgreSQL cluster in `dir` with Tools/postgres.sh and returns its superuser URL.
func startPostgresCluster(_ dir: String) throws -> String {
    let started = try run("/bin/bash", [repositoryRoot.appendingPathComponent("Tools/postgres.sh").path, "start", dir])
    guard started.status == 0, let url = started.stdout.split(separator: "\n").last.map(String.init), url.hasPrefix("postgres://") else {
        throw BlotterError(.storage, "cannot start a PostgreSQL cluster (Tools/postgres.sh start \(dir)): \(started.stderr)")
    }
    return url
}

/// The stores the conformance tests run against: every test taking a `StoreKind` runs once on each.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A new, empty ledger store: a file in `directory`, or a new database on the test cluster.
    /// - Returns: the store and its location (a path or a URL, for the CLI).
    func makeStore(in directory: TemporaryDirectory, name: String = "test") throws -> (store: any LedgerStore, location: String) {
        switch self {
        case .sqlite:
            let path = directory.path(name + ".ledger")
            return (try SQLiteStore.create(path: path), path)
        case .postgres:
            let url = try PostgresTestCluster.newDatabase()
            return (try PostgresStore.create(url: url), url)
        }
    }
}

/// The PostgreSQL server the tests use: the one Tools/test.sh started (BLOTTER_TEST_POSTGRES, a
/// superuser URL), else one this process starts with Tools/postgres.sh and stops when it exits.
/// If neither works the tests that need it fail, saying why; they are never skipped.
enum PostgresTestCluster {
    static let serverURL: Result<String, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["BLOTTER_TEST_POSTGRES"], !url.isEmpty { return url }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-pg-\(getpid())").path
        let url = try startPostgresCluster(dir)
        stopDirectory = dir
        atexit { if let dir = PostgresTestCluster.stopDirectory { _ = try? run("/bin/bash", [repositoryRoot.appendingPathComponent("Tools/postgres.sh").path, "stop", dir]) } }
        return url
    }
    nonisolated(unsafe) static var stopDirectory: String?
    private static let counter = Mutex(0)

    /// A new empty database on the cluster, and its URL.
    static func newDatabase() throws -> String {
        let server = try serverURL.get()
        let n = counter.withLock { value in value += 1; return value }
        let name = "blotter_test_\(getpid())_\(n)"
        try PostgresStore.createDatabase(serverURL: server, name: name)
        return try PostgresStore.url(server, database: name)
    }
}

/// Everything a store holds, read back through the store protocol, as text: entries with their
/// disclosures, keys, tree hashes, checkpoints and every derived table (rows sorted).
func storeContents(_ store: any LedgerStore) throws -> String {
    try store.read { r in
        var out = "count \(try r.count())\n"
        var seq: Int64 = 0
        while true {
            let batch = try r.entries(from: seq, limit: 4096)
            guard let last = batch.last else { break }
            for e in batch { out += "\(e.seq) \(Hex.encode(e.bytes)) \(e.disclosures.sorted { $0.key < $1.key })\n" }
            seq = last.seq + 1
        }
        for k in try r.allKeys() { out += "key \(k.keyID) \(k.actor) \(k.roles) \(k.registeredSeq) \(String(describing: k.revokedSeq))\n" }
        out += "tree \(try r.treeHashCount())\n"
        var level = 0
        let count = try r.count()
        while count >> level > 0 {
            let hashes = try r.completeTreeHashes(level: level, indexes: 0..<(count >> level))
            out += "level \(level) \(hashes.map(\.description).joined(separator: ","))\n"
            level += 1
        }
        for c in try r.checkpoints() { out += "checkpoint \(c.size) \(c.note)\n" }
        for table in SQLProjections.tables where try r.hasTable(table) {
            out += "table \(table)\n" + (try r.rows("SELECT * FROM \(table)", []).map { "\($0)" }.sorted().joined(separator: "\n")) + "\n"
        }
        return out
    }
}

/// Opens a ledger at a path or a PostgreSQL URL, as the CLI does.
func openLedger(_ location: String) throws -> Ledger {
    if PostgresLocation.isURL(location) { return Ledger(store: try PostgresStore.open(url: location)) }
    return try Ledger.open(path: location)
}

/// The table (docs/OVERSIGHT.md) of what `blotter verify` and Tools/verify_ledger.py say when a ledger fails
/// ("What a failure means"): each row's messages as written between backquotes, where a lone capital
/// letter (N, K, …) stands for what is named and `…` for any text.
enum FailureTable {
    static let rows: [[String]] = {
        let readme = (try? String(contentsOf: repositoryRoot.appendingPathComponent("docs/OVERSIGHT.md"), encoding: .utf8)) ?? ""
        guard let start = readme.range(of: "What a failure means") else { return [] }
        var rows: [[String]] = []
        for line in readme[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.hasPrefix("| `"), let end = line.range(of: "` | ") {
                // The first cell holds the messages: backquoted, " / " between them.
                rows.append(String(line[line.index(line.startIndex, offsetBy: 3)..<end.lowerBound]).components(separatedBy: "` / `"))
            } else if !rows.isEmpty && !line.hasPrefix("|") {
                break
            }
        }
        return rows
    }()

    static var messages: [String] { rows.flatMap { $0 } }

    /// Whether `text` starts as `message` (a pattern of the table) says.
    static func matches(_ text: String, _ message: String) -> Bool {
        let characters = Array(message)
        var pattern = "^"
        for (i, c) in characters.enumerated() {
            let before = i > 0 ? characters[i - 1] : " ", after = i + 1 < characters.count ? characters[i + 1] : " "
            if c.isUppercase && !before.isLetter && !before.isNumber && !after.isLetter && !after.isNumber {
                pattern += ".+?"
            } else if c == "…" {
                pattern += ".*?"
            } else if "\\^$.|?*+()[]{}-/".contains(c) {
                pattern += "\\" + String(c)
            } else {
                pattern += String(c)
            }
        }
        guard let regex = try? Regex(pattern) else { return false }
        return text.firstMatch(of: regex) != nil
    }
}
