public import BlotterFormat
public import BlotterLog
internal import Synchronization

/// The domain's rules and derived tables, plugged into the log: schema validation against the
/// ledger's event catalog, the lifecycle rules of ``CaseRules``, sealing, and the projections. A
/// ledger whose genesis carried no catalog is a bare log: the policy then checks and writes nothing.
public final class DomainPolicy: LedgerPolicy {
    /// The compiled event catalog, with the seq of the last catalog change it includes.
    private let cache = Mutex<(seq: Int64, catalog: EventCatalog)?>(nil)

    public init() {}

    public func batch(_ reader: any LedgerReading) throws -> any LedgerPolicyBatch {
        let (catalog, seq) = try catalogAndChange(reader)
        return DomainBatch(catalog: catalog, catalogChange: seq)
    }

    /// The event catalog statements are validated against (genesis catalog plus every
    /// `schema.registered` since); nil for a ledger whose genesis carried none.
    public func catalog(_ reader: any LedgerReading) throws -> EventCatalog? {
        try catalogAndChange(reader).catalog
    }

    /// The seq of the last catalog change the store holds (-1 for none yet); nil for a bare log or a
    /// ledger still without its genesis.
    /// - Parameter knownInstalled: the tables were seen installed with a catalog before. They are
    ///   there in every committed state since (a rebuild drops and makes them in one transaction),
    ///   so only the latest change is read (on PostgreSQL one round trip instead of two).
    static func latestChange(_ reader: any LedgerReading, knownInstalled: Bool = false) throws -> Int64? {
        try latestChange(reader.projections(), knownInstalled: knownInstalled)
    }

    private static func latestChange(_ tables: any ProjectionReading, knownInstalled: Bool = false) throws -> Int64? {
        guard try knownInstalled || tables.projectionsInstalled() else { return nil }
        return try tables.latestCatalogChange() ?? -1
    }

    /// The catalog with the seq of the last change it includes (both nil for a bare log).
    private func catalogAndChange(_ reader: any LedgerReading) throws -> (catalog: EventCatalog?, seq: Int64?) {
        let tables = try reader.projections()
        let cached = cache.withLock { $0 }
        guard let latest = try Self.latestChange(tables, knownInstalled: cached != nil) else { return (nil, nil) }
        if let cached, cached.seq == latest { return (cached.catalog, latest) }
        var catalog: EventCatalog? = nil
        for change in try tables.catalogChanges() {
            let json = try JSONParser.parse(Array(change.json.utf8))
            if change.type == "*" {
                catalog = try EventCatalog(genesis: json)
            } else {
                try catalog?.register(type: change.type, version: change.version, json: json)
            }
        }
        guard let catalog else { throw BlotterError(.ledgerState, "the domain tables hold no catalog; run `blotter projections rebuild`") }
        cache.withLock { $0 = (latest, catalog) }
        return (catalog, latest)
    }
}

/// The domain's state during one append call: the catalog, as schemas registered in the batch change it.
struct DomainBatch: LedgerPolicyBatch {
    var catalog: EventCatalog?
    /// The seq of the last catalog change `catalog` was built from, when the batch was made.
    let catalogChange: Int64?

    func isCurrent(_ writer: any LedgerWriting) throws -> Bool {
        try DomainPolicy.latestChange(writer, knownInstalled: catalogChange != nil) == catalogChange
    }

    func precheck(_ statement: Statement, values: [String: JSONValue]) throws(BlotterError) -> Bool {
        // Where the schema is already known; one registered earlier in this batch is checked in order.
        guard let catalog, !EventCatalog.coreTypes.contains(statement.type) else { return true }
        guard catalog.schemas[statement.type]?[statement.schema] != nil else { return false }
        try catalog.validate(statement, values: values)
        return true
    }

    mutating func check(_ event: LedgerEvent, statement: Statement, signer: KeyRecord, prechecked: Bool, _ writer: any LedgerWriting) throws {
        if catalog != nil { try CaseRules.checkIdentity(event, statement: statement, signer: signer, writer) }
        if var domain = catalog, !EventCatalog.coreTypes.contains(event.type) {
            // Checked again when a registration earlier in this batch moved the type to a newer version.
            if !prechecked || statement.schema != domain.types[event.type]?.version { try domain.validate(statement, values: event.values) }
            if let pattern = domain.types[event.type]?.stream { try CaseRules.checkStream(event, pattern: pattern) }
            try CaseRules.check(event, writer)
            if event.type == "schema.registered", let schema = event.values["schema"] {
                try domain.register(type: event.values["event_type"]?.stringValue ?? "", version: event.values["version"]?.integerValue ?? 0, json: schema)
                catalog = domain
            }
        }
        if event.seq == 0, let json = event.values["catalog"] {
            do {
                catalog = try EventCatalog(genesis: json)
            } catch {
                throw error.prefixed("ledger.created: catalog: ")
            }
            try Projector.install(writer)
        }
    }

    func apply(_ event: LedgerEvent, _ writer: any LedgerWriting) throws {
        guard catalog != nil else { return }
        if event.type == "record.sealed" {
            // Destroy the sealed values, then rebuild the rows of the streams that held them from what
            // remains, so no view keeps a copy; all in this transaction.
            let streams = try Sealing.destroy(event, writer)
            try Projector.replay(streams: streams, writer)
        }
        try Projector.apply(event, writer)
    }
}

extension Ledger {
    /// A ledger over `store` with the domain's rules and projections (``DomainPolicy``).
    public convenience init(store: any LedgerStore, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.init(store: store, policy: DomainPolicy(), clock: clock)
    }

    /// The event catalog statements are validated against; nil for a bare log.
    public func catalog() throws -> EventCatalog? {
        let policy = (policy as? DomainPolicy) ?? DomainPolicy()
        return try store.read { try policy.catalog($0) }
    }
}
