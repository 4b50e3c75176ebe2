import ArgumentParser
import Blotter

struct TilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles",
        abstract: "Publish the log as a static C2SP tlog-tiles mirror.",
        subcommands: [TilesExportCommand.self])
}

struct TilesExportCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write checkpoint, tile/<L>/<N> and tile/entries/<N> (with partial tiles) into DIR, incrementally.",
        discussion: """
            Signs a checkpoint for the current size if the tree has grown (operator key). Full tiles that
            are already in DIR are not written again. Entries hold only digests of field values, so the
            mirror can be published.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The operator's private key (default: LEDGER.operator.pem).")
    var operatorKey: String?

    @Argument(help: "The mirror directory.")
    var directory: String

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let note = try ledger.checkpoint(operatorKey: try loadPrivateKey(ledgerOptions.operatorKeyPath(operatorKey)))
        let result = try TilesExport.export(ledger, checkpoint: note, to: directory)
        if output.json {
            try emitJSON(.object([("size", .integer(result.size)), ("written", .integer(Int64(result.written))),
                                  ("skipped", .integer(Int64(result.skipped))), ("bytes", .integer(result.bytesWritten))]))
        } else {
            emit("exported tree size \(result.size) to \(directory): \(result.written) files written (\(result.bytesWritten) bytes), \(result.skipped) already there")
        }
    }
}
