import ArgumentParser
import Blotter

struct AccessLogCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "access-log", abstract: "Who read which case file, officer history or custody trail through the server, and when.",
        discussion: """
            `blotter serve` writes one record for every signed-in read of an audited view
            (Schemas/read-access.json: case, officer, custody) before it answers, and one for every
            refusal of a signed-in reader: the actor and key, the view and its subject, when, and
            the outcome (read, refused, not-found). Oldest first. The access log is kept beside the
            log, not in it: it is not signed or hash-chained.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Only reads by this actor.") var actor: String?
    @Option(help: "Only reads of this case, officer or recording id.") var subject: String?
    @Option(help: "Only this view: case, officer or custody.") var view: String?
    @Option(help: "Only reads at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).") var since: String?
    @Option(help: "At most this many records.") var limit = 1000

    func execute() throws {
        var sinceText: String?
        if let since {
            guard let t = Timestamp(rfc3339: since, precision: .secondsOrMilliseconds) else {
                throw BlotterError(.invalidInput, "--since \"\(since)\" must be an RFC 3339 UTC time, e.g. 2026-12-01T00:00:00Z")
            }
            sinceText = t.rfc3339Milliseconds
        }
        if let view, !ReadAccess.viewNames.contains(view) {
            throw BlotterError(.invalidInput, "--view \"\(view)\" must be one of \(ReadAccess.viewNames.joined(separator: ", "))")
        }
        guard limit >= 0 else { throw BlotterError(.invalidInput, "--limit must not be negative") }
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let records = try ledger.accessLog(AccessQuery(actor: actor, view: view, subject: subject, since: sinceText, limit: limit))
        if output.json {
            for r in records { try emitJSON(try JSONValueCoding.encode(r)) }
            return
        }
        let values = try records.map { try JSONValueCoding.encode($0) }
        table(["at", "actor", "view", "subject", "outcome", "key"], rows(.array(values), ["at", "actor", "view", "subject", "outcome", "key"]))
    }
}
