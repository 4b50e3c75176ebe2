internal import COpenSSL

/// Random bytes from OpenSSL's CSPRNG (RAND_bytes), for nonces and salts.
public enum SecureRandom {
    /// Returns `count` random bytes.
    /// - Throws: ``CryptoError`` with code `.randomFailed` if OpenSSL's generator is not seeded.
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard rc == 1 else { throw CryptoError.fromOpenSSL(.randomFailed, "RAND_bytes failed") }
        return out
    }
}
