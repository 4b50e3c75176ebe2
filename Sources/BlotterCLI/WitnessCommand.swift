import ArgumentParser
import Blotter
import Foundation

struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "An oversight committee's witness: cosign checkpoints that are consistent with the last one it cosigned.",
        subcommands: [WitnessInitCommand.self, WitnessCosignCommand.self, WitnessServeCommand.self])
}

struct WitnessOptions: ParsableArguments {
    @Option(name: .long, help: "The witness's directory: its key and its state (default: ./witness).")
    var dir = "witness"
}

struct WitnessInitCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a witness: an Ed25519 key (mode 0600) and an empty record, for one log.")

    @OptionGroup var witness: WitnessOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The witness's name, e.g. oversight.example/witness.")
    var name: String

    @Option(name: .long, help: "The log's checkpoint verifier key (from `blotter operator-key`).")
    var logKey: String

    func execute() throws {
        let w = try Witness.initialize(directory: witness.dir, name: name, logKey: try NoteVerifierKey(parsing: logKey))
        if output.json {
            try emitJSON(.object([("name", .string(name)), ("verifier_key", .string(try w.verifierKey.description)), ("dir", .string(witness.dir))]))
        } else {
            emit(try w.verifierKey.description)
        }
    }
}

struct WitnessCosignCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "Cosign a checkpoint (tlog-cosignature/v1) and print it with the cosignature added.",
        discussion: """
            Refuses, keeping its record as it was, unless the checkpoint is signed by the log and either is
            the checkpoint it last cosigned or extends it, as the consistency proof (from `blotter prove
            consistency OLD NEW`) shows. The first checkpoint is cosigned without a proof.
            """)

    @OptionGroup var witness: WitnessOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "A consistency proof JSON from the last cosigned size to this checkpoint's size.")
    var consistency: String?

    @Argument(help: "The checkpoint note file ('-' for standard input).")
    var checkpoint: String

    func execute() throws {
        let w = try Witness(directory: witness.dir)
        let proof = try consistency.map { try ConsistencyProof(json: parseJSON(readInput($0), source: $0)) }
        let text = String(decoding: try readInput(checkpoint), as: UTF8.self)
        let (note, _) = try w.cosign(text, consistency: proof, time: UInt64(Date().timeIntervalSince1970))
        if output.json {
            let cosigned = try Checkpoint(text: note.text)
            try emitJSON(.object([("size", .integer(cosigned.size)), ("root", .string(cosigned.root.base64)), ("note", .string(note.serialized))]))
        } else {
            writeOut(note.serialized.utf8)
        }
    }
}
