public import BlotterFormat
public import BlotterCrypto

/// A signing key as the ledger registered it: to whom, with which roles, from which entry on.
public struct KeyRecord: Sendable {
    public let keyID: String
    public let actor: String
    public let publicKey: PublicKey
    public let roles: [String]
    /// The entry that registered it (0 for the founding administrator's key).
    public let registeredSeq: Int64
    /// The entry that revoked it; statements after that entry may not use it.
    public var revokedSeq: Int64?
    /// For an officer's key: the officer id it belongs to (the optional `officer` field of its
    /// `key.registered`), which that officer's own reports must name. Known from the log only: the
    /// stored key table does not keep it.
    public let officer: String?

    public var algorithm: SignatureAlgorithm { publicKey.algorithm }

    public init(keyID: String, actor: String, publicKey: PublicKey, roles: [String], registeredSeq: Int64, revokedSeq: Int64? = nil,
                officer: String? = nil) {
        self.officer = officer
        self.keyID = keyID
        self.actor = actor
        self.publicKey = publicKey
        self.roles = roles
        self.registeredSeq = registeredSeq
        self.revokedSeq = revokedSeq
    }
}
