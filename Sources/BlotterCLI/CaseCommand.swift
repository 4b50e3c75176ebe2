import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Internal-affairs cases: open, work, close, show.",
        discussion: """
            Each step is a statement signed with your key (--key or BLOTTER_KEY) and checked against the
            event's schema and the case lifecycle rules before anything is written. A refused step names
            the rule and what is missing (exit 2), and the ledger is unchanged.
            """,
        subcommands: [CaseOpenCommand.self, CaseAssignCommand.self, CaseAllegationCommand.self, CaseEvidenceCommand.self,
                      CaseFindingCommand.self, CaseApproveCommand.self, CaseDisciplineCommand.self, CaseTollCommand.self,
                      CaseCloseCommand.self, CaseReopenCommand.self, CaseShowCommand.self, CaseListCommand.self])
}

/// The options every case step has.
struct CaseStep: ParsableArguments {
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The case id, e.g. IA-2026-0042.") var caseID: String

    func run(_ type: String, _ what: String, _ fields: [(String, JSONValue?)]) throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: type, stream: "case/\(caseID)", fields: fields)
        try reportStep(receipt, "case \(caseID): \(what)", json: output.json)
    }
}

struct CaseOpenCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a case from one or more received complaints.")
    @OptionGroup var step: CaseStep
    @Option(help: "A complaint the case is opened from (repeatable, at least one).") var complaint: [String] = []
    @Option(help: "When the misconduct was discovered, YYYY-MM-DD: the deadline runs from here (default: the day of --occurred, else today).") var discoveryDate: String?
    @Option(help: "full_investigation, preliminary_review, mediation or referral.") var classification = "full_investigation"
    @Option(help: "Investigating unit.") var unit: String?
    @Option(help: "ca-gc-3304, ny-csl-75 or none, instead of the ledger's default rule.") var deadlineRule: String?
    func execute() throws {
        try step.run("case.opened", "opened", [
            ("case_id", .string(step.caseID)), ("complaints", .array(complaint.map(JSONValue.string))),
            ("discovery_date", .string(try discoveryDate ?? step.signer.occurred.map { String(try eventTime($0, option: "--occurred").prefix(10)) }
                                          ?? CalendarDate(Timestamp.now()).description)),
            ("classification", .string(classification)), ("unit", string(unit)), ("deadline_rule", string(deadlineRule)),
        ])
    }
}

struct CaseAssignCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "assign", abstract: "Assign the case to an investigator (commander).")
    @OptionGroup var step: CaseStep
    @Option(help: "The investigator's actor name, e.g. ia/rivera.") var investigator: String
    @Option(help: "A note.") var note: String?
    func execute() throws { try step.run("case.assigned", "assigned to \(investigator)", [("investigator", .string(investigator)), ("note", string(note))]) }
}

struct CaseAllegationCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "allegation", abstract: "Add an allegation to an open case, or amend one (--amend --reason).")
    @OptionGroup var step: CaseStep
    @Option(name: .customLong("id"), help: "The allegation id within the case, e.g. A1.") var allegationID: String
    @Option(help: "The officer the allegation is against.") var officer: String?
    @Option(help: "Force, Abuse of Authority, Discourtesy, Offensive Language, Untruthful Statement, Other Misconduct.") var category: String?
    @Option(help: "Sub-allegation, e.g. Chokehold.") var subcategory: String?
    @Option(help: "What is alleged.") var description: String?
    @Flag(help: "Amend an existing allegation instead of adding one.") var amend = false
    @Option(help: "Why it is amended (required with --amend).") var reason: String?
    func execute() throws {
        var fields: [(String, JSONValue?)] = [("allegation_id", .string(allegationID)), ("officer", string(officer)), ("category", string(category)),
                                              ("subcategory", string(subcategory)), ("description", string(description))]
        if amend { fields.append(("reason", string(reason))) }
        try step.run(amend ? "case.allegation.amended" : "case.allegation.added", "allegation \(allegationID) \(amend ? "amended" : "added")", fields)
    }
}

