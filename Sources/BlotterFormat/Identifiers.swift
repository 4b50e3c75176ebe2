/// The shapes of names the format allows, checked by both the writer and the verifier.
public enum Identifiers {
    /// Field names: `^[a-z][a-z0-9_]{0,63}$`.
    public static func isFieldName(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (1...64).contains(u.count), isLower(u[0]) else { return false }
        return u.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// Statement types: dot-separated segments of `[a-z][a-z0-9_]*`, at least two, at most 128 bytes.
    public static func isTypeName(_ s: String) -> Bool {
        guard (3...128).contains(s.utf8.count) else { return false }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            let u = Array(part.utf8)
            return !u.isEmpty && isLower(u[0]) && u.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
        }
    }

    /// Actors: `/`-separated segments of `[A-Za-z0-9._-]`, each starting with a letter or digit; at most 128 bytes.
    public static func isActor(_ s: String) -> Bool {
        guard (1...128).contains(s.utf8.count) else { return false }
        return s.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            let u = Array(part.utf8)
            return !u.isEmpty && (isAlnum(u[0])) && u.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
        }
    }

    /// Streams: 1 to 200 bytes of `[A-Za-z0-9._:/-]`.
    public static func isStream(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (1...200).contains(u.count) else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x3A || $0 == 0x2F || $0 == 0x2D }
    }

    /// Ledger origins (the checkpoint origin line and note key name): 1 to 255 bytes of printable
    /// ASCII without spaces or `+`.
    public static func isOrigin(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (1...255).contains(u.count) else { return false }
        return u.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "+") }
    }

    /// An officer id as the catalog's schemas give it: a letter or digit, then up to 31 of letters,
    /// digits, `.`, `_` or `-` (a tax, badge or personnel number).
    public static func isOfficerID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard (1...32).contains(b.count), isAlnum(b[0]) else { return false }
        return b.dropFirst().allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isAlnum(_ b: UInt8) -> Bool { isLower(b) || isDigit(b) || (b >= 0x41 && b <= 0x5A) }
}
