import Blotter
import BlotterCrypto
import BlotterSQL
import Foundation
import GRDB
import Testing

@Suite("Signed notes and checkpoints (C2SP)")
struct CheckpointTests {
    // The example of golang.org/x/mod/sumdb/note (note_test.go): a verifier key, its signer key
    // (0x01 || Ed25519 seed), and the note Go's implementation signed with it.
    static let goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let goSignerSeed = Array(Base64.standardDecode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")!.dropFirst())
    static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let goNote = goText + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("a note signed by Go's reference implementation verifies, and ours is byte-identical")
    func goInterop() throws {
        let key = try NoteVerifierKey(parsing: Self.goVerifierKey)
        let note = try SignedNote(parsing: Self.goNote)
        #expect(note.text == Self.goText)
        #expect(try note.verify(keys: [key]) == [key])
        var ours = SignedNote(text: Self.goText)
        try ours.sign(name: "PeterNeumann", key: try PrivateKey(ed25519Seed: Self.goSignerSeed))
        #expect(ours.serialized == Self.goNote)
        let altered = try SignedNote(parsing: Self.goNote.replacingOccurrences(of: "cryptography", with: "cryptographY"))
        #expect(throws: BlotterError.self) { try altered.verify(keys: [key]) }
    }

    @Test("malformed notes and checkpoints are refused with the reason", arguments: [
        ("no blank line", "origin\n5\nAAAA\n\u{2014} k AAAAAAAA\n", "no blank line"),
        ("no signature", "origin\n5\n\n", "does not end"),
        ("bad signature line", "a\n\n- k AAAAAAAAAA==\n", "em dash"),
        ("control character", "a\u{7}\n\n\u{2014} k AAAAAAAAAA==\n", "control character"),
    ])
    func malformedNotes(name: String, text: String, fragment: String) {
        do {
            _ = try SignedNote(parsing: text)
            Issue.record("\(name) accepted")
        } catch {
            #expect(error.message.contains(fragment), "\(name): \(error.message)")
        }
    }

    @Test("checkpoint bodies need origin, decimal size and a 32-byte root, and no empty lines; each refusal says which", arguments: [
        ("o.example/l\n5\n", "checkpoint has 2 lines; it needs origin, size and root hash"), ("o.example/l\n05\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "checkpoint size \"05\" is not a decimal number without leading zeros"),
        ("o.example/l\n5\nAAAA\n", "checkpoint root \"AAAA\" is not base64 of 32 bytes"), ("o.example/l\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", "checkpoint has an empty extension line"),
        ("o example\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "checkpoint origin \"o example\" is not a valid origin"),
    ])
    func malformedCheckpoints(text: String, reason: String) {
        #expect {
            try Checkpoint(text: text)
        } throws: { error in
            guard let error = error as? BlotterError else { return false }
            return error.message == reason
        }
    }

    @Test("the log signs a checkpoint when the tree grows, reuses it otherwise, and stores each", arguments: StoreKind.allCases)
    func signing(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake"])
        let first = try t.ledger.checkpoint(operatorKey: t.operatorKey)
        #expect(try t.ledger.checkpoint(operatorKey: t.operatorKey) == first)
        let operatorKey = try NoteVerifierKey(name: TestLedger.origin, publicKey: t.operatorKey.publicKey)
        let c1 = try Checkpoint(text: first.text)
        let root = try t.ledger.root().root
        #expect(c1.origin == TestLedger.origin && c1.size == 2 && c1.root == root)
        _ = try t.ledger.append(try t.statement("ia/rivera"))
        let second = try t.ledger.checkpoint(operatorKey: t.operatorKey)
        let c2 = try Checkpoint(text: second.text)
        #expect(c2.size == 3)
        #expect(try second.verify(keys: [operatorKey]) == [operatorKey])
        let proof = try t.ledger.consistencyProof(oldSize: 2, newSize: 3)
        try MerkleTree.verifyConsistency(oldSize: 2, newSize: 3, proof: proof.proof, oldRoot: c1.root, newRoot: c2.root)
        #expect(try t.ledger.store.read { try $0.checkpoints() }.map(\.size) == [2, 3])
        #expect(try LedgerVerifier(store: t.ledger.store).verify().entries == 3)
        // Only the ledger's operator key may sign.
        #expect(throws: BlotterError.self) { try t.ledger.checkpoint(operatorKey: try PrivateKey.generate(.ed25519)) }
    }

