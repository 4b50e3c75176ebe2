import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

struct ImportCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a CSV or JSON Lines export through a declarative mapping, idempotently.",
        discussion: """
            The mapping (Schemas/import-mapping.schema.json; examples in Tools/mappings) says which rows make
            which statements, from which columns. Each statement is signed with your key (registered with the
            importer role) and records its source: mapping, file SHA-256, row, record key.

            Importing the same file again adds nothing; a newer export adds what is new, and amends what
            changed where the mapping says how. Rows refused by a schema or lifecycle rule are skipped and
            written, as they were plus the reason, to the rejects file, which can be fixed and imported again.
            The file is read once before anything is written: a file cut off mid-row, not UTF-8, with uneven
            rows, or without a column the mapping reads is refused with the line and nothing is written.
            """)
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: "The mapping file (JSON).") var mapping: String
    @Option(name: .long, help: "Your importer key (PKCS#8 PEM); default $BLOTTER_KEY.") var key: String?
    @Flag(name: .long, help: "Check everything (mapping, file, schemas, lifecycle rules) in one transaction that is rolled back: nothing is kept. Holds the write lock while it runs.")
    var dryRun = false
    @Option(name: .long, help: "Write the full report (JSON) here.") var report: String?
    @Option(name: .long, help: "Write rejected rows here, as they were plus blotter_row, blotter_column, blotter_reason (default: NAME.rejected.csv or .jsonl in the current directory).")
    var rejects: String?
    @Option(name: .long, help: "Rows per transaction.") var batch: Int = 1000
    @Flag(name: .long, help: "No progress lines on stderr.") var quiet = false
    @Option(name: .long, parsing: .singleValue, help: "The file of one of the mapping's joins, as NAME=FILE (e.g. accused=accused.csv.gz). Repeatable.")
    var join: [String] = []
    @Argument(help: "The export to import (CSV or JSON Lines, or either gzip-compressed).") var file: String

    func execute() throws {
        guard batch > 0 else { throw BlotterError(.invalidInput, "--batch must be at least 1") }
        guard let keyPath = key ?? ProcessInfo.processInfo.environment["BLOTTER_KEY"] else {
            throw BlotterError(.invalidInput, "give the importer's signing key with --key FILE or BLOTTER_KEY")
        }
        let privateKey = try loadPrivateKey(keyPath)
        guard ledgerOptions.isPostgres || FileManager.default.fileExists(atPath: ledgerOptions.path) else {
            throw BlotterError(.ledgerState, "no ledger at \(ledgerOptions.path)")
        }
        let ledger = try LedgerOptions.open(ledgerOptions.path)
        defer { try? ledger.close() }
        guard let catalog = try ledger.catalog() else {
            throw BlotterError(.ledgerState, "\(ledgerOptions.displayName) has no event catalog (created with --no-catalog); import needs one")
        }
        let map = try ImportMapping.load(path: mapping, catalog: catalog)
        // A dry run imports inside one transaction that is rolled back at the end: every rule is
        // checked exactly as a real run would check it, against the ledger and what the run's own
        // earlier batches added, and nothing is kept (no copy of the ledger is made).
        if dryRun {
            if !quiet { printError("import: dry run; the ledger's write lock is held until it ends, other writers wait") }
            return try ledger.store.rehearse { stage in
                try run(Ledger(store: stage, policy: ledger.policy), map: map, key: privateKey)
            }
        }
        try run(ledger, map: map, key: privateKey)
    }

    func run(_ ledger: Ledger, map: ImportMapping, key privateKey: PrivateKey) throws {
        let importer = try Importer(ledger: ledger, mapping: map, key: privateKey)
        for item in join {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
                throw BlotterError(.invalidInput, "--join \"\(item)\" must be NAME=FILE")
            }
            importer.joinFiles[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        importer.batchRows = batch
        if !quiet {
            importer.progress = { p in
                let rate = p.seconds > 0 ? Int(Double(p.rowsDone) / p.seconds) : 0
                printError("import: \(p.rowsDone) of \(p.rowsTotal) rows (\(p.rowsTotal == 0 ? 100 : p.rowsDone * 100 / p.rowsTotal)%), \(p.statements) statements, \(rate) rows/s")
            }
        }
        var source = URL(fileURLWithPath: file)
        if source.pathExtension == "gz" { source = source.deletingPathExtension() }  // complaints.csv.gz: complaints.rejected.csv
        let base = source.deletingPathExtension().lastPathComponent
        let rejectsPath = rejects ?? "\(base).rejected.\(map.format == .csv ? "csv" : "jsonl")"
        var writer: RejectsWriter? = nil
        importer.onReject = { [unowned importer] record, rejection in
            if writer == nil { writer = try RejectsWriter(path: rejectsPath, format: map.format, header: importer.header, delimiter: map.delimiter) }
            try writer?.write(record, rejection)
        }
        var result = try importer.run(path: file)
        try writer?.close()
        result.dryRun = dryRun
        if let report { try writeFile(report, show(result.json()) + "\n") }
        if output.json {
            var json = result.json().objectValue ?? []
            if let peak = peakMemoryKiB() { json.append(("peak_memory_kib", .integer(peak))) }
            try emitJSON(.object(json))
            return
        }
        emit("\(dryRun ? "dry run (nothing written): " : "")\(file) through mapping \(map.name)")
        emit("  file SHA-256 \(result.fileDigest)")
        emit("  rows read \(result.rowsRead): imported \(result.rowsImported), unchanged \(result.rowsUnchanged), rejected \(result.rejected.count)"
             + (result.rowsDuplicate > 0 ? ", exact duplicates of an earlier row \(result.rowsDuplicate)" : "")
             + (result.rowsWithoutEvents > 0 ? ", no event under the mapping \(result.rowsWithoutEvents)" : ""))
        emit("  statements \(dryRun ? "that would be " : "")written \(result.statementsWritten) in \(String(format: "%.1f", result.seconds)) s"
             + (result.seconds > 0 ? " (\(Int(Double(result.rowsRead) / result.seconds)) rows/s)" : ""))
        for (type, n) in result.statements.sorted(by: { $0.key < $1.key }) {
            emit("    \(type): \(n)\(result.amendments[type].map { " (\($0) amendments)" } ?? "")")
        }
        if !result.legacy.isEmpty {
            emit("  legacy records (history that breaks a rule of today's lifecycle, recorded as the source has it):")
            for (rule, n) in result.legacy.sorted(by: { $0.key < $1.key }) { emit("    \(rule): \(n) statement\(n == 1 ? "" : "s")") }
        }
        if !result.defaults.isEmpty {
            emit("  values translated by a default:")
            for d in result.defaults.values.sorted(by: { ($0.column, $0.value) < ($1.column, $1.value) }) {
                emit("    \(d.column) \"\(d.value)\" -> \(show(d.to)): \(d.count) row\(d.count == 1 ? "" : "s") (first row \(d.firstRow))")
            }
        }
        if !result.changesNotApplied.isEmpty {
            emit("  changed in the source but not amended (the mapping says report): \(result.changesNotApplied.count)")
            for c in result.changesNotApplied.prefix(10) { emit("    row \(c.row) record \(c.record): \(c.reason)") }
        }
        if !result.rejected.isEmpty {
            emit("  rejected rows (written to \(rejectsPath)):")
            for r in result.rejected.prefix(10) {
                emit("    row \(r.row) (line \(r.line))\(r.column.map { " column \($0)" } ?? ""): \(r.reason)")
            }
            if result.rejected.count > 10 { emit("    ... and \(result.rejected.count - 10) more\(report.map { " (all in \($0))" } ?? "")") }
        }
    }
}

