import Blotter
import BlotterSQL
import Foundation
import Testing

/// The officer roster: one identity per officer that the ids of several sources resolve to, through
/// links someone signed.
@Suite("Officer roster and signed identity links")
struct RosterTests {
    /// A case desk with a records officer (custodian) and two cases: one naming the roster id P-1, one
    /// naming TAX-991, the id the city's older complaint system used for the same officer.
    static func desk(store: StoreKind = .sqlite) throws -> CaseDesk {
        let desk = try CaseDesk(store: store)
        try desk.t.register("records/ortiz", roles: ["custodian"])
        for (n, officer) in [(1, "P-1"), (2, "TAX-991")] {
            try desk.complaint("C-\(n)", officer: officer, incident: "2026-0\(n)-10T22:15:00Z")
            try desk.open("IA-\(n)", complaints: ["C-\(n)"])
            try desk.allegation("IA-\(n)", "A1", officer: officer)
            try desk.finding("IA-\(n)", "A1", "sustained")
        }
        return desk
    }

    static func officerView(_ desk: CaseDesk, _ id: String) throws -> JSONValue {
        let catalog = try #require(try desk.ledger.catalog())
        return try JSONValueCoding.encode(try desk.ledger.store.read {
            try Views($0, catalog: catalog, today: CalendarDate("2026-11-21")!).officer(id, rules: try EarlyInterventionRules.bundled())
        })
    }

    static func register(_ desk: CaseDesk, _ id: String = "P-1") throws {
        try desk.step("records/ortiz", "officer.registered", "officer/\(id)", [
            ("officer_id", .string(id)), ("name", .string("Dana Kowalski")), ("birth_year", .integer(1988)), ("star", .string("4417")),
            ("unit", .string("Precinct 120")), ("rank", .string("Police Officer")), ("appointed", .string("2015-07-01")),
        ])
    }

    static func link(_ desk: CaseDesk, _ alias: String, to id: String = "P-1") throws -> Submission {
        try desk.signed("records/ortiz", "officer.linked", "officer/\(id)", [
            ("officer_id", .string(id)), ("alias", .string(alias)), ("system", .string("legacy-complaints")),
            ("basis", .string("same name, star 4417 and appointment date")),
        ])
    }

    @Test("an id linked to a roster officer gathers its records into that officer's view, each naming the id it used; flags count them together; asking by the alias gives the same view; withdrawing the link separates them again", arguments: StoreKind.allCases)
    func linksGatherRecords(store: StoreKind) throws {
        let desk = try Self.desk(store: store)
        // Before the roster: two officers as far as anyone can tell, neither with two sustained allegations.
        let before = try Self.officerView(desk, "P-1")
        #expect(before["roster"] == .null && before["identities"] == .array([]) && before["allegations"]?.arrayValue?.count == 1)
        #expect(before["flags"]?.arrayValue?.contains { $0["rule"] == .string("sustained-allegations") } == false)

        try Self.register(desk)
        try desk.ledger.append(try Self.link(desk, "TAX-991"))
        let view = try Self.officerView(desk, "P-1")
        #expect(view["roster"]?["name"] == .string("Dana Kowalski") && view["roster"]?["star"] == .string("4417"), "\(view["roster"] ?? .null)")
        #expect(view["identities"]?.arrayValue?.map { $0["id"] } == [.string("TAX-991")])
        #expect(view["identities"]?.arrayValue?.first?["basis"] == .string("same name, star 4417 and appointment date"))
        let allegations = try #require(view["allegations"]?.arrayValue)
        #expect(allegations.map { $0["case_id"] } == [.string("IA-1"), .string("IA-2")], "in the order they happened")
        #expect(allegations.map { $0["officer"] } == [.string("P-1"), .string("TAX-991")], "each says which id its source used")
        #expect(view["complaints"]?.arrayValue?.count == 2)
        let flag = try #require(view["flags"]?.arrayValue?.first { $0["rule"] == .string("sustained-allegations") })
        #expect(flag["events"]?.arrayValue?.map { $0["ref"] } == [.string("case/IA-1#A1"), .string("case/IA-2#A1")])
        let viaAlias = try Self.officerView(desk, "TAX-991")
        #expect(viaAlias["officer"] == .string("TAX-991"))
        for key in ["roster", "identities", "complaints", "allegations", "discipline", "flags"] { #expect(viaAlias[key] == view[key], "the alias gives the same officer: \(key)") }

        // A wrong link is withdrawn by a signed statement, never edited away: the records part again.
        try desk.step("records/ortiz", "officer.unlinked", "officer/P-1", [
            ("officer_id", .string("P-1")), ("alias", .string("TAX-991")), ("reason", .string("TAX-991 is another Kowalski")),
        ])
        let after = try Self.officerView(desk, "P-1")
        #expect(after["identities"] == .array([]) && after["allegations"]?.arrayValue?.count == 1)
        #expect(after["roster"]?["history"]?.arrayValue?.suffix(2).map { $0["field"] } == [.string("linked"), .string("unlinked")])
        #expect(try Self.officerView(desk, "TAX-991")["roster"] == .null)
        // Both verifiers rebuild the roster and the links from the log and agree with the tables.
        if store == .sqlite {
            #expect(try desk.ledger.verifyViews()?.differences.isEmpty == true)
            let python = try pythonVerifier(desk.t.path)
            #expect(python.status == 0 && python.stdout.contains("\"view_rows\""), "\(python.stdout)\(python.stderr)")
            // A roster record edited in the table, not in the log, is caught by both, naming the table and the row.
            try desk.ledger.store.write { try $0.execute("UPDATE p_officers SET star = '9999' WHERE officer_id = 'P-1'", []) }
            #expect(try desk.ledger.verifyViews()?.differences.first?.table == "p_officers")
            let edited = try pythonVerifier(desk.t.path)
            #expect(edited.status != 0 && edited.stdout.contains("view p_officers, row officer_id = 'P-1': star is '9999', the log gives '4417'"),
                    "\(edited.stdout)\(edited.stderr)")
        }
    }

