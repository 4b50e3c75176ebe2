import ArgumentParser
import Blotter

struct KeysRevokeCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a key (a key.revoked statement, by an admin); later statements with it are refused.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The administrator's private key that signs the revocation.")
    var key: String

    @Option(name: .long, help: "Why the key is revoked (recorded in the ledger).")
    var reason: String?

    @Argument(help: "The key id to revoke (64 hex digits, see `blotter keys list`).")
    var keyID: String

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        guard let target = try ledger.store.read({ try $0.keyRecord(keyID) }) else {
            throw BlotterError(.notFound, "key \(keyID) is not registered in this ledger")
        }
        var fields: [(String, JSONValue)] = [("key", .string(keyID))]
        if let reason { fields.append(("reason", .string(reason))) }
        let receipt = try signAndAppend(ledger: ledger, keyPath: key, type: "key.revoked", stream: "keys/\(target.actor)", fields: fields)
        if output.json {
            try emitJSON(.object([("seq", .integer(receipt.seq)), ("key_id", .string(keyID))]))
        } else {
            emit("revoked key \(keyID) of \(target.actor) in entry \(receipt.seq)")
        }
    }
}
