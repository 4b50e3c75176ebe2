public import BlotterFormat
public import BlotterLog
public import BlotterDomain
internal import Foundation
internal import BlotterCrypto

/// A declarative mapping from the rows of an export to statements (Schemas/import-mapping.schema.json).
///
/// Loading checks the file against its schema, then against the ledger's catalog: every event type
/// exists, every field is one the type's schema has, the type's required fields are all filled,
/// streams can be formed, and amendments have what their type requires. Columns are checked
/// against the file with ``check(columns:)`` before any row is read.
public struct ImportMapping: Sendable {
    public let name: String
    public let format: SourceFormat
    public let delimiter: UInt8
    public let record: [String]
    public let placeholders: Set<String>
    /// The time zone the source writes local times in; nil for UTC.
    let timeZone: LocalZone?
    /// The lifecycle rules this source's history may break (``CaseRules/legacyRules``).
    public let legacy: Set<String>
    /// Other files whose rows belong to this file's records (given at import with --join NAME=FILE).
    public let joins: [Join]

    public struct Join: Sendable {
        public let name: String
        public let format: SourceFormat
        public let delimiter: UInt8
        /// The column of the main file that identifies the record, and the joined file's column that names it.
        public let on: String
        public let key: String
    }
    public let events: [EventMap]
    /// SHA-256 (hex) of the mapping file's bytes.
    public let digest: String

    public enum OnChange: String, Sendable { case amend, `repeat`, report }

    public struct EventMap: Sendable {
        public let name: String
        public let type: String
        public let key: [String]
        let stream: Template?
        /// The catalog's stream pattern (prefix and the field it names), when `stream` is not given.
        let streamPrefix: String
        let streamField: String?
        let when: [Condition]
        let fields: [(String, FieldMap)]
        public let onChange: OnChange
        public let amendType: String?
        let amendFields: [(String, FieldMap)]
        /// Fields of this event the amendment type also has.
        let amendCarries: Set<String>
        /// The one zone other than UTC this event's date-times are read in (its statements' source.time_zone).
        let zone: LocalZone?
    }

    struct Template: Sendable {
        enum Part: Sendable { case text(String), column(String) }
        let parts: [Part]
        var columns: [String] { parts.compactMap { if case let .column(c) = $0 { return c } else { return nil } } }
    }

    struct Condition: Sendable {
        let column: String
        let present: Bool?
        let within: Set<String>?
        let notWithin: Set<String>?
        let matches: Regex?
    }

    /// A compiled regular expression (NSRegularExpression is thread-safe for matching).
    struct Regex: @unchecked Sendable {
        let source: String
        let compiled: NSRegularExpression
        init(_ source: String, place: String) throws(BlotterError) {
            self.source = source
            do { compiled = try NSRegularExpression(pattern: source) } catch {
                throw BlotterError(.invalidInput, "\(place): \"\(source)\" is not a regular expression")
            }
        }
        /// The first capture group (or the whole match without groups), or nil.
        func capture(_ s: String) -> String? {
            let range = NSRange(s.startIndex..., in: s)
            guard let m = compiled.firstMatch(in: s, range: range) else { return nil }
            let r = m.numberOfRanges > 1 ? m.range(at: 1) : m.range
            guard r.location != NSNotFound, let swiftRange = Range(r, in: s) else { return nil }
            return String(s[swiftRange])
        }
    }

    indirect enum Source: Sendable {
        case column(String)
        /// The first of these columns that has a value.
        case firstOf([String])
        case template(Template)
        case constant(JSONValue)
        case zip([(String, FieldMap)])
        case lengthOf(String)
        /// A column of a joined file, over the rows that belong to the record (or only the first row's).
        case join(String, String, first: Bool)
    }

    enum Parse: String, Sendable { case integer, number, boolean, date, dateTime = "date-time", text }

    struct FieldMap: Sendable {
        let source: Source
        let placeholders: Set<String>?
        let split: String?
        let match: Regex?
        let translate: [String: JSONValue]?
        let fallback: JSONValue?
        let ifAbsent: JSONValue?
        let parse: Parse?
        let dateFormat: DateFormat?
        /// This column's zone, instead of the mapping's.
        let timeZone: LocalZone?
        let slug: Bool
        /// The column a problem with this field is reported against.
        var column: String? {
            switch source {
            case let .column(c): return c
            case let .firstOf(cs): return cs.first
            case let .template(t): return t.columns.first
            case let .zip(fields): return fields.first?.1.column
            default: return nil
            }
        }
        var columns: [String] {
            switch source {
            case let .column(c): return [c]
            case let .firstOf(cs): return cs
            case let .template(t): return t.columns
            case let .zip(fields): return fields.flatMap { $0.1.columns }
            default: return []
            }
        }
    }

