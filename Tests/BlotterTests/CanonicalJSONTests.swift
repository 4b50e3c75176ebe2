@testable import BlotterFormat
@testable import BlotterDomain
import Blotter
import Foundation
import Testing

@Suite("RFC 8785 canonical JSON")
struct CanonicalJSONTests {
    static let names = ["arrays", "french", "structures", "unicode", "values", "weird"]

    @Test("matches the published JCS vectors", arguments: names)
    func vectors(name: String) throws {
        let input = try Data(contentsOf: fixtures.appendingPathComponent("jcs/input/\(name).json"))
        let expected = try Data(contentsOf: fixtures.appendingPathComponent("jcs/output/\(name).json"))
        let canonical = try CanonicalJSON.encode(try JSONParser.parse(Array(input)))
        #expect(canonical == Array(expected), "\(String(decoding: canonical, as: UTF8.self))")
    }

    struct NumberCase: Decodable, Sendable {
        let ieee: String
        let expected: String
    }

    static let numbers: [NumberCase] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("jcs/numbers.json"))
        return try! JSONDecoder().decode([NumberCase].self, from: data)
    }()

    @Test("serialises doubles like ECMAScript (RFC 8785 appendix B and 400 random values)")
    func numbers() throws {
        #expect(Self.numbers.count > 400)
        for c in Self.numbers {
            let bits = UInt64(c.ieee, radix: 16)!
            let value = Double(bitPattern: bits)
            #expect(try CanonicalJSON.formatNumber(value) == c.expected, "\(c.ieee)")
        }
    }

    @Test("writes integers exactly and refuses non-finite numbers")
    func integers() throws {
        #expect(try CanonicalJSON.encode(.integer(9_007_199_254_740_991)) == Array("9007199254740991".utf8))
        #expect(try CanonicalJSON.encode(.integer(-42)) == Array("-42".utf8))
        #expect(throws: BlotterError.self) { try CanonicalJSON.encode(.double(.infinity)) }
    }
}

@Suite("Strict JSON parsing")
struct JSONParserTests {
    @Test("refuses what the format forbids, naming the place", arguments: [
        ("{\"a\":1,\"a\":2}", "duplicate object key \"a\""),
        ("{\"a\":1} x", "unexpected text after the JSON value"),
        ("[\"\\ud800\"]", "unpaired surrogate"),
        ("[\"\\udc00x\"]", "unpaired surrogate"),
        ("[01]", "leading zero"),
        ("[1.]", "digit expected"),
        ("{\"a\" 1}", "expected ':'"),
        ("[\"a\nb\"]", "unescaped control character"),
        ("[1,]", "expected a value"),
        ("", "unexpected end of input"),
        ("{\"a\":\n  tru}", "line 2, column 3"),
    ])
    func refuses(text: String, fragment: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .malformedJSON)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test("refuses invalid UTF-8 and deep nesting")
    func bytes() {
        #expect(throws: BlotterError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: BlotterError.self) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
        #expect(throws: BlotterError.self) { try JSONParser.parse(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)) }
    }

    @Test("keeps integers exact and reads escapes")
    func values() throws {
        let v = try JSONParser.parse("{\"n\": 9007199254740993, \"f\": 1.5, \"s\": \"\\u00e9\\ud83d\\ude02\\n\"}")
        #expect(v["n"] == .integer(9_007_199_254_740_993))
        #expect(v["f"] == .double(1.5))
        #expect(v["s"] == .string("é😂\n"))
    }
}

@Suite("Encodings")
struct EncodingTests {
    @Test("base64url is unpadded and canonical; standard base64 is padded")
    func base64() {
        #expect(Base64.urlEncode([0xfb, 0xff]) == "-_8")
        #expect(Base64.standardEncode([0xfb, 0xff]) == "+/8=")
        #expect(Base64.urlDecode("-_8") == [0xfb, 0xff])
        #expect(Base64.urlDecode("-_8=") == nil)
        #expect(Base64.urlDecode("-_9") == nil, "non-zero trailing bits")
        #expect(Base64.urlDecode("a") == nil)
        #expect(Base64.standardDecode("+/8=") == [0xfb, 0xff])
        #expect(Base64.standardDecode("+/8") == nil)
    }

    @Test("RFC 3339 timestamps: UTC, none or three fractional digits", arguments: [
        ("2026-11-21T14:03:00Z", true), ("2026-11-21T14:03:00.532Z", true), ("2024-02-29T00:00:00Z", true),
        ("2026-02-29T00:00:00Z", false), ("2026-11-21T14:03:00+01:00", false), ("2026-11-21T14:03:00.5Z", false),
        ("2026-11-21T24:00:00Z", false), ("2026-11-21T14:03:60Z", false), ("2026-11-21 14:03:00Z", false),
    ])
    func timestamps(text: String, valid: Bool) {
        let t = Timestamp(rfc3339: text, precision: .secondsOrMilliseconds)
        #expect((t != nil) == valid)
        if let t { #expect(t.rfc3339 == text) }
    }

    @Test("converts to and from epoch milliseconds")
    func epoch() {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00.000Z", precision: .milliseconds)?.milliseconds == 0)
        #expect(Timestamp(rfc3339: "2026-11-21T14:03:01.532Z", precision: .milliseconds)?.milliseconds == 1_795_269_781_532)
        #expect(Timestamp(milliseconds: 1_795_269_781_532).rfc3339Milliseconds == "2026-11-21T14:03:01.532Z")
        #expect(Timestamp(rfc3339: "2026-11-21T14:03:01Z", precision: .milliseconds) == nil)
    }
}
