public import BlotterDomain
public import BlotterFormat
public import BlotterLog

/// The domain's tables in SQL, shared by every SQL store. `domain_catalog` is the catalog's history;
/// the projections are prefixed `p_` (docs/FORMAT.md section 6 describes the ones a verifier reads).
public enum SQLProjections {
    /// Every table, in creation order.
    public static let tables = [
        "domain_catalog", "p_complaints", "p_cases", "p_case_complaints", "p_timeline", "p_allegations", "p_discipline",
        "p_evidence", "p_tolls", "p_reviews", "p_officer_events", "p_uof", "p_recordings", "p_bodycam_access", "p_bodycam_deletions",
        "p_imports", "p_sealed", "p_officers", "p_officer_history", "p_officer_links", "p_layout",
    ]


    /// The tables whose rows belong to one stream of each kind, by the column holding the stream's id.
    static let streamTables: [String: [(table: String, column: String)]] = [
        "complaint": [("p_complaints", "complaint_id")],
        "case": [("p_cases", "case_id"), ("p_case_complaints", "case_id"), ("p_timeline", "case_id"), ("p_allegations", "case_id"),
                 ("p_discipline", "case_id"), ("p_evidence", "case_id"), ("p_tolls", "case_id"), ("p_reviews", "case_id")],
        "uof": [("p_uof", "report_id")],
        "bodycam": [("p_recordings", "evidence_id"), ("p_bodycam_access", "evidence_id"), ("p_bodycam_deletions", "evidence_id")],
        "officer": [("p_officers", "officer_id"), ("p_officer_history", "officer_id"), ("p_officer_links", "officer_id")],
    ]

    static let schema: [String] = [
        "CREATE TABLE domain_catalog (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL)",
        """
        CREATE TABLE p_complaints (complaint_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, actor TEXT, received_at TEXT, incident_at TEXT,
            channel TEXT, precinct TEXT, officers TEXT, allegations TEXT)
        """,
        """
        CREATE TABLE p_cases (case_id TEXT PRIMARY KEY, status TEXT NOT NULL, opened_seq INTEGER NOT NULL, opened_at TEXT NOT NULL,
            opened_by TEXT, classification TEXT, unit TEXT, discovery_date TEXT, deadline_rule TEXT, investigator TEXT,
            closed_seq INTEGER, closed_at TEXT, reopened INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL, last_at TEXT,
            version INTEGER NOT NULL)
        """,
        "CREATE INDEX p_cases_by_status ON p_cases(status, opened_at)",
        "CREATE INDEX p_cases_by_investigator ON p_cases(investigator, status)",
        "CREATE TABLE p_case_complaints (case_id TEXT NOT NULL, complaint_id TEXT NOT NULL, PRIMARY KEY (case_id, complaint_id)) WITHOUT ROWID",
        """
        CREATE TABLE p_timeline (case_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT, signed TEXT, recorded TEXT, actor TEXT, type TEXT,
            summary TEXT, legacy TEXT, PRIMARY KEY (case_id, seq)) WITHOUT ROWID
        """,
        """
        CREATE TABLE p_allegations (case_id TEXT NOT NULL, allegation_id TEXT NOT NULL, officer TEXT, category TEXT, subcategory TEXT,
            added_seq INTEGER NOT NULL, added_at TEXT, amended_seq INTEGER, recommended TEXT, recommended_by TEXT, recommended_seq INTEGER,
            recommended_at TEXT, recommended_penalty TEXT, recommended_days INTEGER, recommended_detail TEXT, final TEXT, final_by TEXT, final_seq INTEGER, final_at TEXT, PRIMARY KEY (case_id, allegation_id)) WITHOUT ROWID
        """,
        "CREATE INDEX p_allegations_by_officer ON p_allegations(officer)",
        "CREATE INDEX p_allegations_by_added ON p_allegations(added_seq)",
        """
        CREATE TABLE p_discipline (seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, allegation_id TEXT NOT NULL, officer TEXT,
            action TEXT NOT NULL, penalty TEXT, days INTEGER, effective TEXT, reason TEXT, actor TEXT, at TEXT, detail TEXT)
        """,
        "CREATE INDEX p_discipline_by_case ON p_discipline(case_id, allegation_id)",
        "CREATE INDEX p_discipline_by_officer ON p_discipline(officer)",
        """
        CREATE TABLE p_evidence (seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, evidence_id TEXT, kind TEXT, reference TEXT,
            sha256 TEXT, actor TEXT, at TEXT)
        """,
        "CREATE INDEX p_evidence_by_case ON p_evidence(case_id)",
        """
        CREATE TABLE p_tolls (case_id TEXT NOT NULL, start_seq INTEGER NOT NULL, start_date TEXT NOT NULL, end_date TEXT, end_seq INTEGER,
            reason TEXT, PRIMARY KEY (case_id, start_seq)) WITHOUT ROWID
        """,
        "CREATE TABLE p_reviews (seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, body TEXT, outcome TEXT, actor TEXT, at TEXT, allegation_id TEXT, recommendation TEXT)",
        "CREATE INDEX p_reviews_by_case ON p_reviews(case_id)",
        """
        CREATE TABLE p_officer_events (seq INTEGER NOT NULL, officer TEXT NOT NULL, kind TEXT NOT NULL, category TEXT, detail TEXT,
            at TEXT, ref TEXT, PRIMARY KEY (officer, seq, kind)) WITHOUT ROWID
        """,
        "CREATE INDEX p_officer_events_by_kind ON p_officer_events(kind, at, officer)",
        """
        CREATE TABLE p_uof (report_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, officer TEXT, incident_at TEXT, agency TEXT,
            municipality TEXT, force_types TEXT, subjects_count INTEGER, subjects_injured INTEGER, great_bodily_injury INTEGER,
            death INTEGER, video_footage INTEGER, review_outcome TEXT, review_seq INTEGER, reviewed_by TEXT, case_id TEXT)
        """,
        "CREATE INDEX p_uof_by_officer ON p_uof(officer, incident_at)",
        """
        CREATE TABLE p_recordings (evidence_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, officer TEXT, device TEXT, start TEXT,
            stop TEXT, trigger TEXT, buffer_seconds INTEGER, sha256 TEXT, retention TEXT, retain_until TEXT,
            deleted_seq INTEGER, deleted_by TEXT, deletion_authorised_by TEXT)
        """,
        "CREATE INDEX p_recordings_by_officer ON p_recordings(officer, start)",
        """
        CREATE TABLE p_bodycam_access (seq INTEGER PRIMARY KEY, evidence_id TEXT NOT NULL, user TEXT, action TEXT, purpose TEXT,
            case_id TEXT, recipient TEXT, actor TEXT, at TEXT)
        """,
        "CREATE INDEX p_bodycam_access_by_evidence ON p_bodycam_access(evidence_id)",
        """
        CREATE TABLE p_bodycam_deletions (seq INTEGER PRIMARY KEY, evidence_id TEXT NOT NULL, kind TEXT NOT NULL, requested_by TEXT,
            authorised_by TEXT, authority TEXT, reason TEXT, actor TEXT, at TEXT)
        """,
        // Imported statements by (mapping, record key, event of the mapping): what `blotter import` compares a row with.
        """
        CREATE TABLE p_imports (mapping TEXT NOT NULL, record TEXT NOT NULL, event TEXT NOT NULL, digest TEXT NOT NULL,
            file TEXT NOT NULL, row INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
            PRIMARY KEY (mapping, record, event)) WITHOUT ROWID
        """,
        // Sealed fields (`*` = the whole entry), from record.sealed statements.
        """
        CREATE TABLE p_sealed (seq INTEGER NOT NULL, field TEXT NOT NULL, sealed_seq INTEGER NOT NULL, authority TEXT, actor TEXT, at TEXT,
            PRIMARY KEY (seq, field)) WITHOUT ROWID
        """,
        // The roster (officer.registered / .updated), each value's history, and the links in force (officer.linked).
        """
        CREATE TABLE p_officers (officer_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT, birth_year INTEGER, star TEXT, unit TEXT,
            rank TEXT, appointed TEXT, separated TEXT, updated_seq INTEGER)
        """,
        """
        CREATE TABLE p_officer_history (officer_id TEXT NOT NULL, seq INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
            effective TEXT, PRIMARY KEY (officer_id, seq, field)) WITHOUT ROWID
        """,
        """
        CREATE TABLE p_officer_links (alias TEXT PRIMARY KEY, officer_id TEXT NOT NULL, system TEXT, basis TEXT, seq INTEGER NOT NULL)
        """,
        "CREATE INDEX p_officer_links_by_officer ON p_officer_links(officer_id, seq)",
        "CREATE TABLE p_layout (version INTEGER PRIMARY KEY)",
    ]
}

