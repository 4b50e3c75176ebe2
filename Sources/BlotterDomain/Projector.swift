public import BlotterFormat
public import BlotterLog
/// Builds the projection tables from events, one at a time and in log order. The same code runs
/// inside every append's transaction and in `projections rebuild`, so the two cannot disagree.
///
/// Tables (all prefixed `p_`): cases, case_complaints, timeline, complaints, allegations,
/// discipline, evidence, tolls, reviews, officer_events, uof, recordings, bodycam_access,
/// bodycam_deletions; and `domain_catalog`, the catalog's history.
public enum Projector {
    /// Fields no projection reads (free text and identities of people other than officers and staff):
    /// a rebuild does not decode them. A test checks that rebuilt tables equal the incremental ones.
    static let unreadFields: Set<String> = [
        "narrative", "description", "rationale", "note", "summary", "complainant_name", "complainant_contact", "complainant_age",
        "complainant_juvenile", "witnesses", "subjects", "subject_injuries", "subject_medical_treatment", "location", "incident_location",
        "subject_actions", "location_type", "incident_type", "contact_origin", "officer_injury_type",
    ]

    /// Every table the projector owns, in creation order.
    public static let tables = [
        "domain_catalog", "p_complaints", "p_cases", "p_case_complaints", "p_timeline", "p_allegations", "p_discipline",
        "p_evidence", "p_tolls", "p_reviews", "p_officer_events", "p_uof", "p_recordings", "p_bodycam_access", "p_bodycam_deletions",
        "p_imports", "p_sealed",
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
        CREATE TABLE p_timeline (case_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT, recorded TEXT, actor TEXT, type TEXT,
            summary TEXT, PRIMARY KEY (case_id, seq)) WITHOUT ROWID
        """,
        """
        CREATE TABLE p_allegations (case_id TEXT NOT NULL, allegation_id TEXT NOT NULL, officer TEXT, category TEXT, subcategory TEXT,
            added_seq INTEGER NOT NULL, amended_seq INTEGER, recommended TEXT, recommended_by TEXT, recommended_seq INTEGER,
            final TEXT, final_by TEXT, final_seq INTEGER, PRIMARY KEY (case_id, allegation_id)) WITHOUT ROWID
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
        "CREATE INDEX p_officer_events_by_officer ON p_officer_events(officer, kind, at)",
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
    ]

    /// Creates the tables (for a new ledger with a catalog, or before a rebuild).
    public static func install(_ db: any LedgerWriting) throws {
        for sql in schema { try db.execute(sql, []) }
    }

    /// Drops every projection table.
    public static func uninstall(_ db: any LedgerWriting) throws {
        for t in tables.reversed() { try db.execute("DROP TABLE IF EXISTS \(t)", []) }
    }

    /// True if the ledger has the domain tables (its genesis carried a catalog).
    public static func isInstalled(_ db: any LedgerReading) throws -> Bool {
        try db.hasTable("domain_catalog")
    }

