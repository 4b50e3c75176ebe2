import Foundation
import Testing

/// The fuzzing harnesses (Fuzz/BlotterFuzz, run for long by Tools/fuzz.sh) replayed on every input a
/// fuzzing run crashed on (Fixtures/fuzz/TARGET/, each kept with its fix) and on the repository's own
/// examples of each input: a decoder that traps, or breaks a harness's round trip, fails here.
@Suite("Fuzzing harnesses, replayed")
struct FuzzReplayTests {
    static let executable = URL(fileURLWithPath: blotterExecutable).deletingLastPathComponent().appendingPathComponent("blotter-fuzz").path
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/BlotterTests/Fixtures")

    /// Inputs each harness is replayed on besides its crash corpus.
    static let examples: [(target: String, paths: [String])] = [
        ("json", ["Tests/BlotterTests/Fixtures/jcs/input", "Schemas/events"]),
        ("schema", ["Schemas/events"]),
        ("roles", ["Schemas/roles.json"]),
        ("mapping", ["Tools/mappings"]),
        ("policy", ["Tools/policies"]),
        ("note", ["Tests/BlotterTests/Fixtures/ledger-fa7b619/cp.txt"]),
        ("note-key", ["Tests/BlotterTests/Fixtures/ledger-fa7b619/vkey.txt"]),
        ("csv", ["Tests/BlotterTests/Fixtures/jcs/numbers.json"]),
    ]

    @Test("every harness runs every crash input and example without trapping", arguments: [
        "json", "statement", "submission", "entry", "disclosure", "csv", "jsonl", "note", "checkpoint", "note-key", "tlog-proof",
        "consistency-proof", "roles", "schema", "mapping", "policy",
    ])
    func replay(_ target: String) throws {
        var paths = (Self.examples.first { $0.target == target }?.paths ?? []).map { repositoryRoot.appendingPathComponent($0).path }
        let crashes = Self.fixtures.appendingPathComponent("fuzz/\(target)").path
        if FileManager.default.fileExists(atPath: crashes) { paths.append(crashes) }
        let result = try run(Self.executable, [target] + paths)
        #expect(result.status == 0, "\(target): \(result.stdout) \(result.stderr)")
        // Each harness has at least its ten kept inputs.
        let count = Int(result.stdout.split(separator: " ").dropFirst().first ?? "") ?? 0
        #expect(result.stdout.hasPrefix("\(target): ") && result.stdout.contains("inputs, no crash") && count >= 10, "\(result.stdout)")
    }

    @Test("an unknown target is refused with the list of targets")
    func unknownTarget() throws {
        let result = try run(Self.executable, ["no-such-decoder"])
        #expect(result.status == 64 && result.stdout.contains("json, statement, submission"), "\(result.stdout)")
    }
}
