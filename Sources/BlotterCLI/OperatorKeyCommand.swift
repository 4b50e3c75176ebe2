import ArgumentParser
import Blotter

struct OperatorKeyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-key",
        abstract: "Print the operator's checkpoint verifier key in signed-note form (name+hexkeyid+base64key).")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        if output.json {
            try emitJSON(.object([("origin", .string(identity.origin)), ("operator_key", .string(identity.operatorKey.description))]))
        } else {
            emit(identity.operatorKey.description)
        }
    }
}
