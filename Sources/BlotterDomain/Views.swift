public import BlotterFormat
public import BlotterLog
/// Read-only views over the projection tables: what investigators, commanders and analysts look at.
/// Every view is a `JSONValue` object (what `--json` prints); the CLI lays the same values out as text.
public struct Views {
    let db: any LedgerReading
    let catalog: EventCatalog
    /// "Today", for deadlines and ages.
    let today: CalendarDate

    public init(_ db: any LedgerReading, catalog: EventCatalog, today: CalendarDate) {
        self.db = db
        self.catalog = catalog
        self.today = today
    }

    func all(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] { try db.rows(sql, args) }

    static func v(_ s: SQLValue) -> JSONValue {
        switch s {
        case .null: return .null
        case let .integer(n): return .integer(n)
        case let .real(d): return .double(d)
        case let .text(t): return .string(t)
        }
    }

    static func object(_ names: [String], _ row: [SQLValue]) -> JSONValue {
        .object(zip(names, row).map { ($0, v($1)) })
    }

    static func list(_ names: [String], _ rows: [[SQLValue]]) -> JSONValue { .array(rows.map { object(names, $0) }) }

    // MARK: case view

    /// The deadline of one case, from its row and tolling periods. Without a discovery date (not
    /// given, or sealed) the deadline runs from the day the case was opened.
    func deadline(caseID: String, rule: String?, discovery: String?, opened: String?, closedAt: String?) throws -> Deadline {
        let tolls = try all("SELECT start_date, end_date FROM p_tolls WHERE case_id = ? ORDER BY start_seq", [.text(caseID)]).compactMap { r -> (start: CalendarDate, end: CalendarDate?)? in
            guard let s = r[0].text.flatMap(CalendarDate.init) else { return nil }
            return (s, r[1].text.flatMap(CalendarDate.init))
        }
        let occurrence = try all("""
            SELECT MIN(c.incident_at) FROM p_complaints c JOIN p_case_complaints cc ON cc.complaint_id = c.complaint_id WHERE cc.case_id = ?
            """, [.text(caseID)]).first?[0].text.flatMap(CalendarDate.init)
        let ruleValue = DeadlineRule(rawValue: rule ?? catalog.deadlineRule) ?? .californiaOneYear
        let discoveryDate = discovery.flatMap(CalendarDate.init) ?? opened.flatMap { CalendarDate(String($0.prefix(10))) } ?? today
        return Deadline.compute(rule: ruleValue, discovery: discoveryDate, occurrence: occurrence, tolls: tolls, today: today,
                                closedOn: closedAt.flatMap(CalendarDate.init))
    }

    static func json(_ d: Deadline) -> JSONValue {
        .object([("rule", .string(d.rule)), ("rule_text", .string(DeadlineRule(rawValue: d.rule)?.summary ?? d.rule)),
                 ("start", .string(d.start.description)), ("due", d.due.map { .string($0.description) } ?? .null),
                 ("tolled_days", .integer(d.tolledDays)), ("tolling_now", .bool(d.tolling)),
                 ("days_left", d.daysLeft.map(JSONValue.integer) ?? .null), ("overdue", .bool(d.overdue))])
    }

