import Blotter
import BlotterDemo
import BlotterCrypto
import BlotterPostgres
import BlotterSQL
import Foundation
import GRDB
import Testing

/// Every row of every projection table, read through the store, sorted, as text.
func projectionDump(_ store: any LedgerStore) throws -> [String: [String]] {
    try store.read { r in
        var out: [String: [String]] = [:]
        for table in SQLProjections.tables {
            out[table] = try r.rows("SELECT * FROM \(table)", []).map { "\($0)" }.sorted()
        }
        return out
    }
}

/// Field values of every entry, read straight from the entries and disclosures (not from projections).
func rawEvents(_ ledger: Ledger) throws -> [(seq: Int64, type: String, stream: String, values: [String: JSONValue])] {
    var out: [(Int64, String, String, [String: JSONValue])] = []
    let n = try ledger.count()
    var seq: Int64 = 0
    while seq < n {
        let batch = try ledger.store.read { try $0.entries(from: seq, limit: 2048) }
        for stored in batch {
            let entry = try Entry(bytes: stored.bytes)
            var values: [String: JSONValue] = [:]
            for (name, encoded) in stored.disclosures { values[name] = try Disclosure(encoded: encoded).value }
            out.append((stored.seq, entry.statement.type, entry.statement.stream, values))
        }
        seq = (batch.last?.seq ?? n) + 1
    }
    return out
}

@Suite("Projections")
struct ProjectionTests {
    static let demoDirectory = TemporaryDirectory()
    /// One demo ledger shared by the tests of this suite (built once).
    static let demo: (path: String, report: Precinct120.Report) = {
        let path = demoDirectory.path("p120.ledger")
        var demo = Precinct120(events: 12_000)
        let report = try! demo.build(path: path, keysDirectory: demoDirectory.path("keys"))
        return (path, report)
    }()

