/// One way a stored view differs from the view rebuilt apart from the log.
public struct ViewDifference: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case changed, extra, missing }
    /// The table (`p_cases`, ...).
    public let table: String
    /// The row's primary key as `column = 'value'`, joined by `, `.
    public let row: String
    public let kind: Kind
    /// For `changed`: the columns that differ, with the stored and the rebuilt value (shortened).
    public let columns: [(name: String, stored: String, rebuilt: String)]

    public init(table: String, row: String, kind: Kind, columns: [(name: String, stored: String, rebuilt: String)]) {
        self.table = table
        self.row = row
        self.kind = kind
        self.columns = columns
    }

    public static func == (a: ViewDifference, b: ViewDifference) -> Bool {
        a.table == b.table && a.row == b.row && a.kind == b.kind
            && a.columns.map { [$0.name, $0.stored, $0.rebuilt] } == b.columns.map { [$0.name, $0.stored, $0.rebuilt] }
    }

    public var description: String {
        switch kind {
        case .changed:
            return "view \(table), row \(row): " + columns.map { "\($0.name) is \($0.stored), the log gives \($0.rebuilt)" }.joined(separator: "; ")
        case .extra: return "view \(table), row \(row): no entry makes this row"
        case .missing: return "view \(table), row \(row) is missing: the log makes it"
        }
    }
}

/// What comparing every view with its rebuild found.
public struct ViewsReport: Sendable {
    /// The entries the views were rebuilt from.
    public let entries: Int64
    /// The tables compared, and their rows in the rebuild.
    public let tables: Int
    public let rows: Int64
    /// The differences found, in table order, at most the limit asked for.
    public let differences: [ViewDifference]
    /// True if more differences were found than are listed.
    public let truncated: Bool
    public var ok: Bool { differences.isEmpty }

    public init(entries: Int64, tables: Int, rows: Int64, differences: [ViewDifference], truncated: Bool) {
        self.entries = entries
        self.tables = tables
        self.rows = rows
        self.differences = differences
        self.truncated = truncated
    }
}
