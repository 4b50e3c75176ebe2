public import BlotterFormat
public import BlotterLog
public import BlotterDomain
internal import Foundation
public import BlotterCrypto

extension DisclosureExport {
    /// What one publication did.
    public struct Publication: Sendable {
        public let summary: Summary
        /// The size of the checkpoint the bundle's proofs lead to.
        public let checkpointSize: Int64
        /// The `disclosure.published` entry.
        public let seq: Int64
    }

    /// The whole release: refuses unless the custodian's key may record it and the ledger verifies;
    /// signs a checkpoint if the ledger grew; writes the bundle; appends `disclosure.published` with
    /// the manifest's digest (signed by the custodian); writes publication.json, that entry proved to
    /// a new checkpoint consistent with the bundle's.
    /// - Throws: ``BlotterError`` `.verificationFailed` (nothing is written) if the ledger fails
    ///   verification; `.keyNotValid` / `.roleNotAllowed` for the custodian's key.
    public static func publish(ledger: Ledger, catalog: EventCatalog, policy: DisclosurePolicy, operatorKey: PrivateKey,
                               custodianKey: PrivateKey, directory: String, cosigned: SignedNote? = nil) throws -> Publication {
        guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        // Everything that can be refused is refused before the ledger is verified or a checkpoint signed.
        try requireEmpty(directory)
        guard let custodian = try ledger.store.read({ try $0.keyRecord(custodianKey.publicKey.keyID) }), custodian.revokedSeq == nil else {
            throw BlotterError(.keyNotValid, "key \(custodianKey.publicKey.keyID) is not registered in this ledger (or was revoked); nothing was exported")
        }
        let allowed = identity.roleTable.types["disclosure.published"] ?? []
        guard custodian.roles.contains(where: allowed.contains) else {
            throw BlotterError(.roleNotAllowed, "\(custodian.actor) has roles [\(custodian.roles.joined(separator: ", "))]; recording a publication needs one of [\(allowed.joined(separator: ", "))]; nothing was exported")
        }
        do {
            _ = try LedgerVerifier(store: ledger.store).verify(since: nil) { _, _ in }
        } catch let error as BlotterError where error.code == .verificationFailed {
            throw BlotterError(.verificationFailed, "the ledger fails verification, so nothing was exported: \(error.description)")
        }
        let checkpoint: SignedNote
        if let cosigned {
            // A checkpoint witnesses have cosigned: it must be the log's, and match this ledger's tree.
            let opened = try cosigned.openCheckpoint(keys: [identity.operatorKey]).checkpoint
            let (_, root) = try ledger.root(size: opened.size)
            guard root == opened.root else {
                throw BlotterError(.verificationFailed, "the checkpoint given is for a tree of size \(opened.size) with root \(opened.root.base64), this ledger's is \(root.base64)")
            }
            checkpoint = cosigned
        } else {
            checkpoint = try ledger.checkpoint(operatorKey: operatorKey)
        }
        let size = try Checkpoint(text: checkpoint.text).size
        let export = try DisclosureExport(policy: policy, catalog: catalog, checkpoint: checkpoint,
                                          pseudonymSecret: pseudonymSecret(operatorKey: operatorKey, policy: policy.name), directory: directory)
        let summary = try export.write(ledger: ledger)
        let draft = StatementDraft(log: identity.origin, type: "disclosure.published", schema: catalog.types["disclosure.published"]?.version ?? 1,
                                   stream: "disclosures", expect: nil, actor: custodian.actor, at: .now(), fields: [
            ("manifest_sha256", .string(summary.manifestDigest)), ("policy", .string(policy.name)), ("policy_sha256", .string(policy.digest)),
            ("checkpoint_size", .integer(size)), ("records", .integer(Int64(summary.total))),
        ])
        let receipt = try ledger.append(try draft.sign(with: custodianKey))
        let later = try ledger.checkpoint(operatorKey: operatorKey)
        let laterSize = try Checkpoint(text: later.text).size
        var entries: [JSONValue] = []
        try ledger.store.read { try carriedEntries($0, used: [receipt.seq: ["*"]], size: laterSize) { entries.append($0) } }
        let consistency = try ledger.consistencyProof(oldSize: size, newSize: laterSize)
        let publication = JSONValue.object([
            ("entry", .integer(receipt.seq)), ("checkpoint", .string(later.serialized)),
            ("consistency", .array(consistency.proof.map { .string($0.base64) })), ("entries", .array(entries)),
        ])
        try Data(CanonicalJSON.encode(publication) + [0x0A]).write(to: URL(fileURLWithPath: directory).appendingPathComponent("publication.json"))
        return Publication(summary: summary, checkpointSize: size, seq: receipt.seq)
    }
}