    /// The whole case file.
    public func caseView(_ caseID: String) throws -> JSONValue {
        let caseColumns = ["case_id", "status", "version", "opened_seq", "opened_at", "opened_by", "classification", "unit", "discovery_date",
                           "deadline_rule", "investigator", "closed_seq", "closed_at", "reopened", "last_seq", "last_at"]
        guard let row = try all("SELECT \(caseColumns.joined(separator: ", ")) FROM p_cases WHERE case_id = ?", [.text(caseID)]).first else {
            throw BlotterError(.notFound, "there is no case \(caseID)")
        }
        guard case var .object(members) = Self.object(caseColumns, row) else { return .null }
        let d = try deadline(caseID: caseID, rule: row[9].text, discovery: row[8].text, opened: row[4].text, closedAt: row[12].text)
        let complaints = try all("""
            SELECT c.complaint_id, c.seq, c.received_at, c.incident_at, c.channel, c.precinct, c.officers, c.allegations
            FROM p_case_complaints cc JOIN p_complaints c ON c.complaint_id = cc.complaint_id WHERE cc.case_id = ? ORDER BY c.seq
            """, [.text(caseID)])
        let allegations = try all("""
            SELECT allegation_id, officer, category, subcategory, recommended, recommended_by, final, final_by, added_seq, amended_seq
            FROM p_allegations WHERE case_id = ? ORDER BY added_seq
            """, [.text(caseID)])
        var officers: [String] = []
        for a in allegations { if let o = a[1].text, !officers.contains(o) { officers.append(o) } }
        for c in complaints { for o in (c[6].text ?? "").split(separator: ",").map(String.init) where !officers.contains(o) { officers.append(o) } }
        members += [
            ("deadline", Self.json(d)),
            ("complaints", Self.list(["complaint_id", "seq", "received_at", "incident_at", "channel", "precinct", "officers", "allegations"], complaints)),
            ("allegations", Self.list(["allegation_id", "officer", "category", "subcategory", "recommended", "recommended_by", "final", "final_by", "added_seq", "amended_seq"], allegations)),
            ("officers", .array(officers.map(JSONValue.string))),
            ("evidence", Self.list(["seq", "evidence_id", "kind", "reference", "sha256", "actor", "at"],
                                   try all("SELECT seq, evidence_id, kind, reference, sha256, actor, at FROM p_evidence WHERE case_id = ? ORDER BY seq", [.text(caseID)]))),
            ("discipline", Self.list(["seq", "allegation_id", "officer", "action", "penalty", "days", "detail", "effective", "reason", "actor", "at"],
                                     try all("SELECT seq, allegation_id, officer, action, penalty, days, detail, effective, reason, actor, at FROM p_discipline WHERE case_id = ? ORDER BY seq", [.text(caseID)]))),
            ("tolling", Self.list(["start", "end", "reason"], try all("SELECT start_date, end_date, reason FROM p_tolls WHERE case_id = ? ORDER BY start_seq", [.text(caseID)]))),
            ("oversight_reviews", Self.list(["seq", "body", "allegation_id", "outcome", "recommendation", "actor", "at"],
                                            try all("SELECT seq, body, allegation_id, outcome, recommendation, actor, at FROM p_reviews WHERE case_id = ? ORDER BY seq", [.text(caseID)]))),
            ("timeline", Self.list(["seq", "at", "recorded", "actor", "type", "summary"],
                                   try all("SELECT seq, at, recorded, actor, type, summary FROM p_timeline WHERE case_id = ? ORDER BY seq", [.text(caseID)]))),
            // What was sealed in this case's entries, and by whose authority (never the value).
            ("sealed", Self.list(["seq", "type", "field", "authority", "sealed_seq", "actor", "at"], try all("""
                SELECT s.seq, t.type, s.field, s.authority, s.sealed_seq, s.actor, s.at FROM p_sealed s JOIN p_timeline t ON t.seq = s.seq
                WHERE t.case_id = ? ORDER BY s.seq, s.field
                """, [.text(caseID)]))),
        ]
        return .object(members)
    }

    // MARK: queues

    public struct QueueFilter: Sendable {
        public var status: String? = "open"
        public var investigator: String? = nil
        public var overdueOnly = false
        /// Only cases due within this many days (overdue ones included).
        public var dueWithin: Int64? = nil
        public var limit = 200
        public init() {}
    }

    /// Cases with their age and deadline, most urgent first.
    public func queue(_ filter: QueueFilter) throws -> JSONValue {
        var sql = "SELECT case_id, status, investigator, unit, opened_at, discovery_date, deadline_rule, closed_at FROM p_cases"
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let s = filter.status { conditions.append("status = ?"); args.append(.text(s)) }
        if let i = filter.investigator { conditions.append("investigator = ?"); args.append(.text(i)) }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        var out: [(Int64, JSONValue)] = []
        for r in try all(sql, args) {
            let id = r[0].text ?? ""
            let d = try deadline(caseID: id, rule: r[6].text, discovery: r[5].text, opened: r[4].text, closedAt: r[7].text)
            if filter.overdueOnly && !(d.overdue && r[1].text == "open") { continue }
            if let within = filter.dueWithin, (d.daysLeft ?? Int64.max) > within { continue }
            let age = r[4].text.flatMap(CalendarDate.init).map { today.days - $0.days } ?? 0
            out.append((d.daysLeft ?? Int64.max, .object([
                ("case_id", .string(id)), ("status", Self.v(r[1])), ("investigator", Self.v(r[2])), ("unit", Self.v(r[3])),
                ("opened_at", Self.v(r[4])), ("age_days", .integer(age)), ("due", d.due.map { .string($0.description) } ?? .null),
                ("days_left", d.daysLeft.map(JSONValue.integer) ?? .null), ("tolling", .bool(d.tolling)), ("overdue", .bool(d.overdue)),
            ])))
        }
        out.sort { $0.0 < $1.0 }
        let byStatus = try all("SELECT status, COUNT(*) FROM p_cases GROUP BY status ORDER BY status")
        let byInvestigator = try all("SELECT COALESCE(investigator, '(unassigned)'), COUNT(*) FROM p_cases WHERE status = 'open' GROUP BY 1 ORDER BY 2 DESC")
        return .object([
            ("cases", .array(out.prefix(filter.limit).map(\.1))), ("matching", .integer(Int64(out.count))),
            ("by_status", Self.list(["status", "cases"], byStatus)),
            ("open_by_investigator", Self.list(["investigator", "cases"], byInvestigator)),
        ])
    }

