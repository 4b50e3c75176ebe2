import ArgumentParser
import Blotter

struct ComplaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "complaint", abstract: "Intake of complaints.",
                                                    subcommands: [ComplaintReceiveCommand.self])
}

struct ComplaintReceiveCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "receive", abstract: "Record a complaint as received (complaint.received).",
        discussion: "Example: blotter complaint receive C-2026-00042 --channel phone --incident-at 2026-11-20T22:15:00Z --officer P-1007 --allegation 'Force/Chokehold' --narrative '...'")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The complaint id, e.g. C-2026-00042.") var id: String
    @Option(help: "phone, online, in_person, mail, email, referral, oversight_agency or other.") var channel: String
    @Option(help: "When it was received (default: now).") var receivedAt: String?
    @Option(help: "When the incident happened, RFC 3339 UTC.") var incidentAt: String
    @Option(help: "Where it happened.") var location: String?
    @Option(help: "Precinct.") var precinct: String?
    @Option(help: "Complainant's name (never published).") var complainantName: String?
    @Option(help: "Complainant's contact (never published).") var complainantContact: String?
    @Option(help: "The complainant's account (never published).") var narrative: String?
    @Option(help: "An officer named (repeatable).") var officer: [String] = []
    @Option(help: "An allegation as CATEGORY or CATEGORY/SUBCATEGORY (repeatable).") var allegation: [String] = []

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let allegations: [JSONValue] = allegation.map { a in
            let parts = a.split(separator: "/", maxSplits: 1).map(String.init)
            return .object([("category", .string(parts[0]))] + (parts.count > 1 ? [("subcategory", .string(parts[1]))] : []))
        }
        let receipt = try signer.append(ledger, type: "complaint.received", stream: "complaint/\(id)", fields: [
            ("complaint_id", .string(id)), ("channel", .string(channel)), ("received_at", .string(receivedAt ?? Timestamp.now().rfc3339)),
            ("incident_at", .string(incidentAt)), ("incident_location", string(location)), ("precinct", string(precinct)),
            ("complainant_name", string(complainantName)), ("complainant_contact", string(complainantContact)),
            ("narrative", string(narrative)), ("officers", strings(officer)), ("allegations", allegations.isEmpty ? nil : .array(allegations)),
        ])
        try reportStep(receipt, "complaint \(id) received", json: output.json)
    }
}