// MARK: reads

extension SQLConnection {
    public func projectionsInstalled() throws -> Bool { try hasTable("domain_catalog") }

    public func latestCatalogChange() throws -> Int64? { try rows("SELECT MAX(seq) FROM domain_catalog", []).first?.first?.integer }

    public func catalogChanges() throws -> [CatalogChange] {
        try select(CatalogChange.self, ["seq", "type", "version", "json"], "SELECT seq, type, version, json FROM domain_catalog ORDER BY seq")
    }

    public func complaint(_ complaintID: String) throws -> ComplaintRecord? {
        try select(ComplaintRecord.self, ["complaint_id", "seq", "actor", "received_at", "incident_at", "channel", "precinct", "officers", "allegations"], """
            SELECT complaint_id, seq, actor, received_at, incident_at, channel, precinct, officers, allegations FROM p_complaints WHERE complaint_id = ?
            """, [.text(complaintID)]).first
    }

    // The look-ups every append's rules make read their columns by position, not through a Decoder.

    public func caseState(_ caseID: String) throws -> CaseState? {
        guard let r = try rows("SELECT status, opened_seq, closed_seq FROM p_cases WHERE case_id = ?", [.text(caseID)]).first else { return nil }
        return CaseState(status: r[0].text ?? "", openedSeq: r[1].integer ?? 0, closedSeq: r[2].integer)
    }

    public func allegationState(caseID: String, allegationID: String) throws -> AllegationState? {
        guard let r = try rows("SELECT officer, recommended, final, added_seq FROM p_allegations WHERE case_id = ? AND allegation_id = ?",
                               [.text(caseID), .text(allegationID)]).first else { return nil }
        return AllegationState(officer: r[0].text, recommended: r[1].text, final: r[2].text, addedSeq: r[3].integer ?? 0)
    }

    public func firstDiscipline(caseID: String, allegationID: String) throws -> Int64? {
        try rows("SELECT MIN(seq) FROM p_discipline WHERE case_id = ? AND allegation_id = ?", [.text(caseID), .text(allegationID)]).first?.first?.integer
    }

    public func openTollStart(caseID: String) throws -> String? {
        try rows("SELECT start_date FROM p_tolls WHERE case_id = ? AND end_date IS NULL", [.text(caseID)]).first?.first?.text
    }

    public func allegationsForClosing(caseID: String) throws -> [ClosingAllegation] {
        try select(ClosingAllegation.self, ["allegation_id", "final", "disciplined"], """
            SELECT a.allegation_id, a.final,
                   (SELECT COUNT(*) FROM p_discipline d WHERE d.case_id = a.case_id AND d.allegation_id = a.allegation_id) > 0
            FROM p_allegations a WHERE a.case_id = ? ORDER BY a.allegation_id
            """, [.text(caseID)])
    }

    public func useOfForceSeq(_ reportID: String) throws -> Int64? {
        try rows("SELECT seq FROM p_uof WHERE report_id = ?", [.text(reportID)]).first?.first?.integer
    }

    public func useOfForceOfficer(_ reportID: String) throws -> String? {
        try rows("SELECT officer FROM p_uof WHERE report_id = ?", [.text(reportID)]).first?.first?.text
    }

    public func recordingOfficer(_ evidenceID: String) throws -> String? {
        try rows("SELECT officer FROM p_recordings WHERE evidence_id = ?", [.text(evidenceID)]).first?.first?.text
    }

