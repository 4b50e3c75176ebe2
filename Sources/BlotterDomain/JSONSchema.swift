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
    /// The schema compiled for evaluation.
    let program: Program
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
        var compiler = Compiler(root: json, assertFormats: assertFormats, patterns: patterns)
        _ = compiler.node(json)
        program = Program(nodes: compiler.nodes)
    }

    /// Validates `instance`; an empty result means valid.
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        evaluate(0, instance, path: "", depth: 0, into: &out)
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

    /// A subschema compiled for evaluation: each keyword's value decoded once, references resolved
    /// to nodes, so that validating a value walks no schema JSON and compares no keyword names.
    struct Node: Sendable {
        /// A boolean schema (`true` or `false`); a schema that is not an object is `true`.
        var always: Bool?
        var checks: [Check] = []
    }

    /// The compiled nodes of one schema; node 0 is the root. A class, so that a schema is one
    /// reference wherever it is copied.
    final class Program: Sendable {
        let nodes: [Node]
        init(nodes: [Node]) { self.nodes = nodes }
    }

    /// One keyword of a subschema, in the order the schema gives them. Subschemas are node indexes.
    enum Check: Sendable {
        case ref(Int?)
        case types([String])
        case enumeration([JSONValue])
        case constant(JSONValue)
        case multipleOf(Double?)
        case maximum(Double?), exclusiveMaximum(Double?), minimum(Double?), exclusiveMinimum(Double?)
        case maxLength(Int64?), minLength(Int64?)
        case format(String?)
        case pattern(String, NSRegularExpressionBox?)
        case maxItems(Int64?), minItems(Int64?)
        case uniqueItems
        case maxProperties(Int64?), minProperties(Int64?)
        case required([String])
        case dependentRequired([DependentNames])
        case properties([Property])
        case patternProperties([PatternSchema])
        case additionalProperties(Additional)
        case propertyNames(Int)
        case prefixItems([Int])
        case items(Int, skip: Int)
        case contains(Int, minimum: Int64, maximum: Int64?)
        case dependentSchemas([DependentSchema])
        case allOf([Int]), anyOf([Int]), oneOf([Int])
        case negation(Int)
        case conditional(Int, then: Int?, otherwise: Int?)
    }

    struct DependentNames: Sendable { let name: String; let required: [String] }
    struct Property: Sendable { let name: String; let escaped: String; let node: Int }
    struct PatternSchema: Sendable { let regex: NSRegularExpressionBox; let node: Int }
    struct Additional: Sendable { let declared: Set<String>; let regexes: [NSRegularExpressionBox]; let forbidden: Bool; let node: Int }
    struct DependentSchema: Sendable { let name: String; let node: Int }

    /// Compiles a checked schema into nodes; node 0 is the root. A `$ref` is compiled once per
    /// reference text, and a reference back to an enclosing schema is an index, not a copy.
    struct Compiler {
        let root: JSONValue
        let assertFormats: Bool
        let patterns: [String: NSRegularExpressionBox]
        var nodes: [Node] = []
        var refs: [String: Int] = [:]

        mutating func node(_ schema: JSONValue) -> Int {
            let index = nodes.count
            nodes.append(Node())
            switch schema {
            case let .bool(b):
                nodes[index].always = b
            case let .object(k):
                let compiled = checks(k)  // appends the subschemas' nodes first
                nodes[index].checks = compiled
            default:
                nodes[index].always = true
            }
            return index
        }

        mutating func ref(_ text: String) -> Int? {
            if let known = refs[text] { return known }
            guard let target = JSONSchema.resolve(text, in: root) else { return nil }
            refs[text] = nodes.count  // the index node(target) is about to take, for references within it
            return node(target)
        }

        mutating func nodes(_ list: [JSONValue]) -> [Int] {
            var out: [Int] = []
            for s in list { out.append(node(s)) }
            return out
        }

        mutating func checks(_ k: [(String, JSONValue)]) -> [Check] {
            func value(_ name: String) -> JSONValue? { k.first(where: { $0.0 == name })?.1 }
            var out: [Check] = []
            for (keyword, v) in k {
                switch keyword {
                case "$ref": out.append(.ref(ref(v.stringValue ?? "")))
                case "type": out.append(.types((v.arrayValue ?? [v]).compactMap(\.stringValue)))
                case "enum": out.append(.enumeration(v.arrayValue ?? []))
                case "const": out.append(.constant(v))
                case "multipleOf": out.append(.multipleOf(JSONSchema.number(v)))
                case "maximum": out.append(.maximum(JSONSchema.number(v)))
                case "exclusiveMaximum": out.append(.exclusiveMaximum(JSONSchema.number(v)))
                case "minimum": out.append(.minimum(JSONSchema.number(v)))
                case "exclusiveMinimum": out.append(.exclusiveMinimum(JSONSchema.number(v)))
                case "maxLength": out.append(.maxLength(JSONSchema.integer(v)))
                case "minLength": out.append(.minLength(JSONSchema.integer(v)))
                case "format" where assertFormats: out.append(.format(v.stringValue))
                case "pattern":
                    if let p = v.stringValue { out.append(.pattern(p, patterns[p])) }
                case "maxItems": out.append(.maxItems(JSONSchema.integer(v)))
                case "minItems": out.append(.minItems(JSONSchema.integer(v)))
                case "uniqueItems":
                    if case .bool(true) = v { out.append(.uniqueItems) }
                case "maxProperties": out.append(.maxProperties(JSONSchema.integer(v)))
                case "minProperties": out.append(.minProperties(JSONSchema.integer(v)))
                case "required": out.append(.required((v.arrayValue ?? []).compactMap(\.stringValue)))
                case "dependentRequired":
                    out.append(.dependentRequired((v.objectValue ?? []).map {
                        DependentNames(name: $0.0, required: ($0.1.arrayValue ?? []).compactMap(\.stringValue))
                    }))
                case "properties":
                    var list: [Property] = []
                    for (name, s) in v.objectValue ?? [] { list.append(Property(name: name, escaped: JSONSchema.escape(name), node: node(s))) }
                    out.append(.properties(list))
                case "patternProperties":
                    var list: [PatternSchema] = []
                    for (p, s) in v.objectValue ?? [] {
                        if let regex = patterns[p] { list.append(PatternSchema(regex: regex, node: node(s))) }
                    }
                    out.append(.patternProperties(list))
                case "additionalProperties":
                    let declared = Set((value("properties")?.objectValue ?? []).map(\.0))
                    let regexes = (value("patternProperties")?.objectValue ?? []).compactMap { patterns[$0.0] }
                    var forbidden = false
                    if case .bool(false) = v { forbidden = true }
                    out.append(.additionalProperties(Additional(declared: declared, regexes: regexes, forbidden: forbidden, node: node(v))))
                case "propertyNames": out.append(.propertyNames(node(v)))
                case "prefixItems": out.append(.prefixItems(nodes(v.arrayValue ?? [])))
                case "items": out.append(.items(node(v), skip: value("prefixItems")?.arrayValue?.count ?? 0))
                case "contains":
                    out.append(.contains(node(v), minimum: value("minContains").flatMap(JSONSchema.integer) ?? 1,
                                         maximum: value("maxContains").flatMap(JSONSchema.integer)))
                case "dependentSchemas":
                    var list: [DependentSchema] = []
                    for (name, s) in v.objectValue ?? [] { list.append(DependentSchema(name: name, node: node(s))) }
                    out.append(.dependentSchemas(list))
                case "allOf": out.append(.allOf(nodes(v.arrayValue ?? [])))
                case "anyOf": out.append(.anyOf(nodes(v.arrayValue ?? [])))
                case "oneOf": out.append(.oneOf(nodes(v.arrayValue ?? [])))
                case "not": out.append(.negation(node(v)))
                case "if":
                    let condition = node(v)
                    let then = value("then").map { node($0) }
                    let otherwise = value("else").map { node($0) }
                    out.append(.conditional(condition, then: then, otherwise: otherwise))
                default: break
                }
            }
            return out
        }
    }

    func evaluate(_ index: Int, _ instance: JSONValue, path: String, depth: Int, into out: inout [SchemaViolation]) {
        func add(_ keyword: String, _ message: String) { out.append(SchemaViolation(instancePath: path, keyword: keyword, message: message)) }
        guard depth < 256 else { add("$ref", "schema references nest deeper than 256"); return }
        let node = program.nodes[index]
        if let always = node.always {
            if !always { add("false", "no value is allowed here") }
            return
        }
        func valid(_ s: Int, _ i: JSONValue, _ p: String) -> Bool {
            var scratch: [SchemaViolation] = []
            evaluate(s, i, path: p, depth: depth + 1, into: &scratch)
            return scratch.isEmpty
        }
        func has(_ m: [(String, JSONValue)], _ name: String) -> Bool { m.contains(where: { $0.0 == name }) }
        for check in node.checks {
            switch check {
            case let .ref(target):
                if let target { evaluate(target, instance, path: path, depth: depth + 1, into: &out) }
            case let .types(names):
                if !names.contains(where: { JSONSchema.matches(type: $0, instance) }) {
                    add("type", "expected \(names.joined(separator: " or ")), found \(instance.typeName)")
                }
            case let .enumeration(values):
                if !values.contains(instance) { add("enum", "value is not one of the allowed values") }
            case let .constant(v):
                if instance != v { add("const", "value is not the required constant") }
            case let .multipleOf(d):
                if let x = JSONSchema.number(instance), let d, !JSONSchema.isMultiple(x, of: d) { add("multipleOf", "\(x) is not a multiple of \(d)") }
            case let .maximum(m):
                if let x = JSONSchema.number(instance), let m, x > m { add("maximum", "\(x) is above the maximum \(m)") }
            case let .exclusiveMaximum(m):
                if let x = JSONSchema.number(instance), let m, x >= m { add("exclusiveMaximum", "\(x) is not below \(m)") }
            case let .minimum(m):
                if let x = JSONSchema.number(instance), let m, x < m { add("minimum", "\(x) is below the minimum \(m)") }
            case let .exclusiveMinimum(m):
                if let x = JSONSchema.number(instance), let m, x <= m { add("exclusiveMinimum", "\(x) is not above \(m)") }
            case let .maxLength(n):
                if case let .string(s) = instance, let n {
                    let length = s.unicodeScalars.count
                    if length > n { add("maxLength", "\(length) characters, more than \(n)") }
                }
            case let .minLength(n):
                if case let .string(s) = instance, let n {
                    let length = s.unicodeScalars.count
                    if length < n { add("minLength", "\(length) characters, fewer than \(n)") }
                }
            case let .format(name):
                if case let .string(s) = instance, let name, !JSONSchema.isValid(s, format: name) {
                    add("format", name == "date" ? "\"\(s)\" is not a calendar date YYYY-MM-DD" : "\"\(s)\" is not an RFC 3339 date-time")
                }
            case let .pattern(p, regex):
                if case let .string(s) = instance, let regex, !regex.matches(s) { add("pattern", "does not match the pattern \(p)") }
            case let .maxItems(n):
                if case let .array(items) = instance, let n, items.count > n { add("maxItems", "\(items.count) items, more than \(n)") }
            case let .minItems(n):
                if case let .array(items) = instance, let n, items.count < n { add("minItems", "\(items.count) items, fewer than \(n)") }
            case .uniqueItems:
                if case let .array(items) = instance {
                    outer: for i in items.indices {
                        for j in items.indices where j > i && items[i] == items[j] {
                            add("uniqueItems", "items \(i) and \(j) are equal")
                            break outer
                        }
                    }
                }
            case let .maxProperties(n):
                if case let .object(m) = instance, let n, m.count > n { add("maxProperties", "\(m.count) members, more than \(n)") }
            case let .minProperties(n):
                if case let .object(m) = instance, let n, m.count < n { add("minProperties", "\(m.count) members, fewer than \(n)") }
            case let .required(names):
                if case let .object(m) = instance {
                    for name in names where !has(m, name) { add("required", "\"\(name)\" is required") }
                }
            case let .dependentRequired(deps):
                if case let .object(m) = instance {
                    for dep in deps where has(m, dep.name) {
                        for d in dep.required where !has(m, d) { add("dependentRequired", "\"\(d)\" is required when \"\(dep.name)\" is present") }
                    }
                }
            case let .properties(list):
                if case let .object(m) = instance {
                    for p in list {
                        if let member = m.first(where: { $0.0 == p.name }) {
                            evaluate(p.node, member.1, path: path + "/" + p.escaped, depth: depth + 1, into: &out)
                        }
                    }
                }
            case let .patternProperties(list):
                if case let .object(m) = instance {
                    for p in list {
                        for (name, member) in m where p.regex.matches(name) {
                            evaluate(p.node, member, path: path + "/" + JSONSchema.escape(name), depth: depth + 1, into: &out)
                        }
                    }
                }
            case let .additionalProperties(a):
                if case let .object(m) = instance {
                    for (name, member) in m where !a.declared.contains(name) && !a.regexes.contains(where: { $0.matches(name) }) {
                        if a.forbidden {
                            out.append(SchemaViolation(instancePath: path + "/" + JSONSchema.escape(name), keyword: "additionalProperties",
                                                       message: "member \"\(name)\" is not allowed"))
                        } else {
                            evaluate(a.node, member, path: path + "/" + JSONSchema.escape(name), depth: depth + 1, into: &out)
                        }
                    }
                }
            case let .propertyNames(s):
                if case let .object(m) = instance {
                    for (name, _) in m where !valid(s, .string(name), path) { add("propertyNames", "member name \"\(name)\" is not allowed") }
                }
            case let .prefixItems(list):
                if case let .array(items) = instance {
                    for (i, s) in list.enumerated() where i < items.count {
                        evaluate(s, items[i], path: path + "/\(i)", depth: depth + 1, into: &out)
                    }
                }
            case let .items(s, skip):
                if case let .array(items) = instance {
                    for i in items.indices where i >= skip { evaluate(s, items[i], path: path + "/\(i)", depth: depth + 1, into: &out) }
                }
            case let .contains(s, minimum, maximum):
                if case let .array(items) = instance {
                    let count = items.indices.filter { valid(s, items[$0], path + "/\($0)") }.count
                    if count < minimum { add("contains", "\(count) items match, fewer than \(minimum)") }
                    if let maximum, count > maximum { add("maxContains", "\(count) items match, more than \(maximum)") }
                }
            case let .dependentSchemas(list):
                if case let .object(m) = instance {
                    for d in list where has(m, d.name) { evaluate(d.node, instance, path: path, depth: depth + 1, into: &out) }
                }
            case let .allOf(list):
                for s in list { evaluate(s, instance, path: path, depth: depth + 1, into: &out) }
            case let .anyOf(list):
                if !list.contains(where: { valid($0, instance, path) }) { add("anyOf", "matches none of the alternatives") }
            case let .oneOf(list):
                let n = list.filter { valid($0, instance, path) }.count
                if n != 1 { add("oneOf", "matches \(n) of the alternatives, not exactly one") }
            case let .negation(s):
                if valid(s, instance, path) { add("not", "matches a schema it must not match") }
            case let .conditional(condition, then, otherwise):
                if valid(condition, instance, path) {
                    if let then { evaluate(then, instance, path: path, depth: depth + 1, into: &out) }
                } else if let otherwise {
                    evaluate(otherwise, instance, path: path, depth: depth + 1, into: &out)
                }
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
