import Blotter
import Foundation
import BlotterCrypto
import Testing

@Suite("Disclosures (SD-JWT encoding, RFC 9901)")
struct DisclosureTests {
    // Examples from the SD-JWT specification.
    @Test("digests match the specification's examples", arguments: [
        ("WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0", "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY"),
        ("WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImVtYWlsIiwgIlwidW51c3VhbCBlbWFpbCBhZGRyZXNzXCJAZXhhbXBsZS5qcCJd", "Kuet1yAa0HIQvYnOVd59hcViO9Ug6J2kSfqYRBeowvE"),
    ])
    func digests(disclosure: String, digest: String) {
        #expect(Disclosure.digest(of: disclosure) == digest)
    }

    @Test("reads a specification disclosure with its salt, name and value")
    func parses() throws {
        let d = try Disclosure(encoded: "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImVtYWlsIiwgIlwidW51c3VhbCBlbWFpbCBhZGRyZXNzXCJAZXhhbXBsZS5qcCJd")
        #expect(d.salt == "eI8ZWm9QnKPpNPeNenHdhQ")
        #expect(d.name == "email")
        #expect(d.value == .string("\"unusual email address\"@example.jp"))
        #expect(d.digest == "Kuet1yAa0HIQvYnOVd59hcViO9Ug6J2kSfqYRBeowvE")
    }

    @Test("made disclosures have fresh 16-byte salts, so equal values get different digests")
    func salts() throws {
        let a = try Disclosure.make(name: "age", value: .integer(34))
        let b = try Disclosure.make(name: "age", value: .integer(34))
        #expect(Base64.urlDecode(a.salt)?.count == 16)
        #expect(a.digest != b.digest)
        #expect(try Disclosure(encoded: a.encoded) == a)
    }

    @Test("a signed draft's disclosures read back from their strings as made, with a salt of their own each and a nonce apart from them")
    func draftDisclosuresReadBack() throws {
        let key = try PrivateKey.generate(.ed25519)
        let values: [(String, JSONValue)] = [
            ("narrative", .string("Ünïcödé \"quoted\" \u{1F46E} line\nbreak")), ("count", .integer(-(1 << 53))), ("ratio", .double(2.5e-7)),
            ("tags", .array([.string("a"), .null, .bool(true)])), ("nested", .object([("z", .integer(1)), ("a", .object([]))])), ("none", .null)]
        let submission = try StatementDraft(log: "example.org/log", type: "note.added", stream: "notes/1", actor: "ia/a", fields: values).sign(with: key)
        #expect(submission.disclosures.map(\.name) == values.map(\.0))
        for (d, (name, value)) in zip(submission.disclosures, values) {
            #expect(try Disclosure(encoded: d.encoded) == d)
            #expect(d.name == name && d.value == value)
            #expect(submission.statement.fields[name] == Disclosure.digest(of: d.encoded))
        }
        let salts = submission.disclosures.map(\.salt)
        #expect(Set(salts + [submission.statement.nonce]).count == salts.count + 1)
        #expect(salts.allSatisfy { Base64.urlDecode($0)?.count == 16 })
        _ = try submission.checkDisclosures()
        #expect(throws: BlotterError.self) { try Disclosure.make(name: "short", value: .null, salt: [UInt8](repeating: 7, count: 15)) }
    }

    @Test("refuses short salts, bad names, and non-arrays")
    func refuses() throws {
        // The 8-byte salt of the first specification example is below Blotter's 16-byte minimum.
        #expect(throws: BlotterError.self) { try Disclosure(encoded: "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0") }
        #expect(throws: BlotterError.self) { try Disclosure.make(name: "Bad Name", value: .null) }
        #expect(throws: BlotterError.self) { try Disclosure(encoded: Base64.urlEncode(Array("{\"a\":1}".utf8))) }
    }
}

