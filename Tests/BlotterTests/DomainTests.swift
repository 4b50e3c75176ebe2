import Blotter
import BlotterCrypto
import Foundation
import Testing

/// A domain ledger with the usual cast, and shorthand for workflow steps.
final class CaseDesk: @unchecked Sendable {
    let t: TestLedger
    var ledger: Ledger { t.ledger }

    init(store: StoreKind = .sqlite, location: String? = nil) throws {
        t = try TestLedger(catalog: try EventCatalog.bundled(), store: store, url: location)
        try t.register("ia/intake", roles: ["intake"])
        try t.register("ia/rivera", roles: ["investigator"])
        try t.register("ia/chen", roles: ["investigator"])
        try t.register("ia/cmdr", roles: ["commander"])
        try t.register("pd/P-1", roles: ["officer"])
        try t.register("sgt/diaz", roles: ["supervisor"])
        try t.register("sys/axon", roles: ["evidence-system"])
    }

    func version(_ stream: String) throws -> Int64 { try ledger.store.read { try $0.streamVersion(stream) } }

    /// Signed at `at`, by default with the type's current schema version.
    func signed(_ actor: String, _ type: String, _ stream: String, _ fields: [(String, JSONValue)], expect: Int64? = nil, schema: Int64? = nil,
                at: Timestamp = .now()) throws -> Submission {
        let schema = try schema ?? ledger.catalog()?.types[type]?.version ?? 1
        return try StatementDraft(log: TestLedger.origin, type: type, schema: schema, stream: stream, expect: try expect ?? version(stream), actor: actor,
                           at: at, fields: fields).sign(with: t.keys[actor]!)
    }

    @discardableResult
    func step(_ actor: String, _ type: String, _ stream: String, _ fields: [(String, JSONValue)], schema: Int64? = nil) throws -> AppendReceipt {
        try ledger.append(try signed(actor, type, stream, fields, schema: schema))
    }

    func complaint(_ id: String, officer: String = "P-1", incident: String = "2026-01-10T22:15:00Z") throws {
        try step("ia/intake", "complaint.received", "complaint/\(id)", [
            ("complaint_id", .string(id)), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
            ("incident_at", .string(incident)), ("officers", .array([.string(officer)])), ("narrative", .string("Officer pushed me.")),
        ])
    }

    func open(_ caseID: String, complaints: [String], discovery: String = "2026-01-12") throws {
        try step("ia/cmdr", "case.opened", "case/\(caseID)", [
            ("case_id", .string(caseID)), ("complaints", .array(complaints.map { .string($0) })), ("discovery_date", .string(discovery)),
            ("unit", .string("IAB Group 1")),
        ])
    }

    func allegation(_ caseID: String, _ id: String, officer: String = "P-1", category: String = "Force") throws {
        try step("ia/rivera", "case.allegation.added", "case/\(caseID)", [
            ("allegation_id", .string(id)), ("officer", .string(officer)), ("category", .string(category)), ("subcategory", .string("Physical force")),
        ])
    }

    func finding(_ caseID: String, _ id: String, _ finding: String, approve: Bool = true) throws {
        try step("ia/rivera", "case.finding.recorded", "case/\(caseID)", [("allegation_id", .string(id)), ("finding", .string(finding))])
        if approve { try step("ia/cmdr", "case.finding.approved", "case/\(caseID)", [("allegation_id", .string(id)), ("finding", .string(finding))]) }
    }

    func view(_ caseID: String, today: String = "2026-11-21") throws -> JSONValue {
        let catalog = try ledger.catalog()!
        return try JSONValueCoding.encode(try ledger.store.read { try Views($0, catalog: catalog, today: CalendarDate(today)!).caseView(caseID) })
    }

    /// Appends `submission` expecting a refusal; checks the ledger file is byte-for-byte unchanged.
    func refused(_ submission: Submission) throws -> BlotterError {
        let before = try t.fileDigest()
        let count = try ledger.count()
        do {
            _ = try ledger.append(submission)
        } catch let error as BlotterError {
            #expect(try t.fileDigest() == before, "the ledger changed on a refused append")
            #expect(try ledger.count() == count)
            return error
        }
        Issue.record("appended what should have been refused: \(submission.statement.type)")
        return BlotterError(.invalidInput, "not refused")
    }
}

