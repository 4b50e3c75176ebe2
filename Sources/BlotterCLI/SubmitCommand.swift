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
            is reported with its existing entry and not appended again. The first refused statement
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
        func flush() throws {
            guard !pending.isEmpty else { return }
            let receipts: [AppendReceipt]
            do {
                receipts = try ledger.append(pending.map(\.submission))
            } catch let error as BlotterError {
                throw lineError(error, pending: pending)
            }
            for r in receipts { try printReceipt(r, json: output.json) }
            pending.removeAll(keepingCapacity: true)
        }
        // A whole-file JSON object (possibly pretty-printed) is one submission; otherwise JSON Lines.
        if let single = try? JSONParser.parse(bytes) {
            pending.append((1, try Submission(json: single)))
        } else {
            var lineNumber = 0
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do {
                    pending.append((lineNumber, try Submission(json: try JSONParser.parse(Array(line)))))
                } catch {
                    try flush()
                    throw BlotterError(error.code, "\(file) line \(lineNumber): \(error.message)")
                }
                if pending.count >= batch { try flush() }
            }
        }
        try flush()
    }

    /// Names the input line of the statement that a batch error is about.
    func lineError(_ error: BlotterError, pending: [(line: Int, submission: Submission)]) -> BlotterError {
        if pending.count == 1 { return BlotterError(error.code, "\(file) line \(pending[0].line): \(error.message)") }
        // Batch errors start with "statement K of N: ".
        let parts = error.message.split(separator: " ", maxSplits: 4)
        if parts.count == 5, parts[0] == "statement", let k = Int(parts[1]), k >= 1, k <= pending.count {
            return BlotterError(error.code, "\(file) line \(pending[k - 1].line): \(parts[4])")
        }
        return error
    }
}