    @Test("rebuild from the log produces exactly the tables the appends built, on a ledger of 12,000 entries", arguments: StoreKind.allCases)
    func rebuildMatchesIncremental(_ store: StoreKind) throws {
        let ledger: Ledger
        let entries: Int64
        switch store {
        case .sqlite:
            let copy = Self.demoDirectory.path("rebuild.ledger")
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: Self.demo.path, toPath: copy)
            ledger = try Ledger.open(path: copy)
            entries = try DatabaseQueue(path: copy).read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM entries")! }
        case .postgres:
            let directory = TemporaryDirectory()
            let (made, _) = try store.makeStore(in: directory)
            var demo = Precinct120(events: 12_000)
            _ = try demo.build(store: made, keysDirectory: directory.path("keys"), operatorKeyPath: directory.path("operator.pem"))
            ledger = Ledger(store: made)
            entries = try #require(try ledger.store.read { try $0.rows("SELECT COUNT(*) FROM entries", []) }.first?.first?.integer)
        }
        defer { try? ledger.close() }
        let incremental = try projectionDump(ledger.store)
        #expect((incremental["p_cases"]?.count ?? 0) > 500)
        #expect((incremental["p_timeline"]?.count ?? 0) > 5000)
        let n = try ledger.rebuildProjections()
        #expect(n == entries)
        let rebuilt = try projectionDump(ledger.store)
        for table in SQLProjections.tables {
            #expect(rebuilt[table] == incremental[table], "table \(table) differs after rebuild")
        }
    }

    @Test("the demo verifies, and the independent Python verifier agrees")
    func demoVerifies() throws {
        let report = try LedgerVerifier(store: try SQLiteStore.open(path: Self.demo.path)).verify()
        #expect(report.entries == (try DatabaseQueue(path: Self.demo.path).read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM entries")! }))
        let python = try pythonVerifier(Self.demo.path)
        #expect(python.status == 0, "\(python.stdout) \(python.stderr)")
    }

    @Test("a hand edit of a view is found by `blotter verify` and, for cases, allegations and officer histories, by the Python verifier, naming the table and row; a rebuild repairs it",
          arguments: StoreKind.allCases)
    func viewEditsAreFound(_ store: StoreKind) throws {
        let directory = TemporaryDirectory()
        let (made, location) = try store.makeStore(in: directory)
        var demo = Precinct120(events: 1_000)
        _ = try demo.build(store: made, keysDirectory: directory.path("keys"), operatorKeyPath: directory.path("operator.pem"))
        // The demo closes its store when done.
        let ledger = store == .sqlite ? try Ledger.open(path: location) : Ledger(store: try PostgresStore.open(url: location))
        defer { try? ledger.close() }
        func sql(_ statement: String, _ arguments: [SQLValue] = []) throws { try ledger.store.write { try $0.execute(statement, arguments) } }
        func query(_ statement: String) throws -> [SQLValue] { try ledger.store.read { try $0.rows(statement, []).first ?? [] } }
        func verifyBoth() throws -> (swift: JSONValue, swiftStatus: Int32, python: JSONValue, pythonStatus: Int32) {
            let swift = try blotter(["verify", "--json", "--ledger", location])
            let python = try pythonVerifier(location)
            return (try JSONParser.parse(swift.stdout), swift.status, try JSONParser.parse(python.stdout), python.status)
        }

        let clean = try verifyBoth()
        #expect(clean.swiftStatus == 0 && clean.pythonStatus == 0, "\(clean)")
        #expect(clean.swift["views"]?["tables"] == .integer(Int64(SQLProjections.tables.count)), "\(clean.swift)")
        #expect((clean.python["view_rows"]?.integerValue ?? 0) > 100, "\(clean.python)")

        // Each edit, then what both verifiers must say, then a rebuild that makes the views right again.
        let closed = try query("SELECT case_id, investigator FROM p_cases WHERE status = 'closed' ORDER BY case_id LIMIT 1")
        let (caseID, investigator) = (try #require(closed.first?.text), try #require(closed.last?.text))
        let sustained = try query("SELECT case_id, allegation_id FROM p_allegations WHERE final = 'sustained' ORDER BY case_id, allegation_id LIMIT 1")
        let (allegationCase, allegation) = (try #require(sustained.first?.text), try #require(sustained.last?.text))
        let history = try query("SELECT officer, seq FROM p_officer_events WHERE kind = 'allegation' ORDER BY officer, seq LIMIT 1")
        let (officer, seq) = (try #require(history.first?.text), try #require(history.last?.integer))
        let edits: [(sql: String, arguments: [SQLValue], expected: String)] = [
            ("UPDATE p_cases SET status = 'open', investigator = 'ia/mallory' WHERE case_id = ?", [.text(caseID)],
             "view p_cases, row case_id = '\(caseID)': status is 'open', the log gives 'closed'; investigator is 'ia/mallory', the log gives '\(investigator)'"),
            ("UPDATE p_allegations SET final = 'exonerated' WHERE case_id = ? AND allegation_id = ?", [.text(allegationCase), .text(allegation)],
             "view p_allegations, row case_id = '\(allegationCase)', allegation_id = '\(allegation)': final is 'exonerated', the log gives 'sustained'"),
            ("DELETE FROM p_officer_events WHERE officer = ? AND seq = ? AND kind = 'allegation'", [.text(officer), .integer(seq)],
             "view p_officer_events, row officer = '\(officer)', seq = \(seq), kind = 'allegation' is missing: the log makes it"),
            ("INSERT INTO p_cases (case_id, status, opened_seq, opened_at, last_seq, version) SELECT 'IA-1999-0001', status, opened_seq, opened_at, last_seq, version FROM p_cases WHERE case_id = ?", [.text(caseID)],
             "view p_cases, row case_id = 'IA-1999-0001': no entry makes this row"),
        ]
        for (edit, row) in zip(edits, [0, 0, 2, 1].map { TamperTests.viewMessages[$0] }) {
            #expect(FailureTable.messages.contains(row) && FailureTable.matches(edit.expected, row), "\(edit.expected) is not docs/OVERSIGHT.md's \(row)")
            try sql(edit.sql, edit.arguments)
            let found = try verifyBoth()
            #expect(found.swiftStatus == 1 && found.pythonStatus == 1, "\(edit.sql)")
            #expect(found.swift["views"] == .array([.string(edit.expected)]), "swift: \(found.swift)")
            #expect(found.python["error"] == .string(edit.expected), "python: \(found.python)")
            try ledger.rebuildProjections()
        }
        let repaired = try verifyBoth()
        #expect(repaired.swiftStatus == 0 && repaired.pythonStatus == 0, "after the rebuilds: \(repaired)")

        // Tables the Python verifier does not rebuild: `blotter verify` lists every difference, in table order.
        try sql("INSERT INTO p_discipline (seq, case_id, allegation_id, action) VALUES (999999, ?, 'A-X', 'imposed')", [.text(caseID)])
        try sql("UPDATE p_recordings SET retention = 'destroyed' WHERE evidence_id = (SELECT MIN(evidence_id) FROM p_recordings)")
        let evidence = try #require(try query("SELECT evidence_id FROM p_recordings WHERE retention = 'destroyed'").first?.text)
        let text = try blotter(["verify", "--ledger", location])
        #expect(text.status == 1)
        #expect(text.stdout.contains("FAILED: the stored views differ from a rebuild from the log (2 differences)"), "\(text.stdout)")
        #expect(text.stdout.contains("view p_discipline, row seq = 999999: no entry makes this row"), "\(text.stdout)")
        #expect(text.stdout.contains("view p_recordings, row evidence_id = '\(evidence)': retention is 'destroyed', the log gives"), "\(text.stdout)")
        // Skipping the views is a choice the command line makes visible; the entries still verify.
        #expect(try blotter(["verify", "--no-views", "--ledger", location]).status == 0)
    }

    @Test("statistics and body-camera compliance agree with counts computed straight from the entries")
    func viewsAgreeWithRawEntries() throws {
        let ledger = try Ledger.open(path: Self.demo.path)
        defer { try? ledger.close() }
        let events = try rawEvents(ledger)
        let catalog = try ledger.catalog()!
        let views = { (body: (Views) throws -> any Encodable) throws -> JSONValue in
            let value: any Encodable = try ledger.store.read { reader -> any Encodable in
                try body(try Views(reader, catalog: catalog, today: CalendarDate(Timestamp.now())))
            }
            return try JSONValueCoding.encode(value)
        }
        // Allegations by category and final finding.
        var category: [String: String] = [:], final: [String: String] = [:]
        for e in events where e.type == "case.allegation.added" { category[e.stream + "#" + e.values["allegation_id"]!.stringValue!] = e.values["category"]!.stringValue! }
        for e in events where e.type == "case.finding.approved" { final[e.stream + "#" + e.values["allegation_id"]!.stringValue!] = e.values["finding"]!.stringValue! }
        var expected: [String: Int64] = [:]
        for (key, c) in category { expected["\(c)|\(final[key] ?? "pending")", default: 0] += 1 }
        let stats = try views { try $0.statistics() }
        var got: [String: Int64] = [:]
        for row in stats["allegations_by_category_and_finding"]?.arrayValue ?? [] {
            got["\(row["category"]!.stringValue!)|\(row["finding"]!.stringValue!)"] = row["allegations"]!.integerValue!
        }
        #expect(got == expected)
        // Use of force with no recording from that officer within 30 minutes of the incident.
        func time(_ v: JSONValue?) -> Int64 { Timestamp(rfc3339: v!.stringValue!, precision: .secondsOrMilliseconds)!.milliseconds }
        let recordings = events.filter { $0.type == "bodycam.recording.captured" }
        var missing: Set<String> = []
        var late: Set<String> = []
        for e in events where e.type == "use_of_force.reported" {
            let t = time(e.values["incident_at"]), officer = e.values["officer"]!
            let near = recordings.filter { $0.values["officer"] == officer && time($0.values["start"]) <= t + 1_800_000 && time($0.values["stop"]) >= t - 1_800_000 }
            if near.isEmpty { missing.insert(e.values["report_id"]!.stringValue!) }
            else if near.map({ time($0.values["start"]) - 1000 * ($0.values["pre_event_buffer_seconds"]?.integerValue ?? 0) }).min()! > t {
                late.insert(e.values["report_id"]!.stringValue!)
            }
        }
        let compliance = try views { try $0.bodycamCompliance() }
        #expect(Set((compliance["use_of_force_without_recording"]?.arrayValue ?? []).map { $0["report_id"]!.stringValue! }) == missing)
        #expect(Set((compliance["late_activations"]?.arrayValue ?? []).map { $0["report_id"]!.stringValue! }) == late)
        #expect(!missing.isEmpty && !late.isEmpty)
        // Deletions: authorised by the deletion itself or by an earlier authorised request for that recording.
        var authorisedRequest: [String: String] = [:]
        var expectedDeletions: [String] = []
        for e in events {
            let evidence = e.values["evidence_id"]?.stringValue ?? ""
            if e.type == "bodycam.evidence.deletion.requested", let by = e.values["authorised_by"]?.stringValue { authorisedRequest[evidence] = by }
            if e.type == "bodycam.evidence.deleted" {
                let by = e.values["authorised_by"]?.stringValue ?? authorisedRequest[evidence]
                expectedDeletions.append("\(evidence) \(by ?? "-") \(by == nil)")
            }
        }
        let deletions = try #require(compliance["deletions"]?.arrayValue)
        let shown = deletions.map { "\($0["evidence_id"]?.stringValue ?? "?") \($0["authorised_by"]?.stringValue ?? "-") \($0["unauthorised"] == .bool(true))" }
        #expect(shown.sorted() == expectedDeletions.sorted())
        #expect(expectedDeletions.contains { $0.hasSuffix(" true") } && expectedDeletions.contains { $0.hasSuffix(" false") })
        let untied = events.filter { $0.type == "bodycam.evidence.accessed" && $0.values["case_id"] == nil }.count
        #expect(compliance["accesses_not_tied_to_a_case"]?.arrayValue?.count == untied)
    }

    @Test("views are Codable values: their JSON has every member, in the documented order, null where unknown, and decodes back to the same value")
    func viewModelsRoundTrip() throws {
        let ledger = try Ledger.open(path: Self.demo.path)
        defer { try? ledger.close() }
        let catalog = try #require(try ledger.catalog())
        let today = CalendarDate(Timestamp.now())
        func roundTrip<T: Codable & Equatable>(_ value: T) throws -> JSONValue {
            let json = try JSONValueCoding.encode(value)
            #expect(try JSONValueCoding.decode(T.self, from: json) == value, "\(T.self) does not decode back to itself")
            return json
        }
        // The members `case show --json` printed before the views were typed, in that order: a
        // client reading them must not notice the change.
        let caseMembers = ["case_id", "status", "version", "opened_seq", "opened_at", "opened_by", "classification", "unit", "discovery_date",
                           "deadline_rule", "investigator", "closed_seq", "closed_at", "reopened", "last_seq", "last_at", "deadline", "complaints",
                           "allegations", "officers", "evidence", "discipline", "tolling", "oversight_reviews", "timeline", "sealed"]
        let events = try rawEvents(ledger)
        let opened = events.filter { $0.type == "case.opened" }.map { String($0.stream.dropFirst("case/".count)) }
        let closed = Set(events.filter { $0.type == "case.closed" }.map { String($0.stream.dropFirst("case/".count)) })
        let openCase = try #require(opened.first { !closed.contains($0) })
        for caseID in [openCase, Self.demo.report.tolledCase, Self.demo.report.overdueCase] {
            let view = try ledger.store.read { try Views($0, catalog: catalog, today: today).caseView(caseID) }
            let json = try roundTrip(view)
            #expect(json.objectValue?.map(\.0) == caseMembers)
            #expect(json["deadline"]?.objectValue?.map(\.0) == ["rule", "rule_text", "start", "due", "tolled_days", "tolling_now", "days_left", "overdue"])
            #expect(json["complaints"]?.arrayValue?.first?.objectValue?.map(\.0)
                    == ["complaint_id", "seq", "received_at", "incident_at", "channel", "precinct", "officers", "allegations"])
        }
        // An open case has no closing entry: the member is there, and null.
        let open = try JSONValueCoding.encode(try ledger.store.read { try Views($0, catalog: catalog, today: today).caseView(openCase) })
        #expect(open["closed_seq"] == .null && open["closed_at"] == .null)
        let officer = try roundTrip(try ledger.store.read {
            try Views($0, catalog: catalog, today: today).officer(Self.demo.report.flaggedOfficer, rules: try EarlyInterventionRules.bundled())
        })
        #expect(officer.objectValue?.map(\.0) == ["officer", "roster", "identities", "complaints", "allegations", "allegations_by_category", "use_of_force", "discipline", "flags"])
        // Category names are data, not property names: kept as they are, sorted.
        let categories = officer["allegations_by_category"]?.objectValue?.map(\.0) ?? []
        #expect(!categories.isEmpty && categories == categories.sorted())
        let compliance = try roundTrip(try ledger.store.read { try Views($0, catalog: catalog, today: today).bodycamCompliance() })
        #expect(compliance.objectValue?.map(\.0) == ["use_of_force_reports", "recordings", "accesses", "window_seconds", "use_of_force_without_recording",
                                                     "late_activations", "accesses_not_tied_to_a_case", "deletions"])
        _ = try roundTrip(try ledger.store.read { try Views($0, catalog: catalog, today: today).queue(Views.QueueFilter()) })
        _ = try roundTrip(try ledger.store.read { try Views($0, catalog: catalog, today: today).statistics() })
        let recording = try #require(events.first { $0.type == "bodycam.recording.captured" }).stream.dropFirst("bodycam/".count)
        let custody = try roundTrip(try ledger.store.read { try Views($0, catalog: catalog, today: today).custody(String(recording)) })
        #expect(custody["recording"]?["pre_event_buffer_seconds"] != nil)
        #expect(custody["entries"]?.arrayValue?.first?["type"] == .string("bodycam.recording.captured"))
    }

    @Test("property names become the snake_case members views have always had")
    func snakeCaseNames() {
        #expect(JSONValueCoding.snakeCase("caseID") == "case_id")
        #expect(JSONValueCoding.snakeCase("accessesNotTiedToACase") == "accesses_not_tied_to_a_case")
        #expect(JSONValueCoding.snakeCase("preEventBufferSeconds") == "pre_event_buffer_seconds")
        #expect(JSONValueCoding.snakeCase("sha256") == "sha256")
        #expect(JSONValueCoding.snakeCase("status") == "status")
        #expect(JSONValueCoding.snakeCase("URLValue") == "url_value")
    }

    @Test("the flagged officer's flags name the events that raised them; every officer's flags, the overdue queue and tolling agree with what the raw entries give")
    func flagsAndQueues() throws {
        let ledger = try Ledger.open(path: Self.demo.path)
        defer { try? ledger.close() }
        let catalog = try ledger.catalog()!
        let today = CalendarDate(Timestamp.now())
        let officer = try JSONValueCoding.encode(try ledger.store.read {
            try Views($0, catalog: catalog, today: today).officer(Self.demo.report.flaggedOfficer, rules: try EarlyInterventionRules.bundled())
        })
        let flags = officer["flags"]?.arrayValue ?? []
        let ids = Set(flags.compactMap { $0["rule"]?.stringValue })
        #expect(ids.isSuperset(of: ["complaints-12-months", "force-12-months", "sustained-allegations"]))
        for flag in flags {
            let seqs = (flag["events"]?.arrayValue ?? []).compactMap { $0["seq"]?.integerValue }
            #expect(!seqs.isEmpty)
            // Each named event is an entry that names this officer.
            for seq in seqs.prefix(5) {
                let stored = try ledger.entry(seq)
                let named = try stored.disclosures.values.map { try Disclosure(encoded: $0).value }
                #expect(named.contains { $0 == .string(Self.demo.report.flaggedOfficer) || $0.arrayValue?.contains(.string(Self.demo.report.flaggedOfficer)) == true })
            }
        }
        // Every officer's flags, against flags computed here from the raw entries (not the views): the
        // window rules by incident dates, the sustained count by approved findings. Officers who could
        // meet the top-5% force rule (3 or more reports in the last year) are left out of the comparison.
        var complaintDays: [String: [Int64]] = [:], forceDays: [String: [Int64]] = [:], sustained: [String: Int] = [:]
        var allegationOfficer: [String: String] = [:]
        func day(_ v: JSONValue?) -> Int64? { v?.stringValue.flatMap { CalendarDate(String($0.prefix(10))) }?.days }
        for e in try rawEvents(ledger) {
            let allegation = e.stream + "#" + (e.values["allegation_id"]?.stringValue ?? "")
            switch e.type {
            case "complaint.received":
                for officer in e.values["officers"]?.arrayValue ?? [] {
                    if let o = officer.stringValue, let d = day(e.values["incident_at"]) { complaintDays[o, default: []].append(d) }
                }
            case "use_of_force.reported":
                if let o = e.values["officer"]?.stringValue, let d = day(e.values["incident_at"]) { forceDays[o, default: []].append(d) }
            case "case.allegation.added":
                if let o = e.values["officer"]?.stringValue { allegationOfficer[allegation] = o }
            case "case.finding.approved":
                if e.values["finding"] == .string("sustained"), let o = allegationOfficer[allegation] { sustained[o, default: 0] += 1 }
            default: break
            }
        }
        func mostWithin(_ days: [Int64], _ window: Int64) -> Int {
            let d = days.sorted()
            var best = 0, start = 0
            for end in d.indices {
                while d[end] - d[start] >= window { start += 1 }
                best = max(best, end - start + 1)
            }
            return best
        }
        var compared = 0, flaggedHere = 0
        for officer in Set(complaintDays.keys).union(forceDays.keys).sorted() {
            let recentForce = (forceDays[officer] ?? []).filter { $0 > today.days - 365 }.count
            guard recentForce < 3 else { continue }
            var expected: Set<String> = []
            if mostWithin(complaintDays[officer] ?? [], 365) >= 3 { expected.insert("complaints-12-months") }
            if mostWithin(forceDays[officer] ?? [], 365) >= 4 { expected.insert("force-12-months") }
            if sustained[officer, default: 0] >= 2 { expected.insert("sustained-allegations") }
            let view = try JSONValueCoding.encode(try ledger.store.read {
                try Views($0, catalog: catalog, today: today).officer(officer, rules: try EarlyInterventionRules.bundled())
            })
            let shown = Set((view["flags"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue })
            #expect(shown == expected, "\(officer)")
            compared += 1
            if !expected.isEmpty { flaggedHere += 1 }
        }
        // (In a demo of this size every officer meets some rule; the comparison is exact either way.)
        #expect(compared > 5 && flaggedHere > 0, "\(compared) officers compared, \(flaggedHere) flagged")
        // The overdue queue, against deadlines computed here from the raw entries (California Gov. Code
        // 3304(d): a year from discovery, plus every tolled day; a toll still open counts to today),
        // with Foundation's calendar; and which cases are tolling now.
        #expect(catalog.deadlineRule == "ca-gc-3304")
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        func date(_ v: JSONValue?) throws -> Date {
            let text = try #require(v?.stringValue)
            return try #require(utc.date(from: DateComponents(year: Int(text.prefix(4)), month: Int(text.dropFirst(5).prefix(2)), day: Int(text.dropFirst(8).prefix(2)))))
        }
        let now = try date(.string(today.description))
        var discovery: [String: Date] = [:], open: [String: Bool] = [:], tollStarted: [String: Date] = [:], tolledDays: [String: Int] = [:]
        for e in try rawEvents(ledger) where e.stream.hasPrefix("case/") {
            let id = String(e.stream.dropFirst("case/".count))
            switch e.type {
            case "case.opened":
                #expect(e.values["deadline_rule"] == nil)
                discovery[id] = try date(e.values["discovery_date"])
                open[id] = true
            case "case.closed": open[id] = false
            case "case.reopened": open[id] = true
            case "case.tolled":
                let day = try date(e.values["date"])
                if e.values["action"] == .string("start") { tollStarted[id] = day } else if let started = tollStarted.removeValue(forKey: id) {
                    tolledDays[id, default: 0] += utc.dateComponents([.day], from: started, to: day).day!
                }
            default: break
            }
        }
        var expectedOverdue: Set<String> = []
        for (id, isOpen) in open where isOpen {
            let tolled = tolledDays[id, default: 0] + (tollStarted[id].map { utc.dateComponents([.day], from: $0, to: now).day! } ?? 0)
            let due = utc.date(byAdding: .day, value: tolled, to: utc.date(byAdding: .year, value: 1, to: discovery[id]!)!)!
            if due < now { expectedOverdue.insert(id) }
        }
        var filter = Views.QueueFilter()
        filter.overdueOnly = true
        filter.limit = 100_000
        let overdue = try JSONValueCoding.encode(try ledger.store.read { try Views($0, catalog: catalog, today: today).queue(filter) })
        #expect(Set((overdue["cases"]?.arrayValue ?? []).compactMap { $0["case_id"]?.stringValue }) == expectedOverdue)
        #expect(!expectedOverdue.isEmpty && !tollStarted.isEmpty)
        for id in discovery.keys.sorted() {
            let view = try JSONValueCoding.encode(try ledger.store.read { try Views($0, catalog: catalog, today: today).caseView(id) })
            #expect(view["deadline"]?["tolling_now"] == .bool(tollStarted[id] != nil && open[id] == true), "\(id)")
        }
    }
}

