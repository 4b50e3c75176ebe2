import ArgumentParser
import Blotter

struct OfficerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "officer", abstract: "Officer histories and early-intervention flags.",
                                                    subcommands: [OfficerShowCommand.self])
}

struct OfficerShowCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "An officer's complaints, allegations by category and finding, use of force, discipline and flags.",
        discussion: "Flags come from Schemas/early-intervention.json, or --rules FILE; each says which events raised it.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Early-intervention rules JSON instead of the bundled ones.") var rules: String?
    @Argument(help: "The officer id, e.g. P-1007.") var officer: String

    func execute() throws {
        let ruleSet = try rules.map { try EarlyInterventionRules(json: parseJSON(readInput($0), source: $0)) } ?? EarlyInterventionRules.bundled()
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let v = try views(ledger, catalog) { try $0.officer(officer, rules: ruleSet) }
        if output.json { try emitJSON(v); return }
        emit("OFFICER \(officer)")
        let flags = v["flags"]?.arrayValue ?? []
        emit(flags.isEmpty ? "  no early-intervention flags" : "EARLY-INTERVENTION FLAGS")
        for f in flags {
            emit("  ! \(cell(f["rule"])): \(cell(f["explanation"]))")
            emit("    raised by entries \((f["events"]?.arrayValue ?? []).map { "\(cell($0["seq"])) (\(cell($0["ref"])))" }.joined(separator: ", "))")
        }
        emit("COMPLAINTS")
        table(["entry", "complaint", "incident"], rows(v["complaints"], ["seq", "complaint_id", "incident_at"]))
        emit("ALLEGATIONS")
        table(["case", "id", "category", "subcategory", "recommended", "final", "case status"],
              rows(v["allegations"], ["case_id", "allegation_id", "category", "subcategory", "recommended", "final", "case_status"]))
        emit("ALLEGATIONS BY CATEGORY AND FINAL FINDING")
        for (category, counts) in v["allegations_by_category"]?.objectValue ?? [] {
            emit("  \(category): " + (counts.objectValue ?? []).map { "\($0.0) \(cell($0.1))" }.joined(separator: ", "))
        }
        emit("USE OF FORCE")
        table(["report", "incident", "force", "subjects injured", "review"], rows(v["use_of_force"], ["report_id", "incident_at", "force_types", "subjects_injured", "review"]))
        emit("DISCIPLINE")
        table(["entry", "case", "allegation", "action", "penalty", "days", "reason"], rows(v["discipline"], ["seq", "case_id", "allegation_id", "action", "penalty", "days", "reason"]))
    }
}