    public func recordingState(_ evidenceID: String) throws -> RecordingState? {
        try select(RecordingState.self, ["seq", "deleted_seq"], "SELECT seq, deleted_seq FROM p_recordings WHERE evidence_id = ?", [.text(evidenceID)]).first
    }

    public func cases(ofComplaint complaintID: String) throws -> [String] {
        try rows("SELECT case_id FROM p_case_complaints WHERE complaint_id = ? ORDER BY case_id", [.text(complaintID)]).compactMap { $0.first?.text }
    }

    public func imported(mapping: String, records: [String]) throws -> [ImportRecord] {
        var out: [ImportRecord] = []
        var rest = records[...]
        while !rest.isEmpty {
            // Up to 500 records a query (PostgreSQL takes at most 65,535 parameters, SQLite 32,766).
            let part = Array(rest.prefix(500))
            rest = rest.dropFirst(part.count)
            out += try select(ImportRecord.self, ["mapping", "record", "event", "digest", "file", "row", "seq", "type"],
                              "SELECT mapping, record, event, digest, file, row, seq, type FROM p_imports WHERE mapping = ? AND record IN \(Self.list(part))",
                              [.text(mapping)] + part.map { .text($0) })
        }
        return out
    }

    public func sealedFields(before size: Int64) throws -> [(seq: Int64, field: String)] {
        try rows("SELECT seq, field FROM p_sealed WHERE seq < ? ORDER BY seq, field", [.integer(size)]).map { ($0[0].integer ?? -1, $0[1].text ?? "") }
    }

    // The case view.

    public func prefetchCaseFile(_ caseID: String) throws {
        try prefetch(CaseFileSQL.all.map { ($0, [.text(caseID)]) })
    }

    public func caseSummary(_ caseID: String) throws -> CaseView.Summary? {
        try select(CaseView.Summary.self, CaseFileSQL.summaryNames, CaseFileSQL.summary, [.text(caseID)]).first
    }

    public func caseComplaints(_ caseID: String) throws -> [CaseView.Complaint] {
        try select(CaseView.Complaint.self, CaseFileSQL.complaintNames, CaseFileSQL.complaints, [.text(caseID)])
    }

    public func caseAllegations(_ caseID: String) throws -> [CaseView.Allegation] {
        try select(CaseView.Allegation.self, CaseFileSQL.allegationNames, CaseFileSQL.allegations, [.text(caseID)])
    }

    public func caseEvidence(_ caseID: String) throws -> [CaseView.Evidence] {
        try select(CaseView.Evidence.self, CaseFileSQL.evidenceNames, CaseFileSQL.evidence, [.text(caseID)])
    }

    public func caseDiscipline(_ caseID: String) throws -> [CaseView.Discipline] {
        try select(CaseView.Discipline.self, CaseFileSQL.disciplineNames, CaseFileSQL.discipline, [.text(caseID)])
    }

    public func caseTolls(_ caseID: String) throws -> [CaseView.Toll] {
        try select(CaseView.Toll.self, CaseFileSQL.tollNames, CaseFileSQL.tolls, [.text(caseID)])
    }

    public func caseReviews(_ caseID: String) throws -> [CaseView.Review] {
        try select(CaseView.Review.self, CaseFileSQL.reviewNames, CaseFileSQL.reviews, [.text(caseID)])
    }

    public func caseTimeline(_ caseID: String) throws -> [CaseView.TimelineLine] {
        try select(CaseView.TimelineLine.self, CaseFileSQL.timelineNames, CaseFileSQL.timeline, [.text(caseID)])
    }

    public func caseSealed(_ caseID: String) throws -> [CaseView.SealedField] {
        try select(CaseView.SealedField.self, CaseFileSQL.sealedNames, CaseFileSQL.sealed, [.text(caseID)])
    }

    public func earliestIncident(caseID: String) throws -> String? {
        try rows(CaseFileSQL.earliestIncident, [.text(caseID)]).first?.first?.text
    }

    // Queues.

    public func caseRows(status: String?, investigator: String?) throws -> [QueueView.Row] {
        let names = ["case_id", "status", "investigator", "unit", "opened_at", "discovery_date", "deadline_rule", "closed_at"]
        var sql = "SELECT \(names.joined(separator: ", ")) FROM p_cases"
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let status { conditions.append("status = ?"); args.append(.text(status)) }
        if let investigator { conditions.append("investigator = ?"); args.append(.text(investigator)) }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return try select(QueueView.Row.self, names, sql + " ORDER BY opened_seq", args)
    }

    public func caseCountsByStatus() throws -> [QueueView.StatusCount] {
        try select(QueueView.StatusCount.self, ["status", "cases"], "SELECT status, COUNT(*) FROM p_cases GROUP BY status ORDER BY status")
    }

    public func openCasesByInvestigator() throws -> [QueueView.InvestigatorCount] {
        try select(QueueView.InvestigatorCount.self, ["investigator", "cases"], """
            SELECT COALESCE(investigator, '(unassigned)'), COUNT(*) FROM p_cases WHERE status = 'open' GROUP BY 1 ORDER BY 2 DESC, 1
            """)
    }

    // Officer histories.

    public func officerComplaints(_ ids: [String]) throws -> [OfficerView.Complaint] {
        try select(OfficerView.Complaint.self, ["seq", "complaint_id", "officer", "incident_at", "ref"],
                   "SELECT seq, detail, officer, at, ref FROM p_officer_events WHERE officer IN \(Self.list(ids)) AND kind = 'complaint' ORDER BY at, seq",
                   ids.map(SQLValue.text))
    }

    public func officerAllegations(_ ids: [String]) throws -> [OfficerView.Allegation] {
        try select(OfficerView.Allegation.self, ["case_id", "allegation_id", "officer", "category", "subcategory", "recommended", "final", "final_at", "seq",
                                                 "at", "case_status"], """
            SELECT a.case_id, a.allegation_id, a.officer, a.category, a.subcategory, a.recommended, a.final, a.final_at, a.added_seq, a.added_at, c.status
            FROM p_allegations a LEFT JOIN p_cases c ON c.case_id = a.case_id WHERE a.officer IN \(Self.list(ids)) ORDER BY a.added_at, a.added_seq
            """, ids.map(SQLValue.text))
    }