    @Test("the log refuses to sign a checkpoint inconsistent with the last one it signed")
    func refusesInconsistent() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<6).map { try t.statement("ia/rivera", stream: "c/\($0)") })
        _ = try t.ledger.checkpoint(operatorKey: t.operatorKey)
        _ = try t.ledger.append(try t.statement("ia/rivera", stream: "c/7"))
        try t.ledger.close()
        // Rewrite history below the checkpoint: the stored hash over entries 0-7 changes.
        let db = try DatabaseQueue(path: t.path)
        try db.write { db in try db.execute(sql: "UPDATE tree_hashes SET hash = zeroblob(32) WHERE level = 3 AND idx = 0") }
        try db.close()
        let reopened = try Ledger.open(path: t.path)
        defer { try? reopened.close() }
        let before = try reopened.store.read { try $0.checkpoints() }.count
        do {
            _ = try reopened.checkpoint(operatorKey: t.operatorKey)
            Issue.record("signed an inconsistent checkpoint")
        } catch let error as BlotterError {
            #expect(error.message.contains("not consistent with the checkpoint at size 8"), "\(error.message)")
        }
        #expect(try reopened.store.read { try $0.checkpoints() }.count == before)
    }

    @Test("blotter checkpoint verify: good notes pass; bad signature, unknown key and wrong origin fail")
    func cli() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/ledger", "--admin", "ia/admin"], cwd: cwd)
        let note = try blotter(["checkpoint"], cwd: cwd).stdout
        let vkey = try blotter(["operator-key"], cwd: cwd).stdout.trimmingCharacters(in: .newlines)
        try Data(note.utf8).write(to: dir.url.appendingPathComponent("cp"))
        let ok = try blotter(["checkpoint", "verify", "--json", "--key", vkey, "cp"], cwd: cwd)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try JSONParser.parse(ok.stdout)["size"] == .integer(1))
        // A changed character in the signature (past the 4-byte key id).
        let sigStart = note.index(note.range(of: "ia.example/ledger ", options: .backwards)!.upperBound, offsetBy: 20)
        var bad = note
        bad.replaceSubrange(sigStart...sigStart, with: note[sigStart] == "A" ? "B" : "A")
        try Data(bad.utf8).write(to: dir.url.appendingPathComponent("bad"))
        let badResult = try blotter(["checkpoint", "verify", "--key", vkey, "bad"], cwd: cwd)
        #expect(badResult.status == 1 && badResult.stderr.contains("does not verify"), "\(badResult.stderr)")
        // Signed by a key the verifier was not given.
        let other = try PrivateKey.generate(.ed25519)
        let otherKey = try NoteVerifierKey(name: "ia.example/ledger", publicKey: other.publicKey)
        let unknown = try blotter(["checkpoint", "verify", "--key", otherKey.description, "cp"], cwd: cwd)
        #expect(unknown.status == 1 && unknown.stderr.contains("not signed by the key given (signed by "), "\(unknown.stderr)")
        // A checkpoint of another origin, signed by a key named after that origin.
        var foreign = SignedNote(text: Checkpoint(origin: "other.example/log", size: 1, root: .empty).text)
        try foreign.sign(name: "ia.example/ledger", key: other)
        try Data(foreign.serialized.utf8).write(to: dir.url.appendingPathComponent("foreign"))
        let wrongOrigin = try blotter(["checkpoint", "verify", "--key", otherKey.description, "foreign"], cwd: cwd)
        #expect(wrongOrigin.status == 1 && wrongOrigin.stderr.contains("is not the name of a key that signed it"), "\(wrongOrigin.stderr)")
    }
}