    // MARK: officer history

    /// An officer's complaints, allegations, use of force and discipline, with early-intervention flags.
    public func officer(_ officer: String, rules: EarlyInterventionRules) throws -> JSONValue {
        let o: [SQLValue] = [.text(officer)]
        let complaints = try all("SELECT seq, detail, at, ref FROM p_officer_events WHERE officer = ? AND kind = 'complaint' ORDER BY at", o)
        let allegations = try all("""
            SELECT a.case_id, a.allegation_id, a.category, a.subcategory, a.recommended, a.final, a.added_seq, c.status
            FROM p_allegations a LEFT JOIN p_cases c ON c.case_id = a.case_id WHERE a.officer = ? ORDER BY a.added_seq
            """, o)
        let uof = try all("SELECT report_id, seq, incident_at, force_types, subjects_injured, review_outcome FROM p_uof WHERE officer = ? ORDER BY incident_at", o)
        let discipline = try all("SELECT seq, case_id, allegation_id, action, penalty, days, reason, at FROM p_discipline WHERE officer = ? ORDER BY seq", o)
        if complaints.isEmpty && allegations.isEmpty && uof.isEmpty && discipline.isEmpty {
            throw BlotterError(.notFound, "no complaint, allegation, use-of-force report or discipline names officer \(officer)")
        }
        var matrix: [String: [String: Int64]] = [:]
        for a in allegations { matrix[a[2].text ?? "?", default: [:]][a[5].text ?? "pending", default: 0] += 1 }
        return .object([
            ("officer", .string(officer)),
            ("complaints", Self.list(["seq", "complaint_id", "incident_at", "ref"], complaints)),
            ("allegations", Self.list(["case_id", "allegation_id", "category", "subcategory", "recommended", "final", "seq", "case_status"], allegations)),
            ("allegations_by_category", .object(matrix.keys.sorted().map { c in (c, .object(matrix[c]!.keys.sorted().map { ($0, .integer(matrix[c]![$0]!)) })) })),
            ("use_of_force", Self.list(["report_id", "seq", "incident_at", "force_types", "subjects_injured", "review"], uof)),
            ("discipline", Self.list(["seq", "case_id", "allegation_id", "action", "penalty", "days", "reason", "at"], discipline)),
            ("flags", .array(try flags(officer, rules: rules))),
        ])
    }

    /// The events of `kind` for an officer, as (seq, time, ref), optionally only allegations with a final finding.
    func events(_ officer: String, kind: String, finding: String?) throws -> [(seq: Int64, at: String, ref: String)] {
        if kind == "allegation", let finding {
            return try all("""
                SELECT e.seq, e.at, e.ref FROM p_officer_events e JOIN p_allegations a ON a.added_seq = e.seq
                WHERE e.officer = ? AND e.kind = 'allegation' AND a.final = ? ORDER BY e.at
                """, [.text(officer), .text(finding)]).map { ($0[0].integer ?? 0, $0[1].text ?? "", $0[2].text ?? "") }
        }
        return try all("SELECT seq, at, ref FROM p_officer_events WHERE officer = ? AND kind = ? ORDER BY at", [.text(officer), .text(kind)])
            .map { ($0[0].integer ?? 0, $0[1].text ?? "", $0[2].text ?? "") }
    }