    public func officerUseOfForce(_ ids: [String]) throws -> [OfficerView.UseOfForce] {
        try select(OfficerView.UseOfForce.self, ["report_id", "seq", "officer", "incident_at", "force_types", "subjects_injured", "review"], """
            SELECT report_id, seq, officer, incident_at, force_types, subjects_injured, review_outcome FROM p_uof WHERE officer IN \(Self.list(ids))
            ORDER BY incident_at, seq
            """, ids.map(SQLValue.text))
    }

    public func officerDiscipline(_ ids: [String]) throws -> [OfficerView.Discipline] {
        let names = ["seq", "case_id", "allegation_id", "officer", "action", "penalty", "days", "reason", "at"]
        return try select(OfficerView.Discipline.self, names,
                          "SELECT \(names.joined(separator: ", ")) FROM p_discipline WHERE officer IN \(Self.list(ids)) ORDER BY at, seq",
                          ids.map(SQLValue.text))
    }

    public func officerEvents(_ ids: [String], kind: String, finalFinding: String?) throws -> [OfficerView.Event] {
        let rows = if kind == "allegation", let finalFinding {
            try rows("""
                SELECT e.seq, e.at, e.ref FROM p_officer_events e JOIN p_allegations a ON a.added_seq = e.seq
                WHERE e.officer IN \(Self.list(ids)) AND e.kind = 'allegation' AND a.final = ? ORDER BY e.at, e.seq
                """, ids.map(SQLValue.text) + [.text(finalFinding)])
        } else {
            try rows("SELECT seq, at, ref FROM p_officer_events WHERE officer IN \(Self.list(ids)) AND kind = ? ORDER BY at, seq",
                     ids.map(SQLValue.text) + [.text(kind)])
        }
        // Every rule of the early-intervention flags reads these: by position.
        return rows.map { OfficerView.Event(seq: $0[0].integer ?? 0, at: $0[1].text ?? "", ref: $0[2].text ?? "") }
    }

    public func officerEventCounts(kind: String, since: String) throws -> [Int64] {
        try rows("""
            SELECT COALESCE(l.officer_id, e.officer), COUNT(*) FROM p_officer_events e LEFT JOIN p_officer_links l ON l.alias = e.officer
            WHERE e.kind = ? AND e.at >= ? GROUP BY 1
            """, [.text(kind), .text(since)]).compactMap { $0[1].integer }
    }

    public func rosterSeq(_ officerID: String) throws -> Int64? {
        try rows("SELECT seq FROM p_officers WHERE officer_id = ?", [.text(officerID)]).first?.first?.integer
    }

    public func officerLink(alias: String) throws -> OfficerLinkState? {
        guard let r = try rows("SELECT officer_id, seq FROM p_officer_links WHERE alias = ?", [.text(alias)]).first else { return nil }
        return OfficerLinkState(officerID: r[0].text ?? "", seq: r[1].integer ?? 0)
    }

    public func rosterRecord(_ officerID: String) throws -> OfficerView.Roster? {
        guard let r = try rows("""
            SELECT officer_id, seq, name, birth_year, star, unit, rank, appointed, separated, updated_seq FROM p_officers WHERE officer_id = ?
            """, [.text(officerID)]).first else { return nil }
        return OfficerView.Roster(officerID: r[0].text ?? "", seq: r[1].integer ?? 0, name: r[2].text, birthYear: r[3].integer, star: r[4].text,
                                  unit: r[5].text, rank: r[6].text, appointed: r[7].text, separated: r[8].text, updatedSeq: r[9].integer)
    }

    public func rosterHistory(_ officerID: String) throws -> [OfficerView.Change] {
        try select(OfficerView.Change.self, ["seq", "field", "value", "effective"],
                   "SELECT seq, field, value, effective FROM p_officer_history WHERE officer_id = ? ORDER BY seq, field", [.text(officerID)])
    }

    public func officerAliases(_ officerID: String) throws -> [OfficerView.Identity] {
        try select(OfficerView.Identity.self, ["id", "system", "basis", "seq"],
                   "SELECT alias, system, basis, seq FROM p_officer_links WHERE officer_id = ? ORDER BY seq", [.text(officerID)])
    }

    /// `(?, ?, ...)` for a list of values.
    static func list(_ values: [String]) -> String { "(" + Array(repeating: "?", count: max(1, values.count)).joined(separator: ", ") + ")" }

    // Body cameras.

    public func useOfForceReports() throws -> [BodycamComplianceView.Report] {
        try select(BodycamComplianceView.Report.self, ["report_id", "officer", "incident_at", "seq"],
                   "SELECT report_id, officer, incident_at, seq FROM p_uof ORDER BY incident_at, seq")
    }

    public func recordings(officer: String, startingBy: String, stoppingAfter: String) throws -> [BodycamComplianceView.Recording] {
        try select(BodycamComplianceView.Recording.self, ["evidence_id", "start", "stop", "buffer_seconds"],
                   "SELECT evidence_id, start, stop, buffer_seconds FROM p_recordings WHERE officer = ? AND start <= ? AND stop >= ? ORDER BY start, evidence_id",
                   [.text(officer), .text(startingBy), .text(stoppingAfter)])
    }

    public func accessesNotTiedToACase() throws -> [BodycamComplianceView.Access] {
        try select(BodycamComplianceView.Access.self, ["seq", "evidence_id", "user", "action", "purpose", "case_id", "at"], """
            SELECT a.seq, a.evidence_id, a.user, a.action, a.purpose, a.case_id, a.at FROM p_bodycam_access a
            WHERE a.case_id IS NULL OR NOT EXISTS (SELECT 1 FROM p_cases c WHERE c.case_id = a.case_id) ORDER BY a.seq
            """)
    }

