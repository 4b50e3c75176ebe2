import Blotter
import BlotterCrypto
import Foundation
import Testing

/// The independent Python verifier (Tools/verify_ledger.py) against published vectors and against
/// what the Swift implementation produces.
@Suite("Independent Python verifier: proofs and checkpoints")
struct PythonInteropTests {
    static let tool = repositoryRoot.appendingPathComponent("Tools/verify_ledger.py").path

    @Test("its RFC 9162 proof checks agree with every published inclusion and consistency vector")
    func vectors() throws {
        let script = """
            import importlib.util, json, glob, base64, sys
            spec = importlib.util.spec_from_file_location("v", sys.argv[1]); v = importlib.util.module_from_spec(spec); spec.loader.exec_module(v)
            def b(s): return base64.b64decode(s) if s else b""
            bad = 0; n = 0
            for f in sorted(glob.glob(sys.argv[2] + "/inclusion/**/*.json", recursive=True)):
                d = json.load(open(f)); n += 1
                try:
                    hs = [b(x) for x in (d["proof"] or [])]
                    if any(len(x) != 32 for x in hs) or len(b(d["root"])) != 32 or len(b(d["leafHash"])) != 32 or d["leafIdx"] >= 2**63: raise v.Invalid("len")
                    v.verify_inclusion(d["leafIdx"], d["treeSize"], b(d["leafHash"]), hs, b(d["root"])); failed = False
                except v.Invalid: failed = True
                if failed != d["wantErr"]: bad += 1; print("inclusion", f)
            for f in sorted(glob.glob(sys.argv[2] + "/consistency/**/*.json", recursive=True)):
                d = json.load(open(f)); n += 1
                try:
                    hs = [b(x) for x in (d["proof"] or [])]
                    if d["size1"] != d["size2"] and (any(len(x) != 32 for x in hs) or len(b(d["root1"])) != 32 or len(b(d["root2"])) != 32): raise v.Invalid("len")
                    v.verify_consistency(d["size1"], d["size2"], hs, b(d["root1"]), b(d["root2"])); failed = False
                except v.Invalid: failed = True
                if failed != d["wantErr"]: bad += 1; print("consistency", f)
            print(n, "vectors,", bad, "disagree")
            sys.exit(1 if bad or n < 190 else 0)
            """
        let result = try run("/usr/bin/env", ["python3", "-c", script, Self.tool, fixtures.appendingPathComponent("merkle").path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("it verifies Swift's proofs and cosigned checkpoints, and refuses altered ones")
    func interop() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<11).map { try t.statement("ia/rivera", stream: "c/\($0)") })
        let logKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey)
        let dir = TemporaryDirectory()
        let witness = try Witness.initialize(directory: dir.path("w"), name: "oversight.example/w", logKey: logKey)
        let (note, _) = try witness.cosign(try t.ledger.checkpoint(operatorKey: t.operatorKey).serialized, consistency: nil, time: 1_795_269_781)
        try Data(note.serialized.utf8).write(to: dir.url.appendingPathComponent("cp"))
        let wkey = try witness.verifierKey.description
        let ok = try run("/usr/bin/env", ["python3", Self.tool, "checkpoint", dir.path("cp"), "--key", logKey.description, "--witness", wkey])
        #expect(ok.status == 0 && ok.stdout.contains("\"size\": 13"), "\(ok.stdout)\(ok.stderr)")
        let unknownWitness = try NoteVerifierKey(name: "x.example/w", publicKey: try PrivateKey.generate(.ed25519).publicKey, type: NoteVerifierKey.cosignatureV1)
        let quorum = try run("/usr/bin/env", ["python3", Self.tool, "checkpoint", dir.path("cp"), "--key", logKey.description,
                                               "--witness", wkey, "--witness", unknownWitness.description])
        expectPythonRefusal(quorum, "1 of 2 witnesses")
        for seq in Int64(0)..<13 {
            let p = try t.ledger.inclusionProof(seq: seq)
            var json: [(String, JSONValue)] = [("index", .integer(seq)), ("tree_size", .integer(13)), ("leaf_hash", .string(p.leaf.base64)),
                                               ("root_hash", .string(p.root.base64)), ("proof", .array(p.proof.map { .string($0.base64) }))]
            let file = dir.path("inc\(seq).json")
            try Data(try CanonicalJSON.encode(.object(json))).write(to: URL(fileURLWithPath: file))
            let good = try run("/usr/bin/env", ["python3", Self.tool, "proof", file, "--checkpoint", dir.path("cp"), "--key", logKey.description])
            #expect(good.status == 0, "seq \(seq): \(good.stdout)\(good.stderr)")
            json[0] = ("index", .integer((seq + 1) % 13))
            try Data(try CanonicalJSON.encode(.object(json))).write(to: URL(fileURLWithPath: file))
            expectPythonRefusal(try run("/usr/bin/env", ["python3", Self.tool, "proof", file]), "inclusion proof")
        }
        let consistency = try t.ledger.consistencyProof(oldSize: 5, newSize: 13).json()
        #expect(try ConsistencyProof(json: consistency) == (try t.ledger.consistencyProof(oldSize: 5, newSize: 13)))
        try Data(try CanonicalJSON.encode(consistency)).write(to: dir.url.appendingPathComponent("con.json"))
        #expect(try run("/usr/bin/env", ["python3", Self.tool, "proof", dir.path("con.json"), "--checkpoint", dir.path("cp"), "--key", logKey.description]).status == 0)
    }
}