struct CaseEvidenceCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "evidence", abstract: "Link evidence by reference and SHA-256 (the file itself is never stored).")
    @OptionGroup var step: CaseStep
    @Option(name: .customLong("id"), help: "The evidence id.") var evidenceID: String
    @Option(help: "bodycam_video, dashcam_video, surveillance_video, document, photo, audio, interview, medical_record, other.") var kind: String
    @Option(help: "The file's SHA-256 (hex).") var sha256: String?
    @Option(help: "A file to hash instead of giving --sha256.") var file: String?
    @Option(help: "Where the evidence is held.") var reference: String?
    @Option(help: "What it is.") var description: String?
    func execute() throws {
        var digest = sha256
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw BlotterError(.invalidInput, "cannot read \(file)") }
            digest = Hex.encode(SHA256.hash(Array(data)))
        }
        guard let digest else { throw BlotterError(.invalidInput, "give --sha256 HEX or --file PATH") }
        try step.run("case.evidence.linked", "evidence \(evidenceID) linked (sha256 \(digest))", [
            ("evidence_id", .string(evidenceID)), ("kind", .string(kind)), ("sha256", .string(digest)),
            ("reference", string(reference)), ("description", string(description)),
        ])
    }
}

struct CaseFindingCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "finding", abstract: "Record the recommended finding on an allegation (investigator).")
    @OptionGroup var step: CaseStep
    @Option(help: "The allegation id.") var allegation: String
    @Option(help: "sustained, not_sustained, exonerated, unfounded, officer_unidentified, complainant_unavailable, complainant_withdrew, mediated, referred.") var finding: String
    @Option(help: "Why.") var rationale: String?
    @Option(name: .customLong("recommend-penalty"), help: "The discipline recommended with a sustained finding: a penalty of `case discipline`.")
    var recommendPenalty: String?
    @Option(name: .customLong("recommend-days"), help: "Days of the recommended suspension or vacation forfeited.") var recommendDays: Int?
    @Option(name: .customLong("recommend-detail"), help: "The recommended discipline in the recommending authority's words.") var recommendDetail: String?
    func execute() throws {
        try step.run("case.finding.recorded", "finding \(finding) recommended on \(allegation)"
                     + (recommendPenalty.map { " with \($0)\(recommendDays.map { " \($0) days" } ?? "")" } ?? ""),
                     [("allegation_id", .string(allegation)), ("finding", .string(finding)), ("rationale", string(rationale)),
                      ("recommended_penalty", string(recommendPenalty)), ("recommended_days", recommendDays.map { .integer(Int64($0)) }),
                      ("recommended_detail", string(recommendDetail))])
    }
}

struct CaseApproveCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve the final finding on an allegation (commander).")
    @OptionGroup var step: CaseStep
    @Option(help: "The allegation id.") var allegation: String
    @Option(help: "The final finding (default: the recommended one).") var finding: String?
    @Option(help: "A note.") var note: String?
    func execute() throws {
        var final = finding
        if final == nil {
            let (ledger, catalog) = try openDomain(step.ledgerOptions)
            let view = try views(ledger, catalog) { try $0.caseView(step.caseID) }
            try ledger.close()
            final = (view["allegations"]?.arrayValue ?? []).first { $0["allegation_id"]?.stringValue == allegation }?["recommended"]?.stringValue
            guard final != nil else { throw BlotterError(.lifecycle, "rule approve-needs-recommendation: allegation \(allegation) of case \(step.caseID) has no recommended finding; give --finding", rule: "approve-needs-recommendation") }
        }
        try step.run("case.finding.approved", "finding \(final!) approved on \(allegation)",
                     [("allegation_id", .string(allegation)), ("finding", .string(final!)), ("note", string(note))])
    }
}

struct CaseDisciplineCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "discipline", abstract: "Impose discipline for a sustained allegation, or modify it (--modify --reason).")
    @OptionGroup var step: CaseStep
    @Option(help: "The allegation id.") var allegation: String
    @Option(help: "no_action, violation_noted, instructions, reprimand, training, command_discipline, suspension, vacation_days_forfeited, demotion, termination, resigned_before_discipline, retired_before_discipline, penalty_not_served, reinstated.") var penalty: String
    @Option(help: "Days of suspension or vacation forfeited.") var days: Int64?
    @Option(help: "Effective date YYYY-MM-DD.") var effective: String?
    @Flag(help: "Modify discipline already imposed (appeal, arbitration, ...).") var modify = false
    @Option(help: "With --modify: appeal, arbitration, reinstatement, settlement or correction.") var reason: String?
    @Option(help: "A note.") var note: String?
    func execute() throws {
        var fields: [(String, JSONValue?)] = [("allegation_id", .string(allegation)), ("penalty", .string(penalty)), ("days", days.map(JSONValue.integer)),
                                              ("note", string(note))]
        if modify { fields.append(("reason", string(reason))) } else { fields.append(("effective", string(effective))) }
        try step.run(modify ? "case.discipline.modified" : "case.discipline.imposed", "discipline \(penalty) on \(allegation)", fields)
    }
}