    /// Every column the mapping reads.
    public var columns: [String] {
        var all = record + joins.map(\.on)
        for e in events {
            all += e.key + (e.stream?.columns ?? []) + e.when.map(\.column) + e.fields.flatMap { $0.1.columns } + e.amendFields.flatMap { $0.1.columns }
        }
        var seen: Set<String> = []
        return all.filter { seen.insert($0).inserted }
    }

    /// Reads and checks a mapping file against the ledger's catalog.
    public static func load(path: String, catalog: EventCatalog) throws -> ImportMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BlotterError(.invalidInput, "cannot read mapping \(path)")
        }
        return try ImportMapping(bytes: [UInt8](data), catalog: catalog, place: path)
    }

    public init(bytes: [UInt8], catalog: EventCatalog, place: String = "mapping") throws(BlotterError) {
        let json = try JSONSchema.document(bytes, schema: ConfigurationSchemas.importMapping, place: place, what: "mapping", shown: 8)
        digest = Hex.encode(SHA256.hash(bytes))
        name = json["mapping"]?.stringValue ?? ""
        format = SourceFormat(rawValue: json["format"]?.stringValue ?? "") ?? .csv
        delimiter = json["delimiter"]?.stringValue?.utf8.first ?? UInt8(ascii: ",")
        record = (json["record"]?.arrayValue ?? []).compactMap(\.stringValue)
        placeholders = Set((json["placeholders"]?.arrayValue ?? []).compactMap(\.stringValue))
        let zone = try json["time_zone"]?.stringValue.map { s throws(BlotterError) in try LocalZone(s, at: "\(place): time_zone") }
        timeZone = zone
        legacy = Set((json["legacy"]?.arrayValue ?? []).compactMap(\.stringValue)).intersection(CaseRules.legacyRules)
        var joins: [Join] = []
        for j in json["joins"]?.arrayValue ?? [] {
            let name = j["name"]?.stringValue ?? ""
            guard !joins.contains(where: { $0.name == name }) else { throw BlotterError(.invalidInput, "\(place): joins: two joins are named \"\(name)\"") }
            joins.append(Join(name: name, format: j["format"]?.stringValue.flatMap(SourceFormat.init(rawValue:)) ?? format,
                              delimiter: j["delimiter"]?.stringValue?.utf8.first ?? UInt8(ascii: ","), on: j["on"]?.stringValue ?? "",
                              key: j["key"]?.stringValue ?? ""))
        }
        self.joins = joins
        var events: [EventMap] = []
        var names: Set<String> = []
        for (i, e) in (json["events"]?.arrayValue ?? []).enumerated() {
            let name = e["name"]?.stringValue ?? ""
            let at = "\(place): events[\(i)] (\(name))"
            guard names.insert(name).inserted else { throw BlotterError(.invalidInput, "\(at): another event has the name \"\(name)\"") }
            events.append(try Self.event(e, at: at, catalog: catalog, zone: zone))
        }
        self.events = events
        for e in events {
            for (name, f) in e.fields + e.amendFields {
                if case let .join(j, _, _) = f.source, !joins.contains(where: { $0.name == j }) {
                    throw BlotterError(.invalidInput, "\(place): event \(e.name): field \(name) joins \"\(j)\", which the mapping's joins do not name (it has \(joins.isEmpty ? "none" : joins.map(\.name).joined(separator: ", ")))")
                }
            }
        }
    }

    /// The columns each join's file must have: its key and every column a field takes from it.
    public func joinColumns(_ join: String) -> [String] {
        var out = joins.first { $0.name == join }.map { [$0.key] } ?? []
        for e in events {
            for (_, f) in e.fields + e.amendFields {
                if case let .join(j, c, _) = f.source, j == join, !out.contains(c) { out.append(c) }
            }
        }
        return out
    }

    static func event(_ e: JSONValue, at: String, catalog: EventCatalog, zone: LocalZone?) throws(BlotterError) -> EventMap {
        let type = e["type"]?.stringValue ?? ""
        guard let info = catalog.types[type], let schema = catalog.schemas[type]?[info.version] else {
            throw BlotterError(.invalidInput, "\(at): unknown event type \"\(type)\" (the ledger's catalog has \(catalog.types.keys.sorted().joined(separator: ", ")))")
        }
        let fields = try Self.fields(e["fields"], at: at, schema: schema)
        let mapped = Set(fields.map(\.0))
        let missing = schema.required.filter { !mapped.contains($0) }
        guard missing.isEmpty else {
            throw BlotterError(.invalidInput, "\(at): \(type) requires field\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")), which the mapping does not fill")
        }
        // Streams: the catalog pattern, filled from the field it names, unless the mapping gives a template.
        let (prefix, field) = info.streamParts
        let stream = try e["stream"]?.stringValue.map { s throws(BlotterError) in try Template(s, at: "\(at): stream") }
        if stream == nil, let field, !mapped.contains(field) {
            throw BlotterError(.invalidInput, "\(at): \(type) belongs in stream \(info.stream) but has no field \(field); give \"stream\", e.g. \"\(prefix){Some Column}\"")
        }
        var conditions: [Condition] = []
        for (j, c) in (e["when"]?.arrayValue ?? []).enumerated() {
            let place = "\(at): when[\(j)]"
            guard c["present"] != nil || c["in"] != nil || c["not_in"] != nil || c["matches"] != nil else {
                throw BlotterError(.invalidInput, "\(place): give one of present, in, not_in, matches")
            }
            conditions.append(Condition(
                column: c["column"]?.stringValue ?? "",
                present: { if case let .bool(b)? = c["present"] { return b } else { return nil } }(),
                within: c["in"]?.arrayValue.map { Set($0.compactMap(\.stringValue)) },
                notWithin: c["not_in"]?.arrayValue.map { Set($0.compactMap(\.stringValue)) },
                matches: try c["matches"]?.stringValue.map { s throws(BlotterError) in try Regex(s, place: place) }))
        }
        let onChange = OnChange(rawValue: e["on_change"]?.stringValue ?? "report") ?? .report
        var amendType: String? = nil
        var amendFields: [(String, FieldMap)] = []
        var carries: Set<String> = []
        if let amend = e["amend"] {
            let t = amend["type"]?.stringValue ?? ""
            guard let ai = catalog.types[t], let aschema = catalog.schemas[t]?[ai.version] else {
                throw BlotterError(.invalidInput, "\(at): amend: unknown event type \"\(t)\"")
            }
            amendFields = try Self.fields(amend["fields"], at: "\(at): amend", schema: aschema)
            let has = Set(aschema.fields.map(\.name))
            carries = mapped.intersection(has).subtracting(amendFields.map(\.0))
            let covered = carries.union(amendFields.map(\.0))
            let lacking = aschema.required.filter { !covered.contains($0) }
            guard lacking.isEmpty else {
                throw BlotterError(.invalidInput, "\(at): amend: \(t) requires \(lacking.joined(separator: ", ")), which neither the event nor the amend fields fill")
            }
            if let pf = ai.streamParts.field, stream == nil, !covered.contains(pf) {
                throw BlotterError(.invalidInput, "\(at): amend: \(t) belongs in stream \(ai.stream) but has no field \(pf)")
            }
            amendType = t
        }
        if onChange == .amend && amendType == nil {
            throw BlotterError(.invalidInput, "\(at): on_change is amend but there is no \"amend\" with the type to append")
        }
        // Local times keep their source text and zone in source.local_times: one zone an event, and a schema that has them.
        var zones: [(field: String, zone: LocalZone)] = []
        for (name, f) in fields + amendFields where f.parse == .dateTime {
            if let z = f.timeZone ?? zone, !z.isUTC { zones.append((name, z)) }
        }
        if let first = zones.first, let other = zones.first(where: { $0.zone.name != first.zone.name }) {
            throw BlotterError(.invalidInput, "\(at): field \(first.field) is read in \(first.zone.name) and field \(other.field) in \(other.zone.name); an event's local times are in one zone (source.time_zone), the others give \"time_zone\": \"UTC\" or the same zone")
        }
        if let first = zones.first {
            for t in [type] + (amendType.map { [$0] } ?? []) {
                let schema = catalog.current(t)
                guard schema?.json["properties"]?["source"]?["properties"]?["local_times"] != nil else {
                    throw BlotterError(.invalidInput, "\(at): field \(first.field) is read in \(first.zone.name), but \(t) version \(schema?.version ?? 0) has no source.local_times to keep the source's local text in; register the type's next schema version (blotter schemas register), or give the field \"time_zone\": \"UTC\"")
                }
            }
        }
        return EventMap(name: e["name"]?.stringValue ?? "", type: type,
                        key: e["key"]?.arrayValue?.compactMap(\.stringValue) ?? [], stream: stream,
                        streamPrefix: prefix, streamField: field, when: conditions, fields: fields, onChange: onChange,
                        amendType: amendType, amendFields: amendFields, amendCarries: carries, zone: zones.first?.zone)
    }

    static func fields(_ json: JSONValue?, at: String, schema: EventSchema?) throws(BlotterError) -> [(String, FieldMap)] {
        var out: [(String, FieldMap)] = []
        let known = schema.map { Set($0.fields.map(\.name)) }
        for (name, spec) in json?.objectValue ?? [] {
            let place = "\(at): field \(name)"
            if let known, let schema {
                guard known.contains(name) else {
                    throw BlotterError(.invalidInput, "\(place): \(schema.type) version \(schema.version) has no field \"\(name)\" (it has \(schema.fields.map(\.name).filter { $0 != "source" }.joined(separator: ", ")))")
                }
                guard name != "source" else {
                    throw BlotterError(.invalidInput, "\(place): source is written by the importer (file digest, row, record) and cannot be mapped")
                }
            }
            out.append((name, try field(spec, at: place)))
        }
        // length_of refers to a field of the same event, evaluated before it.
        for (name, f) in out {
            if case let .lengthOf(other) = f.source, !out.contains(where: { $0.0 == other }) {
                throw BlotterError(.invalidInput, "\(at): field \(name): length_of names \"\(other)\", which this event does not map")
            }
        }
        return out
    }

    static func field(_ spec: JSONValue, at place: String) throws(BlotterError) -> FieldMap {
        let source: Source
        if let j = spec["join"]?.stringValue {
            guard let c = spec["column"]?.stringValue else { throw BlotterError(.invalidInput, "\(place): join needs the column to take from the joined rows") }
            source = .join(j, c, first: spec["first"] == .bool(true))
        } else if let c = spec["column"]?.stringValue {
            source = .column(c)
        } else if let cs = spec["first_of"]?.arrayValue {
            source = .firstOf(cs.compactMap(\.stringValue))
        } else if let t = spec["template"]?.stringValue {
            source = .template(try Template(t, at: place))
        } else if let c = spec["const"] {
            source = .constant(c)
        } else if let z = spec["zip"] {
            let parts = try fields(z, at: "\(place): zip", schema: nil)
            for (n, f) in parts where f.split == nil {
                throw BlotterError(.invalidInput, "\(place): zip: \(n) needs \"split\" (zip pairs up the items of split columns)")
            }
            source = .zip(parts)
        } else {
            source = .lengthOf(spec["length_of"]?.stringValue ?? "")
        }
        let parse = spec["parse"]?.stringValue.flatMap(Parse.init(rawValue:))
        let dateFormat = try spec["date_format"]?.stringValue.map { s throws(BlotterError) in try DateFormat(s, at: place) }
        if dateFormat != nil && parse != .date && parse != .dateTime {
            throw BlotterError(.invalidInput, "\(place): date_format needs parse \"date\" or \"date-time\"")
        }
        let timeZone = try spec["time_zone"]?.stringValue.map { s throws(BlotterError) in try LocalZone(s, at: "\(place): time_zone") }
        if timeZone != nil && parse != .dateTime {
            throw BlotterError(.invalidInput, "\(place): time_zone needs parse \"date-time\" (a date alone has no time to convert)")
        }
        return FieldMap(
            source: source,
            placeholders: spec["placeholders"]?.arrayValue.map { Set($0.compactMap(\.stringValue)) },
            split: spec["split"]?.stringValue,
            match: try spec["match"]?.stringValue.map { s throws(BlotterError) in try Regex(s, place: place) },
            translate: spec["translate"]?.objectValue.map { Dictionary($0, uniquingKeysWith: { a, _ in a }) },
            fallback: spec["default"], ifAbsent: spec["if_absent"], parse: parse, dateFormat: dateFormat, timeZone: timeZone,
            slug: spec["slug"] == .bool(true))
    }

    /// Refuses a mapping that reads a column the file does not have (CSV header, or for JSON Lines
    /// the member names found in the file).
    public func check(columns available: Set<String>, file: String) throws(BlotterError) {
        let missing = columns.filter { !available.contains($0) }
        guard missing.isEmpty else {
            throw BlotterError(.invalidInput, "mapping \(name) reads column\(missing.count == 1 ? "" : "s") \(missing.map { "\"\($0)\"" }.joined(separator: ", ")), which \(file) does not have (it has \(available.sorted().joined(separator: ", ")))")
        }
    }
}