@Suite("Event catalog and schema validation at append")
struct SchemaValidationTests {
    @Test("the bundled catalog holds every schema file in Schemas/events, every type is in the role table, every field has a sensitivity")
    func bundledCatalog() throws {
        let bundled = try EventCatalog.bundled()
        let fromFolder = try EventCatalog.load(directory: repositoryRoot.appendingPathComponent("Schemas").path)
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("Schemas/events").path).filter { $0.hasSuffix(".json") }
        // Every type has its schema files TYPE.v1.json ... TYPE.vN.json, N its current version.
        #expect(files.count == bundled.types.values.reduce(0) { $0 + Int($1.version) }, "\(files.sorted())")
        for (type, info) in bundled.types {
            for v in 1...info.version { #expect(files.contains("\(type).v\(v).json"), "\(type) version \(v) has no file") }
        }
        #expect(Set(bundled.types.keys) == Set(fromFolder.types.keys))
        let roles = try RoleTable.bundled()
        for (type, info) in bundled.types {
            #expect(roles.types[type] != nil, "\(type) is not in roles.json")
            let schema = try #require(bundled.schemas[type]?[info.version])
            #expect(!schema.fields.isEmpty || type == "case.closed")
            for field in schema.fields { #expect(bundled.sensitivities[field.sensitivity] != nil) }
            #expect(fromFolder.schemas[type]?[info.version]?.json == schema.json, "\(type): bundled copy differs from Schemas/")
        }
        // Every domain type of the role table has a schema.
        for type in roles.types.keys where !EventCatalog.coreTypes.contains(type) { #expect(bundled.types[type] != nil, "\(type) has no schema") }
        #expect(bundled.sensitivities["complainant-identity"]?.publishable == false)
        #expect(bundled.sensitivities["narrative"]?.publishable == false)
    }

    @Test("a schema field without a sensitivity, or an unsupported keyword, is refused when the catalog loads")
    func schemaChecksAtLoad() throws {
        let header = try JSONParser.parse(#"{"sensitivities": {"public": {"publishable": true}}, "types": {"x.y": {"version": 1, "stream": "x/{id}"}}}"#)
        let noSensitivity = try JSONParser.parse(#"{"type": "object", "additionalProperties": false, "properties": {"id": {"type": "string"}}}"#)
        #expect {
            try EventCatalog(header: header, schemas: [("x.y", 1, noSensitivity)])
        } throws: { error in
            (error as? BlotterError).map { $0.code == .invalidInput && $0.message.contains("schema of x.y version 1: field \"id\" has no \"sensitivity\" annotation (one of public)") } == true
        }
        let unsupported = try JSONParser.parse(#"{"type": "object", "additionalProperties": false, "properties": {"id": {"type": "string", "sensitivity": "public", "unevaluatedItems": false}}}"#)
        do {
            _ = try EventCatalog(header: header, schemas: [("x.y", 1, unsupported)])
            Issue.record("accepted an unsupported keyword")
        } catch {
            #expect(error.message.contains("schema of x.y version 1: ") && error.message.contains("unevaluatedItems"), "\(error.message)")
        }
        let open = try JSONParser.parse(#"{"type": "object", "properties": {"id": {"type": "string", "sensitivity": "public"}}}"#)
        #expect {
            try EventCatalog(header: header, schemas: [("x.y", 1, open)])
        } throws: { error in
            (error as? BlotterError).map { $0.code == .invalidInput && $0.message.contains("schema of x.y version 1: must be {\"type\": \"object\", \"additionalProperties\": false") } == true
        }
    }

    @Test("schema violations are refused with every pointer, keyword and message at once; the ledger is unchanged", arguments: StoreKind.allCases)
    func violations(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        let bad = try desk.signed("ia/intake", "complaint.received", "complaint/C-9", [
            ("channel", .integer(3)),                                                          // wrong type
            ("received_at", .string("2026-02-30T09:00:00Z")),                                  // bad date
            ("allegations", .array([.object([("category", .string("Rudeness"))])])),           // unknown category
            ("colour", .string("blue")),                                                       // unknown field
        ])                                                                                     // complaint_id missing
        let error = try desk.refused(bad)
        #expect(error.code == .schemaViolation)
        let found = Set(error.violations.map { "\($0.instancePath) \($0.keyword)" })
        #expect(found.isSuperset(of: ["/channel type", "/received_at format", "/allegations/0/category enum", "/colour additionalProperties", " required"]),
                "\(error.violations)")
        #expect(error.message.contains("\"complaint_id\" is required"))
        #expect(error.message.contains("/received_at (format)"))
    }

    @Test("a statement naming an unknown schema version, or withholding a field, is refused", arguments: StoreKind.allCases)
    func versionsAndDisclosures(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.complaint("C-1")
        let v9 = try desk.signed("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                                        ("discovery_date", .string("2026-01-12"))], schema: 9)
        #expect(try desk.refused(v9).message.contains("no schema version 9"))
        var withheld = try desk.signed("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                                              ("discovery_date", .string("2026-01-12"))])
        withheld.disclosures.removeLast()
        #expect(try desk.refused(withheld).message.contains("not disclosed"))
    }

    @Test("an administrator registers a new schema version (a new field and category); statements use it without a rebuild", arguments: StoreKind.allCases)
    func registerVersion(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        guard let schema = try Self.widenedAllegationSchema(desk) else { Issue.record("shape"); return }
        let v = try #require(try desk.ledger.catalog()?.types["case.allegation.added"]?.version)  // the bundled catalog's current one
        try desk.step("ia/admin", "schema.registered", "schemas/case.allegation.added",
                      [("event_type", .string("case.allegation.added")), ("version", .integer(v + 1)), ("schema", .object(schema))])
        #expect(try desk.ledger.catalog()?.types["case.allegation.added"]?.version == v + 1)
        try desk.complaint("C-1")
        try desk.open("IA-1", complaints: ["C-1"])
        try desk.step("ia/rivera", "case.allegation.added", "case/IA-1", [("allegation_id", .string("A1")), ("officer", .string("P-1")),
                                                                            ("category", .string("Sexual Misconduct")), ("body_camera_on", .bool(false))], schema: v + 1)
        // Version v is no longer accepted, not even for a statement it would pass (it is looser: no
        // new category, no new field), and not for one with the new field either.
        for fields in [[("allegation_id", JSONValue.string("A2")), ("officer", .string("P-1")), ("category", .string("Force"))],
                       [("allegation_id", .string("A3")), ("officer", .string("P-1")), ("category", .string("Force")), ("body_camera_on", .bool(true))]] {
            let old = try desk.signed("ia/rivera", "case.allegation.added", "case/IA-1", fields, schema: v)
            let refusal = try desk.refused(old)
            #expect(refusal.code == .schemaViolation && refusal.message.contains("version \(v) is no longer accepted"), "\(refusal)")
        }
        // Nor when version v + 2 is registered in the same batch as a version v + 1 statement.
        let v3 = try desk.signed("ia/admin", "schema.registered", "schemas/case.allegation.added",
                                 [("event_type", .string("case.allegation.added")), ("version", .integer(v + 2)), ("schema", .object(schema))])
        let stale = try desk.signed("ia/rivera", "case.allegation.added", "case/IA-1",
                                    [("allegation_id", .string("A4")), ("officer", .string("P-1")), ("category", .string("Force"))], schema: v + 1)
        let count = try desk.ledger.count()
        #expect(throws: BlotterError.self) { try desk.ledger.append([v3, stale]) }
        #expect(try desk.ledger.count() == count)
        // Skipping a version is refused.
        let skip = try desk.signed("ia/admin", "schema.registered", "schemas/case.allegation.added",
                                   [("event_type", .string("case.allegation.added")), ("version", .integer(v + 4)), ("schema", .object(schema))])
        #expect(try desk.refused(skip).message.contains("next version is \(v + 2)"))
        // The registration survives a reopen of the file (the catalog is read back from the ledger).
        let reopened = try openLedger(desk.t.path)
        #expect(try reopened.catalog()?.types["case.allegation.added"]?.version == v + 1)
    }

    /// The current version of case.allegation.added with a new field (body_camera_on) and a new category.
    static func widenedAllegationSchema(_ desk: CaseDesk) throws -> [(String, JSONValue)]? {
        let catalog = try desk.ledger.catalog()!
        guard let current = catalog.types["case.allegation.added"]?.version,
              case let .object(schema) = catalog.schemas["case.allegation.added"]![current]!.json,
              case var .object(properties) = schema.first(where: { $0.0 == "properties" })!.1 else { return nil }
        properties.append(("body_camera_on", .object([("type", .string("boolean")), ("sensitivity", .string("public"))])))
        properties = properties.map { name, value in
            guard name == "category", case var .object(c) = value else { return (name, value) }
            c = c.map { $0.0 == "enum" ? ("enum", .array(($0.1.arrayValue ?? []) + [.string("Sexual Misconduct")])) : $0 }
            return (name, .object(c))
        }
        return schema.map { $0.0 == "properties" ? ("properties", .object(properties)) : $0 }
    }

    /// A store that lets another writer commit between an append's checks (done before the lock) and
    /// its write transaction, as a second server on the same database or the server's next batch does.
    final class InterleavingStore: LedgerStore, @unchecked Sendable {
        let inner: any LedgerStore
        var beforeNextWrite: (() throws -> Void)?
        init(_ inner: any LedgerStore) { self.inner = inner }
        func write<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
            if let other = beforeNextWrite {
                beforeNextWrite = nil
                try other()
            }
            return try inner.write(body)
        }
        func read<T>(_ body: (any LedgerReading) throws -> T) throws -> T { try inner.read(body) }
        func close() throws { try inner.close() }
        func compact() throws { try inner.compact() }
    }

    @Test("a schema version registered by another writer after an append's checks and before its lock is the one that append is held to", arguments: StoreKind.allCases)
    func schemaRegisteredMeanwhile(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        guard let schema = try Self.widenedAllegationSchema(desk) else { Issue.record("shape"); return }
        let v = try #require(try desk.ledger.catalog()?.types["case.allegation.added"]?.version)
        try desk.complaint("C-1")
        try desk.open("IA-1", complaints: ["C-1"])
        let interleaving = InterleavingStore(desk.ledger.store)
        let second = Ledger(store: interleaving)
        // A version-v statement passes every check made before the lock; then version v + 1 is registered.
        let old = try desk.signed("ia/rivera", "case.allegation.added", "case/IA-1",
                                  [("allegation_id", .string("A1")), ("officer", .string("P-1")), ("category", .string("Force"))], schema: v)
        interleaving.beforeNextWrite = {
            try desk.step("ia/admin", "schema.registered", "schemas/case.allegation.added",
                          [("event_type", .string("case.allegation.added")), ("version", .integer(v + 1)), ("schema", .object(schema))])
        }
        let count = try desk.ledger.count()
        do {
            _ = try second.append(old)
            Issue.record("a version-\(v) statement was appended after version \(v + 1) was registered")
        } catch let refusal as BlotterError {
            #expect(refusal.code == .schemaViolation && refusal.message.contains("version \(v) is no longer accepted"), "\(refusal)")
        }
        #expect(try desk.ledger.count() == count + 1, "only the registration was appended")
        // And a version v + 2 statement checked while that version did not exist yet is taken once another
        // writer registered it before its lock.
        let new = try desk.signed("ia/rivera", "case.allegation.added", "case/IA-1", [("allegation_id", .string("A2")), ("officer", .string("P-1")),
                                                                                   ("category", .string("Sexual Misconduct"))], schema: v + 2)
        interleaving.beforeNextWrite = {
            try desk.step("ia/admin", "schema.registered", "schemas/case.allegation.added",
                          [("event_type", .string("case.allegation.added")), ("version", .integer(v + 2)), ("schema", .object(schema))])
        }
        let receipt = try second.append(new)
        #expect(receipt.seq == count + 2 && !receipt.duplicate)
    }
}

@Suite("Case lifecycle rules")
struct LifecycleTests {
    @Test("a case runs from complaint to close; the case view shows it all, with the signing actors", arguments: StoreKind.allCases)
    func wholeLife(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.complaint("C-1")
        try desk.complaint("C-2", officer: "P-2", incident: "2026-01-09T10:00:00Z")
        try desk.open("IA-1", complaints: ["C-1", "C-2"])
        try desk.step("ia/cmdr", "case.assigned", "case/IA-1", [("investigator", .string("ia/rivera"))])
        try desk.allegation("IA-1", "A1")
        try desk.allegation("IA-1", "A2", officer: "P-2", category: "Discourtesy")
        try desk.step("ia/rivera", "case.evidence.linked", "case/IA-1", [("evidence_id", .string("E1")), ("kind", .string("bodycam_video")),
                                                                         ("sha256", .string(String(repeating: "ab", count: 32)))])
        try desk.step("ia/rivera", "case.tolled", "case/IA-1", [("action", .string("start")), ("date", .string("2026-03-01")), ("reason", .string("criminal_proceeding"))])
        try desk.step("ia/rivera", "case.tolled", "case/IA-1", [("action", .string("end")), ("date", .string("2026-04-30"))])
        try desk.finding("IA-1", "A1", "sustained")
        try desk.finding("IA-1", "A2", "exonerated")
        try desk.step("ia/cmdr", "case.discipline.imposed", "case/IA-1", [("allegation_id", .string("A1")), ("penalty", .string("suspension")), ("days", .integer(10))])
        try desk.step("ia/cmdr", "case.closed", "case/IA-1", [])
        let v = try desk.view("IA-1")
        #expect(v["status"] == .string("closed"))
        #expect(v["investigator"] == .string("ia/rivera"))
        #expect(v["complaints"]?.arrayValue?.count == 2)
        #expect(v["officers"] == .array([.string("P-1"), .string("P-2")]))
        let a1 = v["allegations"]?.arrayValue?.first { $0["allegation_id"] == .string("A1") }
        #expect(a1?["recommended"] == .string("sustained") && a1?["final"] == .string("sustained") && a1?["final_by"] == .string("ia/cmdr"))
        #expect(v["discipline"]?.arrayValue?.first?["days"] == .integer(10))
        #expect(v["evidence"]?.arrayValue?.first?["sha256"] == .string(String(repeating: "ab", count: 32)))
        // Discovered 2026-01-12; one year, plus 60 tolled days (March 1 to April 30) => due 2027-03-13.
        #expect(v["deadline"]?["due"] == .string("2027-03-13"))
        #expect(v["deadline"]?["tolled_days"] == .integer(60))
        let timeline = v["timeline"]?.arrayValue ?? []
        #expect(timeline.count == 2 + 13)   // two complaints, thirteen case steps
        #expect(timeline.contains { $0["actor"] == .string("ia/cmdr") && $0["summary"]?.stringValue?.contains("suspension (10 days)") == true })
        #expect(v["version"] == .integer(try desk.version("case/IA-1")))
    }

    @Test("a complaint, case, recording or roster officer is made once: a second under the same id is refused naming the rule, in a later batch and in the same batch as the first", arguments: StoreKind.allCases)
    func madeOnce(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.complaint("C-0")
        // Signed without an expected stream version, so that only the domain's rule can refuse the second.
        func make(_ actor: String, _ type: String, _ stream: String, _ fields: [(String, JSONValue)]) throws -> Submission {
            try StatementDraft(log: TestLedger.origin, type: type, schema: try desk.ledger.catalog()!.types[type]!.version, stream: stream,
                               expect: nil, actor: actor, at: .now(), fields: fields).sign(with: desk.t.keys[actor]!)
        }
        let kinds: [(rule: String, make: () throws -> Submission)] = [
            ("complaint-once", { try make("ia/intake", "complaint.received", "complaint/C-9", [
                ("complaint_id", .string("C-9")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
                ("officers", .array([.string("P-1")])), ("narrative", .string("Officer pushed me."))]) }),
            ("case-opened-once", { try make("ia/cmdr", "case.opened", "case/IA-9", [
                ("case_id", .string("IA-9")), ("complaints", .array([.string("C-0")])), ("unit", .string("IAB Group 1"))]) }),
            ("recording-once", { try make("sys/axon", "bodycam.recording.captured", "bodycam/AX-9", [
                ("evidence_id", .string("AX-9")), ("officer", .string("P-1")), ("start", .string("2026-01-10T22:10:00Z")),
                ("stop", .string("2026-01-10T22:30:00Z")), ("sha256", .string(String(repeating: "cd", count: 32)))]) }),
            ("officer-registered-once", { try make("ia/cmdr", "officer.registered", "officer/P-9", [
                ("officer_id", .string("P-9")), ("name", .string("Dana Ortiz"))]) }),
        ]
        for kind in kinds {
            // The first and a second in one batch: the first is appended, the second refused.
            let count = try desk.ledger.count()
            let outcomes = try desk.ledger.append(groups: [AppendGroup([try kind.make()]), AppendGroup([try kind.make()])])
            guard case .appended = outcomes[0], case let .refused(_, error) = outcomes[1] else {
                Issue.record("\(kind.rule): \(outcomes)")
                continue
            }
            #expect(error.rule == kind.rule, "\(error)")
            #expect(try desk.ledger.count() == count + 1)
            // A third, in a batch of its own.
            #expect(try desk.refused(try kind.make()).rule == kind.rule)
        }
    }

    @Test("closing with an allegation lacking a final finding, or a sustained one lacking discipline, is refused naming the rule", arguments: StoreKind.allCases)
    func closeRules(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.complaint("C-1")
        try desk.open("IA-1", complaints: ["C-1"])
        try desk.allegation("IA-1", "A1")
        try desk.allegation("IA-1", "A2")
        try desk.finding("IA-1", "A1", "sustained")
        try desk.finding("IA-1", "A2", "unfounded", approve: false)
        var e = try desk.refused(try desk.signed("ia/cmdr", "case.closed", "case/IA-1", []))
        #expect(e.code == .lifecycle && e.rule == "close-needs-final-findings" && e.message.contains("A2"))
        try desk.step("ia/cmdr", "case.finding.approved", "case/IA-1", [("allegation_id", .string("A2")), ("finding", .string("unfounded"))])
        e = try desk.refused(try desk.signed("ia/cmdr", "case.closed", "case/IA-1", []))
        #expect(e.rule == "close-needs-discipline" && e.message.contains("A1"))
        // Discipline on the not-sustained allegation is refused.
        e = try desk.refused(try desk.signed("ia/cmdr", "case.discipline.imposed", "case/IA-1", [("allegation_id", .string("A2")), ("penalty", .string("reprimand"))]))
        #expect(e.rule == "discipline-needs-sustained" && e.message.contains("unfounded"))
        try desk.step("ia/cmdr", "case.discipline.imposed", "case/IA-1", [("allegation_id", .string("A1")), ("penalty", .string("reprimand"))])
        try desk.step("ia/cmdr", "case.closed", "case/IA-1", [])
        // A finding on a closed case is refused; reopening (with a reason) allows it again.
        e = try desk.refused(try desk.signed("ia/rivera", "case.finding.recorded", "case/IA-1", [("allegation_id", .string("A2")), ("finding", .string("sustained"))]))
        #expect(e.rule == "case-must-be-open")
        try desk.step("ia/cmdr", "case.reopened", "case/IA-1", [("reason", .string("New witness came forward after closure."))])
        try desk.step("ia/rivera", "case.finding.recorded", "case/IA-1", [("allegation_id", .string("A2")), ("finding", .string("sustained"))])
        #expect(try desk.view("IA-1")["reopened"] == .integer(1))
        // Discipline may still be modified after the case closes (appeal), but only where it exists.
        e = try desk.refused(try desk.signed("ia/cmdr", "case.discipline.modified", "case/IA-1",
                                             [("allegation_id", .string("A2")), ("penalty", .string("training")), ("reason", .string("appeal"))]))
        #expect(e.rule == "modify-needs-discipline")
    }

    @Test("opening needs received complaints; steps on an unopened case, approvals without a recommendation and double tolls are refused", arguments: StoreKind.allCases)
    func orderRules(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        var e = try desk.refused(try desk.signed("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-404")])),
                                                                                        ("discovery_date", .string("2026-01-12"))]))
        #expect(e.rule == "case-needs-complaints" && e.message.contains("C-404"))
        e = try desk.refused(try desk.signed("ia/rivera", "case.allegation.added", "case/IA-7", [("allegation_id", .string("A1")), ("officer", .string("P-1")),
                                                                                               ("category", .string("Force"))]))
        #expect(e.rule == "case-must-exist")
        try desk.complaint("C-1")
        // The stream must match the case id.
        e = try desk.refused(try desk.signed("ia/cmdr", "case.opened", "case/IA-2", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                                                    ("discovery_date", .string("2026-01-12"))]))
        #expect(e.rule == "stream")
        try desk.open("IA-1", complaints: ["C-1"])
        try desk.allegation("IA-1", "A1")
        e = try desk.refused(try desk.signed("ia/cmdr", "case.finding.approved", "case/IA-1", [("allegation_id", .string("A1")), ("finding", .string("sustained"))]))
        #expect(e.rule == "approve-needs-recommendation")
        try desk.step("ia/rivera", "case.tolled", "case/IA-1", [("action", .string("start")), ("date", .string("2026-03-01")), ("reason", .string("civil_litigation"))])
        e = try desk.refused(try desk.signed("ia/rivera", "case.tolled", "case/IA-1", [("action", .string("start")), ("date", .string("2026-03-05")), ("reason", .string("other"))]))
        #expect(e.rule == "toll-already-open")
        e = try desk.refused(try desk.signed("ia/rivera", "case.tolled", "case/IA-1", [("action", .string("end")), ("date", .string("2026-02-01"))]))
        #expect(e.rule == "toll-end-before-start")
        // A start without a reason breaks the schema's if/then.
        #expect(try desk.refused(try desk.signed("ia/chen", "case.tolled", "case/IA-1", [("action", .string("start")), ("date", .string("2026-03-05"))])).code == .schemaViolation)
    }

    @Test("two investigators editing the same case: the second, with a stale stream version, is refused and told the current one", arguments: StoreKind.allCases)
    func staleVersion(_ store: StoreKind) throws {
        let desk = try CaseDesk(store: store)
        try desk.complaint("C-1")
        try desk.open("IA-1", complaints: ["C-1"])
        let seen = try desk.version("case/IA-1")
        let rivera = try desk.signed("ia/rivera", "case.allegation.added", "case/IA-1",
                                     [("allegation_id", .string("A1")), ("officer", .string("P-1")), ("category", .string("Force"))], expect: seen)
        let chen = try desk.signed("ia/chen", "case.allegation.added", "case/IA-1",
                                   [("allegation_id", .string("A2")), ("officer", .string("P-1")), ("category", .string("Discourtesy"))], expect: seen)
        _ = try desk.ledger.append(rivera)
        let e = try desk.refused(chen)
        #expect(e.code == .staleExpect && e.message.contains("current version is \(seen + 1)"))
    }

    @Test("deadlines: California one year from discovery, New York 18 months from the occurrence, tolling moves them out")
    func deadlines() throws {
        let d = Deadline.compute(rule: .californiaOneYear, discovery: CalendarDate("2024-02-29")!, occurrence: nil,
                                 tolls: [(CalendarDate("2024-06-01")!, CalendarDate("2024-06-11")!)], today: CalendarDate("2025-03-01")!, closedOn: nil)
        #expect(d.due == CalendarDate("2025-03-10"))  // 2025-02-28 + 10 tolled days
        #expect(d.daysLeft == 9 && !d.overdue)
        let ny = Deadline.compute(rule: .newYorkEighteenMonths, discovery: CalendarDate("2025-03-01")!, occurrence: CalendarDate("2024-08-31")!,
                                  tolls: [(CalendarDate("2025-01-01")!, nil)], today: CalendarDate("2025-01-21")!, closedOn: nil)
        #expect(ny.due == CalendarDate("2026-03-20"))  // 2026-02-28 + 20 days tolled so far
        #expect(ny.tolling)
        #expect(CalendarDate("2026-11-21")!.description == "2026-11-21")
        #expect(CalendarDate("2025-02-29") == nil)
    }
}

