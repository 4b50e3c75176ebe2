public import BlotterFormat
public import BlotterLog

/// A value in or out of SQL, without tying the stores' shared SQL to one database library.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var text: String? { if case let .text(s) = self { return s } else { return nil } }
    public var integer: Int64? { if case let .integer(n) = self { return n } else { return nil } }
    /// The value as a string for display: nil for null.
    public var display: String? {
        switch self {
        case .null: return nil
        case let .integer(n): return String(n)
        case let .real(d): return String(d)
        case let .text(s): return s
        }
    }

    init(_ s: String?) { self = s.map(SQLValue.text) ?? .null }
    init(_ n: Int64?) { self = n.map(SQLValue.integer) ?? .null }
    init(_ b: Bool?) { self = b.map { .integer($0 ? 1 : 0) } ?? .null }
}

/// The SQL both stores use to find the key statements an append proves its key registry from
/// (``LedgerRules/keyStatementTypes``): a condition on the stored type, and a partial index of those
/// entries, a handful of rows whatever the ledger's size.
public enum KeyStatementSQL {
    public static let condition = "type IN (" + LedgerRules.keyStatementTypes.map { "'\($0)'" }.joined(separator: ", ") + ")"
    public static let index = "CREATE INDEX IF NOT EXISTS entries_key_statements ON entries (seq) WHERE \(condition)"
}

/// A store's transaction as the shared SQL sees it: statements in SQLite's dialect, which a store
/// with another dialect rewrites (PostgreSQL: `PostgresDialect`). A store's reader and writer conform,
/// and so get the domain's tables (``ProjectionWriting``) from this module.
public protocol SQLConnection: LedgerReading {
    /// Runs a query.
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]]
    /// Runs a statement that changes the domain's tables, in the transaction of the entries, so an
    /// append and the views it changes commit together.
    func execute(_ sql: String, _ arguments: [SQLValue]) throws
    /// True if the store holds a table of that name.
    func hasTable(_ name: String) throws -> Bool
    /// Sends queries ahead of the ``rows(_:_:)`` calls that will ask for them, where that saves
    /// waiting (PostgreSQL: sent together, the caller waits for the answers once, not once a query);
    /// a later `rows` with the same text and arguments takes its answer. Nothing else may change the
    /// tables in between (a store drops what it fetched ahead when the transaction writes). SQLite
    /// gains nothing from it and does nothing.
    func prefetch(_ queries: [(sql: String, arguments: [SQLValue])]) throws
}

extension SQLConnection {
    public func prefetch(_ queries: [(sql: String, arguments: [SQLValue])]) throws {}
}

extension SQLConnection {
    /// Rows decoded into `T`, `names[i]` naming column `i` (the snake_case of `T`'s properties).
    func select<T: Decodable>(_ type: T.Type, _ names: [String], _ sql: String, _ arguments: [SQLValue] = []) throws -> [T] {
        let columns = ColumnIndex(names)
        return try rows(sql, arguments).map { row in try T(from: RowDecoder(row: row, columns: columns, codingPath: [])) }
    }
}

extension LedgerReading {
    /// Raw SQL over a store's tables, for tests and tools in this package that inspect or tamper
    /// with what a store holds. Not part of the library's API: the domain never uses it.
    package func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        guard let connection = self as? any SQLConnection else { throw BlotterError(.storage, "this store does not speak SQL") }
        return try connection.rows(sql, arguments)
    }

    package func hasTable(_ name: String) throws -> Bool {
        guard let connection = self as? any SQLConnection else { throw BlotterError(.storage, "this store does not speak SQL") }
        return try connection.hasTable(name)
    }
}

extension LedgerWriting {
    package func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        guard let connection = self as? any SQLConnection else { throw BlotterError(.storage, "this store does not speak SQL") }
        try connection.execute(sql, arguments)
    }
}

/// Column positions by name, and by the property names that map to them (found once per query).
private final class ColumnIndex {
    let byName: [String: Int]
    var byProperty: [String: Int?] = [:]

    init(_ names: [String]) {
        var byName: [String: Int] = [:]
        for (i, name) in names.enumerated() { byName[name] = i }
        self.byName = byName
    }

    func position(_ property: String) -> Int? {
        if let known = byProperty[property] { return known }
        let found = byName[JSONValueCoding.memberName(property)]
        byProperty[property] = found
        return found
    }
}

/// Decodes one row, columns by the snake_case names of the properties (as ``JSONValueCoding``
/// names members). Integers decode as `Bool` (0 false), text as `String`; null or a missing column is nil.
private struct RowDecoder: Decoder {
    let row: [SQLValue]
    let columns: ColumnIndex
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        KeyedDecodingContainer(Columns<K>(row: row, columns: columns, codingPath: codingPath))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row has no arrays"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row is decoded by its columns"))
    }
}

private struct Columns<K: CodingKey>: KeyedDecodingContainerProtocol {
    let row: [SQLValue]
    let columns: ColumnIndex
    let codingPath: [any CodingKey]
    var allKeys: [K] { columns.byName.keys.compactMap { K(stringValue: $0) } }

    func value(_ key: K) -> SQLValue {
        guard let i = columns.position(key.stringValue), i < row.count else { return .null }
        return row[i]
    }
    func contains(_ key: K) -> Bool { columns.position(key.stringValue).map { $0 < row.count } ?? false }
    func decodeNil(forKey key: K) throws -> Bool { value(key) == .null }

    func mismatch(_ key: K, _ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath + [key],
                                      debugDescription: "column \(JSONValueCoding.snakeCase(key.stringValue)): expected \(expected), found \(value(key))"))
    }

    func decode(_ type: String.Type, forKey key: K) throws -> String {
        switch value(key) {
        case let .text(s): return s
        case let .integer(n): return String(n)
        default: throw mismatch(key, "text")
        }
    }
    func decode(_ type: Int64.Type, forKey key: K) throws -> Int64 {
        guard case let .integer(n) = value(key) else { throw mismatch(key, "an integer") }
        return n
    }
    func decode(_ type: Int.Type, forKey key: K) throws -> Int { Int(try decode(Int64.self, forKey: key)) }
    func decode(_ type: Bool.Type, forKey key: K) throws -> Bool { try decode(Int64.self, forKey: key) != 0 }
    func decode(_ type: Double.Type, forKey key: K) throws -> Double {
        switch value(key) {
        case let .real(d): return d
        case let .integer(n): return Double(n)
        default: throw mismatch(key, "a number")
        }
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T {
        switch type {
        case is String.Type: return try decode(String.self, forKey: key) as! T
        case is Int64.Type: return try decode(Int64.self, forKey: key) as! T
        case is Int.Type: return try decode(Int.self, forKey: key) as! T
        case is Bool.Type: return try decode(Bool.self, forKey: key) as! T
        case is Double.Type: return try decode(Double.self, forKey: key) as! T
        default: throw mismatch(key, "a column value (rows hold no nested values)")
        }
    }
    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> { throw mismatch(key, "a column value") }
    func nestedUnkeyedContainer(forKey key: K) throws -> any UnkeyedDecodingContainer { throw mismatch(key, "a column value") }
    func superDecoder() throws -> any Decoder { RowDecoder(row: row, columns: columns, codingPath: codingPath) }
    func superDecoder(forKey key: K) throws -> any Decoder { throw mismatch(key, "a column value") }
}
