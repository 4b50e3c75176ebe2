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

    @Option(name: .long, help: "A witness's cosignature verifier key (repeatable).")
    var witness: [String] = []

    @Option(name: .long, help: "How many of the --witness keys must have cosigned (default: all of them).")
    var quorum: Int?

    @Argument(help: "The checkpoint note file ('-' for standard input).")
    var file: String

    func execute() throws {
        guard !key.isEmpty else { throw BlotterError(.invalidInput, "give the log's verifier key with --key") }
        let keys = try key.map { try NoteVerifierKey(parsing: $0) }
        let witnesses = try witness.map { try NoteVerifierKey(parsing: $0) }
        let needed = quorum ?? witnesses.count
        guard needed >= 0, needed <= witnesses.count else {
            throw BlotterError(.invalidInput, "--quorum \(needed) needs at least that many --witness keys, found \(witnesses.count)")
        }
        let text = String(decoding: try readInput(file), as: UTF8.self)
        do {
            let note = try SignedNote(parsing: text)
            let (checkpoint, signers) = try note.openCheckpoint(keys: keys)
            var cosigners: [NoteVerifierKey] = []
            if !witnesses.isEmpty {
                // Every cosignature by a given witness must verify; those count towards the quorum.
                let present = note.signatures.contains { s in witnesses.contains { $0.name == s.name && $0.keyID == s.keyID } }
                cosigners = present ? try note.verify(keys: witnesses) : []
                guard cosigners.count >= needed else {
                    throw BlotterError(.verificationFailed, "\(cosigners.count) of the \(witnesses.count) witnesses cosigned (\(cosigners.map(\.name).joined(separator: ", "))); the quorum is \(needed)")
                }
            }
            if output.json {
                try emitJSON(.object([("ok", .bool(true)), ("origin", .string(checkpoint.origin)), ("size", .integer(checkpoint.size)),
                                      ("root", .string(checkpoint.root.base64)), ("signed_by", .array(signers.map { .string($0.description) })),
                                      ("cosigned_by", .array(cosigners.map { .string($0.description) }))]))
            } else {
                emit("ok: \(checkpoint.origin) at size \(checkpoint.size), root \(checkpoint.root.base64)")
                for s in signers { emit("  signed by \(s)") }
                for c in cosigners {
                    let time = note.cosignatureTime(of: c).map { Timestamp(milliseconds: Int64($0) * 1000).rfc3339 } ?? "?"
                    emit("  cosigned by \(c) at \(time)")
                }
            }
        } catch let error as BlotterError where error.code == .invalidInput || error.code == .verificationFailed {
            throw BlotterError(.verificationFailed, "\(file): \(error.message)")
        }
    }
}
