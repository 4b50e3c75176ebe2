internal import BlotterCrypto
internal import Synchronization
internal import BlotterFormat

/// The key registry as the log's own key statements prove it, for appends: not the stored `keys`
/// table, which is derived and can be edited behind Blotter's back (a revoked key un-revoked, an
/// officer's key given the commander role).
///
/// Each write transaction first reads the key statements it has not seen (entries stored as
/// `ledger.created`, `key.registered` or `key.revoked`, a handful however large the ledger): their
/// bytes are parsed, their disclosures checked against their digests, the log's rules applied and
/// their signatures verified, as `blotter verify` does. An entry whose stored type hides a key
/// statement is found by `blotter verify`, which checks that no other entry's bytes are one.
final class ProvenKeys: Sendable {
    private struct State {
        /// The registry (and identity) as the verifier keeps it, from the key statements alone.
        var registry = VerifierState()
        /// The last seq read; -1 before entry 0.
        var through: Int64 = -1
    }
    private let state = Mutex(State())

    /// The registry after every key statement the store holds now (call inside the write transaction).
    func current(_ reader: any LedgerReading) throws -> [String: KeyRecord] {
        var s = state.withLock { $0 }
        let seqs = try reader.keyStatementSeqs(after: s.through)
        guard !seqs.isEmpty else { return s.registry.keys }
        for seq in seqs {
            guard let stored = try reader.entries(from: seq, limit: 1).first, stored.seq == seq else {
                throw Self.altered(seq, "it is listed as a key statement but not stored")
            }
            do {
                let p = try LedgerVerifier.prepare(stored)
                let statement = p.entry.statement
                guard LedgerVerifier.typesReadingDisclosures.contains(statement.type) else {
                    throw BlotterError(.verificationFailed, "it is stored as a key statement, but its bytes are a \(statement.type) statement")
                }
                let (signer, change) = try LedgerRules.check(statement, disclosures: p.disclosures, seq: seq, identity: s.registry.identity,
                                                            state: RegistryState(keys: s.registry.keys, expect: statement.expect ?? 0))
                guard signer.publicKey.isValidSignature(statement.signatureBytes ?? [], for: p.signingInput) else {
                    throw BlotterError(.verificationFailed, "signature does not verify with key \(statement.key)")
                }
                s.registry.apply(change, seq: seq, stream: statement.stream)
            } catch let error as BlotterError {
                throw Self.altered(seq, error.message)
            }
            s.through = seq
        }
        let proven = s
        state.withLock { current in if current.through < proven.through { current = proven } }
        return proven.registry.keys
    }

    static func altered(_ seq: Int64, _ reason: String) -> BlotterError {
        BlotterError(.verificationFailed, "the key statement at entry \(seq) does not check (\(reason)): the ledger was altered; nothing was written (run `blotter verify`)", seq: seq)
    }

    /// The proven record of `keyID`, compared with what the stored key table says, so that an edit of
    /// the table is reported rather than silently outvoted.
    static func checked(_ keyID: String, proven: KeyRecord?, stored: KeyRecord?) throws -> KeyRecord? {
        if let difference = difference(keyID, proven: proven, stored: stored) {
            throw BlotterError(.verificationFailed, "the stored key table was edited outside Blotter: \(difference); nothing was written (run `blotter verify`)",
                               seq: proven?.registeredSeq)
        }
        return proven
    }

    /// How the stored record of a key differs from the one the log proves, as "key K of A: ..."; nil if
    /// they agree.
    static func difference(_ keyID: String, proven: KeyRecord?, stored: KeyRecord?) -> String? {
        switch (proven, stored) {
        case (nil, nil): return nil
        case let (nil, stored?): return "key \(keyID) is in the table (registered to \(stored.actor)), but no key statement of the log registers it"
        case let (proven?, nil): return "key \(keyID) of \(proven.actor), registered at entry \(proven.registeredSeq), is missing from the table"
        case let (p?, s?):
            var differences: [String] = []
            if s.actor != p.actor { differences.append("actor \(s.actor) in the table, \(p.actor) in the log") }
            if s.roles != p.roles { differences.append("roles [\(s.roles.joined(separator: ", "))] in the table, [\(p.roles.joined(separator: ", "))] in the log") }
            if s.registeredSeq != p.registeredSeq { differences.append("registered at entry \(s.registeredSeq) in the table, \(p.registeredSeq) in the log") }
            if s.revokedSeq != p.revokedSeq {
                differences.append("\(s.revokedSeq.map { "revoked at entry \($0)" } ?? "not revoked") in the table, "
                                   + "\(p.revokedSeq.map { "revoked at entry \($0)" } ?? "not revoked") in the log")
            }
            if s.publicKey.spkiDER != p.publicKey.spkiDER { differences.append("another public key in the table") }
            return differences.isEmpty ? nil : "key \(keyID) of \(p.actor): " + differences.joined(separator: "; ")
        }
    }
}

/// What the log's rules read while a key statement is proven: the registry so far. Stream versions
/// are not known here (`blotter verify` checks `expect`), so the statement's own is taken.
private struct RegistryState: LedgerStateReading {
    let keys: [String: KeyRecord]
    let expect: Int64
    func keyRecord(_ keyID: String) throws -> KeyRecord? { keys[keyID] }
    func streamVersion(_ stream: String) throws -> Int64 { expect }
}