    /// Applies one event to the projection tables.
    public static func apply(_ e: LedgerEvent, _ db: any LedgerWriting) throws {
        let id = e.streamID
        switch e.type {
        case "ledger.created":
            if let catalog = e.values["catalog"] {
                try db.execute("INSERT INTO domain_catalog (seq, type, version, json) VALUES (?, '*', 0, ?)",
                               [.integer(e.seq), .text(String(decoding: CanonicalJSON.encode(catalog), as: UTF8.self))])
            }
        case "schema.registered":
            guard let schema = e.values["schema"] else { return }
            try db.execute("INSERT INTO domain_catalog (seq, type, version, json) VALUES (?, ?, ?, ?)",
                           [.integer(e.seq), e.string("event_type"), e.int("version"), .text(String(decoding: CanonicalJSON.encode(schema), as: UTF8.self))])
        case "complaint.received":
            let officers = e.strings("officers")
            try db.execute("""
                INSERT OR REPLACE INTO p_complaints (complaint_id, seq, actor, received_at, incident_at, channel, precinct, officers, allegations)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [e.string("complaint_id"), .integer(e.seq), .text(e.actor), e.string("received_at"), e.string("incident_at"),
                      e.string("channel"), e.string("precinct"), .text(officers.joined(separator: ",")),
                      .text((e.values["allegations"]?.arrayValue ?? []).map(allegationLabel).joined(separator: "; "))])
            for officer in officers {
                try officerEvent(db, e, officer: officer, kind: "complaint", category: nil, detail: e.values["complaint_id"]?.stringValue,
                                 at: e.values["incident_at"]?.stringValue ?? e.at, ref: "complaint/\(e.values["complaint_id"]?.stringValue ?? id)")
            }
        case "case.opened":
            try db.execute("""
                INSERT INTO p_cases (case_id, status, opened_seq, opened_at, opened_by, classification, unit, discovery_date, deadline_rule,
                    last_seq, last_at, version) VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                """, [.text(id), .integer(e.seq), .text(e.at), .text(e.actor), e.string("classification"), e.string("unit"),
                      e.string("discovery_date"), e.string("deadline_rule"), .integer(e.seq), .text(e.at)])
            for complaint in e.strings("complaints") {
                try db.execute("INSERT OR IGNORE INTO p_case_complaints (case_id, complaint_id) VALUES (?, ?)", [.text(id), .text(complaint)])
                try timelineComplaint(caseID: id, complaint: complaint, db)
            }
        case "case.assigned":
            try db.execute("UPDATE p_cases SET investigator = ? WHERE case_id = ?", [e.string("investigator"), .text(id)])
        case "case.allegation.added":
            try db.execute("""
                INSERT OR REPLACE INTO p_allegations (case_id, allegation_id, officer, category, subcategory, added_seq)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [.text(id), e.string("allegation_id"), e.string("officer"), e.string("category"), e.string("subcategory"), .integer(e.seq)])
            if let officer = e.values["officer"]?.stringValue {
                try officerEvent(db, e, officer: officer, kind: "allegation", category: e.values["category"]?.stringValue,
                                 detail: e.values["subcategory"]?.stringValue, at: e.at, ref: "case/\(id)#\(e.values["allegation_id"]?.stringValue ?? "")")
            }
        case "case.allegation.amended":
            let key: [SQLValue] = [.text(id), e.string("allegation_id")]
            guard let row = try db.rows("SELECT added_seq, officer FROM p_allegations WHERE case_id = ? AND allegation_id = ?", key).first else { break }
            try db.execute("""
                UPDATE p_allegations SET officer = COALESCE(?, officer), category = COALESCE(?, category),
                    subcategory = COALESCE(?, subcategory), amended_seq = ? WHERE case_id = ? AND allegation_id = ?
                """, [e.string("officer"), e.string("category"), e.string("subcategory"), .integer(e.seq)] + key)
            // The officer's history follows the allegation as amended.
            try db.execute("""
                UPDATE p_officer_events SET officer = COALESCE(?, officer), category = COALESCE(?, category), detail = COALESCE(?, detail)
                WHERE seq = ? AND officer = ? AND kind = 'allegation'
                """, [e.string("officer"), e.string("category"), e.string("subcategory"), row[0], row[1]])
        case "case.evidence.linked":
            try db.execute("INSERT INTO p_evidence (seq, case_id, evidence_id, kind, reference, sha256, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [.integer(e.seq), .text(id), e.string("evidence_id"), e.string("kind"), e.string("reference"), e.string("sha256"), .text(e.actor), .text(e.at)])
        case "case.finding.recorded":
            try db.execute("UPDATE p_allegations SET recommended = ?, recommended_by = ?, recommended_seq = ? WHERE case_id = ? AND allegation_id = ?",
                           [e.string("finding"), .text(e.actor), .integer(e.seq), .text(id), e.string("allegation_id")])
        case "case.finding.approved":
            try db.execute("UPDATE p_allegations SET final = ?, final_by = ?, final_seq = ? WHERE case_id = ? AND allegation_id = ?",
                           [e.string("finding"), .text(e.actor), .integer(e.seq), .text(id), e.string("allegation_id")])
        case "case.discipline.imposed", "case.discipline.modified":
            let officer = try db.rows("SELECT officer FROM p_allegations WHERE case_id = ? AND allegation_id = ?", [.text(id), e.string("allegation_id")]).first?[0] ?? .null
            try db.execute("""
                INSERT INTO p_discipline (seq, case_id, allegation_id, officer, action, penalty, days, effective, reason, actor, at, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(e.seq), .text(id), e.string("allegation_id"), officer, .text(e.type == "case.discipline.imposed" ? "imposed" : "modified"),
                      e.string("penalty"), e.int("days"), e.string("effective"), e.string("reason"), .text(e.actor), .text(e.at), e.string("detail")])
            if let o = officer.text {
                try officerEvent(db, e, officer: o, kind: "discipline", category: e.values["penalty"]?.stringValue,
                                 detail: e.values["days"]?.integerValue.map { "\($0) days" }, at: e.at, ref: "case/\(id)#\(e.values["allegation_id"]?.stringValue ?? "")")
            }
        case "case.tolled":
            if e.values["action"]?.stringValue == "start" {
                try db.execute("INSERT INTO p_tolls (case_id, start_seq, start_date, reason) VALUES (?, ?, ?, ?)",
                               [.text(id), .integer(e.seq), e.string("date"), e.string("reason")])
            } else {
                try db.execute("UPDATE p_tolls SET end_date = ?, end_seq = ? WHERE case_id = ? AND end_date IS NULL", [e.string("date"), .integer(e.seq), .text(id)])
            }
        case "case.closed":
            try db.execute("UPDATE p_cases SET status = 'closed', closed_seq = ?, closed_at = ? WHERE case_id = ?", [.integer(e.seq), .text(e.at), .text(id)])
        case "case.reopened":
            try db.execute("UPDATE p_cases SET status = 'open', closed_seq = NULL, closed_at = NULL, reopened = reopened + 1 WHERE case_id = ?", [.text(id)])
        case "oversight.review.recorded":
            try db.execute("INSERT INTO p_reviews (seq, case_id, body, outcome, actor, at, allegation_id, recommendation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [.integer(e.seq), .text(id), e.string("body"), e.string("outcome"), .text(e.actor), .text(e.at),
                            e.string("allegation_id"), e.string("recommendation")])
        case "use_of_force.reported":
            try db.execute("""
                INSERT OR REPLACE INTO p_uof (report_id, seq, officer, incident_at, agency, municipality, force_types, subjects_count,
                    subjects_injured, great_bodily_injury, death, video_footage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(id), .integer(e.seq), e.string("officer"), e.string("incident_at"), e.string("agency"), e.string("municipality"),
                      .text(e.strings("force_types").joined(separator: ", ")), e.int("subjects_count"), e.int("subjects_injured"),
                      e.bool("great_bodily_injury"), e.bool("death"), e.bool("video_footage")])
            if let officer = e.values["officer"]?.stringValue {
                try officerEvent(db, e, officer: officer, kind: "use_of_force", category: e.strings("force_types").first,
                                 detail: e.strings("force_types").joined(separator: ", "), at: e.values["incident_at"]?.stringValue ?? e.at, ref: "uof/\(id)")
            }
        case "use_of_force.amended":
            try db.execute("""
                UPDATE p_uof SET officer = COALESCE(?, officer), incident_at = COALESCE(?, incident_at), agency = COALESCE(?, agency),
                    municipality = COALESCE(?, municipality), force_types = COALESCE(?, force_types), subjects_count = COALESCE(?, subjects_count),
                    subjects_injured = COALESCE(?, subjects_injured), great_bodily_injury = COALESCE(?, great_bodily_injury),
                    death = COALESCE(?, death), video_footage = COALESCE(?, video_footage) WHERE report_id = ?
                """, [e.string("officer"), e.string("incident_at"), e.string("agency"), e.string("municipality"),
                      e.values["force_types"] == nil ? .null : .text(e.strings("force_types").joined(separator: ", ")),
                      e.int("subjects_count"), e.int("subjects_injured"), e.bool("great_bodily_injury"), e.bool("death"),
                      e.bool("video_footage"), .text(id)])
        case "use_of_force.reviewed":
            try db.execute("UPDATE p_uof SET review_outcome = ?, review_seq = ?, reviewed_by = ?, case_id = COALESCE(?, case_id) WHERE report_id = ?",
                           [e.string("outcome"), .integer(e.seq), .text(e.actor), e.string("case_id"), .text(id)])
        case "bodycam.recording.captured":
            try db.execute("""
                INSERT OR REPLACE INTO p_recordings (evidence_id, seq, officer, device, start, stop, trigger, buffer_seconds, sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(id), .integer(e.seq), e.string("officer"), e.string("device"), e.string("start"), e.string("stop"),
                      e.string("trigger"), e.int("pre_event_buffer_seconds"), e.string("sha256")])
        case "bodycam.evidence.accessed":
            try db.execute("INSERT INTO p_bodycam_access (seq, evidence_id, user, action, purpose, case_id, recipient, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [.integer(e.seq), .text(id), e.string("user"), e.string("action"), e.string("purpose"), e.string("case_id"),
                            e.string("recipient"), .text(e.actor), .text(e.at)])
        case "bodycam.retention.changed":
            try db.execute("UPDATE p_recordings SET retention = ?, retain_until = ? WHERE evidence_id = ?", [e.string("category"), e.string("retain_until"), .text(id)])
        case "bodycam.evidence.deletion.requested", "bodycam.evidence.deleted":
            let deleted = e.type == "bodycam.evidence.deleted"
            try db.execute("""
                INSERT INTO p_bodycam_deletions (seq, evidence_id, kind, requested_by, authorised_by, authority, reason, actor, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(e.seq), .text(id), .text(deleted ? "deleted" : "requested"), e.string("requested_by"), e.string("authorised_by"),
                      e.string("authority"), e.string("reason"), .text(e.actor), .text(e.at)])
            if deleted {
                try db.execute("UPDATE p_recordings SET deleted_seq = ?, deleted_by = ?, deletion_authorised_by = ? WHERE evidence_id = ?",
                               [.integer(e.seq), .text(e.actor), e.string("authorised_by"), .text(id)])
            }
        case "record.sealed":
            try Sealing.project(e, db)
        default:
            break
        }
        if let source = e.values["source"] {
            func text(_ name: String) -> SQLValue { source[name]?.stringValue.map(SQLValue.text) ?? .null }
            try db.execute("INSERT OR REPLACE INTO p_imports (mapping, record, event, digest, file, row, seq, type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [text("mapping"), text("record"), text("event"), text("digest"), text("file"),
                            source["row"]?.integerValue.map(SQLValue.integer) ?? .null, .integer(e.seq), .text(e.type)])
        }
        if e.stream.hasPrefix("case/"), e.type.hasPrefix("case.") || e.type == "oversight.review.recorded" {
            try db.execute("INSERT OR REPLACE INTO p_timeline (case_id, seq, at, recorded, actor, type, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.text(id), .integer(e.seq), .text(e.at), .text(e.recorded), .text(e.actor), .text(e.type), .text(summary(e))])
            try db.execute("UPDATE p_cases SET last_seq = ?, last_at = ?, version = version + ? WHERE case_id = ?",
                           [.integer(e.seq), .text(e.at), .integer(e.type == "case.opened" ? 0 : 1), .text(id)])
        }
    }

    /// The line of a case's timeline that shows one of its complaints being received, from the complaint's row.
    static func timelineComplaint(caseID: String, complaint: String, _ db: any LedgerWriting) throws {
        if let row = try db.rows("SELECT seq, actor, received_at, channel FROM p_complaints WHERE complaint_id = ?", [.text(complaint)]).first {
            try db.execute("INSERT OR IGNORE INTO p_timeline (case_id, seq, at, recorded, actor, type, summary) VALUES (?, ?, ?, NULL, ?, 'complaint.received', ?)",
                           [.text(caseID), row[0], row[2], row[1], .text("complaint \(complaint) received (\(row[3].display ?? "channel not given"))")])
        }
    }

    static func officerEvent(_ db: any LedgerWriting, _ e: LedgerEvent, officer: String, kind: String, category: String?, detail: String?,
                             at: String, ref: String) throws {
        try db.execute("INSERT OR REPLACE INTO p_officer_events (seq, officer, kind, category, detail, at, ref) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [.integer(e.seq), .text(officer), .text(kind), category.map(SQLValue.text) ?? .null, detail.map(SQLValue.text) ?? .null,
                        .text(at), .text(ref)])
    }

