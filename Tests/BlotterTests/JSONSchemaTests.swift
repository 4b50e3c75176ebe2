import Blotter
import Foundation
import Testing

/// The official JSON-Schema-Test-Suite (draft 2020-12), for every keyword the validator supports
/// (Fixtures/json-schema-test-suite holds those files, copied from shared/vectors).
@Suite("JSON Schema 2020-12 against the official test suite")
struct JSONSchemaTests {
    static let folder = fixtures.appendingPathComponent("json-schema-test-suite")
    static let files = try! FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()

    /// The features the validator declines by design (JSONSchema's documentation lists them): a group
    /// whose schema uses one must be refused, naming it; any other group must load and pass.
    static let declinedKeywords = ["$dynamicRef", "$dynamicAnchor", "$anchor", "$vocabulary", "unevaluatedItems", "unevaluatedProperties"]

    /// The declined features `schema` uses, found by walking it as a schema (keys of `properties` and
    /// the like are names, not keywords; `enum`, `const` and annotations hold data, not schemas).
    static func declinedFeatures(_ schema: JSONValue, root: Bool = true) -> Set<String> {
        guard case let .object(members) = schema else { return [] }
        var found: Set<String> = []
        for (keyword, value) in members {
            if declinedKeywords.contains(keyword) { found.insert(keyword) }
            switch keyword {
            case "$id" where !root: found.insert("$id below the root")
            case "$ref":
                if let ref = value.stringValue {
                    if !ref.hasPrefix("#") { found.insert("remote $ref") } else if ref != "#" && !ref.hasPrefix("#/") { found.insert("$anchor") }
                }
            case "properties", "patternProperties", "$defs", "dependentSchemas":
                for (_, sub) in value.objectValue ?? [] { found.formUnion(declinedFeatures(sub, root: false)) }
            case "items", "additionalProperties", "propertyNames", "contains", "not", "if", "then", "else":
                found.formUnion(declinedFeatures(value, root: false))
            case "prefixItems", "allOf", "anyOf", "oneOf":
                for sub in value.arrayValue ?? [] { found.formUnion(declinedFeatures(sub, root: false)) }
            default: break
            }
        }
        return found
    }

    /// What the refusal of each declined feature says.
    static let refusalNames: [String: String] = [
        "$id below the root": "$id below the root", "remote $ref": "only references within the same schema", "$anchor": "$anchor",
    ]

    @Test("every test of every supported keyword passes; schemas using declined features are refused, never misjudged",
          arguments: files)
    func suite(file: String) throws {
        let groups = try JSONParser.parse(Array(try Data(contentsOf: Self.folder.appendingPathComponent(file)))).arrayValue ?? []
        #expect(!groups.isEmpty)
        var passed = 0
        for group in groups {
            let description = group["description"]?.stringValue ?? "?"
            let declined = Self.declinedFeatures(group["schema"]!)
            let schema: JSONSchema
            do {
                schema = try JSONSchema(json: group["schema"]!)
            } catch {
                // Refused: only for a declined feature it uses, and the refusal names one of them.
                #expect(!declined.isEmpty, "\(file) / \(description): refused, using no declined feature: \(error.message)")
                #expect(declined.contains { error.message.contains(Self.refusalNames[$0] ?? $0) },
                        "\(file) / \(description): refused for \(error.message), but it uses \(declined.sorted())")
                continue
            }
            #expect(declined.isEmpty, "\(file) / \(description): uses \(declined.sorted()) but was not refused")
            for test in group["tests"]?.arrayValue ?? [] {
                let expected = test["valid"] == .bool(true)
                let violations = schema.validate(test["data"]!)
                #expect(violations.isEmpty == expected,
                        "\(file) / \(description) / \(test["description"]?.stringValue ?? "?"): expected \(expected ? "valid" : "invalid"), got \(violations)")
                passed += 1
            }
        }
        #expect(passed > 0, "\(file): no test ran")
    }

    @Test("violations name the instance location and keyword, all of them at once")
    func messages() throws {
        let schema = try JSONSchema(json: try JSONParser.parse("""
            {"type": "object", "required": ["finding", "allegation"], "additionalProperties": false,
             "properties": {"finding": {"enum": ["sustained", "not sustained", "exonerated", "unfounded"], "sensitivity": "public"},
                            "officers": {"type": "array", "items": {"type": "string", "pattern": "^T-[0-9]+$"}}}}
            """))
        let violations = schema.validate(try JSONParser.parse(#"{"finding": "maybe", "officers": ["T-12", 7, "X"], "extra": 1}"#))
        let described = violations.map(\.description)
        #expect(described.contains("/: required: \"allegation\" is required"))
        #expect(described.contains("/finding: enum: value is not one of the allowed values"))
        #expect(described.contains("/officers/1: type: expected string, found integer"))
        #expect(described.contains("/officers/2: pattern: does not match the pattern ^T-[0-9]+$"))
        #expect(described.contains("/extra: additionalProperties: member \"extra\" is not allowed"))
        #expect(violations.count == 5)
    }

    @Test("unsupported keywords and malformed keyword values are refused at load, with their place", arguments: [
        (#"{"unevaluatedProperties": false}"#, "/unevaluatedProperties"),
        (##"{"properties": {"a": {"$dynamicRef": "#x"}}}"##, "/properties/a/$dynamicRef"),
        (#"{"minLength": -1}"#, "/minLength"),
        (#"{"type": "str"}"#, "/type"),
        (#"{"$ref": "other.json#/a"}"#, "/$ref"),
        (#"{"pattern": "("}"#, "/pattern"),
        (#"{"maximumm": 3}"#, "/maximumm"),
    ])
    func refused(schema: String, place: String) throws {
        do {
            _ = try JSONSchema(json: try JSONParser.parse(schema))
            Issue.record("accepted \(schema)")
        } catch {
            #expect(error.message.contains("schema at \(place)"), "\(error.message)")
        }
    }

    @Test("format asserts date and date-time when asked: the suite's optional format tests pass", arguments: ["date.json", "date-time.json"])
    func formatAssertion(file: String) throws {
        let url = fixtures.appendingPathComponent("json-schema-test-suite-format").appendingPathComponent(file)
        let groups = try JSONParser.parse(Array(try Data(contentsOf: url))).arrayValue ?? []
        var passed = 0
        for group in groups {
            let schema = try JSONSchema(json: group["schema"]!, assertFormats: true)
            for test in group["tests"]?.arrayValue ?? [] {
                let expected = test["valid"] == .bool(true)
                #expect(schema.validate(test["data"]!).isEmpty == expected, "\(file) / \(test["description"]?.stringValue ?? "?")")
                passed += 1
            }
        }
        #expect(passed > 20)
    }

    @Test("with formats asserted, a format the validator does not check is refused at load")
    func unknownFormatRefused() throws {
        #expect(throws: BlotterError.self) { try JSONSchema(json: try JSONParser.parse(#"{"properties": {"a": {"format": "email"}}}"#), assertFormats: true) }
        _ = try JSONSchema(json: try JSONParser.parse(#"{"properties": {"a": {"format": "email"}}}"#))
    }
}
