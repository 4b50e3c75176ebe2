public import BlotterFormat
public import BlotterLog
/// Read-only views over the projection tables: what investigators, commanders and analysts look at.
/// Every view is a `Codable` value (ViewModels.swift); `--json` prints it through ``JSONValueCoding``,
/// the CLI lays the same values out as text, and the server returns them as JSON.
public struct Views {
    let db: any LedgerReading
    let tables: any ProjectionReading
    let catalog: EventCatalog
    /// "Today", for deadlines and ages.
    let today: CalendarDate

    public init(_ db: any LedgerReading, catalog: EventCatalog, today: CalendarDate) throws {
        self.db = db
        self.tables = try db.projections()
        let layout = try tables.projectionsLayout()
        guard layout >= Projector.layoutVersion else { throw Projector.outdated(layout) }
        self.catalog = catalog
        self.today = today
    }

    // MARK: case view

    /// The deadline of one case, from its row and tolling periods. Without a discovery date (not
    /// given, or sealed) the deadline runs from the day the case was opened.
    func deadline(caseID: String, rule: String?, discovery: String?, opened: String?, closedAt: String?, tolls: [CaseView.Toll]? = nil) throws -> Deadline {
        let periods = try (tolls ?? tables.caseTolls(caseID)).compactMap { t -> (start: CalendarDate, end: CalendarDate?)? in
            guard let s = CalendarDate(t.start) else { return nil }
            return (s, t.end.flatMap(CalendarDate.init))
        }
        let occurrence = try tables.earliestIncident(caseID: caseID).flatMap(CalendarDate.init)
        let ruleValue = DeadlineRule(rawValue: rule ?? catalog.deadlineRule) ?? .californiaOneYear
        let discoveryDate = discovery.flatMap(CalendarDate.init) ?? opened.flatMap { CalendarDate(String($0.prefix(10))) } ?? today
        return Deadline.compute(rule: ruleValue, discovery: discoveryDate, occurrence: occurrence, tolls: periods, today: today,
                                closedOn: closedAt.flatMap(CalendarDate.init))
    }

    static func view(_ d: Deadline) -> DeadlineView {
        DeadlineView(rule: d.rule, ruleText: DeadlineRule(rawValue: d.rule)?.summary ?? d.rule, start: d.start.description,
                     due: d.due?.description, tolledDays: d.tolledDays, tollingNow: d.tolling, daysLeft: d.daysLeft, overdue: d.overdue)
    }

