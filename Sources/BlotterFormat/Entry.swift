internal import BlotterCrypto

/// What the log appends: a sequence number, the hash of the previous entry, the time the log
/// recorded it, and the statement. Its bytes are JCS(entry), at most 65,535 of them.
public struct Entry: Sendable, Equatable {
    /// The most bytes an entry may have, so that entries fit C2SP tlog-tiles bundles.
    public static let maxBytes = 65_535
    /// `prev` of entry 0.
    public static let genesisPrev = String(repeating: "0", count: 64)

    public var seq: Int64
    /// Lowercase hex SHA-256 of the previous entry's bytes.
    public var prev: String
    /// When the log recorded it: RFC 3339 UTC with exactly three fractional digits.
    public var recorded: String
    public var statement: Statement

    public init(seq: Int64, prev: String, recorded: String, statement: Statement) {
        self.seq = seq
        self.prev = prev
        self.recorded = recorded
        self.statement = statement
    }

    public var recordedTime: Timestamp { Timestamp(rfc3339: recorded, precision: .milliseconds)! }

    public func json() -> JSONValue {
        .object([("seq", .integer(seq)), ("prev", .string(prev)), ("recorded", .string(recorded)), ("statement", statement.json())])
    }

    /// The entry bytes: JCS of the entry.
    public func canonicalBytes() throws(BlotterError) -> [UInt8] {
        Entry.canonicalBytes(seq: seq, prev: prev, recorded: recorded, statementBytes: statement.canonicalBytes())
    }

    /// The entry bytes from the statement's own JCS bytes. The four members sort as prev, recorded,
    /// seq, statement, and none of the three short values needs escaping, so concatenation is JCS.
    public static func canonicalBytes(seq: Int64, prev: String, recorded: String, statementBytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(statementBytes.count + 160)
        out.append(contentsOf: "{\"prev\":\"\(prev)\",\"recorded\":\"\(recorded)\",\"seq\":\(seq),\"statement\":".utf8)
        out.append(contentsOf: statementBytes)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Reads stored entry bytes, requiring that they are exactly the canonical encoding.
    /// - Throws: ``BlotterError`` `.invalidStatement` naming the problem.
    public init(bytes: [UInt8]) throws(BlotterError) {
        self = try Entry.parse(stored: bytes).entry
    }

    /// Reads stored entry bytes and also returns the statement's signing input, sliced from the
    /// bytes: they are canonical, so the statement's bytes without its `sig` member are exactly the
    /// JCS of the statement without `sig`. Nothing is re-encoded.
    public static func parse(stored bytes: [UInt8]) throws(BlotterError) -> (entry: Entry, signingInput: [UInt8]) {
        guard bytes.count <= Entry.maxBytes else {
            throw BlotterError(.tooLarge, "entry is \(bytes.count) bytes, more than the limit of \(Entry.maxBytes)")
        }
        let parsed: JSONParser.CanonicalParse
        do {
            parsed = try JSONParser.parseCanonical(bytes)
        } catch {
            throw BlotterError(.invalidStatement, "entry bytes are not valid: \(error.message)")
        }
        let entry = try Entry(json: parsed.value)
        guard let statementRange = parsed.statementRange, let sigRange = parsed.sigMemberRange,
              statementRange.contains(sigRange.lowerBound), sigRange.upperBound <= statementRange.upperBound else {
            throw BlotterError(.invalidStatement, "entry statement has no signature member")
        }
        var input = Statement.signingPrefix
        input.reserveCapacity(input.count + statementRange.count)
        input.append(contentsOf: bytes[statementRange.lowerBound..<sigRange.lowerBound])
        input.append(contentsOf: bytes[sigRange.upperBound..<statementRange.upperBound])
        return (entry, input)
    }

    /// Reads an entry from parsed JSON, checking every member.
    package init(json: JSONValue) throws(BlotterError) {
        guard case let .object(members) = json else { throw BlotterError(.invalidStatement, "entry must be a JSON object") }
        for (name, _) in members where !["seq", "prev", "recorded", "statement"].contains(name) {
            throw BlotterError(.invalidStatement, "entry has unknown member \"\(name)\"")
        }
        guard case let .integer(seq) = json["seq"], seq >= 0, seq < 1 << 53 else {
            throw BlotterError(.invalidStatement, "entry \"seq\" must be an integer from 0 below 2^53")
        }
        guard case let .string(prev) = json["prev"], Hex.isLowercase(prev, byteCount: 32) else {
            throw BlotterError(.invalidStatement, "entry \"prev\" must be 64 lowercase hex digits")
        }
        guard case let .string(recorded) = json["recorded"], Timestamp(rfc3339: recorded, precision: .milliseconds) != nil else {
            throw BlotterError(.invalidStatement, "entry \"recorded\" must be RFC 3339 UTC with three fractional digits")
        }
        guard let statementJSON = json["statement"] else { throw BlotterError(.invalidStatement, "entry is missing \"statement\"") }
        self.seq = seq
        self.prev = prev
        self.recorded = recorded
        self.statement = try Statement(json: statementJSON)
    }

    /// Lowercase hex SHA-256 of entry bytes: the next entry's `prev`.
    public static func hash(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(bytes)) }
}
