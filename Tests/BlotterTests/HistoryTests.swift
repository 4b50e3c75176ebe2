import BlotterSQL
import Foundation
import Testing
@testable import BlotterFormat
@testable import BlotterDomain
import Blotter
import BlotterCrypto

/// Records as they happened (issue 15, item 1): the time an event happened (`occurred_at`) apart
/// from when it was signed (`at`) and logged (`recorded`), in views, deadlines, queues, flags and
/// stats; local times of a source converted to UTC with their text kept.
@Suite("Event time: when it happened, apart from when it was signed and logged")
struct EventTimeTests {
    /// A case of 2015 recorded today: opened, alleged, sustained, disciplined and closed in 2015.
    static func historicCase(_ desk: CaseDesk) throws {
        try desk.complaint("C-15", incident: "2015-02-27T23:40:00Z")
        func step(_ actor: String, _ type: String, _ fields: [(String, JSONValue)], _ occurred: String) throws {
            try desk.step(actor, type, "case/IA-15", fields + [("occurred_at", .string(occurred))])
        }
        try step("ia/cmdr", "case.opened", [("case_id", .string("IA-15")), ("complaints", .array([.string("C-15")])), ("unit", .string("IAB Group 1"))],
                 "2015-03-02T15:00:00Z")
        try step("ia/rivera", "case.allegation.added", [("allegation_id", .string("A1")), ("officer", .string("P-1")), ("category", .string("Force"))],
                 "2015-03-03T10:00:00Z")
        try step("ia/rivera", "case.finding.recorded", [("allegation_id", .string("A1")), ("finding", .string("sustained"))], "2015-08-20T12:00:00Z")
        try step("ia/cmdr", "case.finding.approved", [("allegation_id", .string("A1")), ("finding", .string("sustained"))], "2015-09-01T12:00:00Z")
        try step("ia/cmdr", "case.discipline.imposed", [("allegation_id", .string("A1")), ("penalty", .string("suspension")), ("days", .integer(5))],
                 "2015-09-15T12:00:00Z")
        try step("ia/cmdr", "case.closed", [], "2015-10-01T12:00:00Z")
    }

    @Test("a case of 2015 recorded today is opened, found, disciplined and closed in 2015 in the case view, queue, deadline, officer history and stats",
          arguments: StoreKind.allCases)
    func viewsUseTheEventTime(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        let before = Timestamp.now()
        try Self.historicCase(desk)
        let view = try desk.view("IA-15")
        #expect(view["opened_at"] == .string("2015-03-02T15:00:00Z") && view["closed_at"] == .string("2015-10-01T12:00:00Z"), "\(view)")
        // No discovery date: the one-year deadline runs from the opening, and is judged on the day it closed.
        #expect(view["deadline"]?["start"] == .string("2015-03-02") && view["deadline"]?["due"] == .string("2016-03-02"), "\(view["deadline"] ?? .null)")
        #expect(view["deadline"]?["days_left"] == .integer(153) && view["deadline"]?["overdue"] == .bool(false))
        let allegation = try #require(view["allegations"]?.arrayValue?.first)
        #expect(allegation["added_at"] == .string("2015-03-03T10:00:00Z") && allegation["recommended_at"] == .string("2015-08-20T12:00:00Z")
                && allegation["final_at"] == .string("2015-09-01T12:00:00Z"), "\(allegation)")
        #expect(view["discipline"]?.arrayValue?.first?["at"] == .string("2015-09-15T12:00:00Z"))
        // The timeline says when each step happened, when it was signed (today) and when it was logged.
        let closing = try #require(view["timeline"]?.arrayValue?.last)
        #expect(closing["type"] == .string("case.closed") && closing["at"] == .string("2015-10-01T12:00:00Z"), "\(closing)")
        let signed = try #require(closing["signed"]?.stringValue.flatMap { Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds) })
        let recorded = try #require(closing["recorded"]?.stringValue.flatMap { Timestamp(rfc3339: $0, precision: .milliseconds) })
        #expect(signed.milliseconds >= before.milliseconds / 1000 * 1000 && recorded >= signed, "\(closing)")