@Suite("Identities bound to keys, and text that cannot rewrite a screen")
struct IdentityRuleTests {
    func uof(_ id: String, officer: String) -> [(String, JSONValue)] {
        [("report_id", .string(id)), ("officer", .string(officer)), ("incident_at", .string("2026-02-01T21:00:00Z")),
         ("force_types", .array([.string("Takedown")]))]
    }

    func refusal(_ body: () throws -> Void) -> BlotterError? {
        do { try body(); return nil } catch { return error as? BlotterError }
    }

    @Test("an officer's key files use-of-force reports, amendments and markers only about its own officer; a supervisor amends as themselves")
    func officerFilesOnlyAboutThemselves() throws {
        let desk = try CaseDesk()
        try desk.t.register("pd/P-2", roles: ["officer"])
        let before = try desk.ledger.count()
        // P-1 names P-2: refused, naming the rule, and nothing is written.
        let other = refusal { try desk.step("pd/P-1", "use_of_force.reported", "uof/U-1", uof("U-1", officer: "P-2")) }
        #expect(other?.code == .lifecycle && other?.rule == "officer-own-report", "\(String(describing: other))")
        #expect(other?.message.contains("belongs to officer P-1, but the report names officer P-2") == true, "\(String(describing: other))")
        #expect(try desk.ledger.count() == before)
        #expect(try desk.ledger.store.read { try $0.projections().officerUseOfForce(["P-2"]) }.isEmpty)
        // Naming themselves is their report.
        try desk.step("pd/P-1", "use_of_force.reported", "uof/U-1", uof("U-1", officer: "P-1"))
        try desk.step("pd/P-2", "use_of_force.reported", "uof/U-2", uof("U-2", officer: "P-2"))
        // P-1 may not amend P-2's report, nor move their own onto P-2.
        let amendOther = refusal { try desk.step("pd/P-1", "use_of_force.amended", "uof/U-2", [("report_id", .string("U-2")), ("reason", .string("correction"))]) }
        #expect(amendOther?.rule == "officer-own-report" && amendOther?.message.contains("report U-2 is about officer P-2") == true, "\(String(describing: amendOther))")
        let move = refusal {
            try desk.step("pd/P-1", "use_of_force.amended", "uof/U-1", [("report_id", .string("U-1")), ("officer", .string("P-2")), ("reason", .string("correction"))])
        }
        #expect(move?.rule == "officer-own-report" && move?.message.contains("the amendment names officer P-2") == true, "\(String(describing: move))")
        try desk.step("pd/P-1", "use_of_force.amended", "uof/U-1", [("report_id", .string("U-1")), ("reason", .string("correction"))])
        // A supervisor's amendment of P-2's report is the supervisor's own signed act.
        let receipt = try desk.step("sgt/diaz", "use_of_force.amended", "uof/U-2", [("report_id", .string("U-2")), ("reason", .string("late_information"))])
        #expect(try desk.ledger.store.read { try $0.summaries(from: receipt.seq, limit: 1, stream: nil) }.first?.actor == "sgt/diaz")
        // Body-camera markers: on their own recordings only.
        for (evidence, officer) in [("E-1", "P-1"), ("E-2", "P-2")] {
            try desk.step("sys/axon", "bodycam.recording.captured", "bodycam/\(evidence)", [
                ("evidence_id", .string(evidence)), ("officer", .string(officer)), ("start", .string("2026-02-01T20:50:00Z")),
                ("stop", .string("2026-02-01T21:20:00Z")), ("sha256", .string(String(repeating: "0", count: 64))),
            ])
        }
        let mark = refusal { try desk.step("pd/P-1", "bodycam.marker.added", "bodycam/E-2", [("evidence_id", .string("E-2")), ("offset_seconds", .integer(30))]) }
        #expect(mark?.rule == "officer-own-report" && mark?.message.contains("recording E-2 is officer P-2's") == true, "\(String(describing: mark))")
        try desk.step("pd/P-1", "bodycam.marker.added", "bodycam/E-1", [("evidence_id", .string("E-1")), ("offset_seconds", .integer(30))])
    }

