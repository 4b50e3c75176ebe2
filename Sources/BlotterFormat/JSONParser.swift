internal import BlotterCrypto

/// A strict JSON (RFC 8259) parser for text given to Blotter.
///
/// Beyond RFC 8259 it refuses what I-JSON (RFC 7493) and the format forbid: invalid UTF-8,
/// duplicate object keys, unpaired surrogate escapes, and nesting deeper than ``maxDepth``.
/// Errors name the byte offset, line and column.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 128

    /// Parses one JSON text; surrounding white space is allowed, anything else after it is not.
    public static func parse(_ bytes: some Collection<UInt8>) throws(BlotterError) -> JSONValue {
        let array = bytes as? [UInt8] ?? Array(bytes)
        var result: Result<JSONValue, BlotterError> = .success(.null)
        array.withUnsafeBufferPointer { buffer in
            var parser = Parser(buffer)
            do throws(BlotterError) {
                parser.skipWhitespace()
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                if parser.index != buffer.count { throw parser.failure("unexpected text after the JSON value") }
                result = .success(value)
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses UTF-8 text held in a String.
    public static func parse(_ text: String) throws(BlotterError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// What a canonical parse found besides the value: byte ranges used to slice stored bytes.
    struct CanonicalParse {
        var value: JSONValue
        /// The value of the root object's member "statement".
        var statementRange: Range<Int>?
        /// The member "sig" of a depth-2 object, with the comma that separates it from its neighbour.
        var sigMemberRange: Range<Int>?
    }

    /// Parses bytes that must be exactly the RFC 8785 encoding of their value: no white space,
    /// members in UTF-16 key order, minimal string escapes, canonical numbers. Checking this while
    /// parsing is what lets a verifier accept stored bytes without re-encoding them.
    static func parseCanonical(_ bytes: [UInt8]) throws(BlotterError) -> CanonicalParse {
        var result: Result<CanonicalParse, BlotterError> = .failure(BlotterError(.malformedJSON, "empty"))
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(buffer, canonical: true)
            do throws(BlotterError) {
                let value = try parser.parseValue(depth: 0)
                if parser.index != buffer.count { throw parser.failure("unexpected text after the JSON value") }
                if let (offset, what) = parser.nonCanonical {
                    throw BlotterError(.malformedJSON, "not in RFC 8785 canonical form: \(what) at byte \(offset)")
                }
                result = .success(CanonicalParse(value: value, statementRange: parser.statementRange, sigMemberRange: parser.sigMemberRange))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// Checks a disclosure's JSON in place: `[salt, name, value]` with an escape-free salt that is
    /// base64url of at least 16 bytes, an escape-free name equal to `field`, and any valid value.
    /// Returns false (without judging) when the salt or name has escapes, for the full parse to decide.
    static func validateDisclosure(_ bytes: UnsafeBufferPointer<UInt8>, field: String) throws(BlotterError) -> Bool {
        var parser = Parser(bytes, canonical: false)
        func expect(_ c: UInt8, _ what: String) throws(BlotterError) {
            parser.skipWhitespace()
            guard parser.index < bytes.count, bytes[parser.index] == c else { throw parser.failure("expected \(what) in a disclosure") }
            parser.index += 1
            parser.skipWhitespace()
        }
        try expect(UInt8(ascii: "["), "'['")
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "\"") else { throw parser.failure("disclosure salt must be a string") }
        guard let salt = try parser.plainString() else { return false }
        guard Base64.isCanonicalURL(salt, atLeast: 16) else {
            throw BlotterError(.malformedJSON, "disclosure salt must be base64url of at least 16 bytes")
        }
        try expect(UInt8(ascii: ","), "','")
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "\"") else { throw parser.failure("disclosure name must be a string") }
        guard let name = try parser.plainString() else { return false }
        var field = field
        guard field.withUTF8({ $0.elementsEqual(name) }) else {
            throw BlotterError(.malformedJSON, "stored disclosure names field \"\(String(decoding: name, as: UTF8.self))\", not \"\(field)\"")
        }
        try expect(UInt8(ascii: ","), "','")
        try parser.skipValue(depth: 1)
        try expect(UInt8(ascii: "]"), "']' after three elements")
        guard parser.index == bytes.count else { throw parser.failure("unexpected text after the disclosure array") }
        return true
    }

}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Require RFC 8785 form; the first departure is kept in `nonCanonical`.
    let canonical: Bool
    var nonCanonical: (Int, String)?
    var statementRange: Range<Int>?
    var sigMemberRange: Range<Int>?

    package init(_ bytes: UnsafeBufferPointer<UInt8>, canonical: Bool = false) {
        self.bytes = bytes
        self.canonical = canonical
    }

    mutating func notCanonical(_ what: String, at offset: Int) {
        if nonCanonical == nil { nonCanonical = (offset, what) }
    }

    func failure(_ what: String, at position: Int? = nil) -> BlotterError {
        let offset = min(position ?? index, bytes.count)
        var line = 1
        var column = 1
        for i in 0..<offset {
            if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
        }
        return BlotterError(.malformedJSON, "\(what) at line \(line), column \(column) (byte \(offset))")
    }

    mutating func skipWhitespace() {
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default:
                if canonical && index != start { notCanonical("white space", at: start) }
                return
            }
        }
        if canonical && index != start { notCanonical("white space", at: start) }
    }

    mutating func parseValue(depth: Int) throws(BlotterError) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character \(describe(bytes[index])), expected a value")
        }
    }

    func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(Hex.encode([byte]))"
    }

    mutating func literal(_ word: StaticString) throws(BlotterError) {
        let start = index
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end of input in a literal", at: start) }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] {
            throw failure("invalid literal, expected \(word)", at: start)
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws(BlotterError) -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw failure("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        var members: [(String, JSONValue)] = []
        var seen: Set<String>? = nil
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        var memberStart = index
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure(index < bytes.count ? "expected a string key" : "unexpected end of input in an object")
            }
            let keyStart = index
            let key = try parseString()
            if let previous = members.last?.0, canonical, !CanonicalJSON.precedes(previous, key) {
                notCanonical("member \"\(key)\" out of order", at: keyStart)
            }
            // Small objects: a linear scan beats hashing every key.
            if members.count < 16 {
                if members.contains(where: { $0.0 == key }) { throw failure("duplicate object key \"\(key)\"", at: keyStart) }
            } else {
                if seen == nil { seen = Set(members.map(\.0)) }
                guard seen!.insert(key).inserted else { throw failure("duplicate object key \"\(key)\"", at: keyStart) }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let valueStart = index
            let value = try parseValue(depth: depth)
            if depth == 1 && key == "statement" { statementRange = valueStart..<index }
            if depth == 2 && key == "sig" {
                sigMemberRange = members.isEmpty ? keyStart..<(index < bytes.count && bytes[index] == UInt8(ascii: ",") ? index + 1 : index) : memberStart..<index
            }
            members.append((key, value))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") { memberStart = index; index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw failure("expected ',' or '}' in an object")
        }
    }

    mutating func parseArray(depth: Int) throws(BlotterError) -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw failure("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw failure("expected ',' or ']' in an array")
        }
    }

    /// Reads a string that has no escapes: checks its UTF-8, moves past it and returns its bytes;
    /// nil (and no move) if an escape comes first.
    mutating func plainString() throws(BlotterError) -> UnsafeBufferPointer<UInt8>? {
        let start = index
        var scan = index + 1
        while scan < bytes.count {
            let b = bytes[scan]
            if b == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<scan])
                guard Parser.isValidUTF8(content) else { throw failure("invalid UTF-8 in a string", at: start) }
                index = scan + 1
                return content
            }
            if b == UInt8(ascii: "\\") { return nil }
            if b < 0x20 { throw failure("unescaped control character in a string", at: scan) }
            scan += 1
        }
        throw failure("unterminated string", at: start)
    }

    mutating func parseString() throws(BlotterError) -> String {
        if let content = try plainString() { return String(decoding: content, as: UTF8.self) }
        let start = index
        index += 1
        var scan = index
        while bytes[scan] != UInt8(ascii: "\\") { scan += 1 }
        // Slow path with escapes.
        var out = [UInt8]()
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<scan]))
        index = scan
        while true {
            guard index < bytes.count else { throw failure("unterminated string", at: start) }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw failure("invalid UTF-8 in a string", at: start) }
                return s
            }
            if b < 0x20 { throw failure("unescaped control character in a string") }
            if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
            index += 1
            guard index < bytes.count else { throw failure("unterminated escape") }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"):
                if canonical { notCanonical("escaped '/'", at: index - 2) }
                out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let escapeStart = index - 2
                var scalar = try hex4()
                if canonical {
                    let lowercase = bytes[(index - 4)..<index].allSatisfy { !($0 >= 0x41 && $0 <= 0x46) }
                    if scalar >= 0x20 || [0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(scalar) || !lowercase {
                        notCanonical("unnecessary or non-canonical \\u escape", at: escapeStart)
                    }
                }
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
                    }
                    index += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw failure("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw failure("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw failure("invalid escape \\\(Character(Unicode.Scalar(e)))", at: index - 2)
            }
        }
    }

    mutating func hex4() throws(BlotterError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            default: throw failure("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func parseNumber() throws(BlotterError) -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number", at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("leading zero in a number", at: start) }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("digit expected after '.'", at: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("digit expected in an exponent", at: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        let value: JSONValue
        if isInteger, let n = Int64(text) {
            value = .integer(n)
        } else {
            guard let d = Double(text), d.isFinite else { throw failure("number \(text) is out of range", at: start) }
            value = .double(d)
        }
        if canonical, (try? CanonicalJSON.encode(value)) != Array(text.utf8) {
            notCanonical("number \(text) not in shortest form", at: start)
        }
        return value
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Checks one value without building it (strings are checked for UTF-8 and escapes in place).
    mutating func skipValue(depth: Int) throws(BlotterError) {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "["):
            guard depth < JSONParser.maxDepth else { throw failure("nesting deeper than \(JSONParser.maxDepth)") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw failure("unexpected end of input in an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                throw failure("expected ',' or ']' in an array")
            }
        case UInt8(ascii: "{"):
            // Objects are rare in field values; parse them for their duplicate-key check.
            _ = try parseObject(depth: depth + 1)
        default:
            _ = try parseValue(depth: depth)
        }
    }

    /// Checks a string's escapes and UTF-8 without making a String (unless it has escapes).
    mutating func skipString() throws(BlotterError) {
        if try plainString() == nil { _ = try parseString() }
    }

    /// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF.
    static func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            if c >= 0xC2 && c <= 0xDF {
                guard i + 1 < n, b[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if c >= 0xE0 && c <= 0xEF {
                guard i + 2 < n, b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80 else { return false }
                if c == 0xE0 && b[i + 1] < 0xA0 { return false }
                if c == 0xED && b[i + 1] >= 0xA0 { return false }
                i += 3
            } else if c >= 0xF0 && c <= 0xF4 {
                guard i + 3 < n, b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80, b[i + 3] & 0xC0 == 0x80 else { return false }
                if c == 0xF0 && b[i + 1] < 0x90 { return false }
                if c == 0xF4 && b[i + 1] >= 0x90 { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }
}
