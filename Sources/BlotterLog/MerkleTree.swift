public import BlotterFormat
/// The RFC 6962 / RFC 9162 Merkle tree over a ledger's entries: leaf n = SHA-256(0x00 || entry
/// bytes n), node = SHA-256(0x01 || left || right).
///
/// Proofs are generated from the hashes of complete subtrees (2^level leaves starting at a multiple
/// of 2^level), which the store keeps as entries are appended; any root or proof then needs
/// O(log n) stored hashes, never the leaves.
public enum MerkleTree {
    /// Reads the stored hash of the complete subtree `index` at `level` (leaves
    /// `index << level ..< (index + 1) << level`).
    public typealias StoredHash = (_ level: Int, _ index: Int64) throws -> TreeHash

    /// The hash of leaves `start ..< end` of a tree whose complete subtrees `stored` gives, per the
    /// recursive definition of RFC 9162 section 2.1.1 (split at the largest power of two below the size).
    public static func hash(_ start: Int64, _ end: Int64, stored: StoredHash) throws -> TreeHash {
        precondition(start < end)
        let size = end - start
        // An aligned power-of-two range is a complete subtree: stored.
        if size & (size - 1) == 0, start % size == 0 {
            return try stored(size.trailingZeroBitCount, start >> Int64(size.trailingZeroBitCount))
        }
        let k = largestPowerOfTwo(below: size)
        return TreeHash.node(try hash(start, start + k, stored: stored), try hash(start + k, end, stored: stored))
    }

    /// The root of the tree of the first `size` leaves.
    public static func root(size: Int64, stored: StoredHash) throws -> TreeHash {
        size == 0 ? .empty : try hash(0, size, stored: stored)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 section 2.1.3.1).
    public static func inclusionProof(index: Int64, size: Int64, stored: StoredHash) throws -> [TreeHash] {
        precondition(index >= 0 && index < size)
        var proof: [TreeHash] = []
        try path(index, 0, size, stored: stored, into: &proof)
        return proof
    }

    private static func path(_ m: Int64, _ start: Int64, _ end: Int64, stored: StoredHash, into proof: inout [TreeHash]) throws {
        let n = end - start
        if n == 1 { return }
        let k = largestPowerOfTwo(below: n)
        if m - start < k {
            try path(m, start, start + k, stored: stored, into: &proof)
            proof.append(try hash(start + k, end, stored: stored))
        } else {
            try path(m, start + k, end, stored: stored, into: &proof)
            proof.append(try hash(start, start + k, stored: stored))
        }
    }

    /// The consistency proof between the trees of `oldSize` and `newSize` leaves (RFC 9162 section 2.1.4.1).
    public static func consistencyProof(oldSize: Int64, newSize: Int64, stored: StoredHash) throws -> [TreeHash] {
        precondition(0 < oldSize && oldSize <= newSize)
        var proof: [TreeHash] = []
        try subproof(oldSize, 0, newSize, true, stored: stored, into: &proof)
        return proof
    }

    private static func subproof(_ m: Int64, _ start: Int64, _ end: Int64, _ b: Bool, stored: StoredHash, into proof: inout [TreeHash]) throws {
        let n = end - start
        if m == n {
            if !b { proof.append(try hash(start, end, stored: stored)) }
            return
        }
        let k = largestPowerOfTwo(below: n)
        if m <= k {
            try subproof(m, start, start + k, b, stored: stored, into: &proof)
            proof.append(try hash(start + k, end, stored: stored))
        } else {
            try subproof(m - k, start + k, end, false, stored: stored, into: &proof)
            proof.append(try hash(start, start + k, stored: stored))
        }
    }

