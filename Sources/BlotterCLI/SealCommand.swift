import ArgumentParser
import Blotter
import Foundation

struct SealCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal entries (or fields of them) under legal authority: their values are destroyed for good.",
        discussion: """
            Appends a record.sealed statement signed with a custodian's key, destroys the named
            disclosures in the same transaction, rebuilds the case views from what remains, and
            rewrites the file (VACUUM, WAL truncated) so that no copy of a sealed value is left in it.
            The entries, their digests, the chain, the tree and every checkpoint still verify; case views
            say what was sealed and by whose authority; exports never contain sealed values.
            Without --field the whole entry is sealed. Rebuilding the views takes about as long as
            `blotter projections rebuild`.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "An entry to seal (its seq). Repeatable.")
    var entry: [Int64] = []

    @Option(name: .long, help: "A field to seal in those entries (default: every field). Repeatable.")
    var field: [String] = []

    @Option(name: .long, help: "The legal authority, e.g. \"court order 2026-CV-0142, Superior Court\".")
    var authority: String

    @Option(name: .long, help: "The custodian's private key (PKCS#8 PEM); default $BLOTTER_KEY.")
    var key: String?

    @Option(name: .long, help: "When the custodian did it, RFC 3339 UTC (default: now).")
    var at: String?

    func execute() throws {
        guard !entry.isEmpty else { throw BlotterError(.invalidInput, "name the entries to seal with --entry SEQ") }
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let held = try ledger.store.read { reader in
            try entry.reduce(Int64(0)) { sum, seq in
                guard let stored = try reader.entries(from: seq, limit: 1).first, stored.seq == seq else { return sum }
                return sum + Int64(stored.disclosures.keys.filter { field.isEmpty || field.contains($0) }.count)
            }
        }
        var fields: [(String, JSONValue)] = [("entries", .array(entry.map(JSONValue.integer)))]
        if !field.isEmpty { fields.append(("fields", .array(field.map(JSONValue.string)))) }
        fields.append(("authority", .string(authority)))
        let receipt = try signAndAppend(ledger, keyPath: key, at: at, expect: nil, type: "record.sealed", stream: "records/sealed", fields: fields)
        try ledger.store.compact()
        if output.json {
            try emitJSON(.object([("seq", .integer(receipt.seq)), ("recorded", .string(receipt.recorded)),
                                  ("entries", .array(entry.map(JSONValue.integer))), ("fields", .array(field.map(JSONValue.string))),
                                  ("destroyed", .integer(held))]))
        } else {
            let what = field.isEmpty ? "every field" : field.joined(separator: ", ")
            emit("sealed \(what) of entr\(entry.count == 1 ? "y" : "ies") \(entry.map(String.init).joined(separator: ", ")) — entry \(receipt.seq) at \(receipt.recorded)")
            emit("  \(held) disclosure\(held == 1 ? "" : "s") destroyed; views rebuilt; file compacted")
        }
    }
}
