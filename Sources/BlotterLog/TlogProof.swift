public import BlotterFormat
internal import Foundation
/// A C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): an entry's index, its inclusion proof and the
/// signed checkpoint of the tree the proof is for — an offline-verifiable receipt that an entry is
/// in the log (and, with cosignatures, that witnesses saw that log).
public struct TlogProof: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"

    public let index: Int64
    public let proof: [TreeHash]
    /// Opaque, unauthenticated extra data.
    public let extra: [UInt8]?
    /// The checkpoint note, verbatim.
    public let checkpoint: SignedNote

    public init(index: Int64, proof: [TreeHash], extra: [UInt8]? = nil, checkpoint: SignedNote) {
        self.index = index
        self.proof = proof
        self.extra = extra
        self.checkpoint = checkpoint
    }

    public var serialized: String {
        var lines = [Self.header]
        if let extra { lines.append("extra " + Base64.standardEncode(extra)) }
        lines.append("index \(index)")
        lines += proof.map(\.base64)
        return lines.joined(separator: "\n") + "\n\n" + checkpoint.serialized
    }

    public init(parsing text: String) throws(BlotterError) {
        guard let split = text.range(of: "\n\n") else { throw BlotterError(.invalidInput, "tlog-proof has no blank line before its checkpoint") }
        var lines = text[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == Self.header else { throw BlotterError(.invalidInput, "tlog-proof must start with \(Self.header)") }
        lines.removeFirst()
        var extra: [UInt8]? = nil
        if let first = lines.first, first.hasPrefix("extra ") {
            guard let bytes = Base64.standardDecode(first.dropFirst(6)) else { throw BlotterError(.invalidInput, "tlog-proof extra is not base64") }
            extra = bytes
            lines.removeFirst()
        }
        guard let indexLine = lines.first, indexLine.hasPrefix("index "), let index = Int64(indexLine.dropFirst(6)), index >= 0,
              String(index) == indexLine.dropFirst(6) else {
            throw BlotterError(.invalidInput, "tlog-proof needs a line \"index N\" without leading zeros")
        }
        var proof: [TreeHash] = []
        for line in lines.dropFirst() {
            guard let hash = TreeHash(base64: line) else { throw BlotterError(.invalidInput, "tlog-proof hash \"\(line)\" is not base64 of 32 bytes") }
            proof.append(hash)
        }
        self.index = index
        self.proof = proof
        self.extra = extra
        self.checkpoint = try SignedNote(parsing: String(text[split.upperBound...]))
    }

    /// Checks that `entryBytes` is the entry at `index` of the tree the checkpoint signed by one of
    /// `keys` commits to.
    /// - Returns: the checkpoint.
    public func verify(entryBytes: [UInt8], keys: [NoteVerifierKey]) throws(BlotterError) -> Checkpoint {
        let body = try checkpoint.openCheckpoint(keys: keys).checkpoint
        try MerkleTree.verifyInclusion(index: index, size: body.size, leaf: TreeHash.leaf(entryBytes), proof: proof, root: body.root)
        return body
    }
}
