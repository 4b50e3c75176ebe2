public import BlotterFormat
public import BlotterLog
internal import Foundation

/// A disclosure class every event field names with its `sensitivity` annotation.
public struct SensitivityClass: Sendable, Equatable {
    public let name: String
    /// False for classes that no disclosure policy may ever publish (complainant identity, medical, ...).
    public let publishable: Bool
    public let description: String
}

/// One version of one event type's schema, compiled.
public struct EventSchema: Sendable {
    public let type: String
    public let version: Int64
    /// The schema as written (JSON Schema 2020-12 over the statement's field values).
    public let json: JSONValue
    let validator: JSONSchema
    /// Field name to its sensitivity class, in the order the schema lists them.
    public let fields: [(name: String, sensitivity: String)]
    public let required: [String]

    /// Compiles and checks a schema: an object schema that refuses unknown fields, with a known
    /// sensitivity on every field; `format` asserts dates and date-times.
    public init(type: String, version: Int64, json: JSONValue, sensitivities: [String: SensitivityClass]) throws(BlotterError) {
        let place = "schema of \(type) version \(version)"
        do {
            validator = try JSONSchema(json: json, assertFormats: true)
        } catch {
            throw error.prefixed("\(place): ")
        }
        guard json["type"] == .string("object"), json["additionalProperties"] == .bool(false) else {
            throw BlotterError(.invalidInput, "\(place): must be {\"type\": \"object\", \"additionalProperties\": false, ...} so that unknown fields are refused")
        }
        guard let properties = json["properties"]?.objectValue else {
            throw BlotterError(.invalidInput, "\(place): must list its fields under \"properties\"")
        }
        var fields: [(String, String)] = []
        for (name, property) in properties {
            guard Identifiers.isFieldName(name) else { throw BlotterError(.invalidInput, "\(place): \"\(name)\" is not a valid field name") }
            guard let s = property["sensitivity"]?.stringValue else {
                throw BlotterError(.invalidInput, "\(place): field \"\(name)\" has no \"sensitivity\" annotation (one of \(sensitivities.keys.sorted().joined(separator: ", ")))")
            }
            guard sensitivities[s] != nil else {
                throw BlotterError(.invalidInput, "\(place): field \"\(name)\" has sensitivity \"\(s)\", which the catalog does not define")
            }
            fields.append((name, s))
        }
        self.type = type
        self.version = version
        self.json = json
        self.fields = fields
        self.required = json["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.dateFields = properties.compactMap { name, property in
            ["date", "date-time"].contains(property["format"]?.stringValue ?? "") ? name : nil
        }
    }

    /// The fields the schema gives `format` date or date-time.
    let dateFields: [String]
    /// The years a date of a record may fall in: outside them it is a typo (year 0000, 9999), not history.
    public static let plausibleYears = 1900...2199

    /// A violation for each date field whose year is outside ``plausibleYears``.
    func implausibleDates(_ values: [String: JSONValue]) -> [SchemaViolation] {
        dateFields.compactMap { name in
            guard let text = values[name]?.stringValue, let year = Int(text.prefix(4)), !Self.plausibleYears.contains(year) else { return nil }
            return SchemaViolation(instancePath: "/" + name, keyword: "format",
                                   message: "year \(text.prefix(4)) is outside \(Self.plausibleYears.lowerBound)-\(Self.plausibleYears.upperBound): a date that far off is a typo, not a record")
        }
    }

    public func sensitivity(of field: String) -> String? { fields.first(where: { $0.name == field })?.sensitivity }

    /// Every violation of the schema by `values`; empty if valid.
    public func validate(_ values: JSONValue) -> [SchemaViolation] { validator.validate(values) }
}

/// The event catalog a ledger validates statements against: the sensitivity classes, every event
/// type with its current schema version and stream pattern, and the schemas of every version.
///
/// A new ledger's genesis carries the starting catalog (field `catalog`); later versions arrive as
/// `schema.registered` statements, so the log itself says which schema was in force when. A ledger
/// without a catalog in its genesis (the format's own tests) is not validated by the domain layer.
public struct EventCatalog: Sendable {
    public struct TypeInfo: Sendable {
        public var version: Int64
        /// The stream pattern, e.g. `case/{case_id}`.
        public let stream: String
        public let description: String

