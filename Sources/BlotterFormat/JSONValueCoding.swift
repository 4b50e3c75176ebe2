internal import Synchronization

/// `Codable` values to and from ``JSONValue``, the way views are printed and served: property names
/// become snake_case members (`caseID` → `case_id`, as Foundation's `convertToSnakeCase` does),
/// members keep the order the properties are declared in, a nil optional is written as `null`
/// (never left out, so every view has the same members), and a `[String: …]` dictionary keeps its
/// keys as they are, sorted, so the output is the same from run to run.
public enum JSONValueCoding {
    public static func encode(_ value: some Encodable) throws -> JSONValue {
        let box = EncodingBox()
        try box.encode(value)
        return box.json
    }

    public static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
        try ValueDecoder(value: json, convertKeys: true, codingPath: []).decodeValue(type)
    }

    private static let names = Mutex<[String: String]>([:])

    /// ``snakeCase(_:)``, remembered: the same few dozen property names are converted for every row.
    package static func memberName(_ property: String) -> String {
        if let known = names.withLock({ $0[property] }) { return known }
        let name = snakeCase(property)
        names.withLock { $0[property] = name }
        return name
    }

    /// `caseID` → `case_id`, `accessesNotTiedToACase` → `accesses_not_tied_to_a_case`: a run of
    /// capitals is one word, except that its last capital starts the next word when a lower-case
    /// letter follows.
    public static func snakeCase(_ name: String) -> String {
        // Property names are ASCII; this runs for every member of every row, so it works on bytes.
        let bytes = Array(name.utf8)
        func upper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
        func lower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        guard bytes.contains(where: upper) else { return name }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        for (i, c) in bytes.enumerated() {
            if upper(c) {
                let previousLower = i > 0 && !upper(bytes[i - 1]) && bytes[i - 1] != 0x5F
                let runContinuesIntoWord = i > 0 && upper(bytes[i - 1]) && i + 1 < bytes.count && lower(bytes[i + 1])
                if previousLower || runContinuesIntoWord { out.append(0x5F) }
                out.append(c + 0x20)
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Whether a type is `[String: V]`, whose keys are data, not property names. Answered from the
/// type's name once per type: a protocol check (`is SomeProtocol`) would make the runtime scan every
/// conformance of the binary the first time it sees each type, which a short command pays in full.
private enum StringKeyedDictionary {
    private static let known = Mutex<[ObjectIdentifier: Bool]>([:])

    static func holds(_ type: Any.Type) -> Bool {
        let id = ObjectIdentifier(type)
        if let answer = known.withLock({ $0[id] }) { return answer }
        let answer = _typeName(type, qualified: true).hasPrefix("Swift.Dictionary<Swift.String, ")
        known.withLock { $0[id] = answer }
        return answer
    }
}

private struct Key: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

private func valueError(_ path: [any CodingKey], _ message: String) -> DecodingError {
    .dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: message))
}

// MARK: encoding

private final class EncodingBox {
    enum Kind { case unset, single, object, array }
    /// A member or item: a plain value, or a box that a nested value fills.
    enum Node {
        case value(JSONValue)
        case box(EncodingBox)
        var json: JSONValue {
            switch self {
            case let .value(v): return v
            case let .box(b): return b.json
            }
        }
    }
    // Kept apart (not as one enum with payloads) so that members and items grow in place.
    var kind = Kind.unset
    var single = JSONValue.null
    var members: [(String, Node)] = []
    var items: [Node] = []
    var sortKeys = false

    var content: JSONValue {
        get { single }
        set { kind = .single; single = newValue }
    }

    var json: JSONValue {
        switch kind {
        case .unset: return .object([])
        case .single: return single
        case .array: return .array(items.map(\.json))
        case .object:
            let list = members.map { ($0.0, $0.1.json) }
            return .object(sortKeys ? list.sorted { $0.0 < $1.0 } : list)
        }
    }

    /// The JSON of a value that needs no container.
    static func primitive<T: Encodable>(_ value: T) -> JSONValue? {
        switch value {
        case let v as String: return .string(v)
        case let v as Int64: return .integer(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .integer(Int64(v))
        case let v as Double: return .double(v)
        case let v as JSONValue: return v
        default: return nil
        }
    }

    /// A node for `value`: the value itself for a primitive, else a box it is encoded into.
    static func node<T: Encodable>(_ value: T) throws -> Node {
        if let v = primitive(value) { return .value(v) }
        let box = EncodingBox()
        try box.encode(value)
        return .box(box)
    }

    func encode<T: Encodable>(_ value: T) throws {
        if let v = Self.primitive(value) {
            content = v
        } else if StringKeyedDictionary.holds(T.self) {
            sortKeys = true
            try value.encode(to: ValueEncoder(box: self, convertKeys: false))
        } else {
            try value.encode(to: ValueEncoder(box: self, convertKeys: true))
        }
    }
}

// Coding paths are not tracked while encoding: a view cannot fail to encode, and building one array
// per member would cost more than the member.

private struct ValueEncoder: Encoder {
    let box: EncodingBox
    let convertKeys: Bool
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<K: CodingKey>(keyedBy type: K.Type) -> KeyedEncodingContainer<K> {
        if box.kind != .object { box.kind = .object; box.members = [] }
        return KeyedEncodingContainer(KeyedEncoder<K>(box: box, convertKeys: convertKeys))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if box.kind != .array { box.kind = .array; box.items = [] }
        return UnkeyedEncoder(box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(box: box) }
}

private struct KeyedEncoder<K: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let convertKeys: Bool
    var codingPath: [any CodingKey] { [] }

    func set(_ key: K, _ node: EncodingBox.Node) {
        let name = convertKeys ? JSONValueCoding.memberName(key.stringValue) : key.stringValue
        if let i = box.members.firstIndex(where: { $0.0 == name }) {
            box.members[i].1 = node
        } else {
            box.members.append((name, node))
        }
    }

    func child(_ key: K) -> EncodingBox {
        let child = EncodingBox()
        set(key, .box(child))
        return child
    }

    mutating func encodeNil(forKey key: K) throws { set(key, .value(.null)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: K) throws { set(key, try EncodingBox.node(value)) }

    // A nil optional is written as null: every view has the same members.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: K) throws { try put(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: K) throws { try put(value, key) }

    private mutating func put<T: Encodable>(_ value: T?, _ key: K) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) -> KeyedEncodingContainer<N> {
        ValueEncoder(box: child(key), convertKeys: convertKeys).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer(forKey key: K) -> any UnkeyedEncodingContainer {
        ValueEncoder(box: child(key), convertKeys: convertKeys).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, convertKeys: convertKeys) }
    mutating func superEncoder(forKey key: K) -> any Encoder { ValueEncoder(box: child(key), convertKeys: convertKeys) }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let box: EncodingBox
    var codingPath: [any CodingKey] { [] }
    var count: Int { box.items.count }

    func append() -> EncodingBox {
        let child = EncodingBox()
        box.items.append(.box(child))
        return child
    }

    mutating func encodeNil() throws { box.items.append(.value(.null)) }
    mutating func encode<T: Encodable>(_ value: T) throws { box.items.append(try EncodingBox.node(value)) }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) -> KeyedEncodingContainer<N> {
        ValueEncoder(box: append(), convertKeys: true).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(box: append(), convertKeys: true).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: append(), convertKeys: true) }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let box: EncodingBox
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { box.content = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try box.encode(value) }
    mutating func encode(_ value: Bool) throws { box.content = .bool(value) }
    mutating func encode(_ value: String) throws { box.content = .string(value) }
    mutating func encode(_ value: Double) throws { box.content = .double(value) }
    mutating func encode(_ value: Int) throws { box.content = .integer(Int64(value)) }
    mutating func encode(_ value: Int64) throws { box.content = .integer(value) }
    mutating func encode(_ value: Float) throws { box.content = .double(Double(value)) }
    mutating func encode(_ value: Int8) throws { try integer(value) }
    mutating func encode(_ value: Int16) throws { try integer(value) }
    mutating func encode(_ value: Int32) throws { try integer(value) }
    mutating func encode(_ value: UInt) throws { try integer(value) }
    mutating func encode(_ value: UInt8) throws { try integer(value) }
    mutating func encode(_ value: UInt16) throws { try integer(value) }
    mutating func encode(_ value: UInt32) throws { try integer(value) }
    mutating func encode(_ value: UInt64) throws { try integer(value) }

    private func integer(_ value: some BinaryInteger) throws {
        guard let n = Int64(exactly: value) else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "\(value) does not fit 64 bits"))
        }
        box.content = .integer(n)
    }
}

