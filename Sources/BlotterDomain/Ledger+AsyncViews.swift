public import BlotterFormat
public import BlotterLog

/// The domain's API for async callers: views and rebuilds off the cooperative pool.
extension Ledger {
    /// Runs `body` with the views over one consistent snapshot, off the cooperative pool.
    /// - Throws: ``BlotterError`` `.ledgerState` for a bare log, which has no views.
    public func views<T: Sendable>(today: CalendarDate, _ body: @escaping @Sendable (Views) throws -> T) async throws -> T {
        try await BlockingWork.run {
            guard let catalog = try self.catalog() else {
                throw BlotterError(.ledgerState, "this ledger's genesis carries no event catalog, so it has no views")
            }
            return try self.store.read { try body(try Views($0, catalog: catalog, today: today)) }
        }
    }

    /// The event catalog; nil for a bare log.
    public func catalog() async throws -> EventCatalog? { try await BlockingWork.run { try self.catalog() } }

    /// Rebuilds every projection from the log in one transaction; see ``rebuildProjections(progress:)``.
    @discardableResult
    public func rebuildProjections() async throws -> Int64 { try await BlockingWork.run { try self.rebuildProjections() } }
}