    public func bodycamDeletions() throws -> [BodycamComplianceView.Deletion] {
        try select(BodycamComplianceView.Deletion.self, ["seq", "evidence_id", "deleted_by", "at", "reason", "authorised_by", "authority", "unauthorised"], """
            SELECT seq, evidence_id, actor, at, reason, authorised, authority, authorised IS NULL FROM (
                SELECT d.seq, d.evidence_id, d.actor, d.at, d.reason,
                       COALESCE(d.authorised_by, (SELECT r.authorised_by FROM p_bodycam_deletions r WHERE r.evidence_id = d.evidence_id
                           AND r.kind = 'requested' AND r.authorised_by IS NOT NULL AND r.seq < d.seq ORDER BY r.seq DESC LIMIT 1)) AS authorised,
                       (SELECT r.authority FROM p_bodycam_deletions r WHERE r.evidence_id = d.evidence_id AND r.kind = 'requested' AND r.seq < d.seq
                           ORDER BY r.seq DESC LIMIT 1) AS authority
                FROM p_bodycam_deletions d WHERE d.kind = 'deleted') AS deletions
            ORDER BY seq
            """)
    }

    public func bodycamCounts() throws -> (useOfForce: Int64, recordings: Int64, accesses: Int64) {
        let row = try rows("SELECT (SELECT COUNT(*) FROM p_uof), (SELECT COUNT(*) FROM p_recordings), (SELECT COUNT(*) FROM p_bodycam_access)", []).first ?? []
        return (row.first?.integer ?? 0, row.count > 1 ? row[1].integer ?? 0 : 0, row.count > 2 ? row[2].integer ?? 0 : 0)
    }

    public func recording(_ evidenceID: String) throws -> CustodyView.Recording? {
        try select(CustodyView.Recording.self, ["seq", "officer", "device", "start", "stop", "trigger", "pre_event_buffer_seconds", "sha256", "retention",
                                                "retain_until", "deleted_seq", "deleted_by", "deletion_authorised_by"], """
            SELECT seq, officer, device, start, stop, trigger, buffer_seconds, sha256, retention, retain_until, deleted_seq, deleted_by, deletion_authorised_by
            FROM p_recordings WHERE evidence_id = ?
            """, [.text(evidenceID)]).first
    }

    public func recordingAccesses(_ evidenceID: String) throws -> [CustodyView.Access] {
        let names = ["seq", "user", "action", "purpose", "case_id", "recipient", "actor", "at"]
        return try select(CustodyView.Access.self, names, "SELECT \(names.joined(separator: ", ")) FROM p_bodycam_access WHERE evidence_id = ? ORDER BY seq",
                          [.text(evidenceID)])
    }

    public func recordingDeletions(_ evidenceID: String) throws -> [CustodyView.Deletion] {
        let names = ["seq", "kind", "requested_by", "authorised_by", "authority", "reason", "actor", "at"]
        return try select(CustodyView.Deletion.self, names, "SELECT \(names.joined(separator: ", ")) FROM p_bodycam_deletions WHERE evidence_id = ? ORDER BY seq",
                          [.text(evidenceID)])
    }

    // Statistics.

    public func statistics() throws -> StatisticsView {
        StatisticsView(
            allegationsByCategoryAndFinding: try select(StatisticsView.CategoryFinding.self, ["category", "finding", "allegations"],
                "SELECT category, COALESCE(final, 'pending'), COUNT(*) FROM p_allegations GROUP BY 1, 2 ORDER BY 1, 2"),
            disciplineByPenalty: try select(StatisticsView.Penalty.self, ["penalty", "allegations"], """
                SELECT d.penalty, COUNT(*) FROM p_discipline d WHERE d.seq = (SELECT MAX(x.seq) FROM p_discipline x
                    WHERE x.case_id = d.case_id AND x.allegation_id = d.allegation_id) GROUP BY 1 ORDER BY 2 DESC, 1
                """),
            casesByUnitAndStatus: try select(StatisticsView.UnitStatus.self, ["unit", "status", "cases"],
                "SELECT COALESCE(unit, '(none)'), status, COUNT(*) FROM p_cases GROUP BY 1, 2 ORDER BY 1, 2"),
            byYear: try select(StatisticsView.Year.self, ["year", "complaints", "cases_opened", "allegations_sustained", "use_of_force_reports"], """
                WITH y(year) AS (SELECT substr(received_at, 1, 4) FROM p_complaints UNION SELECT substr(opened_at, 1, 4) FROM p_cases
                                 UNION SELECT substr(final_at, 1, 4) FROM p_allegations WHERE final = 'sustained'
                                 UNION SELECT substr(incident_at, 1, 4) FROM p_uof)
                SELECT year,
                    (SELECT COUNT(*) FROM p_complaints WHERE substr(received_at, 1, 4) = year),
                    (SELECT COUNT(*) FROM p_cases WHERE substr(opened_at, 1, 4) = year),
                    (SELECT COUNT(*) FROM p_allegations WHERE final = 'sustained' AND substr(final_at, 1, 4) = year),
                    (SELECT COUNT(*) FROM p_uof WHERE substr(incident_at, 1, 4) = year)
                FROM y WHERE year IS NOT NULL ORDER BY year
                """))
    }
}

// MARK: writes

extension SQLConnection {
    public func installProjections() throws {
        for sql in SQLProjections.schema { try execute(sql, []) }
        try execute("INSERT INTO p_layout (version) VALUES (?)", [.integer(Projector.layoutVersion)])
    }

    public func projectionsLayout() throws -> Int64 {
        guard try hasTable("p_layout") else { return 1 }
        return try rows("SELECT MAX(version) FROM p_layout", []).first?.first?.integer ?? 1
    }

    public func uninstallProjections() throws {
        for t in SQLProjections.tables.reversed() { try execute("DROP TABLE IF EXISTS \(t)", []) }
    }

    public func deleteRows(ofStream kind: String, id: String) throws {
        for (table, column) in SQLProjections.streamTables[kind] ?? [] { try execute("DELETE FROM \(table) WHERE \(column) = ?", [.text(id)]) }
    }

    public func deleteRows(ofEntry seq: Int64) throws {
        for table in ["p_officer_events", "p_imports", "p_timeline"] { try execute("DELETE FROM \(table) WHERE seq = ?", [.integer(seq)]) }
    }

