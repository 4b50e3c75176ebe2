import Blotter
import BlotterCrypto
import Foundation
import Testing

@Suite("Witness cosigning (C2SP tlog-cosignature/v1)")
struct WitnessTests {
    func proof(_ ledger: Ledger, _ old: Int64, _ new: Int64) throws -> ConsistencyProof {
        try ledger.consistencyProof(oldSize: old, newSize: new)
    }

    func stateBytes(_ dir: TemporaryDirectory) throws -> Data {
        try Data(contentsOf: dir.url.appendingPathComponent("w/state.json"))
    }

    @Test("cosigns the first checkpoint and then only consistent growth; the cosignature verifies")
    func cosigns() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        let logKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey)
        let dir = TemporaryDirectory()
        var witness = try Witness.initialize(directory: dir.path("w"), name: "oversight.example/witness", logKey: logKey)
        let first = try t.ledger.checkpoint(operatorKey: t.operatorKey)
        (_, witness) = try witness.cosign(first.serialized, consistency: nil, time: 1_795_269_781)
        _ = try t.ledger.append(try (0..<5).map { try t.statement("ia/rivera", stream: "c/\($0)") })
        let second = try t.ledger.checkpoint(operatorKey: t.operatorKey)
        let (cosigned, after) = try witness.cosign(second.serialized, consistency: try proof(t.ledger, 2, 7), time: 1_795_269_900)
        #expect(after.latest?.size == 7)
        let witnessKey = try witness.verifierKey
        #expect(try cosigned.verify(keys: [logKey, witnessKey]).count == 2)
        #expect(cosigned.cosignatureTime(of: witnessKey) == 1_795_269_900)
        // The cosignature line survives serialisation and is checked against the cosigned message.
        let reparsed = try SignedNote(parsing: cosigned.serialized)
        #expect(try reparsed.verify(keys: [witnessKey]) == [witnessKey])
        var tampered = reparsed
        tampered.signatures[1] = SignedNote.Signature(name: tampered.signatures[1].name, keyID: tampered.signatures[1].keyID,
                                                      signature: [0, 0, 0, 0, 0, 0, 0, 1] + tampered.signatures[1].signature.dropFirst(8))
        #expect(throws: BlotterError.self) { try tampered.verify(keys: [witnessKey]) }
        // Reloaded from disk, it remembers size 7.
        #expect(try Witness(directory: dir.path("w")).latest?.size == 7)
    }

    @Test("refuses an older checkpoint, a fork, a missing or wrong proof, and a checkpoint the log did not sign; its record is unchanged")
    func refuses() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<4).map { try t.statement("ia/rivera", stream: "c/\($0)") })
        let logKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey)
        let dir = TemporaryDirectory()
        let witness0 = try Witness.initialize(directory: dir.path("w"), name: "oversight.example/witness", logKey: logKey)
        let old = try t.ledger.checkpoint(operatorKey: t.operatorKey)            // size 6
        // A copy of the log at size 6 that then goes its own way: a fork.
        try t.ledger.close()
        let forkPath = t.directory.path("fork.ledger")
        try FileManager.default.copyItem(atPath: t.path, toPath: forkPath)
        let main = try Ledger.open(path: t.path)
        let fork = try Ledger.open(path: forkPath)
        defer { try? main.close(); try? fork.close() }
        _ = try main.append(try (0..<3).map { try t.statement("ia/rivera", stream: "m/\($0)") })
        _ = try fork.append(try (0..<3).map { try t.statement("ia/rivera", stream: "f/\($0)") })
        let mainNote = try main.checkpoint(operatorKey: t.operatorKey)         // size 9
        let forkNote = try fork.checkpoint(operatorKey: t.operatorKey)         // size 9, another root

        let (_, witness) = try witness0.cosign(mainNote.serialized, consistency: nil, time: 1)
        let before = try stateBytes(dir)
        func refused(_ note: SignedNote, _ proof: ConsistencyProof?, _ fragment: String) {
            do {
                _ = try witness.cosign(note.serialized, consistency: proof, time: 2)
                Issue.record("cosigned; expected a refusal containing \(fragment)")
            } catch let error as BlotterError {
                #expect(error.message.contains(fragment), "\(error.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
        refused(old, nil, "older than the checkpoint last cosigned at size 9")
        refused(forkNote, nil, "refusing to cosign a fork")
        let grown = try { () throws -> SignedNote in
            _ = try main.append(try t.statement("ia/rivera", stream: "m/9"))
            return try main.checkpoint(operatorKey: t.operatorKey)             // size 10
        }()
        refused(grown, nil, "a consistency proof from size 9 to 10 is needed")
        refused(grown, try proof(main, 8, 10), "the proof is from size 8 to 10")
        // The fork grows to 10 too: its proof from the fork's own size 9 does not start at what was cosigned.
        _ = try fork.append(try t.statement("ia/rivera", stream: "f/9"))
        let forkGrown = try fork.checkpoint(operatorKey: t.operatorKey)
        refused(forkGrown, try proof(fork, 9, 10), "not consistent with the one cosigned at size 9")
        var unsigned = SignedNote(text: grown.text)
        try unsigned.sign(name: TestLedger.origin, key: try PrivateKey.generate(.ed25519))
        refused(unsigned, try proof(main, 9, 10), "not signed by the log key")
        #expect(try stateBytes(dir) == before)
        // The right proof is accepted.
        _ = try witness.cosign(grown.serialized, consistency: try proof(main, 9, 10), time: 3)
        #expect(try Witness(directory: dir.path("w")).latest?.size == 10)
    }

    @Test("blotter witness and checkpoint verify --witness --quorum, end to end")
    func cli() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/ledger", "--admin", "ia/admin"], cwd: cwd)
        let logKey = try blotter(["operator-key"], cwd: cwd).stdout.trimmingCharacters(in: .newlines)
        let w1 = try blotter(["witness", "init", "--dir", "w1", "--name", "oversight.example/w1", "--log-key", logKey], cwd: cwd)
        #expect(w1.status == 0, "\(w1.stderr)")
        let w1Key = w1.stdout.trimmingCharacters(in: .newlines)
        let w2Key = try blotter(["witness", "init", "--dir", "w2", "--name", "oversight.example/w2", "--log-key", logKey], cwd: cwd)
            .stdout.trimmingCharacters(in: .newlines)
        try Data(try blotter(["checkpoint"], cwd: cwd).stdout.utf8).write(to: dir.url.appendingPathComponent("cp"))
        let cosigned = try blotter(["witness", "cosign", "--dir", "w1", "cp"], cwd: cwd)
        #expect(cosigned.status == 0, "\(cosigned.stderr)")
        try Data(cosigned.stdout.utf8).write(to: dir.url.appendingPathComponent("cp1"))
        let one = try blotter(["checkpoint", "verify", "--key", logKey, "--witness", w1Key, "--witness", w2Key, "--quorum", "1", "cp1"], cwd: cwd)
        #expect(one.status == 0 && one.stdout.contains("cosigned by oversight.example/w1"), "\(one.stdout)\(one.stderr)")
        let two = try blotter(["checkpoint", "verify", "--key", logKey, "--witness", w1Key, "--witness", w2Key, "cp1"], cwd: cwd)
        #expect(two.status == 1 && two.stderr.contains("1 of the 2 witnesses cosigned"), "\(two.stderr)")
        let both = try blotter(["witness", "cosign", "--dir", "w2", "cp1"], cwd: cwd)
        try Data(both.stdout.utf8).write(to: dir.url.appendingPathComponent("cp2"))
        #expect(try blotter(["checkpoint", "verify", "--key", logKey, "--witness", w1Key, "--witness", w2Key, "cp2"], cwd: cwd).status == 0)
    }
}