extension ImportMapping.Template {
    init(_ text: String, at place: String) throws(BlotterError) {
        var parts: [Part] = []
        var literal = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "{" {
                guard let close = text[i...].firstIndex(of: "}") else {
                    throw BlotterError(.invalidInput, "\(place): \"\(text)\" opens { without closing it")
                }
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                let column = String(text[text.index(after: i)..<close])
                guard !column.isEmpty else { throw BlotterError(.invalidInput, "\(place): \"\(text)\" has an empty {}") }
                parts.append(.column(column))
                i = text.index(after: close)
            } else {
                literal.append(c)
                i = text.index(after: i)
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }
}

/// An IANA time zone that a source's local dates and times are read in.
struct LocalZone: Sendable {
    let name: String
    let zone: TimeZone
    var isUTC: Bool { name == "UTC" || name == "Etc/UTC" || name == "Z" }

    init(_ name: String, at place: String) throws(BlotterError) {
        guard let zone = TimeZone(identifier: name), name == "UTC" || zone.identifier != "GMT" || name == "GMT" else {
            throw BlotterError(.invalidInput, "\(place): \"\(name)\" is not an IANA time zone this system knows (e.g. America/Chicago, Europe/London, UTC)")
        }
        self.name = name
        self.zone = zone
    }

    /// The UTC instant of a local date and time (year, month, day, hour, minute, second); nil for a
    /// time the zone skips (the hour clocks go forward). A time that happens twice (the hour clocks go
    /// back) is the first of the two.
    func utc(_ v: [Int]) -> Timestamp? {
        let days = Timestamp.daysFromCivil(year: v[0], month: v[1], day: v[2])
        let local = ((Int64(days) * 24 + Int64(v[3])) * 60 + Int64(v[4])) * 60 + Int64(v[5])
        func offset(_ seconds: Int64) -> Int64 { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))) }
        // The offsets in force half a day either side hold every offset this local time can have.
        let candidates = Set([offset(local - 43_200), offset(local + 43_200)])
        let instants = candidates.map { local - $0 }.filter { offset($0) == local - $0 }
        return instants.min().map { Timestamp(milliseconds: $0 * 1000) }
    }
}

