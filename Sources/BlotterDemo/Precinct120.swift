public import BlotterFormat
public import BlotterLog
public import BlotterDomain
public import BlotterSQLite
public import BlotterCrypto
internal import Foundation

/// Builds a realistic ledger for the fictional Precinct 120: intake, cases through their whole
/// life, use-of-force reports with supervisor reviews, body-camera feeds, and the cases a newcomer
/// should look at (a sustained case with discipline, an overdue case, a tolled case, a reopened
/// case, an officer who trips early-intervention flags, an unauthorised deletion).
///
/// Every statement is signed by the key of the actor who makes it, with the role the role table
/// requires, and goes through the same validation and lifecycle rules as any other append.
public struct Precinct120 {
    public static let origin = "ia.precinct120.example/ledger"

    /// What the demo built, for the closing message and for tests.
    public struct Report: Sendable {
        public var entries: Int64 = 0
        public var cases = 0
        public var useOfForce = 0
        public var recordings = 0
        public var keyFiles: [String: String] = [:]
        public let sustainedCase = "IA-2025-0001"
        public let overdueCase = "IA-2025-0002"
        public let tolledCase = "IA-2025-0003"
        public let reopenedCase = "IA-2025-0004"
        public let flaggedOfficer = "P-1007"
        public let deletedRecording = "AXON-9000001"
        /// With ``Precinct120/markSensitive``: every marker string written.
        public var markers: [String] = []
        /// With ``Precinct120/markSensitive``: how many integers and booleans were marked.
        public var markedIntegers = 0
        public var markedBooleans = 0
    }

    /// The integers marked values take: ages no demo value has (the schemas' ages go to 120).
    public static let integerMarkers: ClosedRange<Int64> = 113...120

    /// Mark every value of every field that is not publishable, or is an exact location, of every
    /// JSON type, so that a test can prove none reaches a public export: each string becomes a unique
    /// marker (`MKR<n>Z`), each integer one of ``integerMarkers``, and a field the demo leaves out is
    /// given a marked value of its schema's type (booleans `true`; their leaks are found by name).
    public var markSensitive = false
    var catalog: EventCatalog?

    /// Staff actors and their roles; officers (`pd/P-1001`, ...) are added per run.
    static let staff: [(String, [String])] = [
        ("ia/intake.lee", ["intake"]), ("ia/rivera", ["investigator"]), ("ia/chen", ["investigator"]), ("ia/okafor", ["investigator"]),
        ("ia/cmdr.morales", ["commander"]), ("sgt/diaz", ["supervisor"]), ("sgt/wong", ["supervisor"]), ("sys/axon", ["evidence-system"]),
        ("ccrb/analyst.park", ["oversight"]), ("records/ortiz", ["custodian"]),
    ]

    let events: Int
    let today: Timestamp
    var rng: SplitMix64
    var keys: [String: PrivateKey] = [:]
    var versions: [String: Int64] = [:]
    var pending: [StatementDraft] = []
    var report = Report()
    let officers: [String]
    var caseNumber = 0
    var complaintNumber = 0
    var uofNumber = 0
    var recordingNumber = 0

    /// - Parameters:
    ///   - events: roughly how many statements to write (at least the scripted cases).
    ///   - today: the day deadlines are judged against; simulated history ends a few days before.
    public init(events: Int, seed: UInt64 = 120, today: Timestamp = .now()) {
        self.events = events
        self.today = today
        rng = SplitMix64(seed: seed)
        officers = (0..<max(40, events / 250)).map { "P-\(1001 + $0)" }
    }

    /// Creates the ledger at `path` (it must not exist), writes the actors' keys into `keysDirectory`,
    /// and appends everything.
    public mutating func build(path: String, keysDirectory: String, progress: ((Int64) -> Void)? = nil) throws -> Report {
        try build(store: try SQLiteStore.create(path: path), keysDirectory: keysDirectory, operatorKeyPath: path + ".operator.pem", progress: progress)
    }

