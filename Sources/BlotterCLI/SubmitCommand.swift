import ArgumentParser
import Blotter
import Foundation

struct SubmitCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Append statements signed elsewhere, with their disclosures.",
        discussion: """
            Input: one submission {"statement": {...}, "disclosures": [...]}, or JSON Lines with one
            submission per line. Statements are committed in batches of --batch (group commit); a line
            is printed for each statement once its batch is durable. A statement already in the ledger
            is reported with its existing entry and not appended again. Every line is read before
            anything is appended: a line that is not a submission (malformed JSON, a missing member)
            refuses the whole input, and nothing is written. The first statement the ledger refuses
            stops the run: earlier batches stay committed, its own batch is not written.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Statements per transaction.")
    var batch = 1000

    @Argument(help: "The submission file ('-' for standard input).")
    var file: String

    func execute() throws {
        guard batch >= 1 else { throw BlotterError(.invalidInput, "--batch must be at least 1") }
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let bytes = try readInput(file)
        var pending: [(line: Int, submission: Submission)] = []
        // The batch checked and not yet committed: a batch's checks (signatures, disclosures, on all
        // cores) run while the batch before it commits (its serial write and fsync).
        var checked: (batch: [(line: Int, submission: Submission)], prepared: PreparedAppend)? = nil
        func report(_ committed: Result<[AppendReceipt], any Error>, of batch: [(line: Int, submission: Submission)]) throws {
            let receipts: [AppendReceipt]
            do {
                receipts = try committed.get()
            } catch let error as BlotterError {
                throw lineError(error, pending: batch)
            }
            for r in receipts { try printReceipt(r, json: output.json) }
        }
        func commitChecked() throws {
            guard let (batch, prepared) = checked else { return }
            checked = nil
            try report(Result { try ledger.commitStatements(prepared) }, of: batch)
        }
        func flush() throws {
            guard !pending.isEmpty else { return }
            let batch = pending
            pending = []
            let prepared: Result<PreparedAppend, any Error>
            if let (previous, previousPrepared) = checked {
                checked = nil
                let (committed, next) = ledger.commitStatements(previousPrepared, whilePreparing: batch.map(\.submission))
                // The earlier batch's failure first: this one is then not written.
                try report(committed, of: previous)
                prepared = next
            } else {
                prepared = Result { try ledger.prepare(batch.map(\.submission)) }
            }
            do {
                checked = (batch, try prepared.get())
            } catch let error as BlotterError {
                throw lineError(error, pending: batch)
            }
        }
        // A whole-file JSON object (possibly pretty-printed) is one submission; otherwise JSON Lines.
        if let single = try? JSONParser.parse(bytes) {
            pending.append((1, try Submission(json: single)))
        } else {
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            func blank(_ line: ArraySlice<UInt8>) -> Bool { line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
            func submission(_ n: Int) throws -> Submission {
                do {
                    return try Submission(json: try JSONParser.parse(Array(lines[n])))
                } catch {
                    throw BlotterError(error.code, "\(file) line \(n + 1): \(error.message); nothing was appended")
                }
            }
            // A first pass decodes every line (keeping none, so memory does not grow with the file):
            // a malformed line refuses the input before anything is written.
            for n in lines.indices where !blank(lines[n]) { _ = try submission(n) }
            guard lines.contains(where: { !blank($0) }) else {
                throw BlotterError(.invalidInput, "\(file) holds no submissions (it is empty); nothing was appended")
            }
            for n in lines.indices where !blank(lines[n]) {
                pending.append((n + 1, try submission(n)))
                if pending.count >= batch { try flush() }
            }
        }
        try flush()
        try commitChecked()
    }

    /// Names the input line of the statement that a batch error is about.
    func lineError(_ error: BlotterError, pending: [(line: Int, submission: Submission)]) -> BlotterError {
        guard let (k, detail) = refusedStatement(error, batchSize: pending.count) else { return error }
        return BlotterError(error.code, "\(file) line \(pending[k].line): \(detail)")
    }
}
