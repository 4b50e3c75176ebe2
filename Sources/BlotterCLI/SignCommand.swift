import ArgumentParser
import Blotter

struct SignCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Build and sign a statement without appending it; prints the submission JSON for `blotter submit`.",
        discussion: "The ledger is read (origin, the key's actor) but not written.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var statement: StatementOptions

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let submission = try statement.sign(for: ledger)
        try emitJSON(submission.json())
    }
}
