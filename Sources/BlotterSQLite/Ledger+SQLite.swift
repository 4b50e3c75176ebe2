public import BlotterLog
internal import BlotterDomain

extension Ledger {
    /// Opens the SQLite ledger at `path`, with the domain's rules and projections.
    public static func open(path: String) throws -> Ledger {
        Ledger(store: try SQLiteStore.open(path: path), policy: DomainPolicy())
    }
}