    @Test("an officer files about their own conduct under any id linked to them on the roster; a report about another officer is still refused")
    func ownReportThroughLinks() throws {
        let desk = try Self.desk()
        try desk.t.register("pd/P-1", roles: ["officer"], officer: "P-1")
        try desk.t.register("pd/old-key", roles: ["officer"], officer: "TAX-991")
        try Self.register(desk)
        try desk.ledger.append(try Self.link(desk, "TAX-991"))
        func report(_ actor: String, _ id: String, officer: String) throws -> Submission {
            try desk.signed(actor, "use_of_force.reported", "uof/\(id)", [
                ("report_id", .string(id)), ("officer", .string(officer)), ("incident_at", .string("2026-03-01T10:00:00Z")),
                ("force_types", .array([.string("Takedown")])),
            ])
        }
        // The key's officer P-1 and the report's TAX-991 are one officer by the signed link, both ways.
        try desk.ledger.append(try report("pd/P-1", "U-1", officer: "TAX-991"))
        try desk.ledger.append(try report("pd/old-key", "U-2", officer: "P-1"))
        let before = try desk.ledger.count()
        let other = try report("pd/P-1", "U-3", officer: "TAX-555")
        #expect(throws: BlotterError.self) { try desk.ledger.append(other) }
        do { _ = try desk.ledger.append(other) } catch let error as BlotterError {
            #expect(error.rule == "officer-own-report" && error.message.contains("TAX-555"), "\(error)")
        }
        #expect(try desk.ledger.count() == before)
    }

    @Test("body-camera compliance finds an officer's recording under the id the camera system uses once the roster links it, and not before")
    func complianceThroughLinks() throws {
        let desk = try Self.desk()
        try desk.t.register("sys/axon", roles: ["evidence-system"])
        try desk.t.register("pd/P-1", roles: ["officer"], officer: "P-1")
        try desk.step("pd/P-1", "use_of_force.reported", "uof/U-9", [
            ("report_id", .string("U-9")), ("officer", .string("P-1")), ("incident_at", .string("2026-03-01T10:00:00Z")),
            ("force_types", .array([.string("Takedown")])),
        ])
        try desk.step("sys/axon", "bodycam.recording.captured", "bodycam/AX-1", [
            ("evidence_id", .string("AX-1")), ("officer", .string("AXON-U-17")), ("start", .string("2026-03-01T09:55:00Z")),
            ("stop", .string("2026-03-01T10:20:00Z")), ("sha256", .string(String(repeating: "ab", count: 32))),
        ])
        func missing() throws -> [JSONValue] {
            let catalog = try #require(try desk.ledger.catalog())
            let view = try JSONValueCoding.encode(try desk.ledger.store.read { try Views($0, catalog: catalog, today: CalendarDate("2026-11-21")!).bodycamCompliance() })
            return (view["use_of_force_without_recording"]?.arrayValue ?? []).compactMap { $0["report_id"] }
        }
        #expect(try missing() == [.string("U-9")], "the camera's id names no officer the report knows")
        try Self.register(desk)
        try desk.ledger.append(try Self.link(desk, "AXON-U-17"))
        #expect(try missing() == [], "the recording is P-1's through the signed link")
    }

