public import BlotterFormat

/// Copies a ledger from one store to another (SQLite to PostgreSQL and back): every entry's exact
/// bytes and its disclosures, the key registry, the Merkle tree's stored hashes and every signed
/// checkpoint, so the copy has the same root and every checkpoint still verifies against it.
/// Derived tables are not copied; the caller rebuilds them from the copied log.
public enum LedgerCopy {
    /// Copies entries in transactions of `chunk` entries. A destination that already holds the first
    /// N entries of the source (an earlier copy that was stopped) is continued from entry N; one
    /// that holds anything else is refused.
    /// - Parameter progress: called after each chunk with the entries copied and the total.
    /// - Returns: the number of entries the destination holds.
    @discardableResult
    public static func copy(from source: any LedgerStore, to destination: any LedgerStore, chunk: Int = 2048,
                            progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        let total = try source.read { try $0.count() }
        var next = try destination.read { try $0.count() }
        guard next <= total else {
            throw BlotterError(.ledgerState, "the destination holds \(next) entries, more than the source's \(total); it is another ledger")
        }
        if next > 0 {
            let theirs = try destination.read { try $0.entryBytes(from: next - 1, limit: 1) }.first?.bytes
            let ours = try source.read { try $0.entryBytes(from: next - 1, limit: 1) }.first?.bytes
            guard let theirs, theirs == ours else {
                throw BlotterError(.ledgerState, "the destination is not empty and its entry \(next - 1) is not the source's: it is another ledger")
            }
        }
        let keys = try source.read { try $0.allKeys() }
        // Stream versions up to where the copy starts.
        var streams: [String: Int64] = [:]
        var seq: Int64 = 0
        while seq < next {
            let rows = try source.read { try $0.entryBytes(from: seq, limit: chunk) }
            guard let last = rows.last else { break }
            for row in rows where row.seq < next { streams[try Entry.parse(stored: row.bytes).entry.statement.stream, default: 0] += 1 }
            seq = last.seq + 1
        }
        while next < total {
            let first = next
            let entries = try source.read { try $0.entries(from: first, limit: chunk) }
            guard let last = entries.last else { break }
            let end = last.seq + 1
            let hashes = try source.read { reader in try treeHashes(reader, completedBy: first..<end) }
            try destination.write { writer in
                guard try writer.count() == first else {
                    throw BlotterError(.busy, "the destination changed while it was being copied to; nothing of this part was written")
                }
                for stored in entries {
                    let (entry, _) = try Entry.parse(stored: stored.bytes)
                    let statement = entry.statement
                    let version = streams[statement.stream, default: 0] + 1
                    streams[statement.stream] = version
                    let disclosures = try stored.disclosures.keys.sorted().map { name throws(BlotterError) in try Disclosure(encoded: stored.disclosures[name]!) }
                    try writer.insert(seq: stored.seq, bytes: stored.bytes, statement: statement, streamVersion: version,
                                      recorded: entry.recorded, disclosures: disclosures)
                }
                for key in keys where (first..<end).contains(key.registeredSeq) {
                    var registered = key
                    registered.revokedSeq = nil
                    try writer.insertKey(registered)
                }
                for key in keys { if let revoked = key.revokedSeq, (first..<end).contains(revoked) { try writer.revokeKey(key.keyID, seq: revoked) } }
                for h in hashes { try writer.insertTreeHash(level: h.level, index: h.index, hash: h.hash) }
            }
            next = end
            progress?(next, total)
        }
        // The signed checkpoints the destination does not hold yet (all of them, unless a copy that
        // was stopped got this far before).
        let held = try destination.read { try $0.latestCheckpoint()?.size }
        let missing = try source.read { try $0.checkpoints() }.filter { c in c.size <= next && held.map { c.size > $0 } ?? true }
        if !missing.isEmpty {
            try destination.write { writer in for c in missing { try writer.insertCheckpoint(size: c.size, note: c.note) } }
        }
        return next
    }

    /// The stored hashes of the complete subtrees whose last leaf is in `range`.
    static func treeHashes(_ reader: any LedgerReading, completedBy range: Range<Int64>) throws -> [(level: Int, index: Int64, hash: TreeHash)] {
        var out: [(level: Int, index: Int64, hash: TreeHash)] = []
        var level = 0
        while (Int64(1) << level) <= range.upperBound {
            // Subtree i at this level ends at leaf ((i + 1) << level) - 1, which is in [a, b) when
            // ceil((a + 1) / 2^level) <= i + 1 <= floor(b / 2^level).
            let firstIndex = ((range.lowerBound + (Int64(1) << level)) >> level) - 1
            let lastIndex = (range.upperBound >> level) - 1
            if lastIndex >= firstIndex {
                let hashes = try reader.completeTreeHashes(level: level, indexes: firstIndex..<(lastIndex + 1))
                for (i, h) in hashes.enumerated() { out.append((level, firstIndex + Int64(i), h)) }
            }
            level += 1
        }
        return out
    }
}