    public func addCatalogChange(_ change: CatalogChange) throws {
        try execute("INSERT INTO domain_catalog (seq, type, version, json) VALUES (?, ?, ?, ?)",
                    [.integer(change.seq), .text(change.type), .integer(change.version), .text(change.json)])
    }

    public func putComplaint(_ c: ComplaintRecord) throws {
        try execute("""
            INSERT OR REPLACE INTO p_complaints (complaint_id, seq, actor, received_at, incident_at, channel, precinct, officers, allegations)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(c.complaintID), .integer(c.seq), SQLValue(c.actor), SQLValue(c.receivedAt), SQLValue(c.incidentAt), SQLValue(c.channel),
                  SQLValue(c.precinct), SQLValue(c.officers), SQLValue(c.allegations)])
    }

    public func openCase(_ c: CaseOpening) throws {
        try execute("""
            INSERT INTO p_cases (case_id, status, opened_seq, opened_at, opened_by, classification, unit, discovery_date, deadline_rule,
                last_seq, last_at, version) VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """, [.text(c.caseID), .integer(c.seq), .text(c.at), .text(c.actor), SQLValue(c.classification), SQLValue(c.unit),
                  SQLValue(c.discoveryDate), SQLValue(c.deadlineRule), .integer(c.seq), .text(c.at)])
    }

    public func linkComplaint(caseID: String, complaintID: String) throws {
        try execute("INSERT OR IGNORE INTO p_case_complaints (case_id, complaint_id) VALUES (?, ?)", [.text(caseID), .text(complaintID)])
    }

    public func putTimeline(caseID: String, _ line: CaseView.TimelineLine, replace: Bool) throws {
        try execute("INSERT OR \(replace ? "REPLACE" : "IGNORE") INTO p_timeline (case_id, seq, at, signed, recorded, actor, type, summary, legacy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [.text(caseID), .integer(line.seq), SQLValue(line.at), SQLValue(line.signed), SQLValue(line.recorded), SQLValue(line.actor), SQLValue(line.type),
                     SQLValue(line.summary), SQLValue(line.legacy)])
    }

    public func touchCase(caseID: String, seq: Int64, at: String, counts: Bool) throws {
        try execute("UPDATE p_cases SET last_seq = ?, last_at = ?, version = version + ? WHERE case_id = ?",
                    [.integer(seq), .text(at), .integer(counts ? 1 : 0), .text(caseID)])
    }

    public func assignCase(caseID: String, investigator: String?) throws {
        try execute("UPDATE p_cases SET investigator = ? WHERE case_id = ?", [SQLValue(investigator), .text(caseID)])
    }

    public func closeCase(caseID: String, seq: Int64, at: String) throws {
        try execute("UPDATE p_cases SET status = 'closed', closed_seq = ?, closed_at = ? WHERE case_id = ?", [.integer(seq), .text(at), .text(caseID)])
    }

    public func reopenCase(caseID: String) throws {
        try execute("UPDATE p_cases SET status = 'open', closed_seq = NULL, closed_at = NULL, reopened = reopened + 1 WHERE case_id = ?", [.text(caseID)])
    }

    public func putAllegation(caseID: String, _ a: AllegationRecord) throws {
        try execute("""
            INSERT OR REPLACE INTO p_allegations (case_id, allegation_id, officer, category, subcategory, added_seq, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(caseID), .text(a.allegationID), SQLValue(a.officer), SQLValue(a.category), SQLValue(a.subcategory), .integer(a.addedSeq),
                  SQLValue(a.addedAt)])
    }

    public func amendAllegation(caseID: String, allegationID: String, officer: String?, category: String?, subcategory: String?, seq: Int64) throws {
        let key: [SQLValue] = [.text(caseID), .text(allegationID)]
        guard let row = try rows("SELECT added_seq, officer FROM p_allegations WHERE case_id = ? AND allegation_id = ?", key).first else { return }
        let changes: [SQLValue] = [SQLValue(officer), SQLValue(category), SQLValue(subcategory)]
        try execute("""
            UPDATE p_allegations SET officer = COALESCE(?, officer), category = COALESCE(?, category),
                subcategory = COALESCE(?, subcategory), amended_seq = ? WHERE case_id = ? AND allegation_id = ?
            """, changes + [.integer(seq)] + key)
        // The officer's history follows the allegation as amended.
        try execute("""
            UPDATE p_officer_events SET officer = COALESCE(?, officer), category = COALESCE(?, category), detail = COALESCE(?, detail)
            WHERE seq = ? AND officer = ? AND kind = 'allegation'
            """, changes + [row[0], row[1]])
    }

    public func recordFinding(caseID: String, allegationID: String, finding: String?, by actor: String, seq: Int64, at: String, final: Bool,
                              discipline: RecommendedDiscipline?) throws {
        if final {
            try execute("UPDATE p_allegations SET final = ?, final_by = ?, final_seq = ?, final_at = ? WHERE case_id = ? AND allegation_id = ?",
                        [SQLValue(finding), .text(actor), .integer(seq), .text(at), .text(caseID), .text(allegationID)])
            return
        }
        // A recommendation replaces the last one whole, its discipline included.
        try execute("""
            UPDATE p_allegations SET recommended = ?, recommended_by = ?, recommended_seq = ?, recommended_at = ?, recommended_penalty = ?,
                recommended_days = ?, recommended_detail = ? WHERE case_id = ? AND allegation_id = ?
            """, [SQLValue(finding), .text(actor), .integer(seq), .text(at), SQLValue(discipline?.penalty), SQLValue(discipline?.days),
                  SQLValue(discipline?.detail), .text(caseID), .text(allegationID)])
    }

