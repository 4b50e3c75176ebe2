internal import COpenSSL

/// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto.
public enum SHA256 {
    /// The length of a digest in bytes.
    public static let byteCount = 32

    /// Hashes `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            out.withUnsafeMutableBufferPointer { blotter_sha256(buffer.baseAddress, buffer.count, $0.baseAddress) }
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { buffer in
                out.withUnsafeMutableBufferPointer { blotter_sha256(buffer.baseAddress, buffer.count, $0.baseAddress) }
            }
        }
        return out
    }

    /// Hashes raw memory in one call, writing 32 bytes to `output`.
    public static func hash(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        blotter_sha256(input.baseAddress, input.count, output.assumingMemoryBound(to: UInt8.self))
    }

    /// A streaming SHA-256 computation: feed it with `update`, then call `finalize` once.
    public struct Hasher: Sendable {
        private var context = blotter_sha256_ctx()

        public init() {
            blotter_sha256_init(&context)
        }

        /// Adds `bytes` to the hashed input.
        public mutating func update(_ bytes: some Sequence<UInt8>) {
            let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
                blotter_sha256_update(&context, buffer.baseAddress, buffer.count)
            }
            if done == nil {
                let copy = Array(bytes)
                copy.withUnsafeBufferPointer { blotter_sha256_update(&context, $0.baseAddress, $0.count) }
            }
        }

        /// Returns the digest of everything added so far; the hasher must not be used afterwards.
        public mutating func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: SHA256.byteCount)
            out.withUnsafeMutableBufferPointer { blotter_sha256_final(&context, $0.baseAddress) }
            return out
        }
    }
}