    /// Checks an inclusion proof (RFC 9162 section 2.1.3.2).
    /// - Throws: ``BlotterError`` `.verificationFailed` saying why.
    public static func verifyInclusion(index: Int64, size: Int64, leaf: TreeHash, proof: [TreeHash], root: TreeHash) throws(BlotterError) {
        guard index >= 0, index < size else {
            throw BlotterError(.verificationFailed, "leaf index \(index) is not below tree size \(size)")
        }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            guard sn != 0 else { throw BlotterError(.verificationFailed, "inclusion proof has \(proof.count) hashes, more than a tree of size \(size) needs") }
            if fn & 1 == 1 || fn == sn {
                r = TreeHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = TreeHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw BlotterError(.verificationFailed, "inclusion proof has \(proof.count) hashes, fewer than a tree of size \(size) needs") }
        guard r == root else {
            throw BlotterError(.verificationFailed, "inclusion proof leads to root \(r.base64), expected \(root.base64)")
        }
    }

    /// Checks a consistency proof (RFC 9162 section 2.1.4.2).
    /// - Throws: ``BlotterError`` `.verificationFailed` saying why.
    public static func verifyConsistency(oldSize: Int64, newSize: Int64, proof: [TreeHash], oldRoot: TreeHash, newRoot: TreeHash) throws(BlotterError) {
        guard oldSize >= 0, oldSize <= newSize else {
            throw BlotterError(.verificationFailed, "old size \(oldSize) is larger than new size \(newSize)")
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw BlotterError(.verificationFailed, "a consistency proof between equal sizes must be empty") }
            guard oldRoot == newRoot else {
                throw BlotterError(.verificationFailed, "roots differ at the same size \(oldSize): \(oldRoot.base64) and \(newRoot.base64)")
            }
            return
        }
        guard oldSize > 0 else {
            throw BlotterError(.verificationFailed, "a consistency check from the empty tree proves nothing; old size must be at least 1")
        }
        guard !proof.isEmpty else { throw BlotterError(.verificationFailed, "consistency proof is empty") }
        var path = proof[...]
        if oldSize & (oldSize - 1) == 0 { path = [oldRoot] + proof }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path.first!
        var sr = path.first!
        for c in path.dropFirst() {
            guard sn != 0 else { throw BlotterError(.verificationFailed, "consistency proof has more hashes than sizes \(oldSize) and \(newSize) need") }
            if fn & 1 == 1 || fn == sn {
                fr = TreeHash.node(c, fr)
                sr = TreeHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = TreeHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw BlotterError(.verificationFailed, "consistency proof has fewer hashes than sizes \(oldSize) and \(newSize) need") }
        guard fr == oldRoot else {
            throw BlotterError(.verificationFailed, "consistency proof does not lead to the old root at size \(oldSize): computed \(fr.base64), expected \(oldRoot.base64)")
        }
        guard sr == newRoot else {
            throw BlotterError(.verificationFailed, "consistency proof does not lead to the new root at size \(newSize): computed \(sr.base64), expected \(newRoot.base64)")
        }
    }

    /// Checks an inclusion proof given as raw bytes, as proofs arrive from outside: every hash must
    /// be 32 bytes.
    public static func verifyInclusion(index: Int64, size: Int64, leaf: [UInt8], proof: [[UInt8]], root: [UInt8]) throws(BlotterError) {
        guard let leafHash = TreeHash(bytes: leaf) else { throw BlotterError(.verificationFailed, "leaf hash is \(leaf.count) bytes, not 32") }
        guard let rootHash = TreeHash(bytes: root) else { throw BlotterError(.verificationFailed, "root hash is \(root.count) bytes, not 32") }
        try verifyInclusion(index: index, size: size, leaf: leafHash, proof: try hashes(proof), root: rootHash)
    }

