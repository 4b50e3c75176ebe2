public import BlotterDomain

/// The access log's table, shared by the SQL stores: one row per audited read (``AccessRecord``).
/// It is made by the first read that is recorded (a ledger made before it has none, and opening a
/// ledger writes nothing); `id` is random, so servers on one database never collide.
public enum AccessLogSQL {
    public static let table = "access_log"

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS access_log (at TEXT NOT NULL, id TEXT NOT NULL, actor TEXT NOT NULL, key_id TEXT NOT NULL,
            view TEXT NOT NULL, subject TEXT NOT NULL, outcome TEXT NOT NULL, PRIMARY KEY (at, id)) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS access_log_by_subject ON access_log (subject, at)",
        "CREATE INDEX IF NOT EXISTS access_log_by_actor ON access_log (actor, at)",
    ]

    /// Creates the table if the store has none (in the caller's write transaction).
    public static func ensureTable(_ c: any SQLConnection) throws {
        guard try !c.hasTable(table) else { return }
        for sql in schema { try c.execute(sql, []) }
    }

    /// Inserts `records`, each with a fresh random id.
    public static func insert(_ records: [AccessRecord], _ c: any SQLConnection, id: () throws -> String) throws {
        for r in records {
            try c.execute("INSERT INTO access_log (at, id, actor, key_id, view, subject, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [.text(r.at), .text(try id()), .text(r.actor), .text(r.key), .text(r.view), .text(r.subject), .text(r.outcome)])
        }
    }

    public static func select(_ q: AccessQuery, _ c: any SQLConnection) throws -> [AccessRecord] {
        guard try c.hasTable(table) else { return [] }
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        for (column, value) in [("actor", q.actor), ("view", q.view), ("subject", q.subject)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments.append(.text(value))
            }
        }
        if let since = q.since {
            conditions.append("at >= ?")
            arguments.append(.text(since))
        }
        arguments.append(.integer(Int64(max(0, q.limit))))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try c.select(AccessRecord.self, ["at", "actor", "key", "view", "subject", "outcome"],
                            "SELECT at, actor, key_id, view, subject, outcome FROM access_log \(whereClause) ORDER BY at, id LIMIT ?", arguments)
    }
}