    func flags(_ officer: String, rules: EarlyInterventionRules) throws -> [JSONValue] {
        var out: [JSONValue] = []
        for rule in rules.rules {
            let evs = try events(officer, kind: rule.kind, finding: rule.finding)
            var raised: [(seq: Int64, at: String, ref: String)] = []
            var why = ""
            if let percent = rule.topPercent {
                let since = rule.windowDays.map { today.adding(days: -$0).description } ?? ""
                let counts = try all("SELECT officer, COUNT(*) FROM p_officer_events WHERE kind = ? AND at >= ? GROUP BY officer", [.text(rule.kind), .text(since)])
                    .compactMap { $0[1].integer }.sorted()
                let mine = evs.filter { $0.at >= since }
                guard !counts.isEmpty, mine.count >= rule.minCount else { continue }
                let index = min(counts.count - 1, Int((Double(counts.count) * (1 - percent / 100)).rounded(.down)))
                let cut = counts[index]
                if Int64(mine.count) >= cut {
                    raised = mine
                    why = "\(mine.count) \(rule.kind) events\(rule.windowDays.map { " in the last \($0) days" } ?? ""): at or above the top \(percent.formatted1)% cut-off of \(cut) among \(counts.count) officers"
                }
            } else if let window = rule.windowDays {
                var best: ArraySlice<(seq: Int64, at: String, ref: String)> = []
                var start = 0
                let days = evs.map { CalendarDate($0.at)?.days ?? 0 }
                for end in evs.indices {
                    while days[end] - days[start] >= window { start += 1 }
                    if end - start + 1 >= best.count { best = evs[start...end] }
                }
                if best.count >= rule.threshold {
                    raised = Array(best)
                    why = "\(best.count) \(rule.kind) events within \(window) days (\(best.first!.at.prefix(10)) to \(best.last!.at.prefix(10))); threshold \(rule.threshold)"
                }
            } else if evs.count >= rule.threshold {
                raised = evs
                why = "\(evs.count) \(rule.kind)\(rule.finding.map { " (\($0))" } ?? "") events in all; threshold \(rule.threshold)"
            }
            if !raised.isEmpty {
                out.append(.object([("rule", .string(rule.id)), ("description", .string(rule.description)), ("explanation", .string(why)),
                                    ("events", .array(raised.map { .object([("seq", .integer($0.seq)), ("at", .string($0.at)), ("ref", .string($0.ref))]) }))]))
            }
        }
        return out
    }

    // MARK: body cameras

