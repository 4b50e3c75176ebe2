public import BlotterFormat
/// What the genesis entry (`ledger.created`) fixes for the life of a ledger.
public struct LedgerIdentity: Sendable {
    /// The ledger origin: every statement's `log`, the checkpoint origin and the operator key name.
    public let origin: String
    /// The operator's checkpoint key.
    public let operatorKey: NoteVerifierKey
    /// Which roles may make which statement types.
    public let roleTable: RoleTable
    /// The founding administrator's actor name.
    public let administrator: String
}
