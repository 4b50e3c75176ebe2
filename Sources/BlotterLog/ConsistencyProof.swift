public import BlotterFormat
/// A consistency proof between two tree sizes, with both roots: what `blotter prove consistency`
/// prints (hashes in standard base64) and what a witness needs to cosign a newer checkpoint.
public struct ConsistencyProof: Sendable, Equatable {
    public let oldSize: Int64
    public let newSize: Int64
    public let oldRoot: TreeHash
    public let newRoot: TreeHash
    public let proof: [TreeHash]

    public init(oldSize: Int64, newSize: Int64, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.oldRoot = oldRoot
        self.newRoot = newRoot
        self.proof = proof
    }

    /// `{"old_size", "new_size", "old_root", "new_root", "proof": [...]}`.
    public func json() -> JSONValue {
        .object([("old_size", .integer(oldSize)), ("new_size", .integer(newSize)), ("old_root", .string(oldRoot.base64)),
                 ("new_root", .string(newRoot.base64)), ("proof", .array(proof.map { .string($0.base64) }))])
    }

    public init(json: JSONValue) throws(BlotterError) {
        guard let oldSize = json["old_size"]?.integerValue, let newSize = json["new_size"]?.integerValue,
              let oldRoot = json["old_root"]?.stringValue.flatMap(TreeHash.init(base64:)),
              let newRoot = json["new_root"]?.stringValue.flatMap(TreeHash.init(base64:)),
              let list = json["proof"]?.arrayValue else {
            throw BlotterError(.invalidInput, "a consistency proof needs old_size, new_size, old_root, new_root and proof")
        }
        var proof: [TreeHash] = []
        for item in list {
            guard let h = item.stringValue.flatMap(TreeHash.init(base64:)) else { throw BlotterError(.invalidInput, "proof hashes must be base64 of 32 bytes") }
            proof.append(h)
        }
        self.init(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
    }

    /// Checks the proof (RFC 9162 section 2.1.4.2).
    public func verify() throws(BlotterError) {
        try MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, proof: proof, oldRoot: oldRoot, newRoot: newRoot)
    }
}