        /// The stream pattern split at its `{field}`: the prefix, and the field that fills it (nil for
        /// a fixed stream, whose prefix is the whole pattern).
        public var streamParts: (prefix: String, field: String?) { EventCatalog.streamParts(stream) }
    }

    /// `case/{case_id}` → (`case/`, `case_id`); `catalog` → (`catalog`, nil).
    public static func streamParts(_ pattern: String) -> (prefix: String, field: String?) {
        guard let open = pattern.firstIndex(of: "{"), let close = pattern.firstIndex(of: "}") else { return (pattern, nil) }
        return (String(pattern[..<open]), String(pattern[pattern.index(after: open)..<close]))
    }

    public let sensitivities: [String: SensitivityClass]
    public private(set) var types: [String: TypeInfo]
    public private(set) var schemas: [String: [Int64: EventSchema]]
    /// The schema of `type`'s current version, the one new statements are written under.
    public func current(_ type: String) -> EventSchema? { types[type].flatMap { schemas[type]?[$0.version] } }
    /// The deadline rule cases follow unless a case names its own.
    public private(set) var deadlineRule: String

    /// The same catalog with another default deadline rule.
    public func with(deadlineRule rule: String) throws(BlotterError) -> EventCatalog {
        guard DeadlineRule(rawValue: rule) != nil else {
            throw BlotterError(.invalidInput, "deadline rule \"\(rule)\" is not one of \(DeadlineRule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var copy = self
        copy.deadlineRule = rule
        return copy
    }

    /// Types the ledger core checks itself; they have no schema.
    public static let coreTypes: Set<String> = ["ledger.created", "key.registered", "key.revoked"]

    /// The catalog shipped with this build: Schemas/catalog.json and Schemas/events/*.v1.json.
    public static func bundled() throws(BlotterError) -> EventCatalog {
        let header = try JSONParser.parse(PackageResources.catalog_json)
        var schemas: [(String, Int64, JSONValue)] = []
        for (type, info) in header["types"]?.objectValue ?? [] {
            let version = info["version"]?.integerValue ?? 1
            guard let bytes = BundledSchemas.files["\(type).v\(version).json"] else {
                throw BlotterError(.invalidInput, "the bundled catalog names \(type) version \(version), but no Schemas/events/\(type).v\(version).json was built in")
            }
            schemas.append((type, version, try JSONParser.parse(bytes)))
        }
        return try EventCatalog(header: header, schemas: schemas)
    }

    /// Reads a catalog folder laid out like Schemas/: catalog.json and events/TYPE.vN.json for every
    /// version of every type. This is how an agency starts a ledger with its own fields and categories.
    public static func load(directory: String) throws -> EventCatalog {
        func read(_ path: String) throws -> JSONValue {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BlotterError(.notFound, "cannot read \(path)")
            }
            do { return try JSONParser.parse(Array(data)) } catch { throw error.prefixed("\(path): ") }
        }
        let header = try read(directory + "/catalog.json")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/events")) ?? []
        var schemas: [(String, Int64, JSONValue)] = []
        for file in files.sorted() where file.hasSuffix(".json") {
            let base = file.dropLast(5)
            guard let dot = base.range(of: ".v", options: .backwards), let version = Int64(base[dot.upperBound...]) else {
                throw BlotterError(.invalidInput, "\(directory)/events/\(file): schema files are named TYPE.vVERSION.json")
            }
            schemas.append((String(base[..<dot.lowerBound]), version, try read(directory + "/events/" + file)))
        }
        return try EventCatalog(header: header, schemas: schemas)
    }

    /// Builds a catalog from its header (catalog.json) and schemas; every type's current version
    /// must have a schema, and every schema must compile.
    public init(header: JSONValue, schemas list: [(String, Int64, JSONValue)]) throws(BlotterError) {
        guard let sens = header["sensitivities"]?.objectValue, !sens.isEmpty else {
            throw BlotterError(.invalidInput, "catalog: needs \"sensitivities\": an object of classes")
        }
        var sensitivities: [String: SensitivityClass] = [:]
        for (name, info) in sens {
            guard case let .bool(publishable)? = info["publishable"] else {
                throw BlotterError(.invalidInput, "catalog: sensitivity \"\(name)\" needs \"publishable\": true or false")
            }
            sensitivities[name] = SensitivityClass(name: name, publishable: publishable, description: info["description"]?.stringValue ?? "")
        }
        guard let typeList = header["types"]?.objectValue else { throw BlotterError(.invalidInput, "catalog: needs \"types\": an object") }
        var types: [String: TypeInfo] = [:]
        for (type, info) in typeList {
            guard Identifiers.isTypeName(type), !Self.coreTypes.contains(type) else {
                throw BlotterError(.invalidInput, "catalog: \"\(type)\" is not a type the catalog may define")
            }
            guard let version = info["version"]?.integerValue, version >= 1, let stream = info["stream"]?.stringValue else {
                throw BlotterError(.invalidInput, "catalog: \(type) needs \"version\" (an integer from 1) and \"stream\"")
            }
            types[type] = TypeInfo(version: version, stream: stream, description: info["description"]?.stringValue ?? "")
        }
        let rule = header["deadline_rule"]?.stringValue ?? DeadlineRule.californiaOneYear.rawValue
        guard DeadlineRule(rawValue: rule) != nil else {
            throw BlotterError(.invalidInput, "catalog: deadline_rule \"\(rule)\" is not one of \(DeadlineRule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.deadlineRule = rule
        self.sensitivities = sensitivities
        self.types = types
        self.schemas = [:]
        for (type, version, json) in list {
            guard types[type] != nil else { throw BlotterError(.invalidInput, "catalog: a schema is given for \(type), which the catalog does not list") }
            schemas[type, default: [:]][version] = try EventSchema(type: type, version: version, json: json, sensitivities: sensitivities)
        }
        for (type, info) in types where schemas[type]?[info.version] == nil {
            throw BlotterError(.invalidInput, "catalog: \(type) is at version \(info.version), but that schema is missing")
        }
    }

    /// Adds a schema version (a `schema.registered` statement); it becomes the type's current version.
    /// - Throws: if the type is unknown or the version is not the next one.
    public mutating func register(type: String, version: Int64, json: JSONValue) throws(BlotterError) {
        guard let info = types[type] else {
            throw BlotterError(.invalidStatement, "schema.registered: \(type) is not in the catalog (a new type also needs the role table)")
        }
        guard version == info.version + 1 else {
            throw BlotterError(.invalidStatement, "schema.registered: \(type) is at version \(info.version); the next version is \(info.version + 1), not \(version)")
        }
        let schema = try EventSchema(type: type, version: version, json: json, sensitivities: sensitivities)
        schemas[type, default: [:]][version] = schema
        types[type]?.version = version
    }

    /// The genesis form: the header with every schema under `schemas` by type and version.
    public func json() -> JSONValue {
        .object([
            ("deadline_rule", .string(deadlineRule)),
            ("sensitivities", .object(sensitivities.values.sorted { $0.name < $1.name }.map {
                ($0.name, .object([("publishable", .bool($0.publishable)), ("description", .string($0.description))]))
            })),
            ("types", .object(types.keys.sorted().map { t in
                let i = types[t]!
                return (t, .object([("version", .integer(i.version)), ("stream", .string(i.stream)), ("description", .string(i.description))]))
            })),
            ("schemas", .object(schemas.keys.sorted().map { t in
                (t, .object(schemas[t]!.keys.sorted().map { (String($0), schemas[t]![$0]!.json) }))
            })),
        ])
    }

    /// Reads the genesis form.
    public init(genesis json: JSONValue) throws(BlotterError) {
        var list: [(String, Int64, JSONValue)] = []
        for (type, versions) in json["schemas"]?.objectValue ?? [] {
            for (v, schema) in versions.objectValue ?? [] {
                guard let version = Int64(v) else { throw BlotterError(.invalidInput, "catalog: schema version \"\(v)\" of \(type) is not an integer") }
                list.append((type, version, schema))
            }
        }
        // Later versions are registered on top, so start every type at the highest version given.
        var header = json
        if case let .object(members) = json, let typeList = json["types"]?.objectValue {
            let fixed: [(String, JSONValue)] = typeList.map { t, info in
                let highest = list.filter { $0.0 == t }.map(\.1).max()
                guard let highest, case let .object(m) = info else { return (t, info) }
                return (t, .object(m.map { $0.0 == "version" ? ("version", .integer(highest)) : $0 }))
            }
            header = .object(members.map { $0.0 == "types" ? ("types", .object(fixed)) : $0 })
        }
        try self.init(header: header, schemas: list)
    }

    /// Validates a statement's fields against the schema of its type and version.
    /// - Parameter values: the disclosed field values by name; every committed field must be disclosed.
    /// - Throws: ``BlotterError`` `.schemaViolation` listing every violation with its JSON pointer and keyword.
    /// Text that could rewrite what a terminal or a page shows: C0 and C1 control characters (but tab,
    /// line feed and carriage return, which free text uses), DEL, and the bidirectional embeddings,
    /// overrides and isolates (U+202A-U+202E, U+2066-U+2069) that reorder what is displayed. No value
    /// of a domain statement may hold one, in any field at any depth; views escape them all the same.
    static func isRefusedInText(_ v: Unicode.Scalar) -> Bool {
        switch v.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// True if a string, or a member name or string anywhere in `value`, holds a character
    /// ``isRefusedInText(_:)`` refuses. Printable ASCII, the common case, is decided byte by byte.
    static func holdsRefusedText(_ value: JSONValue) -> Bool {
        func refused(_ text: String) -> Bool {
            let plain = text.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            return !plain && text.unicodeScalars.contains(where: isRefusedInText)
        }
        switch value {
        case let .string(text): return refused(text)
        case let .array(items): return items.contains(where: holdsRefusedText)
        case let .object(members): return members.contains { refused($0.0) || holdsRefusedText($0.1) }
        default: return false
        }
    }

    static func controlCharacters(in value: JSONValue, path: String = "") -> [SchemaViolation] {
        // Paths are made only for a value that holds one.
        guard holdsRefusedText(value) else { return [] }
        switch value {
        case let .string(text):
            guard let bad = text.unicodeScalars.first(where: isRefusedInText) else { return [] }
            let code = "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)
            return [SchemaViolation(instancePath: path, keyword: "text",
                                    message: "holds the control character \(code), which no value may hold (escape sequences and direction overrides could change what a reader sees)")]
        case let .array(items):
            return items.enumerated().flatMap { controlCharacters(in: $0.element, path: path + "/\($0.offset)") }
        case let .object(members):
            return members.flatMap { member -> [SchemaViolation] in
                let key = member.0.unicodeScalars.contains(where: isRefusedInText)
                    ? [SchemaViolation(instancePath: path, keyword: "text", message: "has a member name holding a control character")] : []
                return key + controlCharacters(in: member.1, path: path + "/" + JSONSchema.escape(member.0))
            }
        default:
            return []
        }
    }

    public func validate(_ statement: Statement, values: [String: JSONValue]) throws(BlotterError) {
        guard let versions = schemas[statement.type], let info = types[statement.type] else {
            throw BlotterError(.schemaViolation, "\(statement.type) is not an event type of this ledger's catalog")
        }
        guard let schema = versions[statement.schema] else {
            throw BlotterError(.schemaViolation, "\(statement.type) has no schema version \(statement.schema) (current version is \(info.version))")
        }
        // An earlier version may be looser than the current one (a field since required, a category
        // since removed): a new statement is written under the version in force.
        guard statement.schema == info.version else {
            throw BlotterError(.schemaViolation, "\(statement.type) is at schema version \(info.version) since it was registered; version \(statement.schema) is no longer accepted for new statements")
        }
        for name in statement.fields.keys where values[name] == nil {
            throw BlotterError(.schemaViolation, "\(statement.type): field \"\(name)\" is committed but not disclosed; every field must be disclosed when appended so it can be validated")
        }
        let instance = JSONValue.object(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let violations = schema.validate(instance) + Self.controlCharacters(in: instance) + schema.implausibleDates(values)
        if !violations.isEmpty {
            throw BlotterError(.schemaViolation, "\(statement.type) v\(statement.schema) does not match its schema: "
                               + violations.map { v in "\(v.instancePath.isEmpty ? "/" : v.instancePath) (\(v.keyword)): \(v.message)" }.joined(separator: "; "),
                               violations: violations)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