@Suite("Workflow from the command line")
struct WorkflowCLITests {
    @Test("complaint, case, allegation, finding, approval, refused close, discipline, close, show, list, officer, stats")
    func workflow() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        #expect(try blotter(["init", "--origin", "ia.example/ledger", "--admin", "ia/admin"], cwd: cwd).status == 0)
        for (actor, role) in [("ia/lee", "intake"), ("ia/rivera", "investigator"), ("ia/morales", "commander")] {
            let file = actor.replacingOccurrences(of: "/", with: "-") + ".pem"
            #expect(try blotter(["keys", "generate", "--out", file], cwd: cwd).status == 0)
            let r = try blotter(["keys", "register", "--key", "admin.key.pem", "--subject", actor, "--role", role, file], cwd: cwd)
            #expect(r.status == 0, "\(r.stderr)")
        }
        func run(_ args: [String]) throws -> ProcessResult {
            let r = try blotter(args, cwd: cwd)
            #expect(r.status == 0, "\(args.joined(separator: " ")): \(r.stderr)")
            return r
        }
        try run(["complaint", "receive", "C-1", "--key", "ia-lee.pem", "--channel", "phone", "--incident-at", "2026-11-01T22:15:00Z",
                 "--officer", "P-1007", "--allegation", "Force/Chokehold", "--narrative", "He grabbed my neck."])
        try run(["case", "open", "IA-1", "--key", "ia-morales.pem", "--complaint", "C-1", "--discovery-date", "2026-11-02", "--unit", "IAB"])
        try run(["case", "assign", "IA-1", "--key", "ia-morales.pem", "--investigator", "ia/rivera"])
        try run(["case", "allegation", "IA-1", "--key", "ia-rivera.pem", "--id", "A1", "--officer", "P-1007", "--category", "Force", "--subcategory", "Chokehold"])
        // Discipline is recommended only with a sustained finding (the schema says so, naming the field).
        let notSustained = try blotter(["case", "finding", "IA-1", "--key", "ia-rivera.pem", "--allegation", "A1", "--finding", "exonerated",
                                        "--recommend-penalty", "suspension"], cwd: cwd)
        #expect(notSustained.status == 2 && notSustained.stderr.contains("/finding"), "\(notSustained.stderr)")
        try run(["case", "finding", "IA-1", "--key", "ia-rivera.pem", "--allegation", "A1", "--finding", "sustained",
                 "--recommend-penalty", "suspension", "--recommend-days", "25", "--recommend-detail", "Suspension 25 days"])
        let recommended = try JSONParser.parse(Array(try run(["case", "show", "IA-1", "--json"]).stdout.utf8))["allegations"]?.arrayValue?.first
        #expect(recommended?["recommended_penalty"] == .string("suspension") && recommended?["recommended_days"] == .integer(25)
                && recommended?["recommended_detail"] == .string("Suspension 25 days"), "\(String(describing: recommended))")
        let shown = try run(["case", "show", "IA-1"]).stdout
        #expect(shown.contains("suspension 25d (Suspension 25 days)") && shown.contains("with suspension 25 days (Suspension 25 days)"), "\(shown)")
        try run(["case", "approve", "IA-1", "--key", "ia-morales.pem", "--allegation", "A1"])
        let refused = try blotter(["case", "close", "IA-1", "--key", "ia-morales.pem"], cwd: cwd)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("close-needs-discipline") && refused.stderr.contains("A1"))
        let wrongCategory = try blotter(["case", "allegation", "IA-1", "--key", "ia-rivera.pem", "--id", "A2", "--officer", "P-1007", "--category", "Rudeness"], cwd: cwd)
        #expect(wrongCategory.status == 2 && wrongCategory.stderr.contains("/category"))
        try run(["case", "discipline", "IA-1", "--key", "ia-morales.pem", "--allegation", "A1", "--penalty", "suspension", "--days", "10"])
        try run(["case", "close", "IA-1", "--key", "ia-morales.pem"])
        let show = try run(["case", "show", "IA-1"])
        #expect(show.stdout.contains("CLOSED") && show.stdout.contains("suspension") && show.stdout.contains("ia/morales"))
        let json = try JSONParser.parse(Array(try run(["case", "show", "IA-1", "--json"]).stdout.utf8))
        #expect(json["allegations"]?.arrayValue?.first?["final"] == .string("sustained"))
        #expect(json["discipline"]?.arrayValue?.first?["days"] == .integer(10))
        // The recommendation stays beside what was imposed.
        #expect(json["allegations"]?.arrayValue?.first?["recommended_days"] == .integer(25))
        #expect(try run(["case", "list", "--status", "all"]).stdout.contains("IA-1"))
        #expect(try run(["officer", "show", "P-1007"]).stdout.contains("Chokehold"))
        #expect(try run(["stats"]).stdout.contains("sustained"))
        // A rebuild from the log gives the same case view as the appends built.
        let beforeRebuild = try run(["case", "show", "IA-1", "--json"]).stdout
        #expect(try run(["projections", "rebuild"]).stdout.contains("rebuilt projections"))
        #expect(try run(["case", "show", "IA-1", "--json"]).stdout == beforeRebuild)
        // A unit name holding terminal escapes (clear screen, bell, a right-to-left override) is refused
        // when signed, naming the field and the character, escaped; nothing is written.
        let hostile = "IAB\u{1B}[2J\u{07}\u{202E}evil"
        try run(["complaint", "receive", "C-2", "--key", "ia-lee.pem", "--channel", "phone", "--incident-at", "2026-11-01T22:15:00Z",
                 "--officer", "P-1008", "--allegation", "Force/Chokehold"])
        let entries = try JSONParser.parse(Array(try run(["verify", "--json"]).stdout.utf8))["entries"]
        let refusedUnit = try blotter(["case", "open", "IA-2", "--key", "ia-morales.pem", "--complaint", "C-2", "--discovery-date", "2026-11-02",
                                       "--unit", hostile], cwd: cwd)
        #expect(refusedUnit.status == 2 && refusedUnit.stderr.contains("/unit (text): holds the control character U+001B"), "\(refusedUnit.stderr)")
        #expect(!refusedUnit.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        #expect(try JSONParser.parse(Array(try run(["verify", "--json"]).stdout.utf8))["entries"] == entries)
        // A value that reached the views anyway (a ledger written before the rule, or an edited view) is
        // shown escaped by every text view; --json keeps the value exactly.
        try run(["case", "open", "IA-2", "--key", "ia-morales.pem", "--complaint", "C-2", "--discovery-date", "2026-11-02", "--unit", "IAB"])
        let db = try DatabaseQueue(path: dir.path("blotter.ledger"))
        try db.write { try $0.execute(sql: "UPDATE p_cases SET unit = ? WHERE case_id = 'IA-2'", arguments: [hostile]) }
        try db.close()
        for args in [["case", "show", "IA-2"], ["case", "list"], ["stats"]] {
            let out = try run(args).stdout
            #expect(!out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(args): raw control characters")
            #expect(out.contains("IAB\\u{1B}[2J\\u{7}\\u{202E}evil"), "\(args): \(out)")
        }
        let raw = try JSONParser.parse(Array(try run(["case", "show", "IA-2", "--json"]).stdout.utf8))
        #expect(raw["unit"] == .string(hostile))
        // Error messages quote what they were given: escaped as well.
        let missing = try blotter(["case", "show", "IA-\u{1B}]0;owned\u{07}"], cwd: cwd)
        #expect(missing.status == 4 && missing.stderr.contains("IA-\\u{1B}]0;owned\\u{7}"), "\(missing.stderr)")
        #expect(!missing.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        // The edited view is found by verify, and a rebuild makes it what the log says.
        #expect(try blotter(["verify"], cwd: cwd).status == 1)
        try run(["projections", "rebuild"])
        #expect(try run(["verify"]).status == 0)
    }
}
