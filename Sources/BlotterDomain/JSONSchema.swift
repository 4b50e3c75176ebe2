public import BlotterFormat
public import BlotterLog
internal import Foundation

/// A JSON Schema (draft 2020-12) validator for the keywords Blotter's schemas use.
///
/// A schema is compiled once. A keyword this validator does not implement is refused at compile time
/// with its location — never silently ignored — so a schema can never seem to check something it
/// does not. Validation reports every violation, not just the first. `format` and the content
/// keywords are annotations, as 2020-12 defines them by default; so are `sensitivity` (Blotter's
/// disclosure annotation) and the usual metadata keywords.
///
/// Supported: type, enum, const, multipleOf, maximum, exclusiveMaximum, minimum, exclusiveMinimum,
/// maxLength, minLength, pattern, maxItems, minItems, uniqueItems, maxContains, minContains,
/// maxProperties, minProperties, required, dependentRequired, properties, patternProperties,
/// additionalProperties, propertyNames, items, prefixItems, contains, dependentSchemas, allOf, anyOf,
/// oneOf, not, if/then/else, $ref (to `#` and JSON pointers in the same document), $defs.
/// Refused: $dynamicRef, $dynamicAnchor, $anchor, $vocabulary, $id below the root, remote references,
/// unevaluatedItems, unevaluatedProperties, and any keyword not listed.
public struct JSONSchema: Sendable {
    /// Keywords that only annotate.
    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
        "format", "contentEncoding", "contentMediaType", "contentSchema", "sensitivity",
    ]
    static let assertions: Set<String> = [
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
        "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties",
        "minProperties", "required", "dependentRequired", "properties", "patternProperties", "additionalProperties",
        "propertyNames", "items", "prefixItems", "contains", "dependentSchemas", "allOf", "anyOf", "oneOf", "not", "if",
        "then", "else", "$ref", "$defs",
    ]

    /// The formats checked when formats are asserted (the format-assertion vocabulary).
    public static let assertedFormats: Set<String> = ["date", "date-time"]

    let root: JSONValue
    /// Compiled regular expressions by pattern.
    let patterns: [String: NSRegularExpressionBox]
    /// True if `format` asserts (only the formats in ``assertedFormats``); false if it annotates.
    let assertFormats: Bool

    /// Parses a configuration document (a mapping, a policy) and checks it against the schema in
    /// `schemaText`; refuses it naming the first `shown` violations as "PLACE is not a valid WHAT: ...".
    package static func document(_ bytes: [UInt8], schema schemaText: [UInt8], place: String, what: String, shown: Int) throws(BlotterError) -> JSONValue {
        let json: JSONValue
        // A file that is not JSON is a bad input file like any other (exit 5), not a refused statement.
        do { json = try JSONParser.parse(bytes) } catch { throw BlotterError(.invalidInput, "\(place) is not a valid \(what): \(error.message)") }
        let violations = try JSONSchema(json: JSONParser.parse(schemaText)).validate(json)
        if !violations.isEmpty {
            throw BlotterError(.invalidInput, "\(place) is not a valid \(what): "
                               + violations.prefix(shown).map { "\($0.instancePath.isEmpty ? "/" : $0.instancePath) (\($0.keyword)): \($0.message)" }.joined(separator: "; "),
                               violations: violations)
        }
        return json
    }

    /// Compiles a schema.
    /// - Parameter assertFormats: check `format` values (2020-12's format-assertion vocabulary);
    ///   a schema naming a format outside ``assertedFormats`` is then refused, not half-checked.
    /// - Throws: ``BlotterError`` `.invalidInput` naming the keyword and its location for an
    ///   unsupported keyword, a malformed keyword value, an invalid pattern or an unresolvable $ref.
    public init(json: JSONValue, assertFormats: Bool = false) throws(BlotterError) {
        root = json
        self.assertFormats = assertFormats
        var patterns: [String: NSRegularExpressionBox] = [:]
        try JSONSchema.check(json, at: "", isRoot: true, root: json, assertFormats: assertFormats, patterns: &patterns)
        self.patterns = patterns
    }

    /// Validates `instance`; an empty result means valid.
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        evaluate(root, instance, path: "", depth: 0, into: &out)
        return out
    }

    // MARK: compile-time checks

    static func check(_ schema: JSONValue, at pointer: String, isRoot: Bool, root: JSONValue, assertFormats: Bool,
                      patterns: inout [String: NSRegularExpressionBox]) throws(BlotterError) {
        if case .bool = schema { return }
        guard case let .object(members) = schema else {
            throw BlotterError(.invalidInput, "schema at \(pointer.isEmpty ? "/" : pointer) must be an object or a boolean")
        }
        func fail(_ keyword: String, _ why: String) -> BlotterError {
            BlotterError(.invalidInput, "schema at \(pointer)/\(keyword): \(why)")
        }
        for (keyword, value) in members {
            if keyword == "$id" && !isRoot { throw fail(keyword, "$id below the root is not supported") }
            if keyword == "$schema", value.stringValue != "https://json-schema.org/draft/2020-12/schema" {
                throw fail(keyword, "only https://json-schema.org/draft/2020-12/schema is supported")
            }
            guard annotations.contains(keyword) || assertions.contains(keyword) else {
                throw fail(keyword, "keyword \"\(keyword)\" is not supported; refusing the schema rather than ignoring it")
            }
            let here = "\(pointer)/\(escape(keyword))"
            func sub(_ v: JSONValue, _ suffix: String = "") throws(BlotterError) {
                try check(v, at: here + suffix, isRoot: false, root: root, assertFormats: assertFormats, patterns: &patterns)
            }
            func nonNegativeInteger() throws(BlotterError) {
                guard let n = integer(value), n >= 0 else { throw fail(keyword, "must be a non-negative integer") }
            }
            switch keyword {
            case "type":
                let names: [JSONValue] = value.arrayValue ?? [value]
                let known: Set<String> = ["null", "boolean", "object", "array", "number", "string", "integer"]
                guard !names.isEmpty, names.allSatisfy({ $0.stringValue.map(known.contains) == true }) else {
                    throw fail(keyword, "must name JSON types")
                }
            case "enum":
                guard value.arrayValue != nil else { throw fail(keyword, "must be an array") }
            case "multipleOf":
                guard let d = number(value), d > 0 else { throw fail(keyword, "must be a number above 0") }
            case "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum":
                guard number(value) != nil else { throw fail(keyword, "must be a number") }
            case "maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains", "maxProperties", "minProperties":
                try nonNegativeInteger()
            case "uniqueItems":
                guard case .bool = value else { throw fail(keyword, "must be a boolean") }
            case "pattern":
                guard let p = value.stringValue else { throw fail(keyword, "must be a string") }
                patterns[p] = try compile(p, fail(keyword, "is not a valid regular expression"))
            case "format" where assertFormats:
                guard let name = value.stringValue, assertedFormats.contains(name) else {
                    throw fail(keyword, "format \(value.stringValue ?? value.typeName) is not checked by this validator (it checks \(assertedFormats.sorted().joined(separator: ", "))); refusing rather than ignoring it")
                }
            case "required":
                guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else { throw fail(keyword, "must be an array of strings") }
            case "dependentRequired":
                guard let deps = value.objectValue, deps.allSatisfy({ $0.1.arrayValue?.allSatisfy { $0.stringValue != nil } == true }) else {
                    throw fail(keyword, "must map names to arrays of strings")
                }
            case "properties", "dependentSchemas", "$defs":
                guard let map = value.objectValue else { throw fail(keyword, "must be an object of schemas") }
                for (name, s) in map { try sub(s, "/" + escape(name)) }
            case "patternProperties":
                guard let map = value.objectValue else { throw fail(keyword, "must be an object of schemas") }
                for (p, s) in map {
                    patterns[p] = try compile(p, fail(keyword, "\"\(p)\" is not a valid regular expression"))
                    try sub(s, "/" + escape(p))
                }
            case "additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else":
                try sub(value)
            case "prefixItems", "allOf", "anyOf", "oneOf":
                guard let list = value.arrayValue, !list.isEmpty else { throw fail(keyword, "must be a non-empty array of schemas") }
                for (i, s) in list.enumerated() { try sub(s, "/\(i)") }
            case "$ref":
                guard let ref = value.stringValue, ref.hasPrefix("#") else {
                    throw fail(keyword, "only references within the same schema (#...) are supported")
                }
                // "#name" names an $anchor, which this validator declines; "#" and "#/..." are JSON pointers.
                guard ref == "#" || ref.hasPrefix("#/") else {
                    throw fail(keyword, "\(ref) names an $anchor; $anchor is not supported (use a JSON pointer such as #/$defs/name)")
                }
                guard resolve(ref, in: root) != nil else { throw fail(keyword, "\(ref) does not resolve") }
            default:
                break
            }
        }
    }

    static func compile(_ pattern: String, _ error: BlotterError) throws(BlotterError) -> NSRegularExpressionBox {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { throw error }
        return NSRegularExpressionBox(regex: regex)
    }

    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return s }
        return s.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Resolves `#` or `#/json/pointer` (percent-decoded, ~0 and ~1 unescaped) in `root`.
    static func resolve(_ ref: String, in root: JSONValue) -> JSONValue? {
        guard let decoded = String(ref.dropFirst()).removingPercentEncoding else { return nil }
        if decoded.isEmpty { return root }
        guard decoded.hasPrefix("/") else { return nil }
        var node = root
        for raw in decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case let .object(members):
                guard let next = members.first(where: { $0.0 == token })?.1 else { return nil }
                node = next
            case let .array(items):
                guard let i = Int(token), i >= 0, i < items.count else { return nil }
                node = items[i]
            default:
                return nil
            }
        }
        return node
    }

    static func number(_ v: JSONValue) -> Double? {
        switch v {
        case let .integer(n): return Double(n)
        case let .double(d): return d
        default: return nil
        }
    }

    /// An integer-valued number (1.0 counts).
    static func integer(_ v: JSONValue) -> Int64? {
        switch v {
        case let .integer(n): return n
        case let .double(d) where d == d.rounded() && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    // MARK: evaluation

    func evaluate(_ schema: JSONValue, _ instance: JSONValue, path: String, depth: Int, into out: inout [SchemaViolation]) {
        func add(_ keyword: String, _ message: String) { out.append(SchemaViolation(instancePath: path, keyword: keyword, message: message)) }
        guard depth < 256 else { add("$ref", "schema references nest deeper than 256"); return }
        switch schema {
        case .bool(true): return
        case .bool(false): add("false", "no value is allowed here"); return
        default: break
        }
        guard case let .object(k) = schema else { return }
        func value(_ name: String) -> JSONValue? { k.first(where: { $0.0 == name })?.1 }
        func valid(_ s: JSONValue, _ i: JSONValue, _ p: String) -> Bool {
            var scratch: [SchemaViolation] = []
            evaluate(s, i, path: p, depth: depth + 1, into: &scratch)
            return scratch.isEmpty
        }
        for (keyword, v) in k {
            switch keyword {
            case "$ref":
                if let target = JSONSchema.resolve(v.stringValue ?? "", in: root) {
                    evaluate(target, instance, path: path, depth: depth + 1, into: &out)
                }
            case "type":
                let names = (v.arrayValue ?? [v]).compactMap(\.stringValue)
                if !names.contains(where: { JSONSchema.matches(type: $0, instance) }) {
                    add(keyword, "expected \(names.joined(separator: " or ")), found \(instance.typeName)")
                }
            case "enum":
                if !(v.arrayValue ?? []).contains(instance) { add(keyword, "value is not one of the allowed values") }
            case "const":
                if instance != v { add(keyword, "value is not the required constant") }
            case "multipleOf":
                if let x = JSONSchema.number(instance), let d = JSONSchema.number(v), !JSONSchema.isMultiple(x, of: d) {
                    add(keyword, "\(x) is not a multiple of \(d)")
                }
            case "maximum":
                if let x = JSONSchema.number(instance), let m = JSONSchema.number(v), x > m { add(keyword, "\(x) is above the maximum \(m)") }
            case "exclusiveMaximum":
                if let x = JSONSchema.number(instance), let m = JSONSchema.number(v), x >= m { add(keyword, "\(x) is not below \(m)") }
            case "minimum":
                if let x = JSONSchema.number(instance), let m = JSONSchema.number(v), x < m { add(keyword, "\(x) is below the minimum \(m)") }
            case "exclusiveMinimum":
                if let x = JSONSchema.number(instance), let m = JSONSchema.number(v), x <= m { add(keyword, "\(x) is not above \(m)") }
            case "maxLength", "minLength":
                if case let .string(s) = instance, let n = JSONSchema.integer(v) {
                    let length = s.unicodeScalars.count
                    if keyword == "maxLength" && length > n { add(keyword, "\(length) characters, more than \(n)") }
                    if keyword == "minLength" && length < n { add(keyword, "\(length) characters, fewer than \(n)") }
                }
            case "format" where assertFormats:
                if case let .string(s) = instance, let name = v.stringValue, !JSONSchema.isValid(s, format: name) {
                    add(keyword, name == "date" ? "\"\(s)\" is not a calendar date YYYY-MM-DD" : "\"\(s)\" is not an RFC 3339 date-time")
                }
            case "pattern":
                if case let .string(s) = instance, let p = v.stringValue, let regex = patterns[p], !regex.matches(s) {
                    add(keyword, "does not match the pattern \(p)")
                }
            case "maxItems", "minItems":
                if case let .array(items) = instance, let n = JSONSchema.integer(v) {
                    if keyword == "maxItems" && items.count > n { add(keyword, "\(items.count) items, more than \(n)") }
                    if keyword == "minItems" && items.count < n { add(keyword, "\(items.count) items, fewer than \(n)") }
                }
            case "uniqueItems":
                if case .bool(true) = v, case let .array(items) = instance {
                    outer: for i in items.indices {
                        for j in items.indices where j > i && items[i] == items[j] {
                            add(keyword, "items \(i) and \(j) are equal")
                            break outer
                        }
                    }
                }
            case "maxProperties", "minProperties":
                if case let .object(m) = instance, let n = JSONSchema.integer(v) {
                    if keyword == "maxProperties" && m.count > n { add(keyword, "\(m.count) members, more than \(n)") }
                    if keyword == "minProperties" && m.count < n { add(keyword, "\(m.count) members, fewer than \(n)") }
                }
            case "required":
                if case let .object(m) = instance {
                    for name in (v.arrayValue ?? []).compactMap(\.stringValue) where !m.contains(where: { $0.0 == name }) {
                        add(keyword, "\"\(name)\" is required")
                    }
                }
            case "dependentRequired":
                if case let .object(m) = instance {
                    for (name, deps) in v.objectValue ?? [] where m.contains(where: { $0.0 == name }) {
                        for d in (deps.arrayValue ?? []).compactMap(\.stringValue) where !m.contains(where: { $0.0 == d }) {
                            add(keyword, "\"\(d)\" is required when \"\(name)\" is present")
                        }
                    }
                }
            case "properties":
                if case let .object(m) = instance {
                    for (name, s) in v.objectValue ?? [] {
                        if let member = m.first(where: { $0.0 == name }) {
                            evaluate(s, member.1, path: path + "/" + JSONSchema.escape(name), depth: depth + 1, into: &out)
                        }
                    }
                }
            case "patternProperties":
                if case let .object(m) = instance {
                    for (p, s) in v.objectValue ?? [] {
                        guard let regex = patterns[p] else { continue }
                        for (name, member) in m where regex.matches(name) {
                            evaluate(s, member, path: path + "/" + JSONSchema.escape(name), depth: depth + 1, into: &out)
                        }
                    }
                }
            case "additionalProperties":
                if case let .object(m) = instance {
                    let declared = Set((value("properties")?.objectValue ?? []).map(\.0))
                    let regexes = (value("patternProperties")?.objectValue ?? []).compactMap { patterns[$0.0] }
                    for (name, member) in m where !declared.contains(name) && !regexes.contains(where: { $0.matches(name) }) {
                        if case .bool(false) = v {
                            out.append(SchemaViolation(instancePath: path + "/" + JSONSchema.escape(name), keyword: keyword, message: "member \"\(name)\" is not allowed"))
                        } else {
                            evaluate(v, member, path: path + "/" + JSONSchema.escape(name), depth: depth + 1, into: &out)
                        }
                    }
                }
            case "propertyNames":
                if case let .object(m) = instance {
                    for (name, _) in m where !valid(v, .string(name), path) { add(keyword, "member name \"\(name)\" is not allowed") }
                }
            case "prefixItems":
                if case let .array(items) = instance {
                    for (i, s) in (v.arrayValue ?? []).enumerated() where i < items.count {
                        evaluate(s, items[i], path: path + "/\(i)", depth: depth + 1, into: &out)
                    }
                }
            case "items":
                if case let .array(items) = instance {
                    let skip = value("prefixItems")?.arrayValue?.count ?? 0
                    for i in items.indices where i >= skip {
                        evaluate(v, items[i], path: path + "/\(i)", depth: depth + 1, into: &out)
                    }
                }
            case "contains":
                if case let .array(items) = instance {
                    let count = items.indices.filter { valid(v, items[$0], path + "/\($0)") }.count
                    let minimum = value("minContains").flatMap(JSONSchema.integer) ?? 1
                    if count < minimum { add(keyword, "\(count) items match, fewer than \(minimum)") }
                    if let maximum = value("maxContains").flatMap(JSONSchema.integer), count > maximum {
                        add("maxContains", "\(count) items match, more than \(maximum)")
                    }
                }
            case "dependentSchemas":
                if case let .object(m) = instance {
                    for (name, s) in v.objectValue ?? [] where m.contains(where: { $0.0 == name }) {
                        evaluate(s, instance, path: path, depth: depth + 1, into: &out)
                    }
                }
            case "allOf":
                for s in v.arrayValue ?? [] { evaluate(s, instance, path: path, depth: depth + 1, into: &out) }
            case "anyOf":
                if !(v.arrayValue ?? []).contains(where: { valid($0, instance, path) }) { add(keyword, "matches none of the alternatives") }
            case "oneOf":
                let n = (v.arrayValue ?? []).filter { valid($0, instance, path) }.count
                if n != 1 { add(keyword, "matches \(n) of the alternatives, not exactly one") }
            case "not":
                if valid(v, instance, path) { add(keyword, "matches a schema it must not match") }
            case "if":
                if valid(v, instance, path) {
                    if let then = value("then") { evaluate(then, instance, path: path, depth: depth + 1, into: &out) }
                } else if let otherwise = value("else") {
                    evaluate(otherwise, instance, path: path, depth: depth + 1, into: &out)
                }
            default:
                break
            }
        }
    }

    /// RFC 3339 `full-date` and `date-time` (section 5.6), with real calendar days and a leap
    /// second allowed only at 23:59:60 UTC.
    static func isValid(_ s: String, format: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45, let day = digits(8, 2),
              (1...12).contains(month), day >= 1 else { return false }
        guard day <= Timestamp.daysIn(month: month, year: year) else { return false }
        if format == "date" { return b.count == 10 }
        guard b.count >= 20, b[10] == 84 || b[10] == 116, let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2),
              b[16] == 58, let second = digits(17, 2), hour <= 23, minute <= 59, second <= 60 else { return false }
        var i = 19
        if b[i] == 46 {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.count else { return false }
        var offsetMinutes = 0
        if b[i] == 90 || b[i] == 122 {
            guard i + 1 == b.count else { return false }
        } else {
            guard b[i] == 43 || b[i] == 45, i + 6 == b.count, let oh = digits(i + 1, 2), b[i + 3] == 58, let om = digits(i + 4, 2),
                  oh <= 23, om <= 59 else { return false }
            offsetMinutes = (b[i] == 43 ? 1 : -1) * (oh * 60 + om)
        }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func matches(type: String, _ v: JSONValue) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string): return true
        case ("number", .integer), ("number", .double), ("integer", .integer): return true
        case let ("integer", .double(d)): return d == d.rounded() && d.isFinite
        default: return false
        }
    }

    /// Exact for decimal literals: both numbers are read as the decimals they print as.
    static func isMultiple(_ x: Double, of d: Double) -> Bool {
        if x == x.rounded(), d == d.rounded(), abs(x) < 9e15, abs(d) < 9e15 { return Int64(x) % Int64(d) == 0 }
        guard let a = Decimal(string: "\(x)"), let b = Decimal(string: "\(d)"), !a.isNaN, !b.isNaN else { return false }
        var q = a / b
        guard !q.isNaN, q.isFinite else { return false }
        var r = Decimal()
        NSDecimalRound(&r, &q, 0, .plain)
        return r == q
    }
}

/// An ECMA-262-style search (unanchored) with a compiled NSRegularExpression.
final class NSRegularExpressionBox: @unchecked Sendable {
    // @unchecked Sendable: NSRegularExpression is immutable and documented as thread-safe.
    let regex: NSRegularExpression
    init(regex: NSRegularExpression) { self.regex = regex }

    func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}
