import ArgumentParser
import Blotter
import Foundation

struct ProjectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "projections", abstract: "The case views, queues and histories built from the log.",
                                                    subcommands: [ProjectionsRebuildCommand.self])
}

struct ProjectionsRebuildCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild", abstract: "Drop every projection table and build it again from the log, in one transaction.",
        discussion: "The result is the same tables the appends built. Signatures are not re-checked here; run `blotter verify` for that.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let started = Date()
        let tty = isatty(2) == 1
        let n = try ledger.rebuildProjections { done, total in
            if tty { writeErr("\rrebuilding: \(done) / \(total) entries".utf8) }
        }
        if tty { writeErr("\n".utf8) }
        let seconds = Date().timeIntervalSince(started)
        if output.json {
            try emitJSON(.object([("entries", .integer(n)), ("seconds", .double((seconds * 1000).rounded() / 1000))]))
        } else {
            emit("rebuilt projections from \(n) entries in \(String(format: "%.2f", seconds)) s (\(Int(Double(n) / max(seconds, 0.001))) entries/s)")
        }
    }
}
