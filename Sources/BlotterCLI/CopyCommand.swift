import ArgumentParser
import Blotter
import BlotterPostgres
import Foundation

struct CopyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a ledger to another store: a SQLite file into PostgreSQL, or back.",
        discussion: """
            Every entry's exact bytes and disclosures, the key registry, the Merkle tree and every
            signed checkpoint are copied, so the copy has the same root and every checkpoint still
            verifies; the views are then rebuilt from the copied log, and the copy is verified in full.
            The destination must be new (a file that does not exist, or an empty PostgreSQL database),
            or hold the start of this same ledger from a copy that was stopped: it is then continued.
            """)

    @Option(name: .long, help: "The ledger to copy: a file or a postgres:// URL.") var from: String
    @Option(name: .long, help: "Where to copy it: a new file, or an empty PostgreSQL database (postgres://USER@HOST:PORT/DATABASE).") var to: String
    @OptionGroup var output: OutputOptions

    func execute() throws {
        guard from != to else { throw BlotterError(.invalidInput, "--from and --to name the same ledger") }
        let source = try LedgerOptions.open(from)
        defer { try? source.close() }
        let destination: any LedgerStore
        if PostgresLocation.isURL(to) {
            destination = try PostgresStore.openOrCreate(url: to)
        } else {
            destination = FileManager.default.fileExists(atPath: to) ? try SQLiteStore.open(path: to) : try SQLiteStore.create(path: to)
        }
        defer { try? destination.close() }
        let started = Date()
        let tty = isatty(2) == 1
        let copied = try LedgerCopy.copy(from: source.store, to: destination) { done, total in
            if tty { writeErr("\rcopying: \(done) / \(total) entries".utf8) }
        }
        if tty { writeErr("\n".utf8) }
        let copy = Ledger(store: destination)
        let hasCatalog = try source.catalog() != nil
        if hasCatalog { try copy.rebuildProjections() }
        let report = try LedgerVerifier(store: destination).verify()
        let root = try source.root(size: copied).root
        guard report.root == root else {
            throw BlotterError(.verificationFailed, "the copy's tree root \(report.root.base64) is not the source's \(root.base64)")
        }
        let shown = (try? PostgresLocation(url: to).description) ?? to
        let seconds = Date().timeIntervalSince(started)
        if output.json {
            try emitJSON(.object([("to", .string(shown)), ("entries", .integer(copied)), ("root", .string(root.base64)),
                                  ("views_rebuilt", .bool(hasCatalog)), ("seconds", .double((seconds * 1000).rounded() / 1000))]))
        } else {
            emit("copied \(copied) entries to \(shown) in \(String(format: "%.2f", seconds)) s; verified, tree root \(root.base64)\(hasCatalog ? "; views rebuilt" : "")")
        }
    }
}