@Suite("Statements and entries")
struct StatementTests {
    func sample() throws -> (PrivateKey, Submission) {
        let key = try PrivateKey(ed25519Seed: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let draft = StatementDraft(log: "ia.test.example/ledger", type: "case.finding.recorded", stream: "case/IA-2026-0042",
                                   expect: 3, actor: "ia/rivera", at: Timestamp(rfc3339: "2026-11-21T14:03:00Z", precision: .secondsOrMilliseconds)!,
                                   fields: [("allegation", .string("A1")), ("finding", .string("sustained"))])
        return (key, try draft.sign(with: key))
    }

    @Test("the signing input is the prefix line and the JCS of the statement without sig")
    func signingInput() throws {
        let (key, submission) = try sample()
        let s = submission.statement
        let input = try s.signingInput()
        let text = String(decoding: input, as: UTF8.self)
        #expect(text.hasPrefix("blotter/statement/v1\n{\"actor\":\"ia/rivera\",\"alg\":\"ed25519\",\"at\":\"2026-11-21T14:03:00Z\",\"expect\":3,\"fields\":{\"allegation\":"))
        #expect(!text.contains("\"sig\""))
        #expect(key.publicKey.isValidSignature(s.signatureBytes!, for: input))
        #expect(s.hasValidSignature(from: key.publicKey))
        #expect(try submission.checkDisclosures().count == 2)
    }

    @Test("refuses unknown members, floats, missing members and bad values, naming them", arguments: [
        ("extra", "unknown member \"extra\""), ("float", "integers only"), ("missing", "missing \"expect\""),
        ("badkey", "64 lowercase hex"), ("badalg", "ed25519 or ecdsa-p256-sha256"), ("badat", "RFC 3339"),
        ("badtype", "dot-separated"), ("bignum", "below 2^53"),
    ])
    func refuses(kind: String, fragment: String) throws {
        let (_, submission) = try sample()
        guard case var .object(members) = submission.statement.json() else { return }
        func set(_ key: String, _ value: JSONValue) {
            members.removeAll { $0.0 == key }
            members.append((key, value))
        }
        switch kind {
        case "extra": set("extra", .bool(true))
        case "float": set("schema", .double(1.5))
        case "missing": members.removeAll { $0.0 == "expect" }
        case "badkey": set("key", .string("ABC"))
        case "badalg": set("alg", .string("rsa"))
        case "badat": set("at", .string("2026-11-21T14:03:00+00:00"))
        case "badtype": set("type", .string("Case Opened"))
        default: set("expect", .integer(1 << 53))
        }
        do {
            _ = try Statement(json: .object(members))
            Issue.record("accepted \(kind)")
        } catch {
            #expect(error.code == .invalidStatement)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test("an entry's bytes are canonical; any other encoding of the same entry is refused")
    func entryBytes() throws {
        let (_, submission) = try sample()
        let entry = Entry(seq: 7, prev: String(repeating: "ab", count: 32), recorded: "2026-11-21T14:03:01.532Z", statement: submission.statement)
        let bytes = try entry.canonicalBytes()
        #expect(try Entry(bytes: bytes) == entry)
        let spaced = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"seq\":7", with: "\"seq\": 7").utf8)
        #expect(throws: BlotterError.self) { try Entry(bytes: spaced) }
        let reordered = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "{\"prev\"", with: "{\"seq\":7,\"prev\"")
            .replacingOccurrences(of: ",\"seq\":7", with: "").utf8)
        #expect(throws: BlotterError.self) { try Entry(bytes: reordered) }
    }

    @Test("disclosures that do not match the committed digest are refused")
    func mismatch() throws {
        let (_, submission) = try sample()
        var tampered = submission
        tampered.disclosures[0] = try Disclosure.make(name: tampered.disclosures[0].name, value: .string("not sustained"))
        #expect(throws: BlotterError.self) { try tampered.checkDisclosures() }
        tampered.disclosures[0] = try Disclosure.make(name: "other", value: .null)
        #expect(throws: BlotterError.self) { try tampered.checkDisclosures() }
    }

    @Test("signed-note verifier keys round-trip and check their key id")
    func noteKey() throws {
        let key = try PrivateKey.generate(.ed25519)
        let vkey = try NoteVerifierKey(name: "ia.test.example/ledger", publicKey: key.publicKey)
        let parsed = try NoteVerifierKey(parsing: vkey.description)
        #expect(parsed == vkey)
        var text = vkey.description
        let idStart = text.index(text.firstIndex(of: "+")!, offsetBy: 1)
        text.replaceSubrange(idStart...idStart, with: text[idStart] == "0" ? "1" : "0")
        #expect(throws: BlotterError.self) { try NoteVerifierKey(parsing: text) }
    }
}
