import ArgumentParser
import Blotter

struct OfficerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "officer", abstract: "The officer roster, the ids other sources use for an officer, histories and early-intervention flags.",
        subcommands: [OfficerShowCommand.self, OfficerRegisterCommand.self, OfficerUpdateCommand.self, OfficerLinkCommand.self,
                      OfficerUnlinkCommand.self])
}

/// The roster record's fields, shared by register and update.
struct RosterFields: ParsableArguments {
    @Option(help: "The officer's name as the agency records it.") var name: String?
    @Option(help: "Year of birth.") var birthYear: Int64?
    @Option(help: "Star or badge number (from this event on; earlier ones stay in the history).") var star: String?
    @Option(help: "Unit or command.") var unit: String?
    @Option(help: "Rank or title.") var rank: String?
    @Option(help: "Date of appointment, YYYY-MM-DD.") var appointed: String?
    @Option(help: "Date the officer left the agency, YYYY-MM-DD.") var separated: String?

    var values: [(String, JSONValue?)] {
        [("name", string(name)), ("birth_year", birthYear.map(JSONValue.integer)), ("star", string(star)), ("unit", string(unit)),
         ("rank", string(rank)), ("appointed", string(appointed)), ("separated", string(separated))]
    }
}

struct OfficerRegisterCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Put an officer on the roster (commander, custodian or importer).",
        discussion: "The roster id is the one identity the ids of other sources are linked to (`officer link`); records naming it or a linked id are this officer's.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The roster id, e.g. a personnel number.") var officerID: String
    @OptionGroup var fields: RosterFields
    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: "officer.registered", stream: "officer/\(officerID)",
                                        fields: [("officer_id", .string(officerID))] + fields.values)
        try reportStep(receipt, "officer \(officerID) registered", json: output.json)
    }
}

struct OfficerUpdateCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a roster record: a new star, a transfer, a promotion, a separation; the old values stay in its history.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The roster id.") var officerID: String
    @OptionGroup var fields: RosterFields
    @Option(help: "The date the change took effect, YYYY-MM-DD (default: the day it happened).") var effective: String?
    @Option(help: "Why, e.g. promoted, transferred, corrects the birth year.") var reason: String?
    func validate() throws {
        guard fields.values.contains(where: { $0.1 != nil }) else {
            throw ValidationError("nothing to change: give at least one of --name, --birth-year, --star, --unit, --rank, --appointed, --separated")
        }
    }

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: "officer.updated", stream: "officer/\(officerID)",
                                        fields: [("officer_id", .string(officerID))] + fields.values + [("effective", string(effective)), ("reason", string(reason))])
        try reportStep(receipt, "officer \(officerID) updated", json: output.json)
    }
}

struct OfficerLinkCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Sign that an id another source uses names an officer on the roster (custodian or importer).",
        discussion: "Never inferred: every view follows only links someone signed, and says what each rests on. An id is linked to one officer at a time.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The roster id.") var officerID: String
    @Argument(help: "The id the other source uses.") var alias: String
    @Option(help: "The source or system that uses it, e.g. uof-reports.") var system: String?
    @Option(help: "What the link rests on, e.g. 'same name, star 1234 and appointment date'.") var basis: String
    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: "officer.linked", stream: "officer/\(officerID)", fields: [
            ("officer_id", .string(officerID)), ("alias", .string(alias)), ("system", string(system)), ("basis", .string(basis)),
        ])
        try reportStep(receipt, "\(alias) linked to officer \(officerID)", json: output.json)
    }
}

struct OfficerUnlinkCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "unlink", abstract: "Withdraw a link that was wrong; the link and its withdrawal stay in the log.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The roster id.") var officerID: String
    @Argument(help: "The linked id.") var alias: String
    @Option(help: "Why the link is withdrawn.") var reason: String
    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: "officer.unlinked", stream: "officer/\(officerID)", fields: [
            ("officer_id", .string(officerID)), ("alias", .string(alias)), ("reason", .string(reason)),
        ])
        try reportStep(receipt, "\(alias) unlinked from officer \(officerID)", json: output.json)
    }
}

struct OfficerShowCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "An officer's complaints, allegations by category and finding, use of force, discipline and flags.",
        discussion: "Flags come from Schemas/early-intervention.json, or --rules FILE; each says which events raised it.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Early-intervention rules JSON instead of the bundled ones.") var rules: String?
    @Argument(help: "The officer id: a roster id, or an id linked to one (the same view), e.g. P-1007.") var officer: String

    func execute() throws {
        let ruleSet = try rules.map { try EarlyInterventionRules(json: parseJSON(readInput($0), source: $0)) } ?? EarlyInterventionRules.bundled()
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let v = try views(ledger, catalog) { try $0.officer(officer, rules: ruleSet) }
        if output.json { try emitJSON(v); return }
        emit("OFFICER \(officer)")
        if let r = v["roster"] {
            let rosterID = cell(r["officer_id"])
            emit("ROSTER \(rosterID)\(rosterID == officer ? "" : " (\(officer) is linked to it)"), registered at entry \(cell(r["seq"]))")
            for (label, key) in [("name", "name"), ("birth year", "birth_year"), ("star", "star"), ("unit", "unit"), ("rank", "rank"),
                                 ("appointed", "appointed"), ("separated", "separated")] where (r[key] ?? .null) != .null {
                emit("  \(label): \(cell(r[key]))")
            }
            emit("ROSTER HISTORY")
            table(["entry", "field", "value", "effective"], rows(r["history"], ["seq", "field", "value", "effective"]))
            emit("IDS LINKED TO THIS OFFICER")
            table(["id", "system", "entry", "basis"], rows(v["identities"], ["id", "system", "seq", "basis"]))
        }
        let flags = v["flags"]?.arrayValue ?? []
        emit(flags.isEmpty ? "  no early-intervention flags" : "EARLY-INTERVENTION FLAGS")
        for f in flags {
            emit("  ! \(cell(f["rule"])): \(cell(f["explanation"]))")
            emit("    raised by entries \((f["events"]?.arrayValue ?? []).map { "\(cell($0["seq"])) (\(cell($0["ref"])))" }.joined(separator: ", "))")
        }
        emit("COMPLAINTS")
        table(["entry", "complaint", "as", "incident"], rows(v["complaints"], ["seq", "complaint_id", "officer", "incident_at"]))
        emit("ALLEGATIONS")
        table(["case", "id", "as", "added", "category", "subcategory", "recommended", "final", "case status"],
              rows(v["allegations"], ["case_id", "allegation_id", "officer", "at", "category", "subcategory", "recommended", "final", "case_status"]))
        emit("ALLEGATIONS BY CATEGORY AND FINAL FINDING")
        for (category, counts) in v["allegations_by_category"]?.objectValue ?? [] {
            emit("  \(category): " + (counts.objectValue ?? []).map { "\($0.0) \(cell($0.1))" }.joined(separator: ", "))
        }
        emit("USE OF FORCE")
        table(["report", "as", "incident", "force", "subjects injured", "review"],
              rows(v["use_of_force"], ["report_id", "officer", "incident_at", "force_types", "subjects_injured", "review"]))
        emit("DISCIPLINE")
        table(["entry", "case", "allegation", "as", "at", "action", "penalty", "days", "reason"],
              rows(v["discipline"], ["seq", "case_id", "allegation_id", "officer", "at", "action", "penalty", "days", "reason"]))
    }
}