    @Test("a key with the officer role names its officer when registered; a key registered without one cannot file as an officer")
    func officerKeysNameTheirOfficer() throws {
        let desk = try CaseDesk()
        let key = try PrivateKey.generate(.ed25519)
        let unbound = try StatementDraft(log: TestLedger.origin, type: "key.registered", stream: "keys/pd/P-9", actor: "ia/admin", fields: [
            ("subject", .string("pd/P-9")), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))), ("roles", .array([.string("officer")])),
        ]).sign(with: desk.t.admin)
        let error = refusal { _ = try desk.ledger.append(unbound) }
        #expect(error?.rule == "officer-key-binding", "\(String(describing: error))")
        let badID = refusal { try desk.t.register("pd/P-8", roles: ["officer"], officer: "P 8") }
        #expect(badID?.code == .invalidStatement && badID?.message.contains("officer must be an officer id") == true, "\(String(describing: badID))")
    }

    @Test("only the importer writes the provenance field source")
    func onlyTheImporterWritesSource() throws {
        let desk = try CaseDesk()
        try desk.t.register("sys/import", roles: ["importer"])
        let source: JSONValue = .object([("mapping", .string("m")), ("file", .string(String(repeating: "a", count: 64))), ("row", .integer(1)),
                                         ("record", .string("U-1")), ("event", .string("report")), ("digest", .string(String(repeating: "b", count: 64)))])
        let forged = refusal { try desk.step("pd/P-1", "use_of_force.reported", "uof/U-1", uof("U-1", officer: "P-1") + [("source", source)]) }
        #expect(forged?.rule == "source-importer-only" && forged?.message.contains("only the importer writes the provenance field source") == true,
                "\(String(describing: forged))")
        try desk.step("sys/import", "use_of_force.reported", "uof/U-1", uof("U-1", officer: "P-1") + [("source", source)])
    }

    @Test("ids, names and free text refuse control and direction-override characters, at any depth, naming the field", arguments: [
        ("\u{1B}[2J", "U+001B"), ("bell\u{07}", "U+0007"), ("rtl \u{202E}txt", "U+202E"), ("c1 \u{85}", "U+0085"), ("\u{2066}iso", "U+2066"),
    ])
    func controlCharactersAreRefused(_ text: String, _ code: String) throws {
        let desk = try CaseDesk()
        try desk.complaint("C-1")
        let before = try desk.ledger.count()
        let unit = refusal {
            try desk.step("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                               ("unit", .string("IAB \(text)"))])
        }
        #expect(unit?.code == .schemaViolation && unit?.violations.contains { $0.instancePath == "/unit" && $0.message.contains(code) } == true,
                "\(String(describing: unit))")
        let nested = refusal {
            try desk.step("ia/intake", "complaint.received", "complaint/C-2", [
                ("complaint_id", .string("C-2")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
                ("allegations", .array([.object([("category", .string("Force")), ("subcategory", .string(text))])])),
            ])
        }
        #expect(nested?.violations.contains { $0.instancePath == "/allegations/0/subcategory" && $0.message.contains(code) } == true,
                "\(String(describing: nested))")
        #expect(try desk.ledger.count() == before)
        // Tabs and line breaks are free text's own.
        try desk.step("ia/intake", "complaint.received", "complaint/C-3", [
            ("complaint_id", .string("C-3")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
            ("narrative", .string("line one\nline two\tand a tab\r\n")),
        ])
    }

    @Test("a disclosure larger than the limit is refused as too large, naming the field, and nothing is written")
    func oversizedDisclosureIsRefused() throws {
        let desk = try CaseDesk()
        let before = try desk.ledger.count()
        let huge = String(repeating: "a very long narrative ", count: 4_000)
        let error = refusal {
            try desk.step("ia/intake", "complaint.received", "complaint/C-9", [
                ("complaint_id", .string("C-9")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
                ("narrative", .string(huge)),
            ])
        }
        #expect(error?.code == .tooLarge && error?.message.contains("the disclosure of field \"narrative\" is") == true
                && error?.message.contains("more than the limit of 65536") == true, "\(String(describing: error))")
        #expect(try desk.ledger.count() == before)
    }

    @Test("dates far in the past or future (year 0000, 9999) are refused in a record's date fields and in the signing time")
    func implausibleDatesAreRefused() throws {
        let desk = try CaseDesk()
        try desk.complaint("C-1")
        let before = try desk.ledger.count()
        let far = refusal {
            try desk.step("ia/cmdr", "case.opened", "case/IA-1", [("case_id", .string("IA-1")), ("complaints", .array([.string("C-1")])),
                                                               ("discovery_date", .string("9999-12-31"))])
        }
        #expect(far?.violations.contains { $0.instancePath == "/discovery_date" && $0.message.hasPrefix("year 9999 is outside 1900-2199") } == true,
                "\(String(describing: far))")
        let past = refusal { try desk.complaint("C-2", incident: "0000-01-01T00:00:00Z") }
        #expect(past?.violations.contains { $0.instancePath == "/incident_at" && $0.message.hasPrefix("year 0000 is outside") } == true,
                "\(String(describing: past))")
        let signedThen = refusal {
            _ = try desk.ledger.append(try desk.signed("ia/intake", "complaint.received", "complaint/C-3", [
                ("complaint_id", .string("C-3")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
            ], at: try #require(Timestamp(rfc3339: "0001-01-01T00:00:00Z", precision: .secondsOrMilliseconds))))
        }
        #expect(signedThen?.code == .invalidStatement && signedThen?.message.contains("is before 1970") == true, "\(String(describing: signedThen))")
        #expect(try desk.ledger.count() == before)
        // The last day of the range is a date like any other.
        try desk.complaint("C-4", incident: "2199-12-31T23:59:59Z")
    }

    @Test("an integer beyond 2^53 is refused with its exact digits, never signed rounded")
    func inexactIntegersAreRefused() throws {
        let desk = try CaseDesk()
        let error = refusal {
            try desk.step("ia/intake", "complaint.received", "complaint/C-1", [
                ("complaint_id", .string("C-1")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z")),
                ("complainant_age", .integer(9_007_199_254_740_993)),
            ])
        }
        #expect(error?.code == .invalidStatement && error?.message.contains("the integer 9007199254740993 is beyond ±2^53") == true,
                "\(String(describing: error))")
        // Received from outside (a submission made elsewhere), it is refused at append as well.
        let draft = StatementDraft(log: TestLedger.origin, type: "complaint.received", stream: "complaint/C-1", expect: 0, actor: "ia/intake",
                                   fields: [("complaint_id", .string("C-1")), ("channel", .string("phone")), ("received_at", .string("2026-01-12T09:00:00Z"))])
        var submission = try draft.sign(with: desk.t.keys["ia/intake"]!)
        let salt = Base64.urlEncode(Array(repeating: 7, count: 16))
        let exact = try Disclosure(encoded: Base64.urlEncode(Array("[\"\(salt)\",\"complainant_age\",9007199254740993]".utf8)))
        var fields = submission.statement.fields
        fields["complainant_age"] = exact.digest
        var statement = submission.statement
        statement.fields = fields
        try statement.sign(with: desk.t.keys["ia/intake"]!)
        submission = Submission(statement: statement, disclosures: submission.disclosures + [exact])
        let appended = refusal { _ = try desk.ledger.append(submission) }
        #expect(appended?.message.contains("9007199254740993 is beyond ±2^53") == true, "\(String(describing: appended))")
    }
}
