import Blotter
import BlotterCrypto
import Foundation
import GRDB
import Testing

@Suite("The ledger's Merkle tree")
struct LedgerTreeTests {
    @Test("is kept with every append: roots match the entries and every proof verifies", arguments: StoreKind.allCases)
    func keptWithAppends(_ store: StoreKind) throws {
        let t = try TestLedger(store: store)
        try t.register("ia/rivera", roles: ["intake"])
        // Single appends and batches of uneven sizes, so that subtrees complete inside and across batches.
        for i in 0..<5 { _ = try t.ledger.append(try t.statement("ia/rivera", stream: "c/\(i)")) }
        for size in [3, 7, 1, 12] {
            _ = try t.ledger.append(try (0..<size).map { try t.statement("ia/rivera", stream: "b/\(size)/\($0)") })
        }
        let count = try t.ledger.count()
        #expect(count == 30)
        var frontier = MerkleFrontier()
        var roots: [TreeHash] = []
        for seq in 0..<count {
            frontier.append(TreeHash.leaf(try t.ledger.entry(seq).bytes))
            roots.append(frontier.root)
        }
        #expect(try t.ledger.root().root == frontier.root)
        for size in Int64(1)...count {
            #expect(try t.ledger.root(size: size).root == roots[Int(size) - 1])
            for seq in stride(from: Int64(0), to: size, by: 3) {
                let p = try t.ledger.inclusionProof(seq: seq, size: size)
                #expect(p.leaf == TreeHash.leaf(try t.ledger.entry(seq).bytes))
                try MerkleTree.verifyInclusion(index: seq, size: size, leaf: p.leaf, proof: p.proof, root: roots[Int(size) - 1])
            }
            let c = try t.ledger.consistencyProof(oldSize: max(1, size / 2), newSize: size)
            try MerkleTree.verifyConsistency(oldSize: max(1, size / 2), newSize: size, proof: c.proof, oldRoot: c.oldRoot, newRoot: roots[Int(size) - 1])
        }
        #expect(try LedgerVerifier(store: t.ledger.store).verify().root == frontier.root)
        #expect(throws: BlotterError.self) { try t.ledger.inclusionProof(seq: 30) }
        #expect(throws: BlotterError.self) { try t.ledger.consistencyProof(oldSize: 0, newSize: 5) }
    }

    @Test("a ledger file from before the tree is upgraded once on open, to the same root")
    func upgrade() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<20).map { try t.statement("ia/rivera", stream: "c/\($0)") })
        let root = try t.ledger.root().root
        try t.ledger.close()
        let db = try DatabaseQueue(path: t.path)
        try db.write { db in
            try db.execute(sql: "DROP TABLE tree_hashes")
            try db.execute(sql: "PRAGMA user_version = 0")
        }
        try db.close()
        let reopened = try Ledger.open(path: t.path)
        defer { try? reopened.close() }
        #expect(try reopened.root().root == root)
        #expect(try LedgerVerifier(store: reopened.store).verify().root == root)
    }

    @Test("a ledger file of layout 2 loses its streams table once on open; stream versions and expect checks go on from the entries")
    func upgradeDropsStreams() throws {
        let t = try TestLedger()
        try t.register("ia/rivera", roles: ["intake"])
        _ = try t.ledger.append(try (0..<6).map { try t.statement("ia/rivera", stream: "c/\($0 % 2)") })
        try t.ledger.close()
        let db = try DatabaseQueue(path: t.path)
        try db.write { db in
            // As layout 2 left it: the table, and a version in it that the entries do not back.
            try db.execute(sql: "CREATE TABLE streams (stream TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID")
            try db.execute(sql: "INSERT INTO streams VALUES ('c/0', 99)")
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        try db.close()
        let reopened = try Ledger.open(path: t.path)
        defer { try? reopened.close() }
        let layout = try DatabaseQueue(path: t.path).read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"), try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM sqlite_schema WHERE name = 'streams'"))
        }
        #expect(layout.0 == 3 && layout.1 == false)
        let size = try reopened.count()
        // c/0 holds 3 events: an expect of 3 is current, 2 is stale.
        let receipt = try reopened.append(try t.statement("ia/rivera", stream: "c/0", expect: 3))
        #expect(receipt.streamVersion == 4)
        #expect(throws: BlotterError.self) { try reopened.append(try t.statement("ia/rivera", stream: "c/1", expect: 2)) }
        #expect(try reopened.append(try t.statement("ia/rivera", stream: "c/new")).streamVersion == 1)
        #expect(try LedgerVerifier(store: reopened.store).verify().entries == size + 2)
    }
}