/// A refusal by one of the Python tools: exit 1 and `{"ok": false, "error": …}` saying `reason` on
/// stdout. A crash (an ImportError, a traceback) is not a refusal, whatever its exit status.
func expectPythonRefusal(_ result: ProcessResult, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let json = try? JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    #expect(result.status == 1 && json?["ok"] == .bool(false) && json?["error"]?.stringValue?.contains(reason) == true && !result.stderr.contains("Traceback"),
            "\(result.status): \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
}

@Suite("Python tools without their packages")
struct PythonMissingPackageTests {
    @Test("a Python verifier without cryptography or rfc8785 exits 3 naming the package and how to install it, never 1 (a failing ledger)",
          arguments: ["rfc8785", "cryptography"])
    func missingPackage(_ package: String) throws {
        let dir = TemporaryDirectory()
        // A package of that name that cannot be imported, first on the path.
        try FileManager.default.createDirectory(atPath: dir.path(package), withIntermediateDirectories: true)
        try Data("raise ImportError(\"No module named '\(package)' (hidden by the test)\")\n".utf8).write(to: URL(fileURLWithPath: dir.path(package) + "/__init__.py"))
        let t = try TestLedger()
        try (t.ledger.store as! SQLiteStore).close()
        for tool in ["Tools/verify_ledger.py", "Tools/verify_export.py"] {
            let arguments = tool.hasSuffix("ledger.py") ? [t.path] : [dir.url.path, "--key", "x"]
            let r = try run("/usr/bin/env", ["python3", repositoryRoot.appendingPathComponent(tool).path] + arguments, environment: ["PYTHONPATH": dir.url.path])
            #expect(r.status == 3 && r.stderr.contains("No module named '\(package)'") && r.stderr.contains("python3 -m pip install cryptography rfc8785"),
                    "\(tool): \(r.status) \(r.stdout)\(r.stderr)")
        }
    }
}

@Suite("C2SP tlog-proof receipts")
struct TlogProofTests {
    @Test("a tlog-proof with a cosigned checkpoint proves an entry's bytes, in Swift and in Python; other bytes fail")
    func receipts() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<40).map { try t.statement("ia/rivera", stream: "c/\($0)") })
        let logKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey)
        let dir = TemporaryDirectory()
        let witness = try Witness.initialize(directory: dir.path("w"), name: "oversight.example/w", logKey: logKey)
        let (cosigned, _) = try witness.cosign(try t.ledger.checkpoint(operatorKey: t.operatorKey).serialized, consistency: nil, time: 5)
        for seq in [Int64(0), 17, 41] {
            let p = try t.ledger.inclusionProof(seq: seq, size: 42)
            let receipt = TlogProof(index: seq, proof: p.proof, extra: seq == 17 ? [1, 2, 3] : nil, checkpoint: cosigned)
            let parsed = try TlogProof(parsing: receipt.serialized)
            #expect(parsed == receipt)
            let entry = try t.ledger.entry(seq).bytes
            #expect(try parsed.verify(entryBytes: entry, keys: [logKey]).size == 42)
            #expect(throws: BlotterError.self) { try parsed.verify(entryBytes: try t.ledger.entry((seq + 1) % 42).bytes, keys: [logKey]) }
            try Data(receipt.serialized.utf8).write(to: dir.url.appendingPathComponent("r.tlog-proof"))
            try Data(entry).write(to: dir.url.appendingPathComponent("e"))
            try Data(try t.ledger.entry((seq + 1) % 42).bytes).write(to: dir.url.appendingPathComponent("other"))
            let python = try run("/usr/bin/env", ["python3", PythonInteropTests.tool, "tlog-proof", dir.path("r.tlog-proof"),
                                                  "--entry", dir.path("e"), "--key", logKey.description])
            #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
            let wrong = try run("/usr/bin/env", ["python3", PythonInteropTests.tool, "tlog-proof", dir.path("r.tlog-proof"),
                                                 "--entry", dir.path("other"), "--key", logKey.description])
            expectPythonRefusal(wrong, "inclusion proof does not lead to the root")
        }
        #expect(throws: BlotterError.self) { try TlogProof(parsing: "c2sp.org/tlog-proof@v1\nindex 01\n\n" + cosigned.serialized) }
        #expect(throws: BlotterError.self) { try TlogProof(parsing: "c2sp.org/tlog-proof@v2\nindex 1\n\n" + cosigned.serialized) }
    }
}
