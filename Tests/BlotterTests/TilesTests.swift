import Blotter
import BlotterCrypto
import Foundation
import Testing

@Suite("Static tiles mirror (C2SP tlog-tiles)")
struct TilesTests {
    @Test("tile paths use zero-padded groups of three, all but the last prefixed with x", arguments: [
        (Int64(0), "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1_234_067, "x001/x234/067"),
    ])
    func paths(n: Int64, path: String) {
        #expect(TilesExport.path(index: n) == path)
    }

    @Test("an export verifies with an independent tlog-tiles client; a second one writes only what changed")
    func export() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<598).map { try t.statement("ia/rivera", stream: "c/\($0 % 40)") })   // 600 entries
        let dir = TemporaryDirectory()
        let mirror = dir.path("mirror")
        let logKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey).description
        let first = try TilesExport.export(t.ledger, checkpoint: try t.ledger.checkpoint(operatorKey: t.operatorKey), to: mirror)
        // Level 0: 2 full tiles + a partial of 88; level 1: a partial of 2; entries: 2 full + partial; checkpoint.
        #expect(first.size == 600 && first.written == 8 && first.skipped == 0)
        for name in ["tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2", "tile/entries/000", "tile/entries/002.p/88", "checkpoint"] {
            #expect(FileManager.default.fileExists(atPath: mirror + "/" + name), "\(name)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: mirror + "/tile/0/001")).count == 8192)
        let checked = try run("/usr/bin/env", ["python3", PythonInteropTests.tool, "tiles", mirror, "--key", logKey])
        #expect(checked.status == 0 && checked.stdout.contains("\"size\": 600"), "\(checked.stdout)\(checked.stderr)")

        let again = try TilesExport.export(t.ledger, checkpoint: try t.ledger.checkpoint(operatorKey: t.operatorKey), to: mirror)
        #expect(again.written == 1 && again.skipped == 7, "only the checkpoint is rewritten")
        _ = try t.ledger.append(try (0..<200).map { try t.statement("ia/rivera", stream: "d/\($0)") })         // 800 entries
        let grown = try TilesExport.export(t.ledger, checkpoint: try t.ledger.checkpoint(operatorKey: t.operatorKey), to: mirror)
        // New: tile/0/002 (full), tile/0/003.p/32, tile/1/000.p/3, entries 002 (full) and 003.p/32, checkpoint.
        #expect(grown.written == 6 && grown.skipped == 4, "written \(grown.written), skipped \(grown.skipped)")
        #expect(try run("/usr/bin/env", ["python3", PythonInteropTests.tool, "tiles", mirror, "--key", logKey]).status == 0)

        // A changed entry in a bundle, or a changed tile hash, is caught.
        let bundle = URL(fileURLWithPath: mirror + "/tile/entries/001")
        var data = try Data(contentsOf: bundle)
        data[100] ^= 0x01
        try data.write(to: bundle)
        let tampered = try run("/usr/bin/env", ["python3", PythonInteropTests.tool, "tiles", mirror, "--key", logKey])
        #expect(tampered.status == 1 && tampered.stdout.contains("does not hash to its leaf"), "\(tampered.stdout)")
    }

    @Test("blotter tiles export from the command line")
    func cli() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/ledger", "--admin", "ia/admin"], cwd: cwd)
        let result = try blotter(["tiles", "export", "--json", "mirror"], cwd: cwd)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["size"] == .integer(1))
        let key = try blotter(["operator-key"], cwd: cwd).stdout.trimmingCharacters(in: .newlines)
        #expect(try run("/usr/bin/env", ["python3", PythonInteropTests.tool, "tiles", dir.path("mirror"), "--key", key]).status == 0)
    }
}