    /// Checks a consistency proof given as raw bytes. Where the sizes are equal the roots must be the
    /// same bytes and the proof empty; a check from size 0 is refused as meaningless; otherwise every
    /// hash must be 32 bytes.
    public static func verifyConsistency(oldSize: Int64, newSize: Int64, proof: [[UInt8]], oldRoot: [UInt8], newRoot: [UInt8]) throws(BlotterError) {
        guard oldSize >= 0, oldSize <= newSize else {
            throw BlotterError(.verificationFailed, "old size \(oldSize) is larger than new size \(newSize)")
        }
        guard oldSize > 0 else {
            throw BlotterError(.verificationFailed, "a consistency check from the empty tree proves nothing; old size must be at least 1")
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw BlotterError(.verificationFailed, "a consistency proof between equal sizes must be empty") }
            guard oldRoot == newRoot else { throw BlotterError(.verificationFailed, "roots differ at the same size \(oldSize)") }
            return
        }
        guard let old = TreeHash(bytes: oldRoot) else { throw BlotterError(.verificationFailed, "old root is \(oldRoot.count) bytes, not 32") }
        guard let new = TreeHash(bytes: newRoot) else { throw BlotterError(.verificationFailed, "new root is \(newRoot.count) bytes, not 32") }
        try verifyConsistency(oldSize: oldSize, newSize: newSize, proof: try hashes(proof), oldRoot: old, newRoot: new)
    }

    static func hashes(_ list: [[UInt8]]) throws(BlotterError) -> [TreeHash] {
        var out: [TreeHash] = []
        for (i, h) in list.enumerated() {
            guard let hash = TreeHash(bytes: h) else { throw BlotterError(.verificationFailed, "proof hash \(i) is \(h.count) bytes, not 32") }
            out.append(hash)
        }
        return out
    }

    /// The largest power of two strictly below `n` (n > 1).
    static func largestPowerOfTwo(below n: Int64) -> Int64 {
        Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}

/// Keeps the right edge of a tree (at most one complete subtree per level) to compute roots and the
/// complete subtrees each new leaf finishes, in O(log n) memory.
public struct MerkleFrontier: Sendable {
    /// Complete subtree hashes by level, for the set bits of `size`.
    private var levels: [TreeHash?] = []
    public private(set) var size: Int64 = 0

    public init() {}

    /// The complete subtrees (level, index) a frontier of `size` leaves holds, largest first.
    public static func positions(size: Int64) -> [(level: Int, index: Int64)] {
        var out: [(level: Int, index: Int64)] = []
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            out.append((level, start >> Int64(level)))
            start += Int64(1) << level
        }
        return out
    }

    /// The frontier of the stored tree of `size` leaves: one stored hash per set bit of `size`.
    public init(size: Int64, stored: MerkleTree.StoredHash) throws {
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            while levels.count <= level { levels.append(nil) }
            levels[level] = try stored(level, start >> Int64(level))
            start += Int64(1) << level
        }
        self.size = size
    }

    /// Adds the next leaf; returns the complete subtrees it finished, as (level, index, hash),
    /// starting with the leaf itself at level 0.
    @discardableResult
    public mutating func append(_ leaf: TreeHash) -> [(level: Int, index: Int64, hash: TreeHash)] {
        var finished: [(level: Int, index: Int64, hash: TreeHash)] = []
        append(leaf) { finished.append(($0, $1, $2)) }
        return finished
    }

    /// Adds the next leaf, calling `finished` for each complete subtree it finishes (the leaf
    /// itself first), without allocating.
    public mutating func append(_ leaf: TreeHash, finished: (_ level: Int, _ index: Int64, _ hash: TreeHash) throws -> Void) rethrows {
        try finished(0, size, leaf)
        var hash = leaf
        var level = 0
        var index = size
        while index & 1 == 1 {
            hash = TreeHash.node(levels[level]!, hash)
            levels[level] = nil
            level += 1
            index >>= 1
            try finished(level, index, hash)
        }
        if level == levels.count { levels.append(nil) }
        levels[level] = hash
        size += 1
    }

    /// The root of the tree so far.
    public var root: TreeHash {
        var result: TreeHash? = nil
        for h in levels where h != nil {
            result = result.map { TreeHash.node(h!, $0) } ?? h
        }
        return result ?? .empty
    }
}
