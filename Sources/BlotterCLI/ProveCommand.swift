import ArgumentParser
import Blotter

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print Merkle inclusion and consistency proofs (RFC 9162) as JSON, hashes in base64.",
        subcommands: [ProveInclusionCommand.self, ProveConsistencyCommand.self, ProveVerifyCommand.self])
}

struct ProveInclusionCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "inclusion",
        abstract: "Prove that entry SEQ is in the tree of SIZE entries: {index, tree_size, leaf_hash, root_hash, proof}.")

    @OptionGroup var ledgerOptions: LedgerOptions
    /// JSON is this command's output already; `--json` is accepted like everywhere else, and with
    /// `--tlog-proof` wraps the receipt: {"index", "tlog_proof"}.
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The tree size (default: the whole ledger).")
    var size: Int64?

    @Flag(name: .long, help: "Print a C2SP tlog-proof (index, proof and signed checkpoint) instead of JSON.")
    var tlogProof = false

    @Option(name: .long, help: "With --tlog-proof: the checkpoint note to prove against, e.g. one with witness cosignatures (default: the latest the log signed).")
    var checkpoint: String?

    @Argument(help: "The entry's seq (its leaf index).")
    var seq: Int64

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        if tlogProof {
            let note: SignedNote
            if let checkpoint {
                note = try SignedNote(parsing: String(decoding: try readInput(checkpoint), as: UTF8.self))
            } else {
                guard let latest = try ledger.store.read({ try $0.latestCheckpoint() }) else {
                    throw BlotterError(.notFound, "the log has signed no checkpoint yet (run `blotter checkpoint`)")
                }
                note = try SignedNote(parsing: latest.note)
            }
            let size = try Checkpoint(text: note.text).size
            let p = try ledger.inclusionProof(seq: seq, size: size)
            let receipt = TlogProof(index: seq, proof: p.proof, checkpoint: note).serialized
            if output.json {
                try emitJSON(.object([("index", .integer(seq)), ("tlog_proof", .string(receipt))]))
            } else {
                emit(receipt, terminator: "")
            }
            return
        }
        let p = try ledger.inclusionProof(seq: seq, size: size)
        try emitJSON(.object([("index", .integer(seq)), ("tree_size", .integer(p.size)), ("leaf_hash", .string(p.leaf.base64)),
                              ("root_hash", .string(p.root.base64)), ("proof", .array(p.proof.map { .string($0.base64) }))]))
    }
}

struct ProveConsistencyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Prove that the tree of NEW entries extends the tree of OLD: {old_size, new_size, old_root, new_root, proof}.")

    @OptionGroup var ledgerOptions: LedgerOptions
    /// JSON is this command's output already; `--json` is accepted like everywhere else.
    @OptionGroup var output: OutputOptions

    @Argument(help: "The older tree size (at least 1).")
    var old: Int64

    @Argument(help: "The newer tree size.")
    var new: Int64

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        try emitJSON(try ledger.consistencyProof(oldSize: old, newSize: new).json())
    }
}

struct ProveVerifyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a C2SP tlog-proof: the entry (its exact bytes) is in the tree of the log's signed checkpoint.")

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The log's verifier key (repeatable).")
    var key: [String] = []

    @Option(name: .long, help: "The entry's exact bytes, as `blotter entry SEQ --raw` prints them.")
    var entry: String

    @Argument(help: "The .tlog-proof file.")
    var file: String

    func execute() throws {
        let keys = try key.map { try NoteVerifierKey(parsing: $0) }
        guard !keys.isEmpty else { throw BlotterError(.invalidInput, "give the log's verifier key with --key") }
        let proof = try TlogProof(parsing: String(decoding: try readInput(file), as: UTF8.self))
        let checkpoint: Checkpoint
        do {
            checkpoint = try proof.verify(entryBytes: try readInput(entry), keys: keys)
        } catch let error as BlotterError where error.code == .verificationFailed {
            throw BlotterError(.verificationFailed, "\(file): \(error.message)")
        }
        if output.json {
            try emitJSON(.object([("ok", .bool(true)), ("index", .integer(proof.index)), ("size", .integer(checkpoint.size)),
                                  ("root", .string(checkpoint.root.base64))]))
        } else {
            emit("ok: entry \(proof.index) is in \(checkpoint.origin) at size \(checkpoint.size), root \(checkpoint.root.base64)")
        }
    }
}
