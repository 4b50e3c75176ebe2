import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

struct EntryCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Show one entry with its disclosed field values; --raw prints the exact stored bytes.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Print the exact stored entry bytes (RFC 8785 JSON), nothing else.")
    var raw = false

    @Argument(help: "The entry's seq.")
    var seq: Int64

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let stored = try ledger.entry(seq)
        if raw {
            writeOut(stored.bytes)
            return
        }
        let entry = try Entry(bytes: stored.bytes)
        let s = entry.statement
        var values: [(String, JSONValue)] = []
        var withheld: [String] = []
        for name in s.fields.keys.sorted() {
            if let encoded = stored.disclosures[name], let d = try? Disclosure(encoded: encoded) {
                values.append((name, d.value))
            } else {
                withheld.append(name)
            }
        }
        let hash = Entry.hash(stored.bytes)
        if output.json {
            try emitJSON(.object([("seq", .integer(entry.seq)), ("hash", .string(hash)), ("entry", entry.json()),
                                  ("fields", .object(values)), ("withheld", .array(withheld.map { .string($0) }))]))
            return
        }
        emit("entry \(entry.seq)   recorded \(entry.recorded)")
        emit("  type      \(s.type) (schema \(s.schema))")
        emit("  stream    \(s.stream)\(s.expect.map { " (expected version \($0))" } ?? "")")
        emit("  actor     \(s.actor), at \(s.at)")
        emit("  key       \(s.key) (\(s.alg.rawValue))")
        emit("  prev      \(entry.prev)")
        emit("  hash      \(hash)")
        emit("  fields")
        let width = (s.fields.keys.map(\.count).max() ?? 0) + 2
        for (name, value) in values { emit("    \(name.padding(toLength: width, withPad: " ", startingAt: 0))\(show(value))") }
        for name in withheld { emit("    \(name.padding(toLength: width, withPad: " ", startingAt: 0))(not disclosed)") }
    }
}
