/// Base64 encodings of the format: base64url without padding (RFC 4648 section 5) for nonces,
/// salts, disclosures, digests and signatures; standard base64 with padding for notes and proofs.
public enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let standardTable = table(standardAlphabet)
    static let urlTable = table(urlAlphabet)

    private static func table(_ alphabet: [UInt8]) -> [UInt8] {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }

    /// base64url without padding.
    public static func urlEncode(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(bytes), alphabet: urlAlphabet, pad: false)
    }

    /// True if `text` is the canonical unpadded base64url encoding of exactly `byteCount` bytes;
    /// checks without decoding.
    public static func isCanonicalURL(_ text: String, byteCount: Int) -> Bool {
        let expected = (byteCount * 4 + 2) / 3
        var text = text
        return text.withUTF8 { u in
            guard u.count == expected else { return false }
            for c in u where urlTable[Int(c)] == 0xFF { return false }
            // The unused low bits of the last character must be zero.
            switch byteCount % 3 {
            case 1: return urlTable[Int(u[u.count - 1])] & 0x0F == 0
            case 2: return urlTable[Int(u[u.count - 1])] & 0x03 == 0
            default: return true
            }
        }
    }

    /// True if `text` is the base64url encoding of `hash`, compared without allocating.
    static func urlEncodedEquals(_ hash: TreeHash, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { t in
            guard t.count == 43 else { return false }
            return withUnsafeBytes(of: hash.words) { b in
                var o = 0
                var i = 0
                while i + 3 <= 32 {
                    let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
                    if t[o] != urlAlphabet[Int(n >> 18 & 63)] || t[o + 1] != urlAlphabet[Int(n >> 12 & 63)]
                        || t[o + 2] != urlAlphabet[Int(n >> 6 & 63)] || t[o + 3] != urlAlphabet[Int(n & 63)] { return false }
                    i += 3
                    o += 4
                }
                let n = UInt32(b[30]) << 16 | UInt32(b[31]) << 8
                return t[o] == urlAlphabet[Int(n >> 18 & 63)] && t[o + 1] == urlAlphabet[Int(n >> 12 & 63)] && t[o + 2] == urlAlphabet[Int(n >> 6 & 63)]
            }
        }
    }

    /// True if `bytes` are the canonical unpadded base64url encoding of at least `minimum` bytes.
    static func isCanonicalURL(_ bytes: UnsafeBufferPointer<UInt8>, atLeast minimum: Int) -> Bool {
        guard bytes.count % 4 != 1, bytes.count * 3 / 4 >= minimum else { return false }
        for c in bytes where urlTable[Int(c)] == 0xFF { return false }
        switch bytes.count % 4 {
        case 2: return urlTable[Int(bytes[bytes.count - 1])] & 0x0F == 0
        case 3: return urlTable[Int(bytes[bytes.count - 1])] & 0x03 == 0
        default: return true
        }
    }

    /// Standard base64 with padding.
    public static func standardEncode(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(bytes), alphabet: standardAlphabet, pad: true)
    }

    /// Decodes base64url without padding; nil unless the text is the one canonical encoding of its
    /// bytes (no padding, no white space, unused trailing bits zero).
    public static func urlDecode(_ text: some StringProtocol) -> [UInt8]? {
        decode(Array(text.utf8), table: urlTable, padded: false)
    }

    /// Decodes standard base64 with padding, canonical form only.
    public static func standardDecode(_ text: some StringProtocol) -> [UInt8]? {
        decode(Array(text.utf8), table: standardTable, padded: true)
    }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        let rest = bytes.count % 3
        let count = bytes.count / 3 * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1)
        if count == 0 { return "" }
        // Written straight into the string's storage: every byte is ASCII from the alphabet.
        return bytes.withUnsafeBufferPointer { b in
            alphabet.withUnsafeBufferPointer { a in
                String(unsafeUninitializedCapacity: count) { out in
                    var i = 0, o = 0
                    while i + 3 <= b.count {
                        let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
                        out[o] = a[Int(n >> 18 & 63)]
                        out[o + 1] = a[Int(n >> 12 & 63)]
                        out[o + 2] = a[Int(n >> 6 & 63)]
                        out[o + 3] = a[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    if rest > 0 {
                        let n = UInt32(b[i]) << 16 | (rest == 2 ? UInt32(b[i + 1]) << 8 : 0)
                        out[o] = a[Int(n >> 18 & 63)]
                        out[o + 1] = a[Int(n >> 12 & 63)]
                        o += 2
                        if rest == 2 { out[o] = a[Int(n >> 6 & 63)]; o += 1 }
                        if pad { while o < count { out[o] = 0x3D; o += 1 } }
                    }
                    return o
                }
            }
        }
    }

    private static func decode(_ input: [UInt8], table: [UInt8], padded: Bool) -> [UInt8]? {
        var chars = input[...]
        if padded {
            guard input.count % 4 == 0 else { return nil }
            if chars.last == 0x3D { chars = chars.dropLast() }
            if chars.last == 0x3D { chars = chars.dropLast() }
        }
        guard chars.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for c in chars {
            let v = table[Int(c)]
            guard v != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(buffer >> UInt32(bits) & 0xFF))
            }
        }
        // Unused low bits must be zero, so that each byte string has exactly one encoding.
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
