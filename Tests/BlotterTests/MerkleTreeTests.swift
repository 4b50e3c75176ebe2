import Blotter
import BlotterCrypto
import Foundation
import Testing

/// The RFC 6962 / RFC 9162 proof vectors in shared/vectors/merkle (transparency-dev's test data),
/// copied into Fixtures/merkle.
@Suite("Merkle tree (RFC 6962 / RFC 9162)")
struct MerkleTreeTests {
    struct InclusionVector: Decodable {
        let leafIdx: UInt64
        let treeSize: UInt64
        let root: String?
        let leafHash: String?
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    struct ConsistencyVector: Decodable {
        let size1: UInt64
        let size2: UInt64
        let root1: String?
        let root2: String?
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    static func files(_ folder: String) -> [URL] {
        let base = fixtures.appendingPathComponent("merkle/\(folder)")
        let all = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        return all.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }

    static func bytes(_ s: String?) -> [UInt8] { s.flatMap { Base64.standardDecode($0) } ?? [] }

    @Test("every inclusion vector: valid proofs verify, malformed ones are refused")
    func inclusion() throws {
        let files = Self.files("inclusion")
        #expect(files.count > 90)
        for file in files {
            let v = try JSONDecoder().decode(InclusionVector.self, from: Data(contentsOf: file))
            var failed = false
            // Indexes and sizes beyond 2^63 (a wrapped-around 0 - 1) cannot name a leaf of any ledger.
            if let index = Int64(exactly: v.leafIdx), let size = Int64(exactly: v.treeSize) {
                do {
                    try MerkleTree.verifyInclusion(index: index, size: size, leaf: Self.bytes(v.leafHash),
                                                   proof: (v.proof ?? []).map(Self.bytes), root: Self.bytes(v.root))
                } catch {
                    failed = true
                }
            } else {
                failed = true
            }
            #expect(failed == v.wantErr, "\(file.lastPathComponent) in \(file.deletingLastPathComponent().lastPathComponent): \(v.desc) \(v)")
        }
    }

    @Test("every consistency vector: valid proofs verify, malformed ones are refused")
    func consistency() throws {
        let files = Self.files("consistency")
        #expect(files.count > 90)
        for file in files {
            let v = try JSONDecoder().decode(ConsistencyVector.self, from: Data(contentsOf: file))
            var failed = false
            if let size1 = Int64(exactly: v.size1), let size2 = Int64(exactly: v.size2) {
                do {
                    try MerkleTree.verifyConsistency(oldSize: size1, newSize: size2, proof: (v.proof ?? []).map(Self.bytes),
                                                     oldRoot: Self.bytes(v.root1), newRoot: Self.bytes(v.root2))
                } catch {
                    failed = true
                }
            } else {
                failed = true
            }
            #expect(failed == v.wantErr, "\(file.lastPathComponent) in \(file.deletingLastPathComponent().lastPathComponent): \(v.desc) \(v)")
        }
    }

    /// The eight leaves of the Certificate Transparency test tree, from which the happy-path vectors come.
    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map { hex($0) }

    /// Stored complete-subtree hashes of a tree of `leaves`, as the store keeps them.
    static func stored(_ leaves: [[UInt8]]) -> (MerkleTree.StoredHash, MerkleFrontier) {
        var table: [String: TreeHash] = [:]
        var frontier = MerkleFrontier()
        for leaf in leaves {
            for f in frontier.append(TreeHash.leaf(leaf)) { table["\(f.level)/\(f.index)"] = f.hash }
        }
        let snapshot = table
        return ({ level, index in snapshot["\(level)/\(index)"]! }, frontier)
    }

    @Test("generated proofs equal the published happy-path proofs for the CT test tree")
    func generation() throws {
        let (stored, frontier) = Self.stored(Self.leaves)
        #expect(frontier.root.base64 == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")
        var compared = 0
        for file in Self.files("inclusion") where file.lastPathComponent == "happy-path.json" {
            let v = try JSONDecoder().decode(InclusionVector.self, from: Data(contentsOf: file))
            guard v.treeSize <= 8 else { continue }
            #expect(try MerkleTree.root(size: Int64(v.treeSize), stored: stored).base64 == v.root)
            #expect(try MerkleTree.inclusionProof(index: Int64(v.leafIdx), size: Int64(v.treeSize), stored: stored).map(\.base64) == (v.proof ?? []))
            compared += 1
        }
        for file in Self.files("consistency") where file.lastPathComponent == "happy-path.json" {
            let v = try JSONDecoder().decode(ConsistencyVector.self, from: Data(contentsOf: file))
            guard v.size2 <= 8, v.size1 > 0 else { continue }
            #expect(try MerkleTree.consistencyProof(oldSize: Int64(v.size1), newSize: Int64(v.size2), stored: stored).map(\.base64) == (v.proof ?? []))
            compared += 1
        }
        #expect(compared >= 4)
    }

    @Test("proofs generated for every leaf and size pair of a 70-leaf tree verify, and tampered ones do not")
    func exhaustive() throws {
        let leaves = (0..<70).map { Array("entry \($0)".utf8) }
        let (stored, _) = Self.stored(leaves)
        for size in Int64(1)...70 {
            let root = try MerkleTree.root(size: size, stored: stored)
            var frontier = MerkleFrontier()
            for leaf in leaves.prefix(Int(size)) { frontier.append(TreeHash.leaf(leaf)) }
            #expect(frontier.root == root)
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: index, size: size, stored: stored)
                try MerkleTree.verifyInclusion(index: index, size: size, leaf: TreeHash.leaf(leaves[Int(index)]), proof: proof, root: root)
                #expect(throws: BlotterError.self) {
                    try MerkleTree.verifyInclusion(index: index, size: size, leaf: TreeHash.leaf([1]), proof: proof, root: root)
                }
            }
            for old in 1...size {
                let proof = try MerkleTree.consistencyProof(oldSize: old, newSize: size, stored: stored)
                let oldRoot = try MerkleTree.root(size: old, stored: stored)
                try MerkleTree.verifyConsistency(oldSize: old, newSize: size, proof: proof, oldRoot: oldRoot, newRoot: root)
                if !proof.isEmpty {
                    var bad = proof
                    bad[0] = TreeHash.leaf([9])
                    #expect(throws: BlotterError.self) {
                        try MerkleTree.verifyConsistency(oldSize: old, newSize: size, proof: bad, oldRoot: oldRoot, newRoot: root)
                    }
                }
            }
        }
    }
}