/// A date layout such as `MM/DD/YYYY` or `YYYY-MM-DD hh:mm:ss`.
struct DateFormat: Sendable {
    enum Token: Sendable { case year, month, day, hour, minute, second, literal(Character) }
    let tokens: [Token]
    let source: String

    init(_ text: String, at place: String) throws(BlotterError) {
        source = text
        var tokens: [Token] = []
        var rest = Substring(text)
        let names: [(String, Token)] = [("YYYY", .year), ("MM", .month), ("DD", .day), ("hh", .hour), ("mm", .minute), ("ss", .second),
                                        ("M", .month), ("D", .day)]
        outer: while let c = rest.first {
            for (n, t) in names where rest.hasPrefix(n) {
                tokens.append(t)
                rest = rest.dropFirst(n.count)
                continue outer
            }
            tokens.append(.literal(c))
            rest = rest.dropFirst()
        }
        guard tokens.contains(where: { if case .year = $0 { true } else { false } }) else {
            throw BlotterError(.invalidInput, "\(place): date_format \"\(text)\" has no YYYY")
        }
        self.tokens = tokens
    }

    /// Year, month, day, hour, minute, second read from `s`, or nil if it does not fit the layout.
    func read(_ s: String) -> [Int]? {
        var values = [0, 1, 1, 0, 0, 0]
        var chars = Substring(s)
        func number(max: Int) -> Int? {
            let digits = chars.prefix(while: { $0.isASCII && $0.isNumber }).prefix(max)
            guard !digits.isEmpty else { return nil }
            chars = chars.dropFirst(digits.count)
            return Int(digits)
        }
        for t in tokens {
            switch t {
            case .year: guard let v = number(max: 4) else { return nil }; values[0] = v
            case .month: guard let v = number(max: 2) else { return nil }; values[1] = v
            case .day: guard let v = number(max: 2) else { return nil }; values[2] = v
            case .hour: guard let v = number(max: 2) else { return nil }; values[3] = v
            case .minute: guard let v = number(max: 2) else { return nil }; values[4] = v
            case .second: guard let v = number(max: 2) else { return nil }; values[5] = v
            case let .literal(c): guard chars.first == c else { return nil }; chars = chars.dropFirst()
            }
        }
        guard chars.isEmpty, (1...12).contains(values[1]), values[2] >= 1, values[2] <= Timestamp.daysIn(month: values[1], year: values[0]),
              values[3] < 24, values[4] < 60, values[5] < 60 else { return nil }
        return values
    }
}