    @Test("an update keeps the earlier star, unit and rank in the history with the date each took effect")
    func updatesKeepHistory() throws {
        let desk = try Self.desk()
        try Self.register(desk)
        try desk.step("records/ortiz", "officer.updated", "officer/P-1", [
            ("officer_id", .string("P-1")), ("star", .string("5120")), ("rank", .string("Sergeant")), ("effective", .string("2024-03-01")),
            ("reason", .string("promoted")),
        ])
        let roster = try #require(try Self.officerView(desk, "P-1")["roster"])
        #expect(roster["star"] == .string("5120") && roster["rank"] == .string("Sergeant") && roster["unit"] == .string("Precinct 120"))
        #expect(roster["updated_seq"]?.integerValue != nil)
        let stars = (roster["history"]?.arrayValue ?? []).filter { $0["field"] == .string("star") }
        #expect(stars.map { $0["value"] } == [.string("4417"), .string("5120")] && stars.last?["effective"] == .string("2024-03-01"), "\(stars)")
        // The CLI prints the roster and its history.
        let text = try blotter(["officer", "show", "P-1", "--ledger", desk.t.path])
        #expect(text.status == 0 && text.stdout.contains("ROSTER P-1") && text.stdout.contains("Sergeant") && text.stdout.contains("2024-03-01"),
                "\(text.stdout)\(text.stderr)")
    }

    @Test("the roster's rules refuse, by name and without changing the ledger: a second registration, an update or link of an officer not on the roster, a link of a roster id, of an alias already linked to another officer or again to the same one, an unlink of a link that is not there, a roster id that is someone's alias; an investigator may not write the roster")
    func rosterRules() throws {
        let desk = try Self.desk()
        try Self.register(desk)
        func refusal(_ s: Submission) throws -> String? { try desk.refused(s).rule }
        let registration = { (id: String) in
            try desk.signed("records/ortiz", "officer.registered", "officer/\(id)", [("officer_id", .string(id)), ("name", .string("Someone"))])
        }
        #expect(try refusal(try registration("P-1")) == "officer-registered-once")
        let update = try desk.signed("records/ortiz", "officer.updated", "officer/P-9", [("officer_id", .string("P-9")), ("unit", .string("X"))])
        #expect(try refusal(update) == "officer-must-exist")
        #expect(try refusal(try Self.link(desk, "TAX-991", to: "P-9")) == "officer-must-exist")
        try desk.ledger.append(try registration("P-2"))
        #expect(try refusal(try Self.link(desk, "P-2")) == "link-alias-not-roster-id")
        try desk.ledger.append(try Self.link(desk, "TAX-991"))
        #expect(try refusal(try Self.link(desk, "TAX-991")) == "link-once")
        let taken = try desk.refused(try Self.link(desk, "TAX-991", to: "P-2"))
        #expect(taken.rule == "link-alias-unique" && taken.message.contains("already linked to officer P-1"), "\(taken.message)")
        #expect(try refusal(try registration("TAX-991")) == "roster-id-not-alias")
        let unlink = try desk.signed("records/ortiz", "officer.unlinked", "officer/P-2", [
            ("officer_id", .string("P-2")), ("alias", .string("TAX-991")), ("reason", .string("wrong")),
        ])
        let notThere = try desk.refused(unlink)
        #expect(notThere.rule == "unlink-needs-link" && notThere.message.contains("linked to officer P-1"), "\(notThere.message)")
        // An update must change something; the schema says so.
        let empty = try desk.refused(try desk.signed("records/ortiz", "officer.updated", "officer/P-1", [("officer_id", .string("P-1"))]))
        #expect(empty.code == .schemaViolation, "\(empty)")
        let byInvestigator = try desk.refused(try desk.signed("ia/rivera", "officer.registered", "officer/P-3", [
            ("officer_id", .string("P-3")), ("name", .string("Someone")),
        ]))
        #expect(byInvestigator.code == .roleNotAllowed, "\(byInvestigator)")
    }
}
