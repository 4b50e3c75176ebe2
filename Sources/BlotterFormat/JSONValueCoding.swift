internal import Synchronization

/// `Codable` values to and from ``JSONValue``, the way views are printed and served: property names
/// become snake_case members (`caseID` → `case_id`, as Foundation's `convertToSnakeCase` does),
/// members keep the order the properties are declared in, a nil optional is written as `null`
/// (never left out, so every view has the same members), and a `[String: …]` dictionary keeps its
/// keys as they are, sorted, so the output is the same from run to run.
public enum JSONValueCoding {
    public static func encode(_ value: some Encodable) throws -> JSONValue {
        let box = EncodingBox()
        try box.encode(value, codingPath: [])
        return box.json
    }

    public static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
        try ValueDecoder(value: json, convertKeys: true, codingPath: []).decodeValue(type)
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
    enum Content { case unset, single(JSONValue), object([(String, EncodingBox)]), array([EncodingBox]) }
    var content: Content = .unset
    var sortKeys = false

    var json: JSONValue {
        switch content {
        case .unset: return .object([])
        case let .single(v): return v
        case let .array(items): return .array(items.map(\.json))
        case let .object(members):
            let list = members.map { ($0.0, $0.1.json) }
            return .object(sortKeys ? list.sorted { $0.0 < $1.0 } : list)
        }
    }

    func encode<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
        switch value {
        case let v as JSONValue: content = .single(v)
        case let v as String: content = .single(.string(v))
        case let v as Bool: content = .single(.bool(v))
        case let v as Int64: content = .single(.integer(v))
        case let v as Int: content = .single(.integer(Int64(v)))
        case let v as Double: content = .single(.double(v))
        case _ where StringKeyedDictionary.holds(T.self):
            sortKeys = true
            try value.encode(to: ValueEncoder(box: self, convertKeys: false, codingPath: codingPath))
        default:
            try value.encode(to: ValueEncoder(box: self, convertKeys: true, codingPath: codingPath))
        }
    }
}

private struct ValueEncoder: Encoder {
    let box: EncodingBox
    let convertKeys: Bool
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<K: CodingKey>(keyedBy type: K.Type) -> KeyedEncodingContainer<K> {
        if case .object = box.content {} else { box.content = .object([]) }
        return KeyedEncodingContainer(KeyedEncoder<K>(box: box, convertKeys: convertKeys, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.content {} else { box.content = .array([]) }
        return UnkeyedEncoder(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(box: box, codingPath: codingPath) }
}

private struct KeyedEncoder<K: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let convertKeys: Bool
    let codingPath: [any CodingKey]

    func child(_ key: K) -> EncodingBox {
        let name = convertKeys ? JSONValueCoding.snakeCase(key.stringValue) : key.stringValue
        let child = EncodingBox()
        if case var .object(members) = box.content {
            members.removeAll { $0.0 == name }
            members.append((name, child))
            box.content = .object(members)
        }
        return child
    }

    mutating func encodeNil(forKey key: K) throws { child(key).content = .single(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: K) throws {
        try child(key).encode(value, codingPath: codingPath + [key])
    }

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
        ValueEncoder(box: child(key), convertKeys: convertKeys, codingPath: codingPath + [key]).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer(forKey key: K) -> any UnkeyedEncodingContainer {
        ValueEncoder(box: child(key), convertKeys: convertKeys, codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, convertKeys: convertKeys, codingPath: codingPath) }
    mutating func superEncoder(forKey key: K) -> any Encoder { ValueEncoder(box: child(key), convertKeys: convertKeys, codingPath: codingPath + [key]) }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    var count: Int { if case let .array(items) = box.content { return items.count } else { return 0 } }

    func append() -> EncodingBox {
        let child = EncodingBox()
        if case var .array(items) = box.content { items.append(child); box.content = .array(items) }
        return child
    }

    mutating func encodeNil() throws { append().content = .single(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try append().encode(value, codingPath: codingPath + [Key(intValue: count)])
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) -> KeyedEncodingContainer<N> {
        ValueEncoder(box: append(), convertKeys: true, codingPath: codingPath).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(box: append(), convertKeys: true, codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: append(), convertKeys: true, codingPath: codingPath) }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { box.content = .single(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try box.encode(value, codingPath: codingPath) }
    mutating func encode(_ value: Bool) throws { box.content = .single(.bool(value)) }
    mutating func encode(_ value: String) throws { box.content = .single(.string(value)) }
    mutating func encode(_ value: Double) throws { box.content = .single(.double(value)) }
    mutating func encode(_ value: Int) throws { box.content = .single(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { box.content = .single(.integer(value)) }
    mutating func encode(_ value: Float) throws { box.content = .single(.double(Double(value))) }
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
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) does not fit 64 bits"))
        }
        box.content = .single(.integer(n))
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

    func name(_ key: K) -> String { convertKeys ? JSONValueCoding.snakeCase(key.stringValue) : key.stringValue }
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
