internal import BlotterLog
internal import BlotterSQL
internal import Foundation
internal import PostgresNIO

/// A statement parameter: the values the store binds, including the arrays `unnest` takes.
enum PostgresValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bytes([UInt8])
    case integerArray([Int64])
    case textArray([String])
    case bytesArray([[UInt8]])

    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case let .integer(n): self = .integer(n)
        case let .real(d): self = .real(d)
        case let .text(s): self = .text(s)
        }
    }

    static func bindings(_ values: [PostgresValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .null: b.appendNull()
            case let .integer(n): b.append(n)
            case let .real(d): b.append(d)
            case let .text(s): b.append(s)
            case let .bytes(bytes): b.append(ByteBuffer(bytes: bytes))
            case let .integerArray(a): b.append(a)
            case let .textArray(a): b.append(a)
            case let .bytesArray(a): b.append(a.map { ByteBuffer(bytes: $0) })
            }
        }
        return b
    }
}

extension PostgresCell {
    /// The cell as the domain layer reads values: integers, reals, text (bytea as UTF-8 text, as
    /// SQLite's store gives blobs), null.
    func sqlValue() throws -> SQLValue {
        guard bytes != nil else { return .null }
        switch dataType {
        case .int2, .int4, .int8: return .integer(try decode(Int64.self))
        case .bool: return .integer(try decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try decode(Double.self))
        case .numeric:
            let text = try decode(Decimal.self).description
            if let n = Int64(text) { return .integer(n) }
            return .real(Double(text) ?? 0)
        case .bytea:
            let buffer = try decode(ByteBuffer.self)
            return .text(String(decoding: buffer.readableBytesView, as: UTF8.self))
        default: return .text(try decode(String.self))
        }
    }

    func bytesValue() throws -> [UInt8] {
        guard let buffer = bytes else { return [] }
        return Array(buffer.readableBytesView)
    }
}
