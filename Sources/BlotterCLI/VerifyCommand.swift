import ArgumentParser
import Blotter
import Foundation

/// This process's peak resident memory (VmHWM), where /proc tells it.
func peakMemoryKiB() -> Int64? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    return line.split(separator: " ").compactMap { Int64($0) }.first
}

struct VerifyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read every stored byte and check the whole ledger; exit 1 listing every failing entry (up to 20).",
        discussion: """
            Checks each entry's seq, prev link and canonical form; every signature (on all cores); that
            each key was registered to that actor before use, not revoked, of the right algorithm, with a
            role allowed for the type; stream versions against `expect`; the clock rules; and every stored
            disclosure against its digest. Then, on a ledger with domain views (cases, queues, officer
            histories, custody), rebuilds every view apart from the log and compares it row by row with
            the stored one, naming each table and row that differs (not with --since, unless --views).
            Shows progress on stderr when it is a terminal.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "A checkpoint you trusted earlier: the ledger must still extend it exactly; only newer entries are verified one by one.")
    var since: String?

    @Option(name: .long, help: "With --since: the log's verifier key you trust (default: the ledger's operator key).")
    var key: String?

    @Flag(inversion: .prefixedNo, help: "Rebuild the views apart and compare them with the stored ones (default: yes, but not with --since).")
    var views: Bool?

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        var trusted: Checkpoint? = nil
        if let since {
            guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
            let key = try self.key.map { try NoteVerifierKey(parsing: $0) } ?? identity.operatorKey
            do {
                let note = try SignedNote(parsing: String(decoding: try readInput(since), as: UTF8.self))
                _ = try note.verify(keys: [key])
                trusted = try Checkpoint(text: note.text)
            } catch let error as BlotterError {
                throw BlotterError(.invalidInput, "\(since): \(error.message)")
            }
        }
        let interactive = isatty(2) == 1
        let started = Date()
        var shown = false
        let verifier = LedgerVerifier(store: ledger.store)
        do {
            let report = try verifier.verify(since: trusted) { done, total in
                guard interactive, Date().timeIntervalSince(started) > 1 else { return }
                shown = true
                let percent = total == 0 ? 100 : Double(done) * 100 / Double(total)
                writeErr("\rverifying \(done) / \(total) entries (\(String(format: "%.1f", percent))%)".utf8)
            }
            if shown { writeErr("\n".utf8) }
            let viewsReport = try (views ?? (since == nil)) ? ledger.verifyViews(limit: 20) : nil
            if let viewsReport, !viewsReport.ok {
                let list = viewsReport.differences.map(\.description)
                let error = "the stored views differ from a rebuild from the log (\(list.count)\(viewsReport.truncated ? " or more" : "") difference\(list.count == 1 && !viewsReport.truncated ? "" : "s"))"
                if output.json {
                    try emitJSON(.object([("ok", .bool(false)), ("seq", .null), ("error", .string(error)),
                                          ("views", .array(list.map { .string($0) }))]))
                } else {
                    emit("FAILED: \(error); entries and signatures verified, but what `case show` and the other views print is not what the log says:")
                    for line in list { emit("  \(line)") }
                    emit("  (`blotter projections rebuild` makes them again from the log)")
                }
                throw ExitCode(1)
            }
            if output.json {
                try emitJSON(.object([
                    ("views", viewsReport.map { .object([("tables", .integer(Int64($0.tables))), ("rows", .integer($0.rows))]) } ?? .null),
                    ("ok", .bool(true)), ("entries", .integer(report.entries)), ("keys", .integer(Int64(report.keys))),
                    ("revoked_keys", .integer(Int64(report.revokedKeys))), ("streams", .integer(Int64(report.streams))),
                    ("disclosures", .integer(report.disclosures)), ("withheld", .integer(report.withheld)),
                    ("head", .string(report.headHash)), ("root", .string(report.root.base64)), ("seconds", .double(report.seconds)),
                    ("peak_memory_kib", peakMemoryKiB().map { .integer($0) } ?? .null),
                    ("since", report.since.map { .integer($0) } ?? .null),
                ]))
            } else {
                if let size = report.since {
                    emit("ok: consistent with the checkpoint at size \(size); entries \(size) to \(report.entries - 1) verified in \(String(format: "%.2f", report.seconds)) s")
                } else {
                    emit("ok: \(report.entries) entries verified in \(String(format: "%.2f", report.seconds)) s")
                }
                emit("  keys         \(report.keys) (\(report.revokedKeys) revoked)")
                emit("  streams      \(report.streams)")
                emit("  disclosures  \(report.disclosures) checked, \(report.withheld) not held")
                emit("  head         \(report.headHash)")
                emit("  tree root    \(report.root.base64) (size \(report.entries))")
                if let viewsReport {
                    emit("  views        \(viewsReport.tables) tables, \(viewsReport.rows) rows: equal to a rebuild from the log")
                }
            }
        } catch let error as BlotterError where error.code == .verificationFailed {
            if shown { writeErr("\n".utf8) }
            // Every failing entry, up to the verifier's limit; the first is the one `seq` names.
            let all = [error] + error.further
            if output.json {
                try emitJSON(.object([("ok", .bool(false)), ("seq", error.seq.map { .integer($0) } ?? .null), ("error", .string(error.message)),
                                      ("failures", .array(all.map { .object([("seq", $0.seq.map { .integer($0) } ?? .null), ("error", .string($0.message))]) }))]))
            } else {
                for failure in all { emit("FAILED: \(failure.description)") }
                if all.count >= verifier.failureLimit { emit("(listing stops after \(verifier.failureLimit) failures)") }
            }
            throw ExitCode(1)
        }
    }
}
