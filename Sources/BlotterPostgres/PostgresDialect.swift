internal import Foundation

/// Rewrites the derived tables' SQL, as the domain layer writes it today (SQLite's dialect, see
/// docs/ARCHITECTURE.md), into PostgreSQL's, so both stores run the same projection and view code.
///
/// What it rewrites, outside string literals and quoted names:
/// - `?` placeholders become `$1`, `$2`, … in order;
/// - `INSERT OR IGNORE INTO t …` becomes `INSERT INTO t … ON CONFLICT DO NOTHING`;
/// - `INSERT OR REPLACE INTO t (cols) …` becomes `INSERT INTO t (cols) … ON CONFLICT (primary key)
///   DO UPDATE SET` every listed column to its new value and every other column to its default,
///   which is what SQLite's replace (delete, then insert) leaves;
/// - in `CREATE TABLE`: `INTEGER` becomes `BIGINT`, `BLOB` `BYTEA`, `TEXT` `TEXT COLLATE "C"` (so
///   text sorts by code point, as in SQLite), and `WITHOUT ROWID` is dropped;
/// - the identifier `user` (reserved in PostgreSQL) is quoted.
struct PostgresDialect {
    /// A table's columns in order and its primary key columns, for `INSERT OR REPLACE`.
    struct TableShape: Sendable {
        let columns: [String]
        let primaryKey: [String]
    }

    enum Conflict: Sendable {
        case none
        case ignore
        case replace(table: String, columns: [String])
    }

    struct Translated: Sendable {
        let sql: String
        let conflict: Conflict
    }

    /// Splits `sql` into code and literal pieces, rewrites the code pieces, and says what conflict
    /// clause the statement needs (added by ``finish(_:shape:)`` once the table's shape is known).
    static func translate(_ sql: String) -> Translated {
        var out = ""
        var parameter = 0
        var conflict = Conflict.none
        var text = Substring(sql)
        let trimmed = sql.drop(while: { $0 == " " || $0 == "\n" })
        let upper = trimmed.prefix(40).uppercased()
        let isCreateTable = upper.hasPrefix("CREATE TABLE")
        if upper.hasPrefix("INSERT OR IGNORE INTO ") {
            conflict = .ignore
            text = "INSERT INTO " + trimmed.dropFirst("INSERT OR IGNORE INTO ".count)
        } else if upper.hasPrefix("INSERT OR REPLACE INTO ") {
            let rest = trimmed.dropFirst("INSERT OR REPLACE INTO ".count)
            let table = String(rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
            var columns: [String] = []
            if let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
                columns = rest[rest.index(after: open)..<close].split(separator: ",").map { $0.trimmingSpaces }
            }
            conflict = .replace(table: table, columns: columns)
            text = "INSERT INTO " + rest
        }
        var code = ""
        func flushCode() {
            out += rewriteCode(code, createTable: isCreateTable)
            code = ""
        }
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "'" || c == "\"" {
                flushCode()
                var j = text.index(after: i)
                while j < text.endIndex {
                    if text[j] == c {
                        let next = text.index(after: j)
                        if next < text.endIndex, text[next] == c { j = text.index(after: next); continue }
                        break
                    }
                    j = text.index(after: j)
                }
                let end = j < text.endIndex ? text.index(after: j) : j
                out += text[i..<end]
                i = end
                continue
            }
            if c == "?" {
                flushCode()
                parameter += 1
                out += "$\(parameter)"
            } else {
                code.append(c)
            }
            i = text.index(after: i)
        }
        flushCode()
        return Translated(sql: out, conflict: conflict)
    }

    /// The statement with its conflict clause.
    static func finish(_ t: Translated, shape: TableShape?) -> String {
        switch t.conflict {
        case .none: return t.sql
        case .ignore: return t.sql + " ON CONFLICT DO NOTHING"
        case let .replace(_, columns):
            guard let shape, !shape.primaryKey.isEmpty else { return t.sql }
            let listed = Set(columns)
            let sets = shape.columns.filter { !shape.primaryKey.contains($0) }.map { column in
                listed.contains(column) ? "\(quote(column)) = EXCLUDED.\(quote(column))" : "\(quote(column)) = DEFAULT"
            }
            let target = shape.primaryKey.map(quote).joined(separator: ", ")
            return t.sql + (sets.isEmpty ? " ON CONFLICT (\(target)) DO NOTHING" : " ON CONFLICT (\(target)) DO UPDATE SET " + sets.joined(separator: ", "))
        }
    }

    static func quote(_ name: String) -> String { name == "user" ? "\"user\"" : name }

    /// Word-level rewrites of a piece of SQL outside literals.
    static func rewriteCode(_ code: String, createTable: Bool) -> String {
        var words: [String] = []
        var current = ""
        var out = ""
        func emitWord() {
            guard !current.isEmpty else { return }
            words.append(current)
            let upper = current.uppercased()
            if current == "user" {
                out += "\"user\""
            } else if createTable && upper == "INTEGER" {
                out += "BIGINT"
            } else if createTable && upper == "BLOB" {
                out += "BYTEA"
            } else if createTable && upper == "TEXT" {
                out += "TEXT COLLATE \"C\""
            } else {
                out += current
            }
            current = ""
        }
        for c in code {
            if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else {
                emitWord()
                out.append(c)
            }
        }
        emitWord()
        if createTable, let range = out.range(of: "WITHOUT ROWID", options: [.caseInsensitive, .backwards]) {
            out.removeSubrange(range)
        }
        return out
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\n" }).reversed().drop(while: { $0 == " " || $0 == "\n" }).reversed())
    }
}