    public func addEvidence(caseID: String, _ e: CaseView.Evidence) throws {
        try execute("INSERT INTO p_evidence (seq, case_id, evidence_id, kind, reference, sha256, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [.integer(e.seq), .text(caseID), SQLValue(e.evidenceID), SQLValue(e.kind), SQLValue(e.reference), SQLValue(e.sha256),
                     SQLValue(e.actor), SQLValue(e.at)])
    }

    public func addDiscipline(caseID: String, _ d: CaseView.Discipline) throws {
        try execute("""
            INSERT INTO p_discipline (seq, case_id, allegation_id, officer, action, penalty, days, effective, reason, actor, at, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(d.seq), .text(caseID), .text(d.allegationID), SQLValue(d.officer), .text(d.action), SQLValue(d.penalty), SQLValue(d.days),
                  SQLValue(d.effective), SQLValue(d.reason), SQLValue(d.actor), SQLValue(d.at), SQLValue(d.detail)])
    }

    public func startToll(caseID: String, seq: Int64, date: String?, reason: String?) throws {
        try execute("INSERT INTO p_tolls (case_id, start_seq, start_date, reason) VALUES (?, ?, ?, ?)",
                    [.text(caseID), .integer(seq), SQLValue(date), SQLValue(reason)])
    }

    public func endToll(caseID: String, seq: Int64, date: String?) throws {
        try execute("UPDATE p_tolls SET end_date = ?, end_seq = ? WHERE case_id = ? AND end_date IS NULL", [SQLValue(date), .integer(seq), .text(caseID)])
    }

    public func addReview(caseID: String, _ r: CaseView.Review) throws {
        try execute("INSERT INTO p_reviews (seq, case_id, body, outcome, actor, at, allegation_id, recommendation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [.integer(r.seq), .text(caseID), SQLValue(r.body), SQLValue(r.outcome), SQLValue(r.actor), SQLValue(r.at),
                     SQLValue(r.allegationID), SQLValue(r.recommendation)])
    }

    public func putUseOfForce(_ r: UseOfForceRecord) throws {
        try execute("""
            INSERT OR REPLACE INTO p_uof (report_id, seq, officer, incident_at, agency, municipality, force_types, subjects_count,
                subjects_injured, great_bodily_injury, death, video_footage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.reportID), .integer(r.seq), SQLValue(r.officer), SQLValue(r.incidentAt), SQLValue(r.agency), SQLValue(r.municipality),
                  SQLValue(r.forceTypes), SQLValue(r.subjectsCount), SQLValue(r.subjectsInjured), SQLValue(r.greatBodilyInjury),
                  SQLValue(r.death), SQLValue(r.videoFootage)])
    }

    public func amendUseOfForce(_ r: UseOfForceRecord) throws {
        try execute("""
            UPDATE p_uof SET officer = COALESCE(?, officer), incident_at = COALESCE(?, incident_at), agency = COALESCE(?, agency),
                municipality = COALESCE(?, municipality), force_types = COALESCE(?, force_types), subjects_count = COALESCE(?, subjects_count),
                subjects_injured = COALESCE(?, subjects_injured), great_bodily_injury = COALESCE(?, great_bodily_injury),
                death = COALESCE(?, death), video_footage = COALESCE(?, video_footage) WHERE report_id = ?
            """, [SQLValue(r.officer), SQLValue(r.incidentAt), SQLValue(r.agency), SQLValue(r.municipality), SQLValue(r.forceTypes),
                  SQLValue(r.subjectsCount), SQLValue(r.subjectsInjured), SQLValue(r.greatBodilyInjury), SQLValue(r.death),
                  SQLValue(r.videoFootage), .text(r.reportID)])
    }

    public func reviewUseOfForce(reportID: String, outcome: String?, seq: Int64, by actor: String, caseID: String?) throws {
        try execute("UPDATE p_uof SET review_outcome = ?, review_seq = ?, reviewed_by = ?, case_id = COALESCE(?, case_id) WHERE report_id = ?",
                    [SQLValue(outcome), .integer(seq), .text(actor), SQLValue(caseID), .text(reportID)])
    }

    public func putRecording(_ r: RecordingRecord) throws {
        try execute("""
            INSERT OR REPLACE INTO p_recordings (evidence_id, seq, officer, device, start, stop, trigger, buffer_seconds, sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.evidenceID), .integer(r.seq), SQLValue(r.officer), SQLValue(r.device), SQLValue(r.start), SQLValue(r.stop),
                  SQLValue(r.trigger), SQLValue(r.bufferSeconds), SQLValue(r.sha256)])
    }

    public func addBodycamAccess(evidenceID: String, _ a: CustodyView.Access) throws {
        try execute("INSERT INTO p_bodycam_access (seq, evidence_id, user, action, purpose, case_id, recipient, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [.integer(a.seq), .text(evidenceID), SQLValue(a.user), SQLValue(a.action), SQLValue(a.purpose), SQLValue(a.caseID),
                     SQLValue(a.recipient), SQLValue(a.actor), SQLValue(a.at)])
    }

    public func changeRetention(evidenceID: String, category: String?, retainUntil: String?) throws {
        try execute("UPDATE p_recordings SET retention = ?, retain_until = ? WHERE evidence_id = ?", [SQLValue(category), SQLValue(retainUntil), .text(evidenceID)])
    }

    public func addBodycamDeletion(evidenceID: String, _ d: CustodyView.Deletion) throws {
        try execute("""
            INSERT INTO p_bodycam_deletions (seq, evidence_id, kind, requested_by, authorised_by, authority, reason, actor, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(d.seq), .text(evidenceID), .text(d.kind), SQLValue(d.requestedBy), SQLValue(d.authorisedBy), SQLValue(d.authority),
                  SQLValue(d.reason), SQLValue(d.actor), SQLValue(d.at)])
    }

    public func markRecordingDeleted(evidenceID: String, seq: Int64, by actor: String, authorisedBy: String?) throws {
        try execute("UPDATE p_recordings SET deleted_seq = ?, deleted_by = ?, deletion_authorised_by = ? WHERE evidence_id = ?",
                    [.integer(seq), .text(actor), SQLValue(authorisedBy), .text(evidenceID)])
    }

    public func putSealed(seq: Int64, field: String, sealedSeq: Int64, authority: String?, actor: String, at: String) throws {
        try execute("INSERT OR REPLACE INTO p_sealed (seq, field, sealed_seq, authority, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
                    [.integer(seq), .text(field), .integer(sealedSeq), SQLValue(authority), .text(actor), .text(at)])
    }

    public func putImport(_ r: ImportRecord) throws {
        try execute("INSERT OR REPLACE INTO p_imports (mapping, record, event, digest, file, row, seq, type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [SQLValue(r.mapping), SQLValue(r.record), SQLValue(r.event), SQLValue(r.digest), SQLValue(r.file), SQLValue(r.row),
                     .integer(r.seq), .text(r.type)])
    }

    public func putOfficerEvent(_ e: OfficerEventRecord) throws {
        try execute("INSERT OR REPLACE INTO p_officer_events (seq, officer, kind, category, detail, at, ref) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [.integer(e.seq), .text(e.officer), .text(e.kind), SQLValue(e.category), SQLValue(e.detail), .text(e.at), .text(e.ref)])
    }

    public func putRosterOfficer(_ r: OfficerView.Roster) throws {
        try execute("""
            INSERT OR REPLACE INTO p_officers (officer_id, seq, name, birth_year, star, unit, rank, appointed, separated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.officerID), .integer(r.seq), SQLValue(r.name), SQLValue(r.birthYear), SQLValue(r.star), SQLValue(r.unit),
                  SQLValue(r.rank), SQLValue(r.appointed), SQLValue(r.separated)])
    }

    public func updateRosterOfficer(_ r: OfficerView.Roster) throws {
        try execute("""
            UPDATE p_officers SET name = COALESCE(?, name), birth_year = COALESCE(?, birth_year), star = COALESCE(?, star),
                unit = COALESCE(?, unit), rank = COALESCE(?, rank), appointed = COALESCE(?, appointed), separated = COALESCE(?, separated),
                updated_seq = ? WHERE officer_id = ?
            """, [SQLValue(r.name), SQLValue(r.birthYear), SQLValue(r.star), SQLValue(r.unit), SQLValue(r.rank), SQLValue(r.appointed),
                  SQLValue(r.separated), .integer(r.seq), .text(r.officerID)])
    }

    public func addRosterChange(officerID: String, _ c: OfficerView.Change) throws {
        try execute("INSERT OR REPLACE INTO p_officer_history (officer_id, seq, field, value, effective) VALUES (?, ?, ?, ?, ?)",
                    [.text(officerID), .integer(c.seq), .text(c.field), .text(c.value), SQLValue(c.effective)])
    }

    public func putOfficerLink(alias: String, officerID: String, system: String?, basis: String?, seq: Int64) throws {
        try execute("INSERT OR REPLACE INTO p_officer_links (alias, officer_id, system, basis, seq) VALUES (?, ?, ?, ?, ?)",
                    [.text(alias), .text(officerID), SQLValue(system), SQLValue(basis), .integer(seq)])
    }

    public func deleteOfficerLink(alias: String) throws {
        try execute("DELETE FROM p_officer_links WHERE alias = ?", [.text(alias)])
    }
}

/// The queries of a case file, each with the case id as its one argument: the case view's reads
/// use them, and ``SQLConnection/prefetchCaseFile(_:)`` sends them ahead as they are.
enum CaseFileSQL {
    static let summaryNames = ["case_id", "status", "version", "opened_seq", "opened_at", "opened_by", "classification", "unit", "discovery_date",
                               "deadline_rule", "investigator", "closed_seq", "closed_at", "reopened", "last_seq", "last_at"]
    static let summary = "SELECT \(summaryNames.joined(separator: ", ")) FROM p_cases WHERE case_id = ?"
    static let tollNames = ["start", "end", "reason"]
    static let tolls = "SELECT start_date, end_date, reason FROM p_tolls WHERE case_id = ? ORDER BY start_seq"
    static let earliestIncident = """
        SELECT MIN(c.incident_at) FROM p_complaints c JOIN p_case_complaints cc ON cc.complaint_id = c.complaint_id WHERE cc.case_id = ?
        """
    static let complaintNames = ["complaint_id", "seq", "received_at", "incident_at", "channel", "precinct", "officers", "allegations"]
    static let complaints = """
        SELECT c.complaint_id, c.seq, c.received_at, c.incident_at, c.channel, c.precinct, c.officers, c.allegations
        FROM p_case_complaints cc JOIN p_complaints c ON c.complaint_id = cc.complaint_id WHERE cc.case_id = ? ORDER BY c.seq
        """
    static let allegationNames = ["allegation_id", "officer", "category", "subcategory", "recommended", "recommended_by", "recommended_at",
                                  "recommended_penalty", "recommended_days", "recommended_detail", "final", "final_by", "final_at", "added_seq",
                                  "added_at", "amended_seq"]
    static let allegations = "SELECT \(allegationNames.joined(separator: ", ")) FROM p_allegations WHERE case_id = ? ORDER BY added_seq"
    static let evidenceNames = ["seq", "evidence_id", "kind", "reference", "sha256", "actor", "at"]
    static let evidence = "SELECT \(evidenceNames.joined(separator: ", ")) FROM p_evidence WHERE case_id = ? ORDER BY seq"
    static let disciplineNames = ["seq", "allegation_id", "officer", "action", "penalty", "days", "detail", "effective", "reason", "actor", "at"]
    static let discipline = "SELECT \(disciplineNames.joined(separator: ", ")) FROM p_discipline WHERE case_id = ? ORDER BY seq"
    static let reviewNames = ["seq", "body", "allegation_id", "outcome", "recommendation", "actor", "at"]
    static let reviews = "SELECT \(reviewNames.joined(separator: ", ")) FROM p_reviews WHERE case_id = ? ORDER BY seq"
    static let timelineNames = ["seq", "at", "signed", "recorded", "actor", "type", "summary", "legacy"]
    static let timeline = "SELECT \(timelineNames.joined(separator: ", ")) FROM p_timeline WHERE case_id = ? ORDER BY seq"
    static let sealedNames = ["seq", "type", "field", "authority", "sealed_seq", "actor", "at"]
    static let sealed = """
        SELECT s.seq, t.type, s.field, s.authority, s.sealed_seq, s.actor, s.at FROM p_sealed s JOIN p_timeline t ON t.seq = s.seq
        WHERE t.case_id = ? ORDER BY s.seq, s.field
        """
    /// In the order the case view reads them.
    static let all = [summary, tolls, earliestIncident, complaints, allegations, evidence, discipline, reviews, timeline, sealed]
}