// MARK: decoding

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let convertKeys: Bool
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is JSONValue.Type: return value as! T
        case is String.Type:
            guard case let .string(s) = value else { throw mismatch("a string") }
            return s as! T
        case is Bool.Type:
            guard case let .bool(b) = value else { throw mismatch("true or false") }
            return b as! T
        case is Int64.Type:
            guard case let .integer(n) = value else { throw mismatch("an integer") }
            return n as! T
        case is Int.Type:
            guard case let .integer(n) = value, let i = Int(exactly: n) else { throw mismatch("an integer") }
            return i as! T
        case is Double.Type:
            switch value {
            case let .double(d): return d as! T
            case let .integer(n): return Double(n) as! T
            default: throw mismatch("a number")
            }
        case _ where StringKeyedDictionary.holds(type):
            return try T(from: ValueDecoder(value: value, convertKeys: false, codingPath: codingPath))
        default:
            return try T(from: ValueDecoder(value: value, convertKeys: true, codingPath: codingPath))
        }
    }

    func mismatch(_ expected: String) -> DecodingError {
        valueError(codingPath, "expected \(expected), found \(value.typeName)")
    }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        guard case let .object(members) = value else { throw mismatch("an object") }
        var byName: [String: JSONValue] = [:]
        for (name, v) in members { byName[name] = v }
        return KeyedDecodingContainer(KeyedDecoder<K>(members: byName, order: members.map(\.0), convertKeys: convertKeys, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case let .array(items) = value else { throw mismatch("an array") }
        return UnkeyedDecoder(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleDecoder(decoder: self) }
}

private struct KeyedDecoder<K: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let order: [String]
    let convertKeys: Bool
    let codingPath: [any CodingKey]

    func name(_ key: K) -> String { convertKeys ? JSONValueCoding.memberName(key.stringValue) : key.stringValue }
    var allKeys: [K] { order.compactMap { K(stringValue: $0) } }
    func contains(_ key: K) -> Bool { members[name(key)] != nil }
    func decodeNil(forKey key: K) throws -> Bool { (members[name(key)] ?? .null) == .null }

    func child(_ key: K) throws -> ValueDecoder {
        guard let v = members[name(key)] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "no member \"\(name(key))\""))
        }
        return ValueDecoder(value: v, convertKeys: convertKeys, codingPath: codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T { try child(key).decodeValue(type) }
    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: K) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: .object(order.map { ($0, members[$0]!) }), convertKeys: convertKeys, codingPath: codingPath)
    }
    func superDecoder(forKey key: K) throws -> any Decoder { try child(key) }
}

private struct UnkeyedDecoder: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else { throw valueError(codingPath, "the array has only \(items.count) items") }
        defer { currentIndex += 1 }
        return ValueDecoder(value: items[currentIndex], convertKeys: true, codingPath: codingPath + [Key(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, items[currentIndex] == .null { currentIndex += 1; return true }
        return false
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> { try next().container(keyedBy: type) }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleDecoder: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}
