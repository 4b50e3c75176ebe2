public import BlotterDomain
public import BlotterFormat
public import BlotterLog

extension SQLProjections {
    /// Compares every domain table of `stored` with the same table of `rebuilt` (a SQLite database
    /// rebuilt apart from the log), row by row by primary key. Reads `stored` one page at a time in its
    /// key order and looks each row up in `rebuilt`, so memory does not grow with the ledger.
    /// - Parameter limit: stop after this many differences.
    public static func differences(stored: any SQLConnection, rebuilt: any SQLConnection, limit: Int) throws
        -> (tables: Int, rows: Int64, differences: [ViewDifference], truncated: Bool)
    {
        var found: [ViewDifference] = []
        var truncated = false
        var total: Int64 = 0
        func note(_ d: ViewDifference) -> Bool {
            if found.count == limit { truncated = true; return false }
            found.append(d)
            return true
        }
        tables: for table in tables {
            // Column names and the primary key, from the rebuilt (SQLite) table.
            let info = try rebuilt.rows("PRAGMA table_info(\(table))", [])
            let columns = info.compactMap { $0[1].text }
            let key = info.filter { ($0[5].integer ?? 0) > 0 }.sorted { ($0[5].integer ?? 0) < ($1[5].integer ?? 0) }.compactMap { $0[1].text }
            guard !columns.isEmpty, !key.isEmpty else { throw BlotterError(.storage, "view \(table) has no primary key to compare by") }
            let keyPositions = key.map { columns.firstIndex(of: $0)! }
            let list = columns.joined(separator: ", ")
            let order = key.joined(separator: ", ")
            let byKey = key.map { "\($0) = ?" }.joined(separator: " AND ")
            guard try stored.hasTable(table) else {
                if !note(ViewDifference(table: table, row: "(the whole table)", kind: .missing, columns: [])) { break tables }
                continue
            }
            var after: [SQLValue]? = nil
            var matched: Int64 = 0
            while true {
                let page: [[SQLValue]]
                if let after {
                    let cursor = key.count == 1 ? "\(key[0]) > ?" : "(\(order)) > (\(key.map { _ in "?" }.joined(separator: ", ")))"
                    page = try stored.rows("SELECT \(list) FROM \(table) WHERE \(cursor) ORDER BY \(order) LIMIT 2000", after)
                } else {
                    page = try stored.rows("SELECT \(list) FROM \(table) ORDER BY \(order) LIMIT 2000", [])
                }
                guard let last = page.last else { break }
                for row in page {
                    let keyValues = keyPositions.map { row[$0] }
                    let label = zip(key, keyValues).map { "\($0) = \(shown($1))" }.joined(separator: ", ")
                    guard let other = try rebuilt.rows("SELECT \(list) FROM \(table) WHERE \(byKey)", keyValues).first else {
                        if !note(ViewDifference(table: table, row: label, kind: .extra, columns: [])) { break tables }
                        continue
                    }
                    matched += 1
                    let changed = columns.indices.filter { !same(row[$0], other[$0]) }
                    if !changed.isEmpty {
                        let d = ViewDifference(table: table, row: label, kind: .changed,
                                               columns: changed.map { (columns[$0], shown(row[$0]), shown(other[$0])) })
                        if !note(d) { break tables }
                    }
                }
                after = keyPositions.map { last[$0] }
            }
            let rebuiltCount = try rebuilt.rows("SELECT COUNT(*) FROM \(table)", []).first?.first?.integer ?? 0
            total += rebuiltCount
            // Rows the log makes that the stored table lacks: only looked for when the counts say so.
            var missing = rebuiltCount - matched
            var offset: Int64 = 0
            while missing > 0 {
                let page = try rebuilt.rows("SELECT \(list) FROM \(table) ORDER BY \(order) LIMIT 2000 OFFSET ?", [.integer(offset)])
                if page.isEmpty { break }
                offset += Int64(page.count)
                for row in page {
                    let keyValues = keyPositions.map { row[$0] }
                    if try stored.rows("SELECT 1 FROM \(table) WHERE \(byKey)", keyValues).isEmpty {
                        missing -= 1
                        let label = zip(key, keyValues).map { "\($0) = \(shown($1))" }.joined(separator: ", ")
                        if !note(ViewDifference(table: table, row: label, kind: .missing, columns: [])) { break tables }
                        if missing == 0 { break }
                    }
                }
            }
        }
        return (tables.count, total, found, truncated)
    }

    /// Equal as SQL values; a stored real that holds an integer equals that integer.
    static func same(_ a: SQLValue, _ b: SQLValue) -> Bool {
        switch (a, b) {
        case let (.real(x), .integer(n)), let (.integer(n), .real(x)): return x == Double(n)
        default: return a == b
        }
    }

    /// A value as a difference shows it: quoted, at most 60 characters.
    static func shown(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case let .integer(n): return String(n)
        case let .real(d): return String(d)
        case let .text(s): return "'" + (s.count > 60 ? s.prefix(57) + "..." : s) + "'"
        }
    }
}