    /// Use-of-force reports without a recording from that officer around the incident, late
    /// activations, accesses not tied to a case, and deletions with who authorised them.
    /// - Parameter windowSeconds: how far before and after the incident a recording counts.
    public func bodycamCompliance(windowSeconds: Int64 = 1800) throws -> JSONValue {
        var missing: [JSONValue] = []
        var late: [JSONValue] = []
        for r in try all("SELECT report_id, officer, incident_at, seq FROM p_uof ORDER BY incident_at") {
            guard let officer = r[1].text, let incident = r[2].text.flatMap({ Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds) }) else { continue }
            let w = windowSeconds * 1000
            var covering: [(id: String, start: Timestamp, buffer: Int64)] = []
            for rec in try all("SELECT evidence_id, start, stop, buffer_seconds FROM p_recordings WHERE officer = ? AND start <= ? AND stop >= ?",
                               [.text(officer), .text(Timestamp(milliseconds: incident.milliseconds + w).rfc3339Milliseconds),
                                .text(Timestamp(milliseconds: incident.milliseconds - w).rfc3339)]) {
                guard let s = rec[1].text.flatMap({ Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds) }),
                      let e = rec[2].text.flatMap({ Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds) }),
                      s.milliseconds <= incident.milliseconds + w, e.milliseconds >= incident.milliseconds - w else { continue }
                covering.append((rec[0].text ?? "", s, rec[3].integer ?? 0))
            }
            let base: [(String, JSONValue)] = [("report_id", Self.v(r[0])), ("seq", Self.v(r[3])), ("officer", .string(officer)), ("incident_at", Self.v(r[2]))]
            if covering.isEmpty {
                missing.append(.object(base))
            } else if let first = covering.min(by: { $0.start.milliseconds - $0.buffer * 1000 < $1.start.milliseconds - $1.buffer * 1000 }) {
                let effective = first.start.milliseconds - first.buffer * 1000
                if effective > incident.milliseconds {
                    late.append(.object(base + [("evidence_id", .string(first.id)), ("late_seconds", .integer((effective - incident.milliseconds) / 1000))]))
                }
            }
        }
        let untied = try all("""
            SELECT a.seq, a.evidence_id, a.user, a.action, a.purpose, a.case_id, a.at FROM p_bodycam_access a
            WHERE a.case_id IS NULL OR NOT EXISTS (SELECT 1 FROM p_cases c WHERE c.case_id = a.case_id) ORDER BY a.seq
            """)
        let deletions = try all("""
            SELECT d.seq, d.evidence_id, d.actor, d.at, d.reason,
                   COALESCE(d.authorised_by, (SELECT r.authorised_by FROM p_bodycam_deletions r WHERE r.evidence_id = d.evidence_id
                       AND r.kind = 'requested' AND r.authorised_by IS NOT NULL AND r.seq < d.seq ORDER BY r.seq DESC LIMIT 1)),
                   (SELECT r.authority FROM p_bodycam_deletions r WHERE r.evidence_id = d.evidence_id AND r.kind = 'requested' AND r.seq < d.seq ORDER BY r.seq DESC LIMIT 1)
            FROM p_bodycam_deletions d WHERE d.kind = 'deleted' ORDER BY d.seq
            """)
        let counts = try all("SELECT (SELECT COUNT(*) FROM p_uof), (SELECT COUNT(*) FROM p_recordings), (SELECT COUNT(*) FROM p_bodycam_access)").first ?? []
        return .object([
            ("use_of_force_reports", Self.v(counts.first ?? .null)), ("recordings", Self.v(counts.count > 1 ? counts[1] : .null)),
            ("accesses", Self.v(counts.count > 2 ? counts[2] : .null)), ("window_seconds", .integer(windowSeconds)),
            ("use_of_force_without_recording", .array(missing)),
            ("late_activations", .array(late)),
            ("accesses_not_tied_to_a_case", Self.list(["seq", "evidence_id", "user", "action", "purpose", "case_id", "at"], untied)),
            ("deletions", .array(deletions.map { d in
                .object([("seq", Self.v(d[0])), ("evidence_id", Self.v(d[1])), ("deleted_by", Self.v(d[2])), ("at", Self.v(d[3])), ("reason", Self.v(d[4])),
                         ("authorised_by", Self.v(d[5])), ("authority", Self.v(d[6])), ("unauthorised", .bool(d[5] == .null))])
            })),
        ])
    }

    /// Every access to one recording, and its whole chain of custody.
    public func custody(_ evidenceID: String) throws -> JSONValue {
        guard let rec = try all("SELECT seq, officer, device, start, stop, trigger, buffer_seconds, sha256, retention, retain_until, deleted_seq, deleted_by, deletion_authorised_by FROM p_recordings WHERE evidence_id = ?", [.text(evidenceID)]).first else {
            throw BlotterError(.notFound, "there is no recording \(evidenceID)")
        }
        return .object([
            ("evidence_id", .string(evidenceID)),
            ("recording", Self.object(["seq", "officer", "device", "start", "stop", "trigger", "pre_event_buffer_seconds", "sha256", "retention", "retain_until", "deleted_seq", "deleted_by", "deletion_authorised_by"], rec)),
            ("accesses", Self.list(["seq", "user", "action", "purpose", "case_id", "recipient", "actor", "at"],
                                   try all("SELECT seq, user, action, purpose, case_id, recipient, actor, at FROM p_bodycam_access WHERE evidence_id = ? ORDER BY seq", [.text(evidenceID)]))),
            ("deletions", Self.list(["seq", "kind", "requested_by", "authorised_by", "authority", "reason", "actor", "at"],
                                    try all("SELECT seq, kind, requested_by, authorised_by, authority, reason, actor, at FROM p_bodycam_deletions WHERE evidence_id = ? ORDER BY seq", [.text(evidenceID)]))),
            ("entries", Self.list(["seq", "type", "actor", "recorded"], try all("SELECT seq, type, actor, recorded FROM entries WHERE stream = ? ORDER BY stream_version", [.text("bodycam/" + evidenceID)]))),
        ])
    }

    // MARK: statistics

    /// Counts by allegation category and final finding, discipline, unit and year.
    public func statistics() throws -> JSONValue {
        .object([
            ("allegations_by_category_and_finding", Self.list(["category", "finding", "allegations"],
                try all("SELECT category, COALESCE(final, 'pending'), COUNT(*) FROM p_allegations GROUP BY 1, 2 ORDER BY 1, 2"))),
            ("discipline_by_penalty", Self.list(["penalty", "allegations"], try all("""
                SELECT d.penalty, COUNT(*) FROM p_discipline d WHERE d.seq = (SELECT MAX(x.seq) FROM p_discipline x
                    WHERE x.case_id = d.case_id AND x.allegation_id = d.allegation_id) GROUP BY 1 ORDER BY 2 DESC
                """))),
            ("cases_by_unit_and_status", Self.list(["unit", "status", "cases"],
                try all("SELECT COALESCE(unit, '(none)'), status, COUNT(*) FROM p_cases GROUP BY 1, 2 ORDER BY 1, 2"))),
            ("by_year", Self.list(["year", "complaints", "cases_opened", "allegations_sustained", "use_of_force_reports"], try all("""
                WITH y(year) AS (SELECT substr(received_at, 1, 4) FROM p_complaints UNION SELECT substr(opened_at, 1, 4) FROM p_cases
                                 UNION SELECT substr(incident_at, 1, 4) FROM p_uof)
                SELECT year,
                    (SELECT COUNT(*) FROM p_complaints WHERE substr(received_at, 1, 4) = year),
                    (SELECT COUNT(*) FROM p_cases WHERE substr(opened_at, 1, 4) = year),
                    (SELECT COUNT(*) FROM p_allegations a JOIN p_cases c ON c.case_id = a.case_id WHERE a.final = 'sustained' AND substr(c.opened_at, 1, 4) = year),
                    (SELECT COUNT(*) FROM p_uof WHERE substr(incident_at, 1, 4) = year)
                FROM y WHERE year IS NOT NULL ORDER BY year
                """))),
        ])
    }
}