    /// Appends everything to `store`, which must be empty, writes the actors' keys into `keysDirectory`
    /// and the operator's checkpoint key to `operatorKeyPath`.
    public mutating func build(store: any LedgerStore, keysDirectory: String, operatorKeyPath: String,
                               progress: ((Int64) -> Void)? = nil) throws -> Report {
        let admin = try PrivateKey.generate(.ed25519)
        let operatorKey = try PrivateKey.generate(.ed25519)
        let genesis = try Genesis.statement(origin: Self.origin, admin: "ia/admin", adminKey: admin, operatorKey: operatorKey.publicKey,
                                            roles: try RoleTable.bundled(), catalog: try EventCatalog.bundled())
        let ledger = Ledger(store: store)
        _ = try ledger.append(genesis)
        try FileManager.default.createDirectory(atPath: keysDirectory, withIntermediateDirectories: true)
        keys["ia/admin"] = admin
        try write(admin, as: "ia/admin", into: keysDirectory)
        // The operator's checkpoint key where `blotter checkpoint` looks for it by default.
        try write(operatorKey, to: operatorKeyPath)
        var registrations: [Submission] = []
        for (actor, roles) in Self.staff + officers.map { ("pd/\($0)", ["officer"]) } {
            let key = try PrivateKey.generate(.ed25519)
            keys[actor] = key
            if Self.staff.contains(where: { $0.0 == actor }) || actor == "pd/\(report.flaggedOfficer)" { try write(key, as: actor, into: keysDirectory) }
            registrations.append(try StatementDraft(log: Self.origin, type: "key.registered", stream: "keys/\(actor)", actor: "ia/admin",
                                                    fields: [("subject", .string(actor)), ("public_key", .string(Base64.urlEncode(key.publicKey.spkiDER))),
                                                             ("roles", .array(roles.map { .string($0) }))]
                                                        // An officer's key belongs to that officer (pd/P-1007 is officer P-1007).
                                                        + (roles.contains("officer") ? [("officer", .string(String(actor.dropFirst(3))))] : []))
                                    .sign(with: admin))
        }
        for chunk in stride(from: 0, to: registrations.count, by: 500) {
            _ = try ledger.append(Array(registrations[chunk..<min(chunk + 500, registrations.count)]))
        }
        roster()
        try flush(ledger)
        try scripted(ledger)
        // Simulated history: about 22 months up to a few days before today.
        let end = today.milliseconds - 3 * 86_400_000
        let start = end - 660 * 86_400_000
        var written = try ledger.count()
        var scenario = 0
        while written < Int64(events) {
            let progressShare = Double(written) / Double(max(events, 1))
            let t = start + Int64(Double(end - start) * min(progressShare, 1))
            switch scenario % 4 {
            case 0, 1: complaintCase(at: t, ageDays: (end - t) / 86_400_000)
            case 2: useOfForce(at: t)
            default: routineRecording(at: t)
            }
            scenario += 1
            if pending.count >= 400 {
                try flush(ledger)
                written = try ledger.count()
                progress?(written)
            }
        }
        try flush(ledger)
        report.entries = try ledger.count()
        try ledger.close()
        return report
    }

    func write(_ key: PrivateKey, as actor: String, into directory: String) throws {
        try write(key, to: directory + "/" + actor.replacingOccurrences(of: "/", with: "_") + ".pem")
    }

    func write(_ key: PrivateKey, to file: String) throws {
        FileManager.default.createFile(atPath: file, contents: Data(try key.pkcs8PEM.utf8), attributes: [.posixPermissions: 0o600])
    }

    /// Signs the pending drafts on all cores and appends them in one batch.
    mutating func flush(_ ledger: Ledger) throws {
        let drafts = pending
        pending = []
        let keys = self.keys
        let signed = parallelMap(drafts.count) { i in Result { try drafts[i].sign(with: keys[drafts[i].actor]!) } }
        _ = try ledger.append(try signed.map { try $0.get() })
    }

    mutating func say(_ actor: String, _ type: String, _ stream: String, at ms: Int64, _ given: [(String, JSONValue)]) {
        var fields = given
        if catalog == nil { catalog = try? EventCatalog.bundled() }
        if markSensitive {
            if let catalog, let version = catalog.types[type]?.version, let schema = catalog.schemas[type]?[version] {
                func marked(_ s: String) -> Bool { s == "location" || catalog.sensitivities[s]?.publishable == false }
                fields = fields.map { name, value in
                    guard let s = schema.sensitivity(of: name), marked(s) else { return (name, value) }
                    return (name, mark(value))
                }
                for (name, s) in schema.fields where marked(s) && !fields.contains(where: { $0.0 == name }) {
                    if let value = markedValue(schema.json["properties"]?[name]) { fields.append((name, value)) }
                }
            }
        }
        let version = versions[stream] ?? 0
        versions[stream] = version + 1
        // Every statement is signed now; the simulated history is when each event happened
        // (occurred_at, or the type's own time such as received_at), never a back-dated signature.
        let signed = Timestamp(milliseconds: today.milliseconds - 60_000)
        let happened = Timestamp(milliseconds: min(ms, signed.milliseconds) / 1000 * 1000)
        let schemaVersion = catalog?.types[type]?.version ?? 1
        if happened < signed, catalog?.current(type)?.sensitivity(of: "occurred_at") != nil, !fields.contains(where: { $0.0 == "occurred_at" }) {
            fields.append(("occurred_at", .string(happened.rfc3339)))
        }
        pending.append(StatementDraft(log: Self.origin, type: type, schema: schemaVersion, stream: stream, expect: version,
                                      actor: actor, at: signed, fields: fields))
    }

