import ArgumentParser
import Blotter

struct UofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uof", abstract: "Use-of-force reports and supervisor reviews.",
                                                    subcommands: [UofReportCommand.self, UofReviewCommand.self])
}

struct UofReportCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "File a use-of-force report (officer), with the New Jersey portal's fields.",
        discussion: "Other fields of the schema (subjects, injuries, location_type, ...) go in with --field NAME=JSON.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The report id.") var reportID: String
    @Option(help: "The reporting officer's id.") var officer: String
    @Option(help: "When it happened, RFC 3339 UTC.") var incidentAt: String
    @Option(help: "Type of force used (repeatable), e.g. 'Compliance hold'.") var force: [String] = []
    @Option(help: "Agency.") var agency: String?
    @Option(help: "Municipality.") var municipality: String?
    @Option(help: "Number of subjects.") var subjects: Int64?
    @Option(help: "Number of subjects injured.") var subjectsInjured: Int64?
    @Flag(help: "Force caused death or great bodily injury.") var greatBodilyInjury = false
    @Option(help: "The officer's account.") var narrative: String?
    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: "use_of_force.reported", stream: "uof/\(reportID)", fields: [
            ("report_id", .string(reportID)), ("officer", .string(officer)), ("incident_at", .string(incidentAt)),
            ("force_types", .array(force.map(JSONValue.string))), ("agency", string(agency)), ("municipality", string(municipality)),
            ("subjects_count", subjects.map(JSONValue.integer)), ("subjects_injured", subjectsInjured.map(JSONValue.integer)),
            ("great_bodily_injury", .bool(greatBodilyInjury)), ("narrative", string(narrative)),
        ])
        try reportStep(receipt, "use-of-force report \(reportID) filed", json: output.json)
    }
}

struct UofReviewCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "Record a supervisor's review of a use-of-force report.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The report id.") var reportID: String
    @Option(help: "within_policy, not_within_policy or referred.") var outcome: String
    @Option(help: "The IA case it was referred to.") var caseID: String?
    @Option(help: "A note.") var note: String?
    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let receipt = try signer.append(ledger, type: "use_of_force.reviewed", stream: "uof/\(reportID)", fields: [
            ("report_id", .string(reportID)), ("outcome", .string(outcome)), ("case_id", string(caseID)), ("note", string(note)),
        ])
        try reportStep(receipt, "use-of-force report \(reportID) reviewed: \(outcome)", json: output.json)
    }
}
