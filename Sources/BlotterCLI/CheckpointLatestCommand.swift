import ArgumentParser
import Blotter
import Foundation

struct CheckpointLatestCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Print the latest signed checkpoint, signing a new one with the operator key when the tree has grown.",
        discussion: """
            A checkpoint is a C2SP signed note: the origin, the tree size and the base64 root hash, signed
            by the operator's Ed25519 key (key name = origin). Before signing, the tree is proved consistent
            with the last checkpoint signed, so the log never signs two checkpoints that contradict each
            other. Every checkpoint is stored in the ledger.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The operator's private key (default: LEDGER.operator.pem).")
    var operatorKey: String?

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let key = try loadPrivateKey(ledgerOptions.operatorKeyPath(operatorKey))
        let note = try ledger.checkpoint(operatorKey: key)
        if output.json {
            let checkpoint = try Checkpoint(text: note.text)
            try emitJSON(.object([("origin", .string(checkpoint.origin)), ("size", .integer(checkpoint.size)),
                                  ("root", .string(checkpoint.root.base64)), ("note", .string(note.serialized))]))
        } else {
            writeOut(note.serialized.utf8)
        }
    }
}