extension Double {
    var formatted1: String { self == rounded() ? String(Int(self)) : String(self) }
}

/// Early-intervention rules (Schemas/early-intervention.json): each flags an officer whose events
/// of one kind pass a count overall, within a rolling window, or rank in the top percent of peers.
public struct EarlyInterventionRules: Sendable {
    public struct Rule: Sendable {
        public let id: String
        public let description: String
        /// complaint, allegation, use_of_force or discipline.
        public let kind: String
        /// For allegations: only those with this final finding.
        public let finding: String?
        public let windowDays: Int64?
        public let threshold: Int
        public let topPercent: Double?
        public let minCount: Int
    }

    public let rules: [Rule]
    static let kinds: Set<String> = ["complaint", "allegation", "use_of_force", "discipline"]

    public static func bundled() throws -> EarlyInterventionRules {
        try EarlyInterventionRules(json: try JSONParser.parse(PackageResources.early_intervention_json))
    }

    public init(json: JSONValue) throws(BlotterError) {
        guard let list = json["rules"]?.arrayValue else { throw BlotterError(.invalidInput, "early-intervention rules: needs \"rules\": an array") }
        var rules: [Rule] = []
        for (i, r) in list.enumerated() {
            let place = "early-intervention rules: rules[\(i)]"
            guard let id = r["id"]?.stringValue, let kind = r["kind"]?.stringValue, Self.kinds.contains(kind) else {
                throw BlotterError(.invalidInput, "\(place): needs \"id\" and \"kind\" (one of \(Self.kinds.sorted().joined(separator: ", ")))")
            }
            for (name, _) in r.objectValue ?? [] where !["id", "description", "kind", "finding", "window_days", "threshold", "top_percent", "min_count"].contains(name) {
                throw BlotterError(.invalidInput, "\(place): unknown member \"\(name)\"")
            }
            let top: Double? = switch r["top_percent"] { case let .integer(n)?: Double(n); case let .double(d)?: d; default: nil }
            let threshold = r["threshold"]?.integerValue
            guard (top != nil) != (threshold != nil) else {
                throw BlotterError(.invalidInput, "\(place) (\(id)): give either \"threshold\" (a count) or \"top_percent\"")
            }
            if let top, !(top > 0 && top < 100) { throw BlotterError(.invalidInput, "\(place) (\(id)): top_percent must be between 0 and 100") }
            rules.append(Rule(id: id, description: r["description"]?.stringValue ?? id, kind: kind, finding: r["finding"]?.stringValue,
                              windowDays: r["window_days"]?.integerValue, threshold: Int(threshold ?? 0), topPercent: top,
                              minCount: Int(r["min_count"]?.integerValue ?? 1)))
        }
        self.rules = rules
    }
}