struct CaseTollCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "toll", abstract: "Pause the deadline (--start DATE --reason R) or resume it (--end DATE).")
    @OptionGroup var step: CaseStep
    @Option(help: "The day tolling starts.") var start: String?
    @Option(help: "The day tolling ends.") var end: String?
    @Option(help: "criminal_proceeding, officer_unavailable, civil_litigation, multi_agency_investigation, officer_waiver, emergency, other.") var reason: String?
    @Option(help: "A note.") var note: String?
    func execute() throws {
        guard (start == nil) != (end == nil) else { throw BlotterError(.invalidInput, "give either --start DATE (with --reason) or --end DATE") }
        try step.run("case.tolled", start != nil ? "deadline tolled from \(start!)" : "tolling ended \(end!)", [
            ("action", .string(start != nil ? "start" : "end")), ("date", .string(start ?? end!)), ("reason", string(reason)), ("note", string(note)),
        ])
    }
}

struct CaseCloseCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close the case: needs a final finding on every allegation and discipline on every sustained one.")
    @OptionGroup var step: CaseStep
    @Option(help: "A closing summary.") var summary: String?
    func execute() throws { try step.run("case.closed", "closed", [("summary", string(summary))]) }
}

struct CaseReopenCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "reopen", abstract: "Reopen a closed case, with the reason.")
    @OptionGroup var step: CaseStep
    @Option(help: "Why the case is reopened.") var reason: String
    func execute() throws { try step.run("case.reopened", "reopened", [("reason", .string(reason))]) }
}

