import ArgumentParser
import Blotter

struct CheckpointVerifyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a C2SP checkpoint note against verifier keys (of Blotter or any other log).",
        discussion: """
            Signatures by keys not given are ignored; a given key whose signature fails rejects the note;
            at least one given key whose name is the checkpoint's origin must have signed it. Exit 1 if
            the checkpoint does not verify.
            """)

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "A verifier key name+hexkeyid+base64key of the log (repeatable); see `blotter operator-key`.")
    var key: [String] = []

    @Argument(help: "The checkpoint note file ('-' for standard input).")
    var file: String

    func execute() throws {
        guard !key.isEmpty else { throw BlotterError(.invalidInput, "give the log's verifier key with --key") }
        let keys = try key.map { try NoteVerifierKey(parsing: $0) }
        let text = String(decoding: try readInput(file), as: UTF8.self)
        do {
            let note = try SignedNote(parsing: text)
            let checkpoint = try Checkpoint(text: note.text)
            let signers = try note.verify(keys: keys)
            guard signers.contains(where: { $0.name == checkpoint.origin }) else {
                throw BlotterError(.verificationFailed, "checkpoint origin \(checkpoint.origin) is not the name of a key that signed it (\(signers.map(\.name).joined(separator: ", ")))")
            }
            if output.json {
                try emitJSON(.object([("ok", .bool(true)), ("origin", .string(checkpoint.origin)), ("size", .integer(checkpoint.size)),
                                      ("root", .string(checkpoint.root.base64)), ("signed_by", .array(signers.map { .string($0.description) }))]))
            } else {
                emit("ok: \(checkpoint.origin) at size \(checkpoint.size), root \(checkpoint.root.base64)")
                for s in signers { emit("  signed by \(s)") }
            }
        } catch let error as BlotterError where error.code == .invalidInput || error.code == .verificationFailed {
            throw BlotterError(.verificationFailed, "\(file): \(error.message)")
        }
    }
}
