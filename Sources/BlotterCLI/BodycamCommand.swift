import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

struct BodycamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bodycam", abstract: "Body-worn camera feeds, compliance and chain of custody.",
                                                    subcommands: [BodycamIngestCommand.self, BodycamComplianceCommand.self, BodycamCustodyCommand.self])
}

struct BodycamIngestCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Append a JSON Lines feed of camera and evidence-system audit events, all or nothing.",
        discussion: """
            One event per line, either in Blotter's form
              {"type": "bodycam.evidence.accessed", "at": "2026-11-20T10:00:00Z", "fields": {"evidence_id": "X1", ...}}
            or in the evidence system's audit-trail form, where "event" is one of recorded, marker,
            viewed, streamed, downloaded, shared, exported, redacted, retention, deletion_requested, deleted:
              {"event": "viewed", "time": "2026-11-20T10:00:00Z", "evidence_id": "X1", "user": "sgt/diaz", "case_id": "IA-2026-0042"}
            Every line is signed with the evidence system's key and validated; if any line is refused,
            nothing is written and the error names the line.
            """)
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The JSON Lines file ('-' for standard input).") var file: String

    static let events: [String: String] = [
        "recorded": "bodycam.recording.captured", "marker": "bodycam.marker.added", "viewed": "bodycam.evidence.accessed",
        "streamed": "bodycam.evidence.accessed", "downloaded": "bodycam.evidence.accessed", "shared": "bodycam.evidence.accessed",
        "exported": "bodycam.evidence.accessed", "redacted": "bodycam.evidence.redacted", "retention": "bodycam.retention.changed",
        "deletion_requested": "bodycam.evidence.deletion.requested", "deleted": "bodycam.evidence.deleted",
    ]

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let (key, actor, origin) = try signer.signer(ledger)
        let catalog = try ledger.catalog()
        let text = try readInput(file)
        var submissions: [Submission] = []
        var lineOf: [Int] = []
        var versions: [String: Int64] = [:]
        for (n, line) in text.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let lineNumber = n + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            func fail(_ why: String) -> BlotterError { BlotterError(.invalidInput, "\(file) line \(lineNumber): \(why)") }
            let json = try parseJSON(Array(line), source: "\(file) line \(lineNumber)")
            var type: String
            var at: String?
            var fields: [(String, JSONValue)]
            if let t = json["type"]?.stringValue {
                type = t
                at = json["at"]?.stringValue
                guard let f = json["fields"]?.objectValue else { throw fail("needs \"fields\": an object") }
                fields = f
            } else if let event = json["event"]?.stringValue {
                guard let t = Self.events[event] else { throw fail("unknown event \"\(event)\" (known: \(Self.events.keys.sorted().joined(separator: ", ")))") }
                type = t
                at = json["time"]?.stringValue
                fields = (json.objectValue ?? []).filter { $0.0 != "event" && $0.0 != "time" }
                if type == "bodycam.evidence.accessed" { fields.append(("action", .string(event))) }
            } else {
                throw fail("needs \"type\" (Blotter form) or \"event\" (audit-trail form)")
            }
            guard type.hasPrefix("bodycam.") else { throw fail("\(type) is not a body-camera event") }
            guard let evidence = fields.first(where: { $0.0 == "evidence_id" })?.1.stringValue else { throw fail("needs evidence_id") }
            var time = Timestamp.now()
            if let at {
                guard let t = Timestamp(rfc3339: at, precision: .secondsOrMilliseconds) else { throw fail("time \"\(at)\" is not RFC 3339 UTC") }
                time = t
            }
            let stream = "bodycam/\(evidence)"
            let version = try versions[stream] ?? ledger.store.read { try $0.streamVersion(stream) }
            versions[stream] = version + 1
            let schema = catalog?.types[type]?.version ?? 1
            do {
                submissions.append(try StatementDraft(log: origin, type: type, schema: schema, stream: stream, expect: version,
                                                      actor: actor, at: time, fields: fields).sign(with: key))
            } catch let error as BlotterError {
                throw error.prefixed("\(file) line \(lineNumber): ")
            }
            lineOf.append(lineNumber)
        }
        let receipts: [AppendReceipt]
        do {
            receipts = try ledger.append(submissions)
        } catch let error as BlotterError {
            // Say which line the refused statement came from.
            guard let (k, _) = refusedStatement(error, batchSize: lineOf.count) else { throw error }
            throw BlotterError(error.code, "\(file) line \(lineOf[k]): \(error.message); nothing was written", rule: error.rule)
        }
        if output.json {
            try emitJSON(.object([("appended", .integer(Int64(receipts.filter { !$0.duplicate }.count))),
                                  ("first_seq", receipts.first.map { .integer($0.seq) } ?? .null), ("last_seq", receipts.last.map { .integer($0.seq) } ?? .null)]))
        } else {
            emit("ingested \(receipts.count) events from \(file)" + (receipts.isEmpty ? "" : " as entries \(receipts.first!.seq)–\(receipts.last!.seq)"))
        }
    }
}