        let catalog = try #require(try desk.ledger.catalog())
        func views<T>(_ body: (Views) throws -> T) throws -> T {
            try desk.ledger.store.read { try body(try Views($0, catalog: catalog, today: CalendarDate("2026-11-21")!)) }
        }
        let stats = try JSONValueCoding.encode(try views { try $0.statistics() })
        let years = try #require(stats["by_year"]?.arrayValue)
        let y2015 = try #require(years.first { $0["year"] == .string("2015") }, "\(years)")
        #expect(y2015["cases_opened"] == .integer(1) && y2015["allegations_sustained"] == .integer(1) && y2015["complaints"] == .integer(0), "\(years)")
        #expect(!years.contains { $0["year"] == .string(String(before.description.prefix(4))) && $0["cases_opened"] != .integer(0) },
                "a case of 2015 is counted in the year it was recorded: \(years)")
        let rules = try EarlyInterventionRules.bundled()
        let officer = try JSONValueCoding.encode(try views { try $0.officer("P-1", rules: rules) })
        let alleged = try #require(officer["allegations"]?.arrayValue?.first)
        #expect(alleged["at"] == .string("2015-03-03T10:00:00Z") && alleged["final_at"] == .string("2015-09-01T12:00:00Z"), "\(alleged)")
        #expect(officer["discipline"]?.arrayValue?.first?["at"] == .string("2015-09-15T12:00:00Z"))

        // Reopened in 2016 and still open: its age in the queue counts from 2015.
        try desk.step("ia/cmdr", "case.reopened", "case/IA-15", [("reason", .string("new evidence")), ("occurred_at", .string("2016-01-05T12:00:00Z"))])
        var filter = Views.QueueFilter()
        filter.status = "open"
        let queued = try #require(try views { try $0.queue(filter) }.cases.first { $0.caseID == "IA-15" })
        #expect(queued.openedAt == "2015-03-02T15:00:00Z" && queued.ageDays == Int64(CalendarDate("2026-11-21")!.days - CalendarDate("2015-03-02")!.days))
        #expect(queued.overdue && queued.due == "2016-03-02")
        // The Python verifier rebuilds the case, allegation and officer rows with their event times and agrees.
        let python = try pythonVerifier(desk.t.path)
        #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
    }

    @Test("a statement saying its event happened after it was signed is refused, naming the rule, and writes nothing", arguments: StoreKind.allCases)
    func eventAfterSigningRefused(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.complaint("C-1")
        let signedAt = Timestamp(milliseconds: Timestamp.now().milliseconds - 3_600_000)
        let later = Timestamp(milliseconds: signedAt.milliseconds + 1000).rfc3339
        let opening = try desk.signed("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                                             ("occurred_at", .string(later))], at: signedAt)
        let refusal = try desk.refused(opening)
        #expect(refusal.rule == "event-time-after-signing" && refusal.message.contains(later), "\(refusal)")
        // The same second as the signature is not later.
        let same = try desk.signed("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                                          ("occurred_at", .string(signedAt.rfc3339))], at: signedAt)
        #expect(try desk.ledger.append(same).seq > 0)
    }

    @Test("blotter case open --occurred takes an offset and keeps UTC; a type that has no event time of its own refuses it")
    func commandLine() throws {
        let desk = try CaseDesk(store: .sqlite)
        try desk.complaint("C-1")
        let cmdr = desk.t.directory.path("cmdr.pem")
        try desk.t.keys["ia/cmdr"]!.pkcs8PEM.write(toFile: cmdr, atomically: true, encoding: .utf8)
        let opened = try blotter(["case", "open", "IA-1", "--complaint", "C-1", "--ledger", desk.t.path, "--key", cmdr,
                                  "--occurred", "2015-03-02T09:00:00-06:00"])
        #expect(opened.status == 0, "\(opened.stderr)")
        let count = try desk.ledger.count()
        let view = try JSONParser.parse(Array(try blotter(["case", "show", "IA-1", "--ledger", desk.t.path, "--json"]).stdout.utf8))
        #expect(view["opened_at"] == .string("2015-03-02T15:00:00Z"), "\(view)")
        let bad = try blotter(["case", "assign", "IA-1", "--investigator", "ia/rivera", "--ledger", desk.t.path, "--key", cmdr, "--occurred", "yesterday"])
        #expect(bad.status == 5 && bad.stderr.contains("--occurred \"yesterday\" must be an RFC 3339 time"), "\(bad.stderr)")
        let intake = desk.t.directory.path("intake.pem")
        try desk.t.keys["ia/intake"]!.pkcs8PEM.write(toFile: intake, atomically: true, encoding: .utf8)
        let complaint = try blotter(["complaint", "receive", "C-2", "--channel", "phone", "--incident-at", "2015-02-27T23:40:00Z", "--ledger", desk.t.path,
                                     "--key", intake, "--occurred", "2015-03-01T00:00:00Z"])
        #expect(complaint.status == 5 && complaint.stderr.contains("complaint.received has no event time of its own"), "\(complaint.stderr)")
        #expect(try desk.ledger.count() == count, "nothing was appended after the opening")
    }
}

@Suite("Importing local times: a source's time zone, converted to UTC, its text kept")
struct LocalTimeImportTests {
    /// UTC of local times in `zone`, by Python's zoneinfo (the IANA database as Python reads it, no Blotter code).
    static func pythonUTC(_ zone: String, _ locals: [String]) throws -> [String] {
        let script = """
            import sys, datetime, zoneinfo
            z = zoneinfo.ZoneInfo(sys.argv[1])
            for s in sys.argv[2:]:
                t = datetime.datetime.strptime(s, "%m/%d/%Y %H:%M").replace(tzinfo=z, fold=0)
                print(t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
            """
        let r = try run("/usr/bin/env", ["python3", "-c", script, zone] + locals)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test("Central time in and out of daylight saving, the hour that happens twice, and the hour that does not exist")
    func centralTime() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let mappingPath = dir.path("m.json"), file = dir.path("complaints.csv")
        try write(#"""
            {"mapping": "chicago-complaints", "format": "csv", "record": ["CR"], "time_zone": "America/Chicago",
             "events": [
               {"name": "complaint", "type": "complaint.received",
                "fields": {"complaint_id": {"template": "CR-{CR}"}, "channel": {"const": "other"},
                           "received_at": {"column": "Received", "parse": "date-time", "date_format": "MM/DD/YYYY hh:mm"},
                           "incident_at": {"column": "Incident UTC", "parse": "date-time", "time_zone": "UTC"}}}
             ]}
            """#, to: mappingPath)
        // Winter (CST, -6), summer (CDT, -5), 01:30 on 2009-11-01 (twice: CDT, then CST), 02:30 on 2009-03-08 (skipped).
        let locals = ["01/15/2009 09:00", "07/04/2009 21:15", "11/01/2009 01:30", "03/08/2009 02:30"]
        try write("CR,Received,Incident UTC\n" + locals.enumerated().map { i, t in "\(1000 + i),\(t),2009-01-01T00:00:00Z" }.joined(separator: "\n") + "\n",
                  to: file)
        let report = try desk.run(mappingPath, file)
        #expect(report.rowsImported == 3 && report.rejected.count == 1, "\(report.rejected)")
        let gap = try #require(report.rejected.first)
        #expect(gap.row == 4 && gap.column == "Received" && gap.reason.contains("does not exist in America/Chicago"), "\(gap)")
        let expected = try Self.pythonUTC("America/Chicago", Array(locals.prefix(3)))
        #expect(expected == ["2009-01-15T15:00:00Z", "2009-07-05T02:15:00Z", "2009-11-01T06:30:00Z"], "Python's zoneinfo says \(expected)")
        for (i, utc) in expected.enumerated() {
            let stored = try desk.rows("SELECT received_at, incident_at FROM p_complaints WHERE complaint_id = ?", [.text("CR-\(1000 + i)")])
            #expect(stored.first?[0].text == utc && stored.first?[1].text == "2009-01-01T00:00:00Z", "row \(i + 1): \(stored)")
        }
        // The signed provenance keeps the source's text and zone; the UTC column was not converted, so it is not listed.
        let entry = try desk.ledger.entry(try desk.ledger.count() - 1)
        let source = try Disclosure(encoded: try #require(entry.disclosures["source"])).value
        #expect(source["time_zone"] == .string("America/Chicago") && source["local_times"] == .object([("received_at", .string("11/01/2009 01:30"))]),
                "\(source)")
        #expect(try pythonVerifier(desk.t.path).status == 0)
    }

    @Test("local times without a zone, an unknown zone, two zones in one event and a zone for a date are refused with the reason")
    func refusals() throws {
        let desk = try ImportDesk()
        func refusal(_ json: String) -> String {
            do { _ = try desk.mapping(json); return "accepted" } catch { return (error as? BlotterError)?.message ?? "\(error)" }
        }
        let event = #"{"name": "c", "type": "complaint.received", "fields": {"complaint_id": {"column": "id"}, "channel": {"const": "other"}, %@}}"#
        func mapping(_ fields: String, zone: String? = nil) -> String {
            #"{"mapping": "m", "format": "csv", "record": ["id"], "#+(zone.map { #""time_zone": "\#($0)", "# } ?? "")+#""events": ["# + event.replacingOccurrences(of: "%@", with: fields) + "]}"
        }
        #expect(refusal(mapping(#""received_at": {"column": "r", "parse": "date-time"}"#, zone: "America/Chicgo")).contains("\"America/Chicgo\" is not an IANA time zone"))
        #expect(refusal(mapping(#""received_at": {"column": "r", "parse": "date-time", "time_zone": "Europe/London"}, "incident_at": {"column": "i", "parse": "date-time"}"#,
                                zone: "America/Chicago")).contains("an event's local times are in one zone"))
        #expect(refusal(mapping(#""received_at": {"column": "r", "parse": "date", "time_zone": "Europe/London"}"#)).contains("time_zone needs parse \"date-time\""))
        // Without a zone, a local time with no offset is refused row by row, saying what to give.
        let dir = TemporaryDirectory()
        try write(mapping(#""received_at": {"column": "r", "parse": "date-time"}"#), to: dir.path("m.json"))
        try write("id,r\nA1,2009-03-14 10:15:00\nA2,2009-03-14T10:15:00-05:00\n", to: dir.path("f.csv"))
        let report = try desk.run(dir.path("m.json"), dir.path("f.csv"))
        #expect(report.rejected.count == 1 && report.rejected.first?.reason.contains("has no time zone: give the mapping (or this field) a time_zone") == true,
                "\(report.rejected)")
        #expect(try desk.rows("SELECT received_at FROM p_complaints WHERE complaint_id = 'A2'").first?[0].text == "2009-03-14T15:15:00Z")
    }
}

@Suite("Importing gzip-compressed files")
struct CompressedImportTests {
    @Test("a gzip-compressed CSV or JSON Lines file imports as the file itself would, is the same file to a later import, and a cut-off one is refused")
    func gzip() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        try write(#"""
            {"mapping": "gz-complaints", "format": "csv", "record": ["id"],
             "events": [{"name": "c", "type": "complaint.received", "fields": {"complaint_id": {"column": "id"}, "channel": {"const": "other"}}}]}
            """#, to: dir.path("m.json"))
        let rows = (1...3000).map { "C-\($0),\(String(repeating: "x", count: $0 % 50))" }
        try write("id,note\n" + rows.joined(separator: "\n") + "\n", to: dir.path("c.csv"))
        // Compressed by Python's gzip module (no Blotter code); a cut-off copy keeps the first half of the bytes.
        let r = try run("/usr/bin/env", ["python3", "-c", """
            import gzip, sys
            data = open(sys.argv[1], "rb").read()
            z = gzip.compress(data)
            open(sys.argv[2], "wb").write(z)
            open(sys.argv[3], "wb").write(z[: len(z) // 2])
            """, dir.path("c.csv"), dir.path("c.csv.gz"), dir.path("cut.csv.gz")])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try desk.run(dir.path("m.json"), dir.path("c.csv.gz"))
        #expect(report.rowsImported == 3000 && report.rejected.isEmpty, "\(report.rejected.prefix(3))")
        let plainDigest = try desk.importer(dir.path("m.json")).check(path: dir.path("c.csv")).digest
        #expect(report.fileDigest == plainDigest, "the digest is of the decompressed bytes")
        let count = try desk.count()
        #expect(try desk.run(dir.path("m.json"), dir.path("c.csv")).rowsImported == 0 && desk.count() == count,
                "the uncompressed file is the same file")
        let cut = dir.path("cut.csv.gz")
        do {
            _ = try desk.run(dir.path("m.json"), cut)
            Issue.record("a cut-off gzip file was imported")
        } catch let error as BlotterError {
            #expect(error.message.contains("\(cut): the gzip data cannot be read") && error.message.contains("damaged or cut off"), "\(error.message)")
        }
        #expect(try desk.count() == count)
        // JSON Lines, compressed.
        try write(#"{"mapping": "gz-lines", "format": "jsonl", "record": ["id"], "events": [{"name": "c", "type": "complaint.received", "fields": {"complaint_id": {"column": "id"}, "channel": {"const": "mail"}}}]}"#,
                  to: dir.path("l.json"))
        try write("{\"id\": \"J-1\"}\n{\"id\": \"J-2\"}\n", to: dir.path("l.jsonl"))
        #expect(try run("/usr/bin/env", ["gzip", "-k", dir.path("l.jsonl")]).status == 0)
        #expect(try desk.run(dir.path("l.json"), dir.path("l.jsonl.gz")).rowsImported == 2)
        #expect(try desk.rows("SELECT channel FROM p_complaints WHERE complaint_id = 'J-2'").first?[0].text == "mail")
    }
}

/// Legacy records (issue 15, item 3): history that breaks today's lifecycle, recorded as the source
/// has it, marked with the rule it breaks; today's workflow keeps every rule.
@Suite("Legacy records: history that today's rules would refuse")
struct LegacyRecordTests {
    static let mapping = #"""
        {"mapping": "legacy-cases", "format": "csv", "record": ["case", "officer"], "time_zone": "America/Chicago",
         "legacy": ["approve-needs-recommendation", "discipline-needs-sustained", "close-needs-allegations"],
         "events": [
           {"name": "complaint", "type": "complaint.received", "key": ["case"],
            "fields": {"complaint_id": {"template": "L-{case}"}, "channel": {"const": "other"},
                       "received_at": {"column": "opened", "parse": "date-time", "date_format": "MM/DD/YYYY hh:mm"}}},
           {"name": "case", "type": "case.opened", "key": ["case"],
            "fields": {"case_id": {"column": "case"}, "complaints": {"template": "L-{case}", "split": ";"},
                       "occurred_at": {"column": "opened", "parse": "date-time", "date_format": "MM/DD/YYYY hh:mm"}}},
           {"name": "allegation", "type": "case.allegation.added", "stream": "case/{case}", "when": [{"column": "officer", "present": true}],
            "fields": {"allegation_id": {"template": "A-{officer}"}, "officer": {"column": "officer"}, "category": {"const": "Force"}}},
           {"name": "recommended", "type": "case.finding.recorded", "stream": "case/{case}", "when": [{"column": "recommended", "present": true}],
            "fields": {"allegation_id": {"template": "A-{officer}"}, "finding": {"column": "recommended"}}},
           {"name": "final", "type": "case.finding.approved", "stream": "case/{case}", "when": [{"column": "final", "present": true}],
            "fields": {"allegation_id": {"template": "A-{officer}"}, "finding": {"column": "final"},
                       "occurred_at": {"column": "found", "parse": "date-time", "date_format": "MM/DD/YYYY hh:mm"}}},
           {"name": "penalty", "type": "case.discipline.imposed", "stream": "case/{case}", "when": [{"column": "penalty", "present": true}],
            "fields": {"allegation_id": {"template": "A-{officer}"}, "penalty": {"column": "penalty"}}},
           {"name": "closed", "type": "case.closed", "key": ["case"], "stream": "case/{case}", "when": [{"column": "closed", "present": true}],
            "fields": {"occurred_at": {"column": "closed", "parse": "date-time", "date_format": "MM/DD/YYYY hh:mm"}}}
         ]}
        """#

    @Test("an import records a final finding with no recommended one, a penalty on an allegation not sustained and a closed case naming no officer, each marked with its rule and counted; a rule the mapping does not name still rejects the row")
    func legacyImport() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        try write(Self.mapping, to: dir.path("m.json"))
        try write("""
            case,officer,opened,recommended,final,found,penalty,closed
            IA-1,P1,01/05/2004 09:00,sustained,sustained,06/01/2004 10:00,suspension,07/01/2004 10:00
            IA-2,P2,02/05/2004 09:00,,exonerated,06/02/2004 10:00,reprimand,07/02/2004 10:00
            IA-3,,03/05/2004 09:00,,,,,07/03/2004 10:00
            IA-4,P4,04/05/2004 09:00,sustained,sustained,06/04/2004 10:00,,07/04/2004 10:00
            """, to: dir.path("f.csv"))
        let report = try desk.run(dir.path("m.json"), dir.path("f.csv"))
        #expect(report.rowsImported == 3 && report.rejected.count == 1, "\(report.rejected)")
        #expect(report.legacy == ["approve-needs-recommendation": 1, "discipline-needs-sustained": 1, "close-needs-allegations": 1], "\(report.legacy)")
        // IA-4 closes with a sustained allegation and no discipline: close-needs-discipline is not one the mapping names.
        let rejected = try #require(report.rejected.first)
        #expect(rejected.row == 4 && rejected.reason.hasPrefix("event closed (case.closed): rule close-needs-discipline"), "\(rejected)")
        #expect(try desk.rows("SELECT status FROM p_cases WHERE case_id = 'IA-4'").isEmpty, "the rejected row wrote nothing")
        // The records stand as the source has them, their times in 2004, and the timeline says which rule each breaks.
        let catalog = try #require(try desk.ledger.catalog())
        func view(_ id: String) throws -> JSONValue {
            try JSONValueCoding.encode(try desk.ledger.store.read { try Views($0, catalog: catalog, today: CalendarDate("2026-11-21")!).caseView(id) })
        }
        let two = try view("IA-2")
        #expect(two["status"] == .string("closed") && two["closed_at"] == .string("2004-07-02T15:00:00Z"), "\(two)")
        let marked = (two["timeline"]?.arrayValue ?? []).compactMap { line in line["legacy"]?.stringValue.map { (line["type"]?.stringValue ?? "", $0) } }
        #expect(marked.map(\.0) == ["case.finding.approved", "case.discipline.imposed"] && marked.map(\.1) == ["approve-needs-recommendation", "discipline-needs-sustained"],
                "\(marked)")
        #expect(try view("IA-1")["timeline"]?.arrayValue?.allSatisfy { $0["legacy"] == .null } == true, "a record that keeps every rule is not marked")
        let three = try view("IA-3")
        #expect(three["status"] == .string("closed") && three["timeline"]?.arrayValue?.last?["legacy"] == .string("close-needs-allegations"))
        let text = try blotter(["case", "show", "IA-2", "--ledger", desk.t.path])
        #expect(text.stdout.contains("[legacy record: breaks approve-needs-recommendation]"), "\(text.stdout)")
        // Imported again: nothing new.
        let count = try desk.count()
        #expect(try desk.run(dir.path("m.json"), dir.path("f.csv")).rowsImported == 0 && desk.count() == count)
        #expect(try pythonVerifier(desk.t.path).status == 0)
        #expect(try blotter(["verify", "--ledger", desk.t.path]).status == 0)
    }

    @Test("today's workflow keeps every rule: legacy from anyone but the importer, or naming a rule the statement keeps, is refused and writes nothing",
          arguments: StoreKind.allCases)
    func workflowKeepsTheRules(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.t.register("import/legacy", roles: ["importer"])
        try desk.complaint("C-1")
        try desk.open("IA-1", complaints: ["C-1"])
        try desk.allegation("IA-1", "A1")
        let approve: [(String, JSONValue)] = [("allegation_id", .string("A1")), ("finding", .string("sustained"))]
        let plain = try desk.refused(try desk.signed("ia/cmdr", "case.finding.approved", "case/IA-1", approve))
        #expect(plain.rule == "approve-needs-recommendation")
        let byCommander = try desk.refused(try desk.signed("ia/cmdr", "case.finding.approved", "case/IA-1",
                                                           approve + [("legacy", .array([.string("approve-needs-recommendation")]))]))
        #expect(byCommander.rule == "legacy-importer-only", "\(byCommander)")
        let wrongRule = try desk.refused(try desk.signed("import/legacy", "case.finding.approved", "case/IA-1",
                                                         approve + [("legacy", .array([.string("approve-needs-recommendation"), .string("close-needs-allegations")]))]))
        #expect(wrongRule.rule == "legacy-not-broken" && wrongRule.message.contains("close-needs-allegations"), "\(wrongRule)")
        let notAWaiver = try desk.refused(try desk.signed("import/legacy", "case.finding.approved", "case/IA-1",
                                                          approve + [("legacy", .array([.string("case-must-exist")]))]))
        #expect(notAWaiver.code == .schemaViolation, "case-must-exist is never waived: \(notAWaiver)")
        let legacy = try desk.ledger.append(try desk.signed("import/legacy", "case.finding.approved", "case/IA-1",
                                                            approve + [("legacy", .array([.string("approve-needs-recommendation")]))]))
        #expect(legacy.seq > 0)
    }
}

@Suite("Joined files: the rows of one record gathered from another file")
struct JoinImportTests {
    @Test("a complaint's officers from its accused rows in a second file; the joined file's digest in the provenance; a missing join file or column refused")
    func accusedOfficers() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        try write(#"""
            {"mapping": "complaints-with-accused", "format": "csv", "record": ["CR"],
             "joins": [{"name": "accused", "on": "CR", "key": "CR_ID"}],
             "events": [{"name": "complaint", "type": "complaint.received",
                         "fields": {"complaint_id": {"template": "CR-{CR}"}, "channel": {"const": "other"},
                                    "officers": {"join": "accused", "column": "Officer", "slug": true}}}]}
            """#, to: dir.path("m.json"))
        try write("CR,Beat\n100,1\n200,2\n300,3\n", to: dir.path("complaints.csv"))
        // Two rows of one officer on complaint 100 (two allegations) count once; 300 has none.
        try write("CR_ID,Officer,Allegation\n100,Jane DOE,force\n200,Ann Lee,search\n100,Bob Roe,force\n100,Jane Doe,verbal\n", to: dir.path("accused.csv"))
        let importer = try desk.importer(dir.path("m.json"))
        let before = try desk.count()
        do {
            _ = try importer.run(path: dir.path("complaints.csv"))
            Issue.record("imported without the joined file")
        } catch let error as BlotterError {
            #expect(error.message.contains("give its file with --join accused=FILE"), "\(error.message)")
        }
        #expect(try desk.count() == before, "nothing was written")
        importer.joinFiles["accused"] = dir.path("accused.csv")
        let report = try importer.run(path: dir.path("complaints.csv"))
        #expect(report.rowsImported == 3, "\(report.rejected)")
        #expect(try desk.rows("SELECT officers FROM p_complaints WHERE complaint_id = 'CR-100'").first?[0].text == "jane-doe,bob-roe")
        #expect((try desk.rows("SELECT officers FROM p_complaints WHERE complaint_id = 'CR-300'").first?[0].text ?? "") == "", "no accused rows, no officers")
        let officer = try blotter(["officer", "show", "jane-doe", "--ledger", desk.t.path, "--json"])
        #expect(officer.status == 0 && officer.stdout.contains("CR-100"), "\(officer.stdout)\(officer.stderr)")
        let entry = try desk.ledger.entry(before)
        let source = try Disclosure(encoded: try #require(entry.disclosures["source"])).value
        let digest = Hex.encode(SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: dir.path("accused.csv"))))))
        #expect(source["joins"] == .object([("accused", .string(digest))]), "\(source)")
        // Through the command line, a join column the file lacks is refused before anything is written.
        try write("CR_ID,Name\n100,Jane Doe\n", to: dir.path("other.csv"))
        let key = dir.path("importer.pem")
        try desk.key.pkcs8PEM.write(toFile: key, atomically: true, encoding: .utf8)
        let count = try desk.count()
        let r = try blotter(["import", "--ledger", desk.t.path, "--key", key, "--mapping", dir.path("m.json"), "--join", "accused=\(dir.path("other.csv"))",
                             dir.path("complaints.csv")])
        #expect(r.status == 5 && r.stderr.contains("join accused reads column \"Officer\", which \(dir.path("other.csv")) does not have"), "\(r.stderr)")
        #expect(try desk.count() == count)
    }
}

/// Issue 15's demonstration: a sample in the layout of a large US city's published history (three
/// gzip-compressed files, Central time, exact duplicate rows, legacy records; made by
/// Fixtures/history/make_sample.py), imported through mappings of ours, against figures Python
/// computes from the same files (Fixtures/history/figures.py).
@Suite("History as it happened: a city's complaints, accused officers and use of force")
struct HistoryImportTests {
    static let folder = fixtures.appendingPathComponent("history")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    @Test("cases and sustained allegations by the year they happened, an officer across complaints and use of force through the roster and signed links, namesakes kept apart, legacy records marked and counted, local times converted, duplicates skipped, a second import adds nothing")
    func cityHistory() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let key = dir.path("importer.pem")
        try desk.key.pkcs8PEM.write(toFile: key, atomically: true, encoding: .utf8)
        let officer = "5003"
        let namesake = "5007"  // the same name as 5003, born nine years later
        let figures = try pythonFigures([Self.folder.path, officer, namesake], script: Self.path("figures.py"))
        func importing(_ mapping: String, _ file: String, joins: [String] = []) throws -> JSONValue {
            let report = dir.path("\(mapping).report.json")
            let r = try blotter(["import", "--ledger", desk.t.path, "--key", key, "--mapping", Self.path("\(mapping).json"), "--quiet",
                                 "--report", report, "--rejects", dir.path("\(mapping).rejected.csv")] + joins.flatMap { ["--join", $0] } + [Self.path(file)])
            #expect(r.status == 0, "\(mapping): \(r.stdout)\(r.stderr)")
            return try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: report))))
        }
        func all() throws -> [JSONValue] {
            [try importing("complaints", "complaints.csv.gz", joins: ["accused=\(Self.path("accused.csv.gz"))"]),
             try importing("accused", "accused.csv.gz", joins: ["complaint=\(Self.path("complaints.csv.gz"))"]),
             try importing("closures", "complaints.csv.gz"),
             try importing("uof", "uof.csv.gz"),
             // The roster and the links arrive after the records they gather: a view follows the links in force when it is read.
             try importing("roster", "roster.csv.gz"),
             try importing("links", "links.csv.gz")]
        }
        let reports = try all()
        for r in reports { #expect(r["rows_rejected"] == .integer(0), "\(r["rejected"] ?? .null)") }
        #expect(reports[0]["rows_duplicate"] == figures["duplicate_rows"] && reports[0]["rows_imported"] == figures["complaints"], "\(reports[0])")
        #expect(reports[1]["rows_imported"] == figures["allegations"])
        // Legacy records, counted by the rule each breaks, equal Python's count of the rows that break it.
        var legacy: [String: JSONValue] = [:]
        for r in reports { for (rule, n) in r["legacy"]?.objectValue ?? [] { legacy[rule] = n } }
        let expectedLegacy = try #require(figures["legacy"]?.objectValue)
        #expect(legacy.count == expectedLegacy.count && expectedLegacy.allSatisfy { legacy[$0.0] == $0.1 }, "Blotter \(legacy), Python \(expectedLegacy)")
        for (rule, n) in expectedLegacy {
            let marked = try desk.rows("SELECT COUNT(*) FROM p_timeline WHERE legacy LIKE ?", [.text("%\(rule)%")]).first?.first?.integer
            #expect(marked.map(JSONValue.integer) == n, "\(rule): \(marked ?? -1) timeline lines marked")
        }
        // The penalty recommended with a finding, where the file gives one, by penalty and by days.
        for (key, column) in [("recommended_penalties", "recommended_penalty"), ("recommended_days", "CAST(recommended_days AS TEXT)")] {
            let counted = try desk.rows("SELECT \(column), COUNT(*) FROM p_allegations WHERE recommended_penalty IS NOT NULL AND \(column) IS NOT NULL GROUP BY 1")
            let expected = try #require(figures[key]?.objectValue)
            #expect(!expected.isEmpty && Dictionary(uniqueKeysWithValues: counted.map { ($0[0].text ?? "", $0[1].integer ?? -1) })
                    == Dictionary(uniqueKeysWithValues: expected.map { ($0.0, $0.1.integerValue ?? -2) }), "\(key): Blotter \(counted), Python \(expected)")
        }
        // Cases and sustained allegations by the year they happened (in UTC), not the year of the import.
        let stats = try JSONParser.parse(Array(try blotter(["stats", "--ledger", desk.t.path, "--json"]).stdout.utf8))
        let years = try #require(stats["by_year"]?.arrayValue)
        for (key, column) in [("cases_by_year", "cases_opened"), ("sustained_by_year", "allegations_sustained")] {
            let expected = try #require(figures[key]?.objectValue)
            for y in years where y[column] != .integer(0) {
                let year = try #require(y["year"]?.stringValue)
                #expect(expected.contains { $0.0 == year && $0.1 == y[column] }, "\(column) \(year): Blotter \(y[column] ?? .null), Python \(expected)")
            }
            for (year, n) in expected { #expect(years.contains { $0["year"] == .string(year) && $0[column] == n }, "\(column) \(year): Python \(n)") }
        }
        // Local times converted as Python's zoneinfo converts them.
        for (complaint, utc) in try #require(figures["received_at"]?.objectValue) {
            #expect(try desk.rows("SELECT received_at FROM p_complaints WHERE complaint_id = ?", [.text(complaint)]).first?.first?.text == utc.stringValue,
                    "\(complaint)")
        }
        // One officer across the complaints (their officers joined from the accused file), allegations, discipline and use of force.
        let view = try JSONParser.parse(Array(try blotter(["officer", "show", officer, "--ledger", desk.t.path, "--json"]).stdout.utf8))
        let mine = try #require(figures["officer"])
        #expect(view["complaints"]?.arrayValue.map { JSONValue.integer(Int64($0.count)) } == mine["complaints"], "\(view["complaints"] ?? .null)")
        #expect(view["allegations"]?.arrayValue.map { JSONValue.integer(Int64($0.count)) } == mine["allegations"])
        #expect(view["allegations"]?.arrayValue.map { JSONValue.integer(Int64($0.filter { $0["final"] == .string("sustained") }.count)) } == mine["sustained"])
        #expect(view["discipline"]?.arrayValue.map { JSONValue.integer(Int64($0.count)) } == mine["discipline"])
        #expect(view["use_of_force"]?.arrayValue.map { JSONValue.integer(Int64($0.count)) } == mine["use_of_force"])
        #expect(view["allegations"]?.arrayValue?.first?["at"] == mine["first_allegation_at"], "the officer's history is in the order things happened")
        // The roster, and the use-of-force reports gathered through a signed link from the use-of-force
        // system's key (its file gives name and age, not the roster id): as many as Python matches by name and age.
        #expect(reports[4]["rows_imported"] == figures["roster"] && figures["reports_unmatched"] == .integer(0))
        #expect(view["roster"]?["officer_id"] == .string(officer) && view["roster"]?["name"] == mine["name"], "\(view["roster"] ?? .null)")
        let identities = try #require(view["identities"]?.arrayValue)
        let alias = try #require(identities.first?["id"]?.stringValue)
        #expect(identities.count == 1 && identities[0]["system"] == .string("city-use-of-force"), "\(identities)")
        #expect(view["use_of_force"]?.arrayValue?.allSatisfy { $0["officer"] == .string(alias) } == true, "each report says which id it names")
        let viaAlias = try JSONParser.parse(Array(try blotter(["officer", "show", alias, "--ledger", desk.t.path, "--json"]).stdout.utf8))
        #expect(viaAlias["roster"]?["officer_id"] == .string(officer) && viaAlias["use_of_force"] == view["use_of_force"], "the alias gives the same officer")
        // Two officers of one name stay two: each has the reports whose age fits their own birth year.
        #expect(figures["officers_sharing_a_name"].flatMap(\.integerValue).map { $0 > 0 } == true)
        let other = try JSONParser.parse(Array(try blotter(["officer", "show", namesake, "--ledger", desk.t.path, "--json"]).stdout.utf8))
        #expect(other["roster"]?["name"] == mine["name"], "the sample's namesakes")
        #expect(other["use_of_force"]?.arrayValue.map { JSONValue.integer(Int64($0.count)) } == figures["use_of_force_of"]?[namesake])
        let reportsOf = { (v: JSONValue) in Set((v["use_of_force"]?.arrayValue ?? []).compactMap { $0["report_id"]?.stringValue }) }
        #expect(reportsOf(view).isDisjoint(with: reportsOf(other)) && !reportsOf(other).isEmpty)
        // Nothing is new the second time; both verifiers pass.
        let count = try desk.count()
        for r in try all() { #expect(r["rows_imported"] == .integer(0) && r["rows_rejected"] == .integer(0), "\(r)") }
        #expect(try desk.count() == count)
        #expect(try blotter(["verify", "--ledger", desk.t.path]).status == 0)
        let python = try pythonVerifier(desk.t.path)
        #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
    }

    /// The sample files are what make_sample.py makes.
    @Test("the shipped sample is the one its script makes")
    func sampleIsReproducible() throws {
        let dir = TemporaryDirectory()
        let r = try run("/usr/bin/env", ["python3", Self.path("make_sample.py"), dir.path("")])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["complaints.csv.gz", "accused.csv.gz", "uof.csv.gz", "roster.csv.gz", "links.csv.gz"] {
            #expect(FileManager.default.contents(atPath: dir.path(name)) == FileManager.default.contents(atPath: Self.path(name)), "\(name) differs")
        }
    }
}
