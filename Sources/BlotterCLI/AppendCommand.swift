import ArgumentParser
import Blotter

struct AppendCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Build, sign and append a statement.",
        discussion: """
            Every field value is committed as a salted disclosure: the entry holds only its digest, the
            value is stored apart so it can later be withheld or sealed.
            Example: blotter append --key rivera.pem --type complaint.received --stream complaint/C-1 --expect 0 fields.json
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var statement: StatementOptions

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try ledger.append(try statement.sign(for: ledger))
        try printReceipt(receipt, json: output.json)
    }
}

func printReceipt(_ receipt: AppendReceipt, json: Bool) throws {
    if json {
        try emitJSON(.object([("seq", .integer(receipt.seq)), ("hash", .string(receipt.entryHash)),
                              ("recorded", .string(receipt.recorded)), ("stream", .string(receipt.stream)),
                              ("stream_version", .integer(receipt.streamVersion)), ("duplicate", .bool(receipt.duplicate))]))
    } else if receipt.duplicate {
        emit("already in the ledger as entry \(receipt.seq) (\(receipt.entryHash)); nothing appended")
    } else {
        emit("appended entry \(receipt.seq) at \(receipt.recorded) (\(receipt.entryHash))")
    }
}