    static func allegationLabel(_ v: JSONValue) -> String {
        [v["category"]?.stringValue, v["subcategory"]?.stringValue].compactMap { $0 }.joined(separator: " / ")
    }

    /// One line saying what the event did, for the case timeline.
    static func summary(_ e: LedgerEvent) -> String {
        func s(_ n: String) -> String { e.values[n]?.stringValue ?? "(not disclosed)" }
        switch e.type {
        case "case.opened":
            return "case opened from complaint\(e.strings("complaints").count == 1 ? "" : "s") \(e.strings("complaints").joined(separator: ", "))"
                + (e.values["unit"]?.stringValue.map { " in \($0)" } ?? "") + (e.values["discovery_date"]?.stringValue.map { ", discovered \($0)" } ?? "")
        case "case.assigned": return "assigned to \(s("investigator"))"
        case "case.allegation.added":
            let label = allegationLabel(.object(e.values.map { ($0.key, $0.value) }))
            return "allegation \(s("allegation_id")) added:\(label.isEmpty ? "" : " " + label) against officer \(s("officer"))"
        case "case.allegation.amended": return "allegation \(s("allegation_id")) amended"
        case "case.evidence.linked": return "evidence \(s("evidence_id")) (\(s("kind"))) linked, sha256 \(s("sha256").prefix(16))…"
        case "case.finding.recorded": return "finding recommended on \(s("allegation_id")): \(s("finding"))"
        case "case.finding.approved": return "finding approved on \(s("allegation_id")): \(s("finding"))"
        case "case.discipline.imposed":
            return "discipline on \(s("allegation_id")): \(s("penalty"))" + (e.values["days"]?.integerValue.map { " (\($0) days)" } ?? "")
        case "case.discipline.modified":
            return "discipline on \(s("allegation_id")) modified (\(s("reason"))): \(s("penalty"))" + (e.values["days"]?.integerValue.map { " (\($0) days)" } ?? "")
        case "case.tolled":
            return e.values["action"]?.stringValue == "start" ? "deadline tolled from \(s("date")): \(s("reason"))" : "tolling ended \(s("date"))"
        case "case.closed": return "case closed"
        case "case.reopened": return "case reopened"
        case "oversight.review.recorded":
            return "oversight review by \(e.values["body"]?.stringValue ?? e.actor)\(e.values["allegation_id"]?.stringValue.map { " of \($0)" } ?? ""): \(s("outcome"))"
                + (e.values["recommendation"]?.stringValue.map { " — \($0)" } ?? "")
        default: return e.type
        }
    }
}