/// Writes rejected rows as they were read, plus where and why, in the source's own format so that
/// the file can be corrected and imported again with the same mapping.
final class RejectsWriter {
    static let extra = ["blotter_row", "blotter_column", "blotter_reason"]
    let handle: FileHandle
    let format: SourceFormat
    let delimiter: UInt8
    /// Header positions kept (earlier blotter_* columns of a re-imported rejects file are replaced).
    let keep: [Int]

    init(path: String, format: SourceFormat, header: [String], delimiter: UInt8) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw BlotterError(.invalidInput, "cannot write rejected rows to \(path)")
        }
        self.handle = handle
        self.format = format
        self.delimiter = delimiter
        keep = header.indices.filter { !Self.extra.contains(header[$0]) }
        if format == .csv { try line(keep.map { header[$0] } + Self.extra) }
    }

    func write(_ record: SourceRecord, _ r: ImportReport.Rejection) throws {
        switch format {
        case .csv:
            try line(keep.map { $0 < record.raw.count ? record.raw[$0] : "" } + [String(r.row), r.column ?? "", r.reason])
        case .jsonl:
            var members = (try? JSONParser.parse(record.raw.first ?? "{}"))?.objectValue ?? []
            members.removeAll { $0.0 == "blotter_rejected" }
            members.append(("blotter_rejected", .object([("row", .integer(Int64(r.row))), ("column", r.column.map(JSONValue.string) ?? .null),
                                                         ("reason", .string(r.reason))])))
            try handle.write(contentsOf: Array(CanonicalJSON.encode(.object(members))) + [0x0A])
        }
    }

    private func line(_ cells: [String]) throws {
        try handle.write(contentsOf: Array((SourceReader.csvLine(cells, delimiter: delimiter) + "\r\n").utf8))
    }

    func close() throws { try handle.close() }
}
