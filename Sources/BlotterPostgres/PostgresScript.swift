internal import BlotterCrypto
internal import BlotterSQL

/// Statements on the derived tables sent as one: PostgreSQL answers each statement of the
/// extended protocol before postgres-nio sends the next, so the dozens of small projection writes
/// of an append batch were as many round trips while the ledger's write lock was held. Written as
/// one `DO` block, with each parameter as a typed literal, they are one.
///
/// A literal has the type its binding had (`int8`, `float8`, `text`; NULL untyped), so each
/// statement means what it meant with bindings. Text is an escape string (`E'…'`, backslash and
/// quote doubled), and the block's dollar-quote tag is random and checked against the body, so no
/// value can end a literal or the block.
enum PostgresScript {
    /// `sql` (with `$1`, `$2`, … placeholders) with each placeholder replaced by the literal of its
    /// value; nil if a placeholder has no value, a text holds NUL (PostgreSQL's text cannot) or a
    /// real is subnormal (its text input cannot): the caller then sends it with bindings, which
    /// stores or refuses it as PostgreSQL does.
    static func inline(_ sql: String, _ values: [SQLValue]) -> String? {
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 32 * values.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "'") {
                // A literal of the statement itself: copied through its closing quote ('' stays inside).
                var j = i + 1
                while j < bytes.count {
                    if bytes[j] == UInt8(ascii: "'") {
                        if j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: "'") { j += 2; continue }
                        break
                    }
                    j += 1
                }
                let end = min(j, bytes.count - 1)
                out.append(contentsOf: bytes[i...end])
                i = end + 1
            } else if c == UInt8(ascii: "$"), i + 1 < bytes.count, isDigit(bytes[i + 1]) {
                var j = i + 1
                var n = 0
                while j < bytes.count, isDigit(bytes[j]), n < 100_000 {
                    n = n * 10 + Int(bytes[j] - UInt8(ascii: "0"))
                    j += 1
                }
                guard n >= 1, n <= values.count, let literal = literal(values[n - 1]) else { return nil }
                out.append(contentsOf: literal.utf8)
                i = j
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One `DO` block running `statements` (already inlined) in order.
    static func block(_ statements: [String]) -> String {
        let body = statements.joined(separator: ";\n")
        // Random, and numbered so that a new tag is tried even if no randomness could be had.
        var tag: String
        var attempt = 0
        repeat {
            tag = "$blotter\(attempt)_" + ((try? SecureRandom.bytes(8)).map { Hex.encode($0) } ?? "") + "$"
            attempt += 1
        } while body.contains(tag)
        return "DO \(tag)BEGIN\n\(body);\nEND\(tag)"
    }

    /// A value as a typed literal; nil for a value that only a binding can carry.
    static func literal(_ value: SQLValue) -> String? {
        switch value {
        case .null: return "NULL"
        case let .integer(n): return "'\(n)'::int8"
        case let .real(d):
            if d.isNaN { return "'NaN'::float8" }
            if d.isInfinite { return d < 0 ? "'-Infinity'::float8" : "'Infinity'::float8" }
            // PostgreSQL's float8 input refuses subnormal numbers (underflow); a binding carries them.
            if d.isSubnormal { return nil }
            return "'\(d)'::float8"
        case let .text(s):
            var out = "E'"
            out.reserveCapacity(s.utf8.count + 10)
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\0": return nil
                case "\\": out += "\\\\"
                case "'": out += "''"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "'::text"
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
