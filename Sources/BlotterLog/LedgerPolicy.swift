public import BlotterFormat

/// What a domain adds to the log's own rules (docs/FORMAT.md section 3), the way a certificate
/// verifier composes policies: checks before anything of a statement is written, and effects inside
/// the same write transaction as its entry. The log calls it and knows nothing of what it checks.
///
/// A ``Ledger`` asks its policy for a ``LedgerPolicyBatch`` at the start of each append call, outside
/// the write lock; the batch then sees every statement of the call in order.
public protocol LedgerPolicy: Sendable {
    /// The policy's state for one append call, read from a consistent snapshot of the store.
    func batch(_ reader: any LedgerReading) throws -> any LedgerPolicyBatch
}

/// A policy's state during one append call.
///
/// Must be a value type: the ledger copies it to roll a refused group of statements back to where it
/// was (``Ledger/append(groups:)``).
public protocol LedgerPolicyBatch: Sendable {
    /// Checks one statement that needs no ledger state (e.g. its fields against a schema), on any
    /// core, before the write lock is taken.
    /// - Returns: true if it did every such check; false if `check` has to do them (e.g. the schema
    ///   is registered by an earlier statement of the same batch).
    func precheck(_ statement: Statement, values: [String: JSONValue]) throws(BlotterError) -> Bool
    /// Checks one statement against the ledger's state, inside the write transaction, after the log's
    /// own rules passed and before anything of it is written. A throw refuses the statement.
    /// - Parameter signer: the signing key as the log's key statements prove it (with its officer id).
    mutating func check(_ event: LedgerEvent, statement: Statement, signer: KeyRecord, prechecked: Bool, _ writer: any LedgerWriting) throws
    /// The statement's effects (derived tables), inside the write transaction, after its entry, its
    /// disclosures and its tree hashes were stored.
    mutating func apply(_ event: LedgerEvent, _ writer: any LedgerWriting) throws
    /// Whether the state this batch was made from is still the store's, asked inside the write
    /// transaction: another append (a batch committed while this one was being prepared, or another
    /// process) may have changed it since ``LedgerPolicy/batch(_:)`` read it. If not, the ledger makes
    /// a new batch inside the transaction and does every precheck again there.
    func isCurrent(_ writer: any LedgerWriting) throws -> Bool
}
