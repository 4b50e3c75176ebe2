import ArgumentParser
import Blotter
import BlotterCrypto

struct KeysRegisterCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a public key to an actor with roles (a key.registered statement, by an admin).")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The administrator's private key that signs the registration.")
    var key: String

    @Option(name: .long, help: "The actor the key is for, e.g. ia/rivera.")
    var subject: String

    @Option(name: .long, help: "A role for the key (repeatable): admin, intake, investigator, commander, officer, supervisor, evidence-system, oversight, custodian, importer.")
    var role: [String] = []

    @Option(name: .long, help: "For an officer's key (required with --role officer): the officer id it belongs to, e.g. P-1007. That officer's own use-of-force reports and body-camera markers must name it.")
    var officer: String?

    @Argument(help: "The key to register: a PEM public key (or private key, whose public half is used).")
    var publicKey: String

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        guard !role.isEmpty else { throw BlotterError(.invalidInput, "give at least one --role") }
        let target = try loadPublicKey(publicKey)
        let receipt = try signAndAppend(
            ledger: ledger, keyPath: key, type: "key.registered", stream: "keys/\(subject)",
            fields: [("subject", .string(subject)), ("public_key", .string(Base64.urlEncode(target.spkiDER))),
                     ("roles", .array(role.map { .string($0) }))] + (officer.map { [("officer", .string($0))] } ?? []))
        if output.json {
            try emitJSON(.object([("seq", .integer(receipt.seq)), ("key_id", .string(target.keyID)), ("subject", .string(subject)),
                                  ("officer", officer.map { .string($0) } ?? .null)]))
        } else {
            emit("registered key \(target.keyID) (\(target.algorithm.rawValue)) to \(subject) as \(role.joined(separator: ", "))\(officer.map { " (officer \($0))" } ?? "") in entry \(receipt.seq)")
        }
    }
}

/// Signs a key-management statement with the key at `keyPath` as the actor that key is registered to.
func signAndAppend(ledger: Ledger, keyPath: String, type: String, stream: String, fields: [(String, JSONValue)]) throws -> AppendReceipt {
    let signer = try loadPrivateKey(keyPath)
    guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
    guard let record = try ledger.store.read({ try $0.keyRecord(signer.publicKey.keyID) }) else {
        throw BlotterError(.keyNotValid, "key \(signer.publicKey.keyID) in \(keyPath) is not registered in this ledger")
    }
    let draft = StatementDraft(log: identity.origin, type: type, stream: stream, actor: record.actor, fields: fields)
    return try appendSigned(draft, key: signer, ledger: ledger)
}
