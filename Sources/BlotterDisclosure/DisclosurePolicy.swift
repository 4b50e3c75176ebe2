public import BlotterFormat
public import BlotterLog
public import BlotterDomain
internal import Foundation
internal import BlotterCrypto

/// A disclosure policy (Schemas/disclosure-policy.schema.json): datasets of records to publish, one
/// record per entry of a base type, whose columns are values of that entry or of related entries,
/// exact or generalised, under conditions over the case or report the record belongs to.
///
/// Loading refuses, naming the place: an unknown type or field; a value taken from a type that is not
/// related to the dataset's records; publishing exactly a field whose sensitivity class is not
/// publishable; any form at all of a class that is never published in any form
/// (``DisclosurePolicy/neverInAnyForm``); a generalisation that does not fit the field's type.
public struct DisclosurePolicy: Sendable {
    /// Classes no policy may publish, not even generalised or counted.
    public static let neverInAnyForm: Set<String> = ["juvenile", "medical", "narrative", "provenance"]

    public enum Derivation: String, Sendable, CaseIterable {
        case exact, month, year, range, count, map, pseudonym
    }

    /// Where a value comes from: the latest entry of one of `types` that commits `field`.
    public struct Source: Sendable {
        public let types: [String]
        public let field: String
    }

    public struct Treatment: Sendable {
        public let source: Source
        public let derivation: Derivation
        public let ranges: [Int64]
        public let map: [String: String]
        public let mapDefault: String?
        /// The field's disclosure goes into the bundle, so the value can be checked against the log.
        public let proved: Bool
        public let sensitivity: String
    }

    public indirect enum Condition: Sendable {
        case all([Condition]), any([Condition]), not(Condition)
        case test(Source, Test)
    }

    public enum Test: Sendable {
        case oneOf([JSONValue]), equals(JSONValue), present(Bool), anyIn([JSONValue])
    }

    public struct Column: Sendable {
        public let name: String
        public let description: String
        public let treatment: Treatment
        public let when: Condition?
        public let otherwise: Treatment?
    }

    public struct Dataset: Sendable {
        public let name: String
        public let description: String
        public let from: String
        public let when: Condition?
        public let columns: [Column]
    }

    public let name: String
    public let title: String
    public let law: String
    public let datasets: [Dataset]
    /// The policy file exactly as given, and its SHA-256 (hex).
    public let bytes: [UInt8]
    public let digest: String

    public static func load(path: String, catalog: EventCatalog) throws -> DisclosurePolicy {
        guard let data = FileManager.default.contents(atPath: path) else { throw BlotterError(.invalidInput, "cannot read policy \(path)") }
        return try DisclosurePolicy(bytes: [UInt8](data), catalog: catalog, place: path)
    }

    public init(bytes: [UInt8], catalog: EventCatalog, place: String = "policy") throws(BlotterError) {
        let json = try JSONSchema.document(bytes, schema: ConfigurationSchemas.disclosurePolicy, place: place, what: "disclosure policy", shown: 6)
        self.bytes = bytes
        digest = Hex.encode(SHA256.hash(bytes))
        name = json["policy"]?.stringValue ?? ""
        title = json["title"]?.stringValue ?? ""
        law = json["law"]?.stringValue ?? ""
        var datasets: [Dataset] = []
        var names: Set<String> = []
        for (i, d) in (json["datasets"]?.arrayValue ?? []).enumerated() {
            let dname = d["name"]?.stringValue ?? ""
            let at = "\(place): datasets[\(i)] (\(dname))"
            guard names.insert(dname).inserted else { throw BlotterError(.invalidInput, "\(at): another dataset has the name \"\(dname)\"") }
            datasets.append(try Self.dataset(d, at: at, catalog: catalog))
        }
        self.datasets = datasets
    }