struct BodycamComplianceCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "compliance", abstract: "Use of force without footage, late activations, accesses not tied to a case, deletions and their authority.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Minutes before and after an incident within which a recording counts.") var windowMinutes: Int64 = 30
    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let v = try views(ledger, catalog) { try $0.bodycamCompliance(windowSeconds: windowMinutes * 60) }
        if output.json { try emitJSON(v); return }
        emit("\(cell(v["use_of_force_reports"])) use-of-force reports, \(cell(v["recordings"])) recordings, \(cell(v["accesses"])) accesses")
        emit("USE OF FORCE WITH NO RECORDING FROM THAT OFFICER WITHIN \(windowMinutes) MINUTES")
        table(["report", "entry", "officer", "incident"], rows(v["use_of_force_without_recording"], ["report_id", "seq", "officer", "incident_at"]))
        emit("LATE ACTIVATIONS (recording began after the incident, buffer included)")
        table(["report", "officer", "incident", "recording", "late by (s)"], rows(v["late_activations"], ["report_id", "officer", "incident_at", "evidence_id", "late_seconds"]))
        emit("ACCESSES NOT TIED TO A CASE")
        table(["entry", "recording", "user", "action", "purpose", "at"], rows(v["accesses_not_tied_to_a_case"], ["seq", "evidence_id", "user", "action", "purpose", "at"]))
        emit("DELETIONS")
        table(["entry", "recording", "deleted by", "authorised by", "authority", "UNAUTHORISED"],
              rows(v["deletions"], ["seq", "evidence_id", "deleted_by", "authorised_by", "authority", "unauthorised"]))
    }
}

struct BodycamCustodyCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "custody", abstract: "One recording's chain of custody: capture, every access (who, when, why), retention, deletion.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The evidence id.") var evidenceID: String
    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let v = try views(ledger, catalog) { try $0.custody(evidenceID) }
        if output.json { try emitJSON(v); return }
        let r = v["recording"]
        emit("RECORDING \(evidenceID): officer \(cell(r?["officer"])), device \(cell(r?["device"])), \(cell(r?["start"])) to \(cell(r?["stop"])), sha256 \(cell(r?["sha256"]))")
        if r?["deleted_seq"] != .null { emit("  DELETED at entry \(cell(r?["deleted_seq"])) by \(cell(r?["deleted_by"])), authorised by \(cell(r?["deletion_authorised_by"]))") }
        emit("ACCESSES")
        table(["entry", "user", "action", "purpose", "case", "at"], rows(v["accesses"], ["seq", "user", "action", "purpose", "case_id", "at"]))
        emit("DELETION REQUESTS AND DELETIONS")
        table(["entry", "kind", "requested by", "authorised by", "authority", "reason"], rows(v["deletions"], ["seq", "kind", "requested_by", "authorised_by", "authority", "reason"]))
        emit("ALL ENTRIES OF THIS RECORDING")
        table(["entry", "type", "signed by", "recorded"], rows(v["entries"], ["seq", "type", "actor", "recorded"]))
    }
}
