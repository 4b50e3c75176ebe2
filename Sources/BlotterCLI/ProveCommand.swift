import ArgumentParser
import Blotter

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print Merkle inclusion and consistency proofs (RFC 9162) as JSON, hashes in base64.",
        subcommands: [ProveInclusionCommand.self, ProveConsistencyCommand.self])
}

struct ProveInclusionCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "inclusion",
        abstract: "Prove that entry SEQ is in the tree of SIZE entries: {index, tree_size, leaf_hash, root_hash, proof}.")

    @OptionGroup var ledgerOptions: LedgerOptions

    @Option(name: .long, help: "The tree size (default: the whole ledger).")
    var size: Int64?

    @Argument(help: "The entry's seq (its leaf index).")
    var seq: Int64

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
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

    @Argument(help: "The older tree size (at least 1).")
    var old: Int64

    @Argument(help: "The newer tree size.")
    var new: Int64

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let p = try ledger.consistencyProof(oldSize: old, newSize: new)
        try emitJSON(.object([("old_size", .integer(old)), ("new_size", .integer(new)), ("old_root", .string(p.oldRoot.base64)),
                              ("new_root", .string(p.newRoot.base64)), ("proof", .array(p.proof.map { .string($0.base64) }))]))
    }
}
