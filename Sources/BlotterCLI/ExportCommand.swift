import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

struct ExportCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a public disclosure bundle under a policy: records as CSV and JSON Lines, a data dictionary, and proofs anyone can check.",
        discussion: """
            First verifies the whole ledger (an export from a ledger that fails is refused), signs a
            checkpoint if the ledger grew, then writes into --out (new or empty):
              data/NAME.csv, data/NAME.jsonl    the records of each dataset of the policy
              dictionary.csv, dictionary.json   every column: source field, sensitivity, treatment, proof
              checkpoint                        the signed checkpoint, with any witness cosignatures
              proofs/entries.jsonl              the entries the records came from, the disclosures of
                                                published fields only, and inclusion proofs
              proofs/NAME.jsonl                 for each record, where each value came from
              policy.json, README.txt, manifest.json (the SHA-256 of every file)
            Then appends a disclosure.published statement (signed with --key, a custodian's) holding
            the manifest's digest, and writes publication.json: that entry, proved to a new checkpoint.
            Check a bundle with `blotter verify-export DIR --key VKEY` or Tools/verify_export.py.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The disclosure policy (JSON; see Schemas/disclosure-policy.schema.json and Tools/policies/).")
    var policy: String

    @Option(name: .long, help: "The directory to write the bundle into (new or empty).")
    var out: String

    @Option(name: .long, help: "The custodian's private key, who records the publication (default $BLOTTER_KEY).")
    var key: String?

    @Option(name: .long, help: "The operator's checkpoint key (default LEDGER.operator.pem).")
    var operatorKey: String?

    @Option(name: .long, help: "A checkpoint of this log that witnesses cosigned: the bundle's proofs lead to it, its cosignatures travel with it, and only entries it covers are published (default: a new checkpoint of the whole ledger).")
    var checkpoint: String?

    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let policy = try DisclosurePolicy.load(path: self.policy, catalog: catalog)
        guard let keyPath = key ?? ProcessInfo.processInfo.environment["BLOTTER_KEY"] else {
            throw BlotterError(.invalidInput, "give the custodian's key with --key FILE or BLOTTER_KEY: each export is recorded in the ledger")
        }
        let published = try DisclosureExport.publish(ledger: ledger, catalog: catalog, policy: policy,
                                                     operatorKey: try loadPrivateKey(ledgerOptions.operatorKeyPath(operatorKey)),
                                                     custodianKey: try loadPrivateKey(keyPath), directory: out,
                                                     cosigned: try checkpoint.map { try SignedNote(parsing: String(decoding: try readInput($0), as: UTF8.self)) })
        let summary = published.summary
        let size = published.checkpointSize
        if output.json {
            try emitJSON(.object([
                ("out", .string(out)), ("policy", .string(policy.name)), ("policy_sha256", .string(policy.digest)),
                ("checkpoint_size", .integer(size)), ("records", .integer(Int64(summary.total))),
                ("datasets", .object(summary.records.map { ($0.dataset, .integer(Int64($0.count))) })),
                ("entries", .integer(Int64(summary.entries))), ("proved_values", .integer(Int64(summary.provedValues))),
                ("unproved_values", .integer(Int64(summary.unprovedValues))), ("manifest_sha256", .string(summary.manifestDigest)),
                ("published_seq", .integer(published.seq)), ("seconds", .double(summary.seconds)),
                ("phases", .object(summary.phases.map { ($0.0, .double($0.1)) })),
                ("peak_memory_kib", peakMemoryKiB().map { .integer($0) } ?? .null),
            ]))
        } else {
            emit("exported \(summary.total) records under policy \(policy.name) to \(out) in \(String(format: "%.2f", summary.seconds)) s")
            for (name, count) in summary.records { emit("  \(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(count)") }
            emit("  values: \(summary.provedValues) proved against the log, \(summary.unprovedValues) generalised without proof")
            emit("  \(summary.entries) entries with inclusion proofs to the checkpoint at size \(size)")
            emit("  manifest SHA-256 \(summary.manifestDigest), recorded as entry \(published.seq) (disclosure.published)")
            emit("check it: blotter verify-export \(out) --key '\(try ledger.identity()?.operatorKey.description ?? "VKEY")'")
        }
    }
}

struct VerifyExportCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Check a disclosure bundle against the log's checkpoint key; exit 1 and list every problem with its place.",
        discussion: """
            Checks every file's SHA-256 against the manifest, the checkpoint's signature, every entry's
            inclusion proof, canonical form, signer key, role and signature, every disclosure against its
            digest, and every published value (CSV and JSON Lines) against the disclosure it is or is
            derived from; and publication.json, the ledger entry that records the bundle's manifest.
            Needs no ledger: only the bundle and the key.
            """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "The bundle directory.")
    var directory: String

    @Option(name: .long, help: "The log's checkpoint verifier key (origin+keyid+base64), or a file holding it.")
    var key: String

    func execute() throws {
        let text = FileManager.default.fileExists(atPath: key) ? String(decoding: try readInput(key), as: UTF8.self) : key
        let vkey = try NoteVerifierKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines))
        let report = ExportVerifier(directory: directory, key: vkey).verify()
        if output.json {
            try emitJSON(.object([
                ("ok", .bool(report.ok)), ("records", .integer(Int64(report.records))), ("entries", .integer(Int64(report.entries))),
                ("proved_values", .integer(Int64(report.provedValues))), ("unproved_values", .integer(Int64(report.unprovedValues))),
                ("checkpoint_size", .integer(report.checkpointSize)), ("publication", report.publication.map { .integer($0) } ?? .null),
                ("problems", .array(report.problems.map { .object([("place", .string($0.place)), ("message", .string($0.message))]) })),
                ("seconds", .double(report.seconds)), ("peak_memory_kib", peakMemoryKiB().map { .integer($0) } ?? .null),
            ]))
        } else if report.ok {
            emit("ok: \(report.records) records, \(report.entries) entries verified against the checkpoint at size \(report.checkpointSize) in \(String(format: "%.2f", report.seconds)) s")
            emit("  \(report.provedValues) values match their disclosures; \(report.unprovedValues) are generalised without proof (see dictionary)")
            emit(report.publication.map { "  publication recorded at entry \($0), manifest digest matches" } ?? "  no publication.json: the release itself is not proved")
        } else {
            for p in report.problems { printError("\(p.place): \(p.message)") }
            printError("FAILED: \(report.problems.count)\(report.problems.count == ExportVerifier.maxProblems ? "+" : "") problem(s)")
        }
        if !report.ok { throw ExitCode(1) }
    }
}