    static func dataset(_ d: JSONValue, at: String, catalog: EventCatalog) throws(BlotterError) -> Dataset {
        let from = d["from"]?.stringValue ?? ""
        guard catalog.types[from] != nil, !EventCatalog.coreTypes.contains(from) else {
            throw BlotterError(.invalidInput, "\(at): from: unknown event type \"\(from)\"")
        }
        let when = try d["when"].map { v throws(BlotterError) in try condition(v, at: "\(at): when", base: from, catalog: catalog) }
        var columns: [Column] = []
        var seen: Set<String> = ["entry"]
        for (j, c) in (d["columns"]?.arrayValue ?? []).enumerated() {
            let cname = c["name"]?.stringValue ?? ""
            let cat = "\(at): columns[\(j)] (\(cname))"
            guard seen.insert(cname).inserted else {
                throw BlotterError(.invalidInput, "\(cat): the dataset already has a column \"\(cname)\"\(cname == "entry" ? " (every record's first column is its entry)" : "")")
            }
            columns.append(Column(
                name: cname, description: c["description"]?.stringValue ?? "",
                treatment: try treatment(c, at: cat, base: from, catalog: catalog),
                when: try c["when"].map { v throws(BlotterError) in try condition(v, at: "\(cat): when", base: from, catalog: catalog) },
                otherwise: try c["otherwise"].map { v throws(BlotterError) in try treatment(v, at: "\(cat): otherwise", base: from, catalog: catalog) }))
        }
        return Dataset(name: d["name"]?.stringValue ?? "", description: d["description"]?.stringValue ?? "", from: from, when: when, columns: columns)
    }

    /// The schema property of `field` in the latest version of `type` that has it (statements written
    /// under an earlier version are published too), with its sensitivity.
    static func property(_ type: String, _ field: String, catalog: EventCatalog) -> (json: JSONValue, sensitivity: String)? {
        for (_, schema) in (catalog.schemas[type] ?? [:]).sorted(by: { $0.key > $1.key }) {
            if let p = schema.json["properties"]?[field], let s = schema.sensitivity(of: field) { return (p, s) }
        }
        return nil
    }

    /// Types a record of `base` can take values from: its own stream's types (same stream prefix),
    /// and for case records the complaints the case was opened from.
    static func related(_ type: String, to base: String, catalog: EventCatalog) -> Bool {
        guard let a = catalog.types[type]?.streamParts.prefix, let b = catalog.types[base]?.streamParts.prefix else { return false }
        return a == b || (b == "case/" && type == "complaint.received")
    }

    static func source(_ v: JSONValue, at: String, base: String, catalog: EventCatalog) throws(BlotterError) -> (Source, sensitivity: String, property: JSONValue) {
        let field = v["field"]?.stringValue ?? ""
        let types: [String]
        switch v["from"] {
        case let .string(t)?: types = [t]
        case let .array(list)?: types = list.compactMap(\.stringValue)
        default: types = [base]
        }
        var sensitivity: String?
        var schemaProperty: JSONValue = .null
        for t in types {
            guard catalog.types[t] != nil, !EventCatalog.coreTypes.contains(t) else { throw BlotterError(.invalidInput, "\(at): unknown event type \"\(t)\"") }
            guard related(t, to: base, catalog: catalog) else {
                throw BlotterError(.invalidInput, "\(at): \(t) is not related to records of \(base) (values come from the record's own stream, or for case records from the case's complaints)")
            }
            guard let p = property(t, field, catalog: catalog) else {
                let known = catalog.schemas[t]?[catalog.types[t]?.version ?? 1]?.fields.map(\.name).joined(separator: ", ") ?? ""
                throw BlotterError(.invalidInput, "\(at): \(t) has no field \"\(field)\" (it has \(known))")
            }
            if let s = sensitivity, s != p.sensitivity {
                throw BlotterError(.invalidInput, "\(at): field \"\(field)\" is \(s) in one type and \(p.sensitivity) in \(t); take it from types that agree")
            }
            sensitivity = p.sensitivity
            schemaProperty = p.json
        }
        return (Source(types: types, field: field), sensitivity ?? "", schemaProperty)
    }

    static func treatment(_ v: JSONValue, at: String, base: String, catalog: EventCatalog) throws(BlotterError) -> Treatment {
        let (src, sensitivity, property) = try source(v, at: at, base: base, catalog: catalog)
        let derivation = Derivation(rawValue: v["as"]?.stringValue ?? "exact") ?? .exact
        let publishable = catalog.sensitivities[sensitivity]?.publishable ?? false
        let what = "field \"\(src.field)\" of \(src.types.joined(separator: "/")) is \(sensitivity)"
        if Self.neverInAnyForm.contains(sensitivity) {
            throw BlotterError(.invalidInput, "\(at): \(what), which is never published in any form, whatever the rule says")
        }
        if !publishable {
            guard derivation != .exact else {
                throw BlotterError(.invalidInput, "\(at): \(what), which the catalog marks never publishable; it can be published only generalised (count, range, month, year or pseudonym)")
            }
            guard derivation != .map else {
                throw BlotterError(.invalidInput, "\(at): \(what), which the catalog marks never publishable; a map could copy its values, use count, range, month, year or pseudonym")
            }
        }
        let prove = v["prove"] == .bool(true)
        if prove && !publishable { throw BlotterError(.invalidInput, "\(at): prove: \(what); proving it would publish the exact value") }
        if prove && derivation == .pseudonym { throw BlotterError(.invalidInput, "\(at): a pseudonym cannot be proved (it is keyed by a secret)") }
        let type = property["type"]?.stringValue
        let format = property["format"]?.stringValue
        switch derivation {
        case .month, .year:
            guard type == "string", format == "date" || format == "date-time" else {
                throw BlotterError(.invalidInput, "\(at): as \(derivation.rawValue) needs a date or date-time field; \"\(src.field)\" is \(type ?? "untyped")\(format.map { " (\($0))" } ?? "")")
            }
        case .range:
            guard type == "integer" else { throw BlotterError(.invalidInput, "\(at): as range needs an integer field; \"\(src.field)\" is \(type ?? "untyped")") }
        case .count:
            guard type == "array" else { throw BlotterError(.invalidInput, "\(at): as count needs an array field; \"\(src.field)\" is \(type ?? "untyped")") }
        default: break
        }
        let ranges = (v["ranges"]?.arrayValue ?? []).compactMap(\.integerValue)
        if derivation == .range {
            guard !ranges.isEmpty, zip(ranges, ranges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw BlotterError(.invalidInput, "\(at): as range needs \"ranges\": ascending lower bounds, e.g. [18, 25, 35]")
            }
        }
        var map: [String: String] = [:]
        for (k, value) in v["map"]?.objectValue ?? [] { map[k] = value.stringValue }
        if derivation == .map && map.isEmpty { throw BlotterError(.invalidInput, "\(at): as map needs \"map\": an object of value to published value") }
        return Treatment(source: src, derivation: derivation, ranges: ranges, map: map, mapDefault: v["default"]?.stringValue,
                         proved: derivation == .exact || prove, sensitivity: sensitivity)
    }

    static func condition(_ v: JSONValue, at: String, base: String, catalog: EventCatalog) throws(BlotterError) -> Condition {
        if let list = v["all"]?.arrayValue {
            var out: [Condition] = []
            for (i, c) in list.enumerated() { out.append(try condition(c, at: "\(at).all[\(i)]", base: base, catalog: catalog)) }
            return .all(out)
        }
        if let list = v["any"]?.arrayValue {
            var out: [Condition] = []
            for (i, c) in list.enumerated() { out.append(try condition(c, at: "\(at).any[\(i)]", base: base, catalog: catalog)) }
            return .any(out)
        }
        if let inner = v["not"] { return .not(try condition(inner, at: "\(at).not", base: base, catalog: catalog)) }
        let (src, _, _) = try source(v, at: at, base: base, catalog: catalog)
        if let list = v["in"]?.arrayValue { return .test(src, .oneOf(list)) }
        if let list = v["any_in"]?.arrayValue { return .test(src, .anyIn(list)) }
        if let value = v["equals"] { return .test(src, .equals(value)) }
        if case let .bool(b)? = v["present"] { return .test(src, .present(b)) }
        throw BlotterError(.invalidInput, "\(at): a test needs one of in, any_in, equals or present")
    }
}
