public import BlotterLog
internal import BlotterSQL
public import BlotterDomain
internal import BlotterFormat
internal import Foundation

extension Ledger {
    /// Rebuilds every view apart from the stored ones, from the entries' signed bytes and the stored
    /// disclosures, in a scratch SQLite file in the temporary directory (deleted after), and compares
    /// the two table by table and row by row. One read transaction of this ledger: the views and the
    /// entries compared are the same snapshot. Writes nothing to the ledger.
    /// - Parameter limit: the most differences to list.
    /// - Returns: nil if the ledger has no domain views (no event catalog).
    public func verifyViews(limit: Int = 20) throws -> ViewsReport? {
        let fm = FileManager.default
        let path = fm.temporaryDirectory.appendingPathComponent("blotter-views-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: path + suffix) } }
        return try store.read { reader -> ViewsReport? in
            guard let stored = reader as? any SQLConnection else {
                throw BlotterError(.storage, "this store (\(type(of: reader))) does not keep its views in SQL")
            }
            guard try stored.hasTable("domain_catalog") else { return nil }
            let layout = try stored.projectionsLayout()
            guard layout >= Projector.layoutVersion else { throw Projector.outdated(layout) }
            let total = try reader.count()
            let scratch = try SQLiteStore.create(path: path)
            defer { try? scratch.close() }
            return try scratch.write { writer in
                guard let rebuilt = writer as? any SQLConnection, let db = writer as? any ProjectionWriting else {
                    throw BlotterError(.storage, "the scratch store keeps no views")
                }
                _ = try Projector.replayFromBytes(of: reader, into: db, total: total)
                let found = try SQLProjections.differences(stored: stored, rebuilt: rebuilt, limit: limit)
                return ViewsReport(entries: total, tables: found.tables, rows: found.rows, differences: found.differences, truncated: found.truncated)
            }
        }
    }
}