struct CaseShowCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the case file: status, deadline, complaints, allegations, evidence, discipline, reviews, timeline.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The case id.") var caseID: String

    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let v = try views(ledger, catalog) { try $0.caseView(caseID) }
        if output.json { try emitJSON(v); return }
        let d = v["deadline"]
        emit("CASE \(caseID) — \(cell(v["status"]).uppercased())\(v["reopened"]?.integerValue ?? 0 > 0 ? " (reopened)" : "")   stream version \(cell(v["version"]))")
        emit("  opened        \(cell(v["opened_at"])) by \(cell(v["opened_by"])) (entry \(cell(v["opened_seq"])))")
        emit("  unit          \(cell(v["unit"]))   classification \(cell(v["classification"]))")
        emit("  investigator  \(cell(v["investigator"]))")
        if v["closed_at"] != .null { emit("  closed        \(cell(v["closed_at"])) (entry \(cell(v["closed_seq"])))") }
        let sealed = v["sealed"]?.arrayValue ?? []
        func sealedNote(_ seq: JSONValue?, _ field: String) -> String? {
            sealed.first { $0["seq"] == seq && ($0["field"] == .string(field) || $0["field"] == .string("*")) }
                .map { "sealed under \(cell($0["authority"])) (entry \(cell($0["sealed_seq"])))" }
        }
        let discovered = v["discovery_date"] == .null ? sealedNote(v["opened_seq"], "discovery_date") ?? "-" : cell(v["discovery_date"])
        var deadline = "due \(cell(d?["due"])) under \(cell(d?["rule_text"])); discovered \(discovered)"
        if let left = d?["days_left"]?.integerValue {
            if v["status"] == .string("closed") {
                deadline += left < 0 ? " — closed \(-left) days late" : " — closed with \(left) days to spare"
            } else {
                deadline += left < 0 ? " — OVERDUE by \(-left) days" : " — \(left) days left"
            }
        }
        if let tolled = d?["tolled_days"]?.integerValue, tolled > 0 { deadline += "; \(tolled) days tolled" }
        if d?["tolling_now"] == .bool(true) { deadline += " (tolling now)" }
        emit("  deadline      \(deadline)")
        emit("")
        emit("COMPLAINTS")
        table(["complaint", "received", "incident", "channel", "officers named", "allegations"], rows(v["complaints"], ["complaint_id", "received_at", "incident_at", "channel", "officers", "allegations"]))
        emit("ALLEGATIONS")
        table(["id", "officer", "category", "subcategory", "recommended", "by", "discipline recommended", "final", "by"],
              (v["allegations"]?.arrayValue ?? []).map { a in
                  let penalty = a["recommended_penalty"]?.stringValue.map { p in a["recommended_days"]?.integerValue.map { "\(p) \($0)d" } ?? p }
                  let detail = a["recommended_detail"]?.stringValue
                  let recommended = [penalty, detail.map { penalty == nil ? $0 : "(\($0))" }].compactMap { $0 }.joined(separator: " ")
                  return [cell(a["allegation_id"]), cell(a["officer"]), cell(a["category"]), cell(a["subcategory"]), cell(a["recommended"]),
                          cell(a["recommended_by"]), recommended.isEmpty ? "-" : recommended, cell(a["final"]), cell(a["final_by"])]
              })
        emit("OFFICERS  \((v["officers"]?.arrayValue ?? []).map { cell($0) }.joined(separator: ", "))")
        emit("EVIDENCE")
        table(["entry", "id", "kind", "sha256", "linked by", "at"], rows(v["evidence"], ["seq", "evidence_id", "kind", "sha256", "actor", "at"]))
        emit("DISCIPLINE")
        table(["entry", "allegation", "officer", "action", "penalty", "days", "reason", "by"], rows(v["discipline"], ["seq", "allegation_id", "officer", "action", "penalty", "days", "reason", "actor"]))
        if !(v["tolling"]?.arrayValue ?? []).isEmpty {
            emit("TOLLING")
            table(["from", "to", "reason"], rows(v["tolling"], ["start", "end", "reason"]))
        }
        emit("OVERSIGHT REVIEWS")
        table(["entry", "body", "outcome", "by", "at"], rows(v["oversight_reviews"], ["seq", "body", "outcome", "actor", "at"]))
        emit("TIMELINE (who did what, signed)")
        table(["entry", "at", "actor", "what"], (v["timeline"]?.arrayValue ?? []).map { item in
            var mark = sealed.contains { $0["seq"] == item["seq"] } ? " [sealed]" : ""
            if let legacy = item["legacy"]?.stringValue { mark += " [legacy record: breaks \(legacy)]" }
            return [cell(item["seq"]), cell(item["at"]), cell(item["actor"]), cell(item["summary"]) + mark]
        })
        if !sealed.isEmpty {
            emit("SEALED (values destroyed; the entries and their digests remain)")
            table(["entry", "type", "field", "authority", "sealed by", "at"], sealed.map { s in
                [cell(s["seq"]), cell(s["type"]), s["field"] == .string("*") ? "(every field)" : cell(s["field"]), cell(s["authority"]),
                 "\(cell(s["actor"])) (entry \(cell(s["sealed_seq"])))", cell(s["at"])]
            })
        }
        emit("")
        emit("Every line above is a signed entry; check any of them with `blotter entry SEQ` and `blotter prove inclusion SEQ`.")
    }
}

struct CaseListCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Queues: cases by status and investigator, with age and deadline; most urgent first.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "open, closed or all.") var status = "open"
    @Option(help: "Only this investigator's cases.") var investigator: String?
    @Flag(help: "Only cases past their deadline.") var overdue = false
    @Option(help: "Only cases due within this many days (overdue included).") var dueWithin: Int64?
    @Option(help: "At most this many rows.") var limit = 50

    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        var filter = Views.QueueFilter()
        filter.status = status == "all" ? nil : status
        filter.investigator = investigator
        filter.overdueOnly = overdue
        filter.dueWithin = dueWithin
        filter.limit = limit
        let v = try views(ledger, catalog) { try $0.queue(filter) }
        if output.json { try emitJSON(v); return }
        emit("\(cell(v["matching"])) case(s) match; showing up to \(limit), most urgent first")
        table(["case", "status", "investigator", "unit", "age (days)", "due", "days left", "tolling", "overdue"],
              rows(v["cases"], ["case_id", "status", "investigator", "unit", "age_days", "due", "days_left", "tolling", "overdue"]))
        emit("BY STATUS")
        table(["status", "cases"], rows(v["by_status"], ["status", "cases"]))
        emit("OPEN CASES BY INVESTIGATOR")
        table(["investigator", "cases"], rows(v["open_by_investigator"], ["investigator", "cases"]))
    }
}
