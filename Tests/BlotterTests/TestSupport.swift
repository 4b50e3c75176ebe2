import Blotter
import BlotterCrypto
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
    let path: String
    let ledger: Ledger
    let admin: PrivateKey
    let operatorKey: PrivateKey
    var keys: [String: PrivateKey] = [:]

    /// - Parameter catalog: a domain ledger (schemas, lifecycle rules, projections) rather than a bare one.
    init(alg: SignatureAlgorithm = .ed25519, catalog: EventCatalog? = nil, clock: (@Sendable () -> Timestamp)? = nil) throws {
        path = directory.path("test.ledger")
        admin = try PrivateKey.generate(alg)
        operatorKey = try PrivateKey.generate(.ed25519)
        let store = try SQLiteStore.create(path: path)
        ledger = clock.map { Ledger(store: store, clock: $0) } ?? Ledger(store: store)
        _ = try ledger.append(try Genesis.statement(origin: Self.origin, admin: "ia/admin", adminKey: admin, operatorKey: operatorKey.publicKey,
                                                    roles: try RoleTable.bundled(), catalog: catalog))
        keys["ia/admin"] = admin
    }

    /// Registers a new key for `actor` with `roles` and returns it.
    @discardableResult
    func register(_ actor: String, roles: [String], alg: SignatureAlgorithm = .ed25519) throws -> PrivateKey {
        let key = try PrivateKey.generate(alg)
        _ = try ledger.append(try registration(of: key, to: actor, roles: roles))
        keys[actor] = key
        return key
    }

    func registration(of key: PrivateKey, to actor: String, roles: [String]) throws -> Submission {
        try StatementDraft(log: Self.origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin",
                           fields: [("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))),
                                    ("roles", .array(roles.map { .string($0) }))]).sign(with: admin)
    }

    /// A signed statement by `actor` (whose key this ledger made).
    func statement(_ actor: String, type: String = "complaint.received", stream: String = "complaint/C-1", expect: Int64? = nil,
                   fields: [(String, JSONValue)] = [("narrative", .string("Officer was discourteous at the front desk."))],
                   log: String = TestLedger.origin, at: Timestamp = .now()) throws -> Submission {
        try StatementDraft(log: log, type: type, stream: stream, expect: expect, actor: actor, at: at, fields: fields)
            .sign(with: keys[actor]!)
    }

    /// SHA-256 of the ledger's files as they are on disk (main file, WAL), to prove nothing changed.
    func fileDigest() throws -> String {
        var all: [UInt8] = []
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: path + suffix) { all += SHA256.hash(Array(data)) }
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
func run(_ executable: String, _ arguments: [String], cwd: String? = nil, stdin: Data? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
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
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the blotter CLI.
@discardableResult
func blotter(_ arguments: [String], cwd: String? = nil, stdin: Data? = nil) throws -> ProcessResult {
    try run(blotterExecutable, arguments, cwd: cwd, stdin: stdin)
}

/// Runs the independent Python verifier on a ledger file.
func pythonVerifier(_ ledgerPath: String) throws -> ProcessResult {
    try run("/usr/bin/env", ["python3", repositoryRoot.appendingPathComponent("Tools/verify_ledger.py").path, "--json", ledgerPath])
}
