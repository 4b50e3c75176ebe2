internal import BlotterCrypto

/// A 32-byte SHA-256 value of the Merkle tree, held inline (no heap allocation per node).
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    var words: (UInt64, UInt64, UInt64, UInt64)

    public static func == (a: TreeHash, b: TreeHash) -> Bool { a.words == b.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    package init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Reads 32 bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        // One copy where the bytes are contiguous (arrays, Data from the stores); byte by byte otherwise.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(source)) }
        }
        if copied == nil {
            withUnsafeMutableBytes(of: &w) { out in
                for (i, b) in bytes.enumerated() { out[i] = b }
            }
        }
        words = w
    }

    /// Reads standard base64 of 32 bytes (as checkpoints and proofs write hashes).
    public init?(base64: String) {
        guard let bytes = Base64.standardDecode(base64) else { return nil }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }
    public var base64: String { Base64.standardEncode(bytes) }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// SHA-256 of the empty string: the root of the empty tree (RFC 9162 section 2.1.1).
    public static let empty = TreeHash(bytes: SHA256.hash([UInt8]()))!

    /// The hash of a leaf: SHA-256(0x00 || entry bytes).
    public static func leaf(_ entryBytes: [UInt8]) -> TreeHash {
        var hasher = SHA256.Hasher()
        hasher.update(CollectionOfOne(0x00))
        hasher.update(entryBytes)
        return TreeHash(bytes: hasher.finalize())!
    }

    /// The hash of an interior node: SHA-256(0x01 || left || right), on the stack.
    public static func node(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var out = TreeHash(words: (0, 0, 0, 0))
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 0x01
            withUnsafeBytes(of: left.words) { buffer.baseAddress!.advanced(by: 1).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            withUnsafeBytes(of: right.words) { buffer.baseAddress!.advanced(by: 33).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            withUnsafeMutableBytes(of: &out.words) { SHA256.hash(UnsafeRawBufferPointer(buffer), into: $0.baseAddress!) }
        }
        return out
    }
}