    /// The whole case file.
    public func caseView(_ caseID: String) throws -> CaseView {
        try tables.prefetchCaseFile(caseID)
        guard let c = try tables.caseSummary(caseID) else {
            throw BlotterError(.notFound, "there is no case \(caseID)")
        }
        let tolls = try tables.caseTolls(caseID)
        let d = try deadline(caseID: caseID, rule: c.deadlineRule, discovery: c.discoveryDate, opened: c.openedAt, closedAt: c.closedAt, tolls: tolls)
        let complaints = try tables.caseComplaints(caseID)
        let allegations = try tables.caseAllegations(caseID)
        var officers: [String] = []
        for a in allegations { if let o = a.officer, !officers.contains(o) { officers.append(o) } }
        for c in complaints { for o in (c.officers ?? "").split(separator: ",").map(String.init) where !officers.contains(o) { officers.append(o) } }
        return CaseView(
            caseID: c.caseID, status: c.status, version: c.version, openedSeq: c.openedSeq, openedAt: c.openedAt, openedBy: c.openedBy,
            classification: c.classification, unit: c.unit, discoveryDate: c.discoveryDate, deadlineRule: c.deadlineRule,
            investigator: c.investigator, closedSeq: c.closedSeq, closedAt: c.closedAt, reopened: c.reopened, lastSeq: c.lastSeq,
            lastAt: c.lastAt, deadline: Self.view(d), complaints: complaints, allegations: allegations, officers: officers,
            evidence: try tables.caseEvidence(caseID), discipline: try tables.caseDiscipline(caseID), tolling: tolls,
            oversightReviews: try tables.caseReviews(caseID), timeline: try tables.caseTimeline(caseID),
            // What was sealed in this case's entries, and by whose authority (never the value).
            sealed: try tables.caseSealed(caseID))
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
    public func queue(_ filter: QueueFilter) throws -> QueueView {
        var out: [(Int64, QueueView.Case)] = []
        for r in try tables.caseRows(status: filter.status, investigator: filter.investigator) {
            let d = try deadline(caseID: r.caseID, rule: r.deadlineRule, discovery: r.discoveryDate, opened: r.openedAt, closedAt: r.closedAt)
            if filter.overdueOnly && !(d.overdue && r.status == "open") { continue }
            if let within = filter.dueWithin, (d.daysLeft ?? Int64.max) > within { continue }
            let age = CalendarDate(r.openedAt).map { today.days - $0.days } ?? 0
            out.append((d.daysLeft ?? Int64.max, QueueView.Case(
                caseID: r.caseID, status: r.status, investigator: r.investigator, unit: r.unit, openedAt: r.openedAt, ageDays: age,
                due: d.due?.description, daysLeft: d.daysLeft, tolling: d.tolling, overdue: d.overdue)))
        }
        out.sort { $0.0 < $1.0 }
        return QueueView(cases: out.prefix(filter.limit).map(\.1), matching: Int64(out.count), byStatus: try tables.caseCountsByStatus(),
                         openByInvestigator: try tables.openCasesByInvestigator())
    }

    // MARK: officer history

    /// An officer's complaints, allegations, use of force and discipline, with early-intervention flags.
    /// An id on the roster, or linked to it, gives the view of the roster officer: every id linked to
    /// them is gathered, and each record says which id it names.
    public func officer(_ officer: String, rules: EarlyInterventionRules) throws -> OfficerView {
        let rosterID = try tables.officerLink(alias: officer)?.officerID ?? officer
        var roster = try tables.rosterRecord(rosterID)
        let identities = roster == nil ? [] : try tables.officerAliases(rosterID)
        roster?.history = try tables.rosterHistory(rosterID)
        let ids = roster == nil ? [officer] : [rosterID] + identities.map(\.id)
        let complaints = try tables.officerComplaints(ids)
        let allegations = try tables.officerAllegations(ids)
        let uof = try tables.officerUseOfForce(ids)
        let discipline = try tables.officerDiscipline(ids)
        if roster == nil, complaints.isEmpty, allegations.isEmpty, uof.isEmpty, discipline.isEmpty {
            throw BlotterError(.notFound, "officer \(officer) is not on the roster, and no complaint, allegation, use-of-force report or discipline names that id")
        }
        var matrix: [String: [String: Int64]] = [:]
        for a in allegations { matrix[a.category ?? "?", default: [:]][a.final ?? "pending", default: 0] += 1 }
        return OfficerView(officer: officer, roster: roster, identities: identities, complaints: complaints, allegations: allegations,
                           allegationsByCategory: matrix, useOfForce: uof, discipline: discipline, flags: try flags(ids, rules: rules))
    }

    /// Every id of the officer an id names: the roster id and its linked aliases (the id alone if it
    /// is neither on the roster nor linked). A reader's own officer id is matched through these.
    public func identities(of officer: String) throws -> [String] {
        let rosterID = try tables.officerLink(alias: officer)?.officerID ?? officer
        guard try tables.rosterSeq(rosterID) != nil else { return [officer] }
        return [rosterID] + (try tables.officerAliases(rosterID).map(\.id))
    }

    func flags(_ ids: [String], rules: EarlyInterventionRules) throws -> [OfficerView.Flag] {
        var out: [OfficerView.Flag] = []
        for rule in rules.rules {
            let evs = try tables.officerEvents(ids, kind: rule.kind, finalFinding: rule.finding)
            var raised: [OfficerView.Event] = []
            var why = ""
            if let percent = rule.topPercent {
                let since = rule.windowDays.map { today.adding(days: -$0).description } ?? ""
                let counts = try tables.officerEventCounts(kind: rule.kind, since: since).sorted()
                let mine = evs.filter { $0.at >= since }
                guard !counts.isEmpty, mine.count >= rule.minCount else { continue }
                let index = min(counts.count - 1, Int((Double(counts.count) * (1 - percent / 100)).rounded(.down)))
                let cut = counts[index]
                if Int64(mine.count) >= cut {
                    raised = mine
                    why = "\(mine.count) \(rule.kind) events\(rule.windowDays.map { " in the last \($0) days" } ?? ""): at or above the top \(percent.formatted1)% cut-off of \(cut) among \(counts.count) officers"
                }
            } else if let window = rule.windowDays {
                var best: ArraySlice<OfficerView.Event> = []
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
                out.append(OfficerView.Flag(rule: rule.id, description: rule.description, explanation: why, events: raised))
            }
        }
        return out
    }

    // MARK: body cameras

    /// Use-of-force reports without a recording from that officer around the incident, late
    /// activations, accesses not tied to a case, and deletions with who authorised them.
    /// - Parameter windowSeconds: how far before and after the incident a recording counts.
    public func bodycamCompliance(windowSeconds: Int64 = 1800) throws -> BodycamComplianceView {
        var missing: [BodycamComplianceView.Incident] = []
        var late: [BodycamComplianceView.LateActivation] = []
        // A recording is the officer's under any id the roster links to them (a camera system's own id).
        var identitiesOf: [String: [String]] = [:]
        for r in try tables.useOfForceReports() {
            guard let officer = r.officer, let incidentText = r.incidentAt,
                  let incident = Timestamp(rfc3339: incidentText, precision: .secondsOrMilliseconds) else { continue }
            let w = windowSeconds * 1000
            var covering: [(id: String, start: Timestamp, buffer: Int64)] = []
            if identitiesOf[officer] == nil { identitiesOf[officer] = try identities(of: officer) }
            let recordings = try identitiesOf[officer, default: [officer]].flatMap { id in
                try tables.recordings(officer: id, startingBy: Timestamp(milliseconds: incident.milliseconds + w).rfc3339Milliseconds,
                                      stoppingAfter: Timestamp(milliseconds: incident.milliseconds - w).rfc3339)
            }
            for rec in recordings {
                guard let s = rec.start.flatMap({ Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds) }),
                      let e = rec.stop.flatMap({ Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds) }),
                      s.milliseconds <= incident.milliseconds + w, e.milliseconds >= incident.milliseconds - w else { continue }
                covering.append((rec.evidenceID, s, rec.bufferSeconds ?? 0))
            }
            if covering.isEmpty {
                missing.append(BodycamComplianceView.Incident(reportID: r.reportID, seq: r.seq, officer: officer, incidentAt: incidentText))
            } else if let first = covering.min(by: { $0.start.milliseconds - $0.buffer * 1000 < $1.start.milliseconds - $1.buffer * 1000 }) {
                let effective = first.start.milliseconds - first.buffer * 1000
                if effective > incident.milliseconds {
                    late.append(BodycamComplianceView.LateActivation(reportID: r.reportID, seq: r.seq, officer: officer, incidentAt: incidentText,
                                                                     evidenceID: first.id, lateSeconds: (effective - incident.milliseconds) / 1000))
                }
            }
        }
        let counts = try tables.bodycamCounts()
        return BodycamComplianceView(useOfForceReports: counts.useOfForce, recordings: counts.recordings, accesses: counts.accesses,
                                     windowSeconds: windowSeconds, useOfForceWithoutRecording: missing, lateActivations: late,
                                     accessesNotTiedToACase: try tables.accessesNotTiedToACase(), deletions: try tables.bodycamDeletions())
    }

    /// Every access to one recording, and its whole chain of custody.
    public func custody(_ evidenceID: String) throws -> CustodyView {
        guard let recording = try tables.recording(evidenceID) else {
            throw BlotterError(.notFound, "there is no recording \(evidenceID)")
        }
        var entries: [CustodyView.Entry] = []
        while true {
            let page = try db.summaries(from: (entries.last?.seq ?? -1) + 1, limit: 4096, stream: "bodycam/" + evidenceID)
            if page.isEmpty { break }
            entries += page.map { CustodyView.Entry(seq: $0.seq, type: $0.type, actor: $0.actor, recorded: $0.recorded) }
        }
        return CustodyView(evidenceID: evidenceID, recording: recording, accesses: try tables.recordingAccesses(evidenceID),
                           deletions: try tables.recordingDeletions(evidenceID), entries: entries)
    }

    // MARK: statistics

    /// Counts by allegation category and final finding, discipline, unit and year.
    public func statistics() throws -> StatisticsView { try tables.statistics() }
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
