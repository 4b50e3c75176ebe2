@testable import BlotterFormat
@testable import BlotterDomain
import Blotter
import BlotterCrypto
import Foundation
import Testing

@Suite("Canonical parsing of stored bytes")
struct CanonicalParseTests {
    @Test("the signing input sliced from stored bytes equals the re-encoded one")
    func slicedSigningInput() throws {
        for alg in SignatureAlgorithm.allCases {
            let key = try PrivateKey.generate(alg)
            for i in 0..<50 {
                var fields: [(String, JSONValue)] = (0..<(i % 7)).map { ("f\($0)", .string("v\($0) \"quoted\" é")) }
                if i % 3 == 0 { fields.append(("sig", .string("a field named sig"))) }
                let s = try StatementDraft(log: "x.example/l\"q", type: "case.opened", stream: "case/\(i)", expect: i % 2 == 0 ? nil : Int64(i),
                                           actor: "ia/a", fields: fields).sign(with: key)
                let bytes = try Entry(seq: Int64(i), prev: Entry.genesisPrev, recorded: "2026-11-21T14:03:01.532Z", statement: s.statement).canonicalBytes()
                let (entry, input) = try Entry.parse(stored: bytes)
                #expect(input == (try s.statement.signingInput()))
                #expect(entry.statement == s.statement)
            }
        }
    }

    @Test("the statement's bytes written from its members are the JCS of its JSON, with and without sig")
    func directWriter() throws {
        // Values the reader would refuse too: the writer must still write what JCS writes.
        let names = ["b", "a", "é", "z\u{1}", "A", "_", "aa", "\u{10000}", "\u{FFFF}", "sig", "stream"]
        for i in 0..<200 {
            let fields = Dictionary(uniqueKeysWithValues: names.prefix(i % (names.count + 1)).enumerated().map { ($1, "d\($0)\"\\\n") })
            let s = Statement(log: i % 2 == 0 ? "x.example/l" : "x\"\u{7F}é", type: "case.opened", schema: i % 5 == 0 ? Int64(1) << 60 : Int64(i),
                              stream: "case/\(i)", expect: i % 3 == 0 ? nil : Int64(i) - 100, actor: "ia/\u{0}",
                              key: "k", alg: .ed25519, at: "t", nonce: "n", fields: fields, sig: i % 4 == 0 ? "" : "s\"ig\(i)")
            #expect(s.canonicalBytes() == (try CanonicalJSON.encode(s.json())))
            #expect(s.canonicalBytes(includingSignature: false) == (try CanonicalJSON.encode(s.json(includingSignature: false))))
            let both = s.signingInputAndBytes()
            #expect(both.signingInput == Statement.signingPrefix + (try CanonicalJSON.encode(s.json(includingSignature: false))))
            #expect(both.bytes == s.canonicalBytes())
            #expect(both.signingInput == (try s.signingInput()))
        }
    }

    @Test("a draft refuses to sign what the reader would refuse")
    func draftChecksLikeTheReader() throws {
        let key = try PrivateKey.generate(.ed25519)
        for (draft, fragment) in [
            (StatementDraft(log: "x.example/l", type: "Case Opened", stream: "case/1", actor: "ia/a", fields: []), "dot-separated"),
            (StatementDraft(log: "x.example/l", type: "case.opened", stream: "case 1", actor: "ia/a", fields: []), "stream"),
            (StatementDraft(log: "x.example/l", type: "case.opened", stream: "case/1", expect: -1, actor: "ia/a", fields: []), "at least 0"),
            (StatementDraft(log: "x.example/l", type: "case.opened", schema: 1 << 53, stream: "case/1", actor: "ia/a", fields: []), "below 2^53"),
        ] {
            #expect { try draft.sign(with: key) } throws: { ($0 as? BlotterError)?.message.contains(fragment) == true }
        }
    }

    @Test("bytes that are valid JSON but not RFC 8785 are refused", arguments: [
        "{\"a\":1, \"b\":2}", "{\"b\":1,\"a\":2}", "[\"\\/\"]", "[\"\\u0041\"]", "[\"\\u001F\"]", "[\"\\u000a\"]",
        "[1.0]", "[-0]", "[1E2]", "[1e+21 ]", " [1]",
    ])
    func refuses(text: String) {
        #expect(throws: BlotterError.self) { try JSONParser.parseCanonical(Array(text.utf8)) }
    }

    @Test("canonical bytes are accepted", arguments: ["{\"a\":1,\"b\":[true,null,\"\\u001f\\n\"]}", "[1e+21,0.5,-3]", "{\"\":0,\"é\":1}"])
    func accepts(text: String) throws {
        let parsed = try JSONParser.parseCanonical(Array(text.utf8))
        #expect(try CanonicalJSON.encode(parsed.value) == Array(text.utf8))
    }

    @Test("the fast disclosure check agrees with the full parse")
    func disclosureCheck() throws {
        let good = try Disclosure.make(name: "narrative", value: .object([("a", .array([.string("x"), .integer(1), .double(2.5)]))]))
        try Disclosure.check(good.encoded, field: "narrative", committed: good.digest)
        #expect(throws: BlotterError.self) { try Disclosure.check(good.encoded, field: "other", committed: good.digest) }
        #expect(throws: BlotterError.self) { try Disclosure.check(good.encoded, field: "narrative", committed: Disclosure.digest(of: "x")) }
        let bad = [
            "[\"AAECAwQFBgcICQoLDA0ODw\",\"narrative\"]", "[\"AAECAwQFBgcICQoLDA0ODw\",\"narrative\",1,2]",
            "[\"AAECAwQFBgcICQoLDA0ODw\",\"narrative\",{\"a\":1,\"a\":2}]", "[\"AAECAw\",\"narrative\",1]",
            "[\"AAECAwQFBgcICQoLDA0ODw\",\"narrative\",\"\u{7f}\", ]", "{\"salt\":1}",
        ]
        for text in bad {
            let encoded = Base64.urlEncode(Array(text.utf8))
            #expect(throws: BlotterError.self) { try Disclosure.check(encoded, field: "narrative", committed: Disclosure.digest(of: encoded)) }
            #expect(throws: BlotterError.self) { try Disclosure(encoded: encoded) }
        }
        let invalidUTF8 = Base64.urlEncode(Array("[\"AAECAwQFBgcICQoLDA0ODw\",\"narrative\",\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"]".utf8))
        #expect(throws: BlotterError.self) { try Disclosure.check(invalidUTF8, field: "narrative", committed: Disclosure.digest(of: invalidUTF8)) }
    }
}
