/// RFC 8785 JSON Canonicalization Scheme (JCS).
///
/// Object members sorted by the UTF-16 code units of their keys, no white space, strings with the
/// minimal escaping of ECMAScript's JSON.stringify, numbers as ECMAScript's Number.toString.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    /// - Throws: ``BlotterError`` `.malformedJSON` for a number that is not finite.
    public static func encode(_ value: JSONValue) throws(BlotterError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(1024)
        try write(value, to: &out)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) throws(BlotterError) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case let .integer(n):
            if n.magnitude <= 1 << 53 {
                out.append(contentsOf: String(n).utf8)
            } else {
                out.append(contentsOf: try formatNumber(Double(n)).utf8)
            }
        case let .double(d): out.append(contentsOf: try formatNumber(d).utf8)
        case let .string(s): writeString(s, to: &out)
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in sortedMembers(members).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                try write(member.1, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// True if key `a` sorts before key `b` in JCS order (UTF-16 code units).
    static func precedes(_ a: String, _ b: String) -> Bool {
        if a.utf8.allSatisfy({ $0 < 0x80 }) && b.utf8.allSatisfy({ $0 < 0x80 }) {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// Members in JCS order: by the UTF-16 code units of the keys.
    static func sortedMembers(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        if members.count < 2 { return members }
        if zip(members, members.dropFirst()).allSatisfy({ precedes($0.0, $1.0) }) { return members }
        if members.allSatisfy({ $0.0.utf8.allSatisfy { $0 < 0x80 } }) {
            // For ASCII keys, UTF-8 byte order is UTF-16 order.
            return members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        }
        return members.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        let plain: Bool? = s.withUTF8 { buffer in
            guard !buffer.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            out.append(contentsOf: buffer)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ECMAScript Number.prototype.toString for a finite double (ECMA-262 section 7.1.12.1).
    static func formatNumber(_ value: Double) throws(BlotterError) -> String {
        guard value.isFinite else { throw BlotterError(.malformedJSON, "a JSON number must be finite") }
        if value == 0 { return "0" }
        // Swift's description is the shortest representation that round-trips, like ECMAScript's.
        var text = value.magnitude.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        var integerPart = Substring(text)
        var fractionPart = Substring("")
        if let dot = text.firstIndex(of: ".") {
            integerPart = text[..<dot]
            fractionPart = text[text.index(after: dot)...]
        }
        var digits = Array(integerPart.utf8) + Array(fractionPart.utf8)
        // value = 0.d1d2...dk x 10^n
        var n = integerPart.utf8.count + exponent
        while digits.first == UInt8(ascii: "0") { digits.removeFirst(); n -= 1 }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        var result = value < 0 ? "-" : ""
        let d = String(decoding: digits, as: UTF8.self)
        if k <= n && n <= 21 {
            result += d + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            result += String(d.prefix(n)) + "." + String(d.dropFirst(n))
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + d
        } else {
            let e = n - 1
            result += String(d.prefix(1))
            if k > 1 { result += "." + String(d.dropFirst()) }
            result += "e" + (e >= 0 ? "+" : "-") + String(abs(e))
        }
        return result
    }
}