    /// A marked value of the type `schema` gives (nil for a shape a marker cannot take: patterns, enums).
    mutating func markedValue(_ schema: JSONValue?) -> JSONValue? {
        guard let schema, schema["pattern"] == nil, schema["enum"] == nil, schema["format"] == nil else { return nil }
        switch schema["type"]?.stringValue {
        case "string": return mark(.string(""))
        case "integer": return mark(.integer(0))
        case "boolean": return mark(.bool(true))
        case "array": return markedValue(schema["items"]).map { .array([$0]) }
        case "object":
            var members: [(String, JSONValue)] = []
            for (name, property) in schema["properties"]?.objectValue ?? [] {
                guard let value = markedValue(property) else { return nil }
                members.append((name, value))
            }
            return .object(members)
        default: return nil
        }
    }

    mutating func mark(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string:
            let marker = "MKR\(report.markers.count)Z-withheld"
            report.markers.append(marker)
            return .string(marker)
        case .integer:
            report.markedIntegers += 1
            return .integer(Self.integerMarkers.lowerBound + Int64(report.markedIntegers) % Int64(Self.integerMarkers.count))
        case .bool:
            report.markedBooleans += 1
            return value
        case let .array(items): return .array(items.map { mark($0) })
        case let .object(members): return .object(members.map { ($0.0, mark($0.1)) })
        default: return value
        }
    }

    static func time(_ ms: Int64) -> JSONValue { .string(Timestamp(milliseconds: ms / 1000 * 1000).rfc3339) }
    static func date(_ ms: Int64) -> JSONValue { .string(CalendarDate(Timestamp(milliseconds: ms)).description) }
    static func sha(_ seed: String) -> JSONValue { .string(Hex.encode(SHA256.hash(Array(seed.utf8)))) }
    static let day: Int64 = 86_400_000

    // MARK: the cases a newcomer should see

    mutating func scripted(_ ledger: Ledger) throws {
        let base = today.milliseconds - 600 * Self.day
        // 1. Sustained chokehold case with a suspension, reviewed by the oversight board.
        let flagged = report.flaggedOfficer
        complaintCase(at: base, ageDays: 600, script: .sustained(officer: flagged))
        // 2. Open and past its one-year deadline.
        complaintCase(at: base + 20 * Self.day, ageDays: 580, script: .overdue)
        // 3. Tolled while a criminal case is pending.
        complaintCase(at: today.milliseconds - 300 * Self.day, ageDays: 300, script: .tolled)
        // 4. Closed, then reopened on new evidence.
        complaintCase(at: base + 60 * Self.day, ageDays: 540, script: .reopened)
        // The flagged officer: more complaints and use-of-force reports within a year.
        for k in 0..<3 { complaintCase(at: base + Int64(90 + 70 * k) * Self.day, ageDays: 400, script: .against(flagged)) }
        for k in 0..<5 { useOfForce(at: base + Int64(40 + 50 * k) * Self.day, officer: flagged) }
        // An unauthorised deletion, and an access not tied to any case.
        routineRecording(at: base + 100 * Self.day, deleteWithoutAuthority: true)
        try flush(ledger)
    }

    enum Script { case random, sustained(officer: String), overdue, tolled, reopened, against(String) }

    static let givenNames = ["James", "Maria", "Robert", "Aisha", "Michael", "Wei", "David", "Sofia", "Daniel", "Grace", "Kevin", "Fatima",
                             "Joseph", "Elena", "Anthony", "Priya", "Thomas", "Rosa", "Brian", "Keisha"]
    static let familyNames = ["Russo", "Nguyen", "Walsh", "Okonkwo", "Castillo", "Kaplan", "Moreno", "Sullivan", "Haddad", "Brennan",
                              "Ortega", "Lindqvist", "Park", "Romano", "Adeyemi", "Flynn", "Medina", "Kowalski", "Baptiste", "Greco"]

    /// The records office puts every officer on the roster: name, shield number, command, rank and
    /// appointment date (their own random stream, so the rest of the demo is the same with or without it).
    /// The flagged officer was promoted: an update with its effective date.
    mutating func roster() {
        var names = SplitMix64(seed: rng.state ^ 0x524F_5354_4552)
        let registered = today.milliseconds - 700 * Self.day
        for (i, officer) in officers.enumerated() {
            let appointed: Int64 = today.milliseconds - Int64(400 + names.next(7000)) * Self.day
            let given: String = Self.givenNames[Int(names.next(20))]
            let family: String = Self.familyNames[Int(names.next(20))]
            let appointedYear: Int64 = CalendarDate(Timestamp(milliseconds: appointed)).components.year
            let born: Int64 = appointedYear - 22 - Int64(names.next(10))
            let rank = names.next(6) == 0 ? "Sergeant" : "Police Officer"
            let star = String(1000 + (i * 37) % 9000)
            let fields: [(String, JSONValue)] = [
                ("officer_id", .string(officer)), ("name", .string(given + " " + family)), ("birth_year", .integer(born)),
                ("star", .string(star)), ("unit", .string("120 Pct")), ("rank", .string(rank)), ("appointed", Self.date(appointed)),
            ]
            say("records/ortiz", "officer.registered", "officer/\(officer)", at: registered, fields)
        }
        say("records/ortiz", "officer.updated", "officer/\(report.flaggedOfficer)", at: today.milliseconds - 199 * Self.day, [
            ("officer_id", .string(report.flaggedOfficer)), ("rank", .string("Sergeant")), ("unit", .string("120 Pct Anti-Crime")),
            ("effective", Self.date(today.milliseconds - 200 * Self.day)), ("reason", .string("Promotion")),
        ])
    }

    mutating func pickOfficer() -> String {
        // A few officers draw most complaints, as in real data.
        let r = rng.next(100)
        return officers[r < 30 ? Int(rng.next(UInt64(min(8, officers.count)))) : Int(rng.next(UInt64(officers.count)))]
    }

    static let subcategories: [String: [String]] = [
        "Force": ["Physical force", "Chokehold", "Restricted Breathing", "Gun Pointed", "Nonlethal restraining device", "Pepper spray"],
        "Abuse of Authority": ["Stop", "Frisk", "Search (of person)", "Vehicle search", "Refusal to provide name", "Improper use of body-worn camera", "Threat of arrest"],
        "Discourtesy": ["Word", "Action", "Gesture"],
        "Offensive Language": ["Race", "Gender", "Sexual orientation", "Religion"],
        "Untruthful Statement": ["False official statement", "Misleading official statement"],
    ]

    mutating func complaintCase(at t0: Int64, ageDays: Int64, script: Script = .random) {
        complaintNumber += 1
        caseNumber += 1
        let year = CalendarDate(Timestamp(milliseconds: t0)).components.year
        let complaintID = "C-\(year)-\(String(format: "%05d", complaintNumber))"
        var caseID = "IA-\(year)-\(String(format: "%04d", caseNumber))"
        switch script {
        case .sustained: caseID = report.sustainedCase
        case .overdue: caseID = report.overdueCase
        case .tolled: caseID = report.tolledCase
        case .reopened: caseID = report.reopenedCase
        default: break
        }
        report.cases += 1
        let officer: String
        switch script {
        case let .sustained(o), let .against(o): officer = o
        default: officer = pickOfficer()
        }
        let second = rng.next(3) == 0 ? pickOfficer() : nil
        let incident = t0 - Int64(rng.next(5) + 1) * Self.day
        let categories = ["Force", "Abuse of Authority", "Discourtesy", "Offensive Language", "Untruthful Statement"]
        var allegations: [(id: String, officer: String, category: String, sub: String)] = []
        let n = 1 + Int(rng.next(3))
        for i in 0..<n {
            var category = categories[Int(rng.next(i == 0 ? 4 : 5))]
            if case .sustained = script, i == 0 { category = "Force" }
            let subs = Self.subcategories[category]!
            var sub = subs[Int(rng.next(UInt64(subs.count)))]
            if case .sustained = script, i == 0 { sub = "Chokehold" }
            allegations.append(("A\(i + 1)", i == 1 ? (second ?? officer) : officer, category, sub))
        }
        let stream = "case/\(caseID)"
        let investigators = ["ia/rivera", "ia/chen", "ia/okafor"]
        let investigator = investigators[Int(rng.next(3))]
        var officersNamed = [officer]
        if let second, second != officer { officersNamed.append(second) }
        say("ia/intake.lee", "complaint.received", "complaint/\(complaintID)", at: t0, [
            ("complaint_id", .string(complaintID)), ("channel", .string(["phone", "online", "in_person", "email", "referral"][Int(rng.next(5))])),
            ("received_at", Self.time(t0)), ("incident_at", Self.time(incident)),
            ("incident_location", .string("\(100 + rng.next(900)) \(["Bay St", "Victory Blvd", "Richmond Ter", "Forest Ave", "Hylan Blvd"][Int(rng.next(5))])")),
            ("precinct", .string("120")), ("complainant_name", .string("Complainant \(complaintID)")),
            ("complainant_contact", .string("555-01\(String(format: "%02d", rng.next(100)))")),
            ("narrative", .string("Complainant states that during an encounter the officer(s) acted improperly. Statement taken by intake.")),
            ("officers", .array(officersNamed.map { .string($0) })),
            ("allegations", .array(allegations.map { .object([("category", .string($0.category)), ("subcategory", .string($0.sub))]) })),
        ])
        var t = t0 + Self.day
        say("ia/cmdr.morales", "case.opened", stream, at: t, [
            ("case_id", .string(caseID)), ("complaints", .array([.string(complaintID)])),
            ("classification", .string("full_investigation")), ("unit", .string(["IAB Group 1", "IAB Group 2", "Borough Investigations"][Int(rng.next(3))])),
            ("discovery_date", Self.date(t0)),
        ])
        t += Self.day
        say("ia/cmdr.morales", "case.assigned", stream, at: t, [("investigator", .string(investigator))])
        for a in allegations {
            t += Self.day
            say(investigator, "case.allegation.added", stream, at: t, [
                ("allegation_id", .string(a.id)), ("officer", .string(a.officer)), ("category", .string(a.category)),
                ("subcategory", .string(a.sub)), ("description", .string("Alleged \(a.sub.lowercased()) during the encounter.")),
            ])
        }
        // Footage of the incident, from the evidence system, linked to the case.
        recordingNumber += 1
        let evidence = "AXON-\(String(format: "%07d", recordingNumber))"
        report.recordings += 1
        say("sys/axon", "bodycam.recording.captured", "bodycam/\(evidence)", at: incident + 3_600_000, [
            ("evidence_id", .string(evidence)), ("device", .string("X\(rng.next(90000) + 10000)")), ("officer", .string(officer)),
            ("start", Self.time(incident - 120_000)), ("stop", Self.time(incident + 900_000)), ("trigger", .string("manual")),
            ("pre_event_buffer_seconds", .integer(30)), ("sha256", Self.sha(evidence)),
        ])
        t += Self.day
        say(investigator, "case.evidence.linked", stream, at: t, [
            ("evidence_id", .string(evidence)), ("kind", .string("bodycam_video")), ("reference", .string("axon:\(evidence)")),
            ("sha256", Self.sha(evidence)), ("description", .string("Body-worn camera footage of the encounter.")),
        ])
        say("sys/axon", "bodycam.evidence.accessed", "bodycam/\(evidence)", at: t + 3_600_000, [
            ("evidence_id", .string(evidence)), ("user", .string(investigator)), ("action", .string("viewed")),
            ("purpose", .string("IA investigation")), ("case_id", .string(caseID)),
        ])
        if case .overdue = script { return }
        if case .random = script, ageDays < 150, rng.next(2) == 0 { return }      // recent cases still under investigation
        if case .random = script, ageDays > 380, rng.next(12) == 0 { return }     // some old cases left open: overdue
        if case .tolled = script {
            t += 20 * Self.day
            say(investigator, "case.tolled", stream, at: t, [("action", .string("start")), ("date", Self.date(t)), ("reason", .string("criminal_proceeding")),
                                                            ("note", .string("District attorney's investigation pending."))])
            return
        }
        t += Self.day * Int64(30 + rng.next(120))
        var findings: [String: String] = [:]
        for a in allegations {
            var finding = ["sustained", "not_sustained", "exonerated", "unfounded", "officer_unidentified", "complainant_unavailable"][Int(rng.next(6))]
            if case .sustained = script, a.id == "A1" { finding = "sustained" }
            if case .against = script { finding = a.id == "A1" ? "sustained" : "not_sustained" }
            findings[a.id] = finding
            say(investigator, "case.finding.recorded", stream, at: t, [
                ("allegation_id", .string(a.id)), ("finding", .string(finding)), ("rationale", .string("Findings of fact set out in the investigative report.")),
            ])
        }
        t += Self.day * Int64(5 + rng.next(20))
        for a in allegations {
            say("ia/cmdr.morales", "case.finding.approved", stream, at: t, [("allegation_id", .string(a.id)), ("finding", .string(findings[a.id]!))])
        }
        for a in allegations where findings[a.id] == "sustained" {
            t += Self.day * 7
            var penalty = ["command_discipline", "training", "reprimand", "suspension", "vacation_days_forfeited"][Int(rng.next(5))]
            if case .sustained = script { penalty = "suspension" }
            var fields: [(String, JSONValue)] = [("allegation_id", .string(a.id)), ("penalty", .string(penalty)), ("effective", Self.date(t))]
            if penalty == "suspension" || penalty == "vacation_days_forfeited" { fields.append(("days", .integer(Int64(rng.next(20) + 1)))) }
            if case .sustained = script { fields = [("allegation_id", .string(a.id)), ("penalty", .string("suspension")), ("days", .integer(10)), ("effective", Self.date(t))] }
            say("ia/cmdr.morales", "case.discipline.imposed", stream, at: t, fields)
        }
        t += Self.day * 3
        say("ia/cmdr.morales", "case.closed", stream, at: t, [("summary", .string("Investigation complete; findings approved."))])
        if case .sustained = script {
            t += Self.day * 30
            say("ccrb/analyst.park", "oversight.review.recorded", stream, at: t, [("body", .string("Precinct 120 Civilian Review Board")), ("outcome", .string("concur"))])
        } else if rng.next(10) == 0 {
            t += Self.day * 30
            say("ccrb/analyst.park", "oversight.review.recorded", stream, at: t, [("body", .string("Precinct 120 Civilian Review Board")),
                                                                                 ("outcome", .string(["concur", "non_concur"][Int(rng.next(2))]))])
        }
        if case .reopened = script {
            t += Self.day * 40
            say("ia/cmdr.morales", "case.reopened", stream, at: t, [("reason", .string("New video from a bystander contradicts the officer's account."))])
        }
    }

    mutating func useOfForce(at t0: Int64, officer given: String? = nil) {
        uofNumber += 1
        report.useOfForce += 1
        let officer = given ?? pickOfficer()
        let reportID = "UOF-\(String(format: "%06d", uofNumber))"
        let incident = t0 - Int64(rng.next(3_600)) * 1000
        let roll = rng.next(10)
        if roll < 8 {
            recordingNumber += 1
            report.recordings += 1
            let evidence = "AXON-\(String(format: "%07d", recordingNumber))"
            // One in eight of these starts after the force was used: a late activation.
            let start = roll == 0 ? incident + 240_000 : incident - 300_000
            say("sys/axon", "bodycam.recording.captured", "bodycam/\(evidence)", at: incident + 7_200_000, [
                ("evidence_id", .string(evidence)), ("device", .string("X\(rng.next(90000) + 10000)")), ("officer", .string(officer)),
                ("start", Self.time(start)), ("stop", Self.time(incident + 1_200_000)),
                ("trigger", .string(["manual", "signal_sidearm", "signal_vehicle", "signal_taser"][Int(rng.next(4))])),
                ("pre_event_buffer_seconds", .integer(30)), ("sha256", Self.sha(evidence)), ("incident_case_number", .string(reportID)),
            ])
        }
        let injured = Int64(rng.next(3))
        say("pd/\(officer)", "use_of_force.reported", "uof/\(reportID)", at: incident + 10_800_000, [
            ("report_id", .string(reportID)), ("officer", .string(officer)), ("agency", .string("Precinct 120")),
            ("incident_case_number", .string("120-\(uofNumber)")), ("incident_at", Self.time(incident)), ("municipality", .string("Staten Island")),
            ("location", .string("\(100 + rng.next(900)) Bay St")), ("location_type", .array([.string(["Street", "Residence", "Business"][Int(rng.next(3))])])),
            ("incident_type", .array([.string(["Assault", "Disturbance", "Domestic", "Traffic stop", "Mental health"][Int(rng.next(5))])])),
            ("contact_origin", .array([.string(["Dispatched", "Officer Initiated"][Int(rng.next(2))])])),
            ("force_types", .array([.string(["Compliance hold", "Takedown", "Hands/fists", "CED (Taser)", "OC spray", "Baton"][Int(rng.next(6))])])),
            ("video_footage", .bool(roll < 8)), ("officer_injured", .bool(rng.next(8) == 0)),
            ("subjects_count", .integer(1)), ("subjects_injured", .integer(min(injured, 1))),
            ("subjects", .array([.object([("type", .string("Person")), ("race", .string(["Black", "White", "Hispanic", "Asian"][Int(rng.next(4))])),
                                          ("gender", .string(["Male", "Female"][Int(rng.next(2))])), ("age", .integer(Int64(18 + rng.next(50)))),
                                          ("arrested", .bool(rng.next(2) == 0))])])),
            ("great_bodily_injury", .bool(false)), ("death", .bool(false)), ("firearm_discharged", .bool(false)),
            ("narrative", .string("Subject resisted; force used to effect the arrest as described.")),
        ])
        say(["sgt/diaz", "sgt/wong"][Int(rng.next(2))], "use_of_force.reviewed", "uof/\(reportID)", at: incident + 3 * Self.day, [
            ("report_id", .string(reportID)), ("outcome", .string(rng.next(12) == 0 ? "not_within_policy" : "within_policy")),
            ("note", .string("Reviewed report and available footage.")),
        ])
    }

    mutating func routineRecording(at t0: Int64, deleteWithoutAuthority: Bool = false) {
        recordingNumber += 1
        report.recordings += 1
        let evidence = deleteWithoutAuthority ? report.deletedRecording : "AXON-\(String(format: "%07d", recordingNumber))"
        let officer = pickOfficer()
        let stream = "bodycam/\(evidence)"
        say("sys/axon", "bodycam.recording.captured", stream, at: t0, [
            ("evidence_id", .string(evidence)), ("device", .string("X\(rng.next(90000) + 10000)")), ("officer", .string(officer)),
            ("start", Self.time(t0 - 3_600_000)), ("stop", Self.time(t0 - 2_400_000)), ("trigger", .string("manual")),
            ("pre_event_buffer_seconds", .integer(30)), ("sha256", Self.sha(evidence)),
        ])
        // Routine views; some without a case: the compliance report lists those.
        say("sys/axon", "bodycam.evidence.accessed", stream, at: t0 + Self.day, [
            ("evidence_id", .string(evidence)), ("user", .string(["sgt/diaz", "sgt/wong", "pd/\(officer)"][Int(rng.next(3))])),
            ("action", .string(["viewed", "streamed", "downloaded"][Int(rng.next(3))])), ("purpose", .string("report writing")),
        ])
        if deleteWithoutAuthority {
            say("sys/axon", "bodycam.evidence.deleted", stream, at: t0 + 2 * Self.day, [("evidence_id", .string(evidence)), ("reason", .string("storage clean-up"))])
        } else if rng.next(6) == 0 {
            say("records/ortiz", "bodycam.evidence.deletion.requested", stream, at: t0 + 200 * Self.day, [
                ("evidence_id", .string(evidence)), ("requested_by", .string("records/ortiz")), ("authorised_by", .string("ia/cmdr.morales")),
                ("authority", .string("Retention schedule: non-evidentiary, 180 days")), ("reason", .string("retention period ended")),
            ])
            say("sys/axon", "bodycam.evidence.deleted", stream, at: t0 + 201 * Self.day, [("evidence_id", .string(evidence)), ("reason", .string("retention period ended"))])
        } else if rng.next(5) == 0 {
            say("records/ortiz", "bodycam.retention.changed", stream, at: t0 + 10 * Self.day, [
                ("evidence_id", .string(evidence)), ("category", .string("Evidentiary")), ("retain_until", Self.date(t0 + 3 * 365 * Self.day)),
                ("user", .string("records/ortiz")), ("reason", .string("pending litigation")),
            ])
        }
    }
}

/// A small, fast, seedable random number generator (SplitMix64), so the demo is the same every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in 0..<n.
    mutating func next(_ n: UInt64) -> UInt64 { next() % max(n, 1) }
}
