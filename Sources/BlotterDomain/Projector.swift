public import BlotterFormat
public import BlotterLog
/// Builds the projection tables from events, one at a time and in log order. The same code runs
/// inside every append's transaction and in `projections rebuild`, so the two cannot disagree.
///
/// What the rows hold is decided here; how they are kept is the store's business
/// (``ProjectionWriting``; the SQL tables are in BlotterSQL).
public enum Projector {
    /// The version of the tables' layout, kept with them (`p_layout`). Tables of an earlier layout are
    /// rebuilt from the log before they are read or written (``Ledger/upgradeProjections()``).
    /// 1: the first. 2: event times (`occurred_at`): the timeline's `signed`, allegations' `added_at`,
    /// `recommended_at` and `final_at`; every time in the views is the event's; the timeline's `legacy`.
    /// 3: the officer roster (`p_officers`, `p_officer_history`, `p_officer_links`).
    /// 4: the discipline recommended with a finding (`p_allegations.recommended_penalty`, `_days`, `_detail`).
    public static let layoutVersion: Int64 = 4

    /// Fields no projection reads (free text and identities of people other than officers and staff):
    /// a rebuild does not decode them. A test checks that rebuilt tables equal the incremental ones.
    static let unreadFields: Set<String> = [
        "narrative", "description", "rationale", "note", "summary", "complainant_name", "complainant_contact", "complainant_age",
        "complainant_juvenile", "witnesses", "subjects", "subject_injuries", "subject_medical_treatment", "location", "incident_location",
        "subject_actions", "location_type", "incident_type", "contact_origin", "officer_injury_type",
    ]

    /// Creates the tables (for a new ledger with a catalog, or before a rebuild).
    public static func install(_ db: any LedgerWriting) throws {
        try db.projectionWriter().installProjections()
    }

    /// Drops every projection table.
    public static func uninstall(_ db: any LedgerWriting) throws {
        try db.projectionWriter().uninstallProjections()
    }

    /// True if the ledger has the domain tables (its genesis carried a catalog).
    public static func isInstalled(_ db: any LedgerReading) throws -> Bool {
        try db.projections().projectionsInstalled()
    }

    /// Applies one event to the projection tables.
    public static func apply(_ e: LedgerEvent, _ writer: any LedgerWriting) throws {
        try apply(e, writer.projectionWriter())
    }

    static func apply(_ e: LedgerEvent, _ db: any ProjectionWriting) throws {
        let id = e.streamID
        switch e.type {
        case "ledger.created":
            if let catalog = e.values["catalog"] {
                try db.addCatalogChange(CatalogChange(seq: e.seq, type: "*", version: 0, json: String(decoding: try CanonicalJSON.encode(catalog), as: UTF8.self)))
            }
        case "schema.registered":
            guard let schema = e.values["schema"] else { return }
            try db.addCatalogChange(CatalogChange(seq: e.seq, type: e.string("event_type") ?? "", version: e.int("version") ?? 0,
                                                  json: String(decoding: try CanonicalJSON.encode(schema), as: UTF8.self)))
        case "complaint.received":
            let officers = e.strings("officers")
            try db.putComplaint(ComplaintRecord(
                complaintID: e.string("complaint_id") ?? id, seq: e.seq, actor: e.actor, receivedAt: e.string("received_at"),
                incidentAt: e.string("incident_at"), channel: e.string("channel"), precinct: e.string("precinct"),
                officers: officers.joined(separator: ","),
                allegations: (e.values["allegations"]?.arrayValue ?? []).map(allegationLabel).joined(separator: "; ")))
            for officer in officers {
                try officerEvent(db, e, officer: officer, kind: "complaint", category: nil, detail: e.string("complaint_id"),
                                 at: e.string("incident_at") ?? e.at, ref: "complaint/\(e.string("complaint_id") ?? id)")
            }
        case "case.opened":
            try db.openCase(CaseOpening(caseID: id, seq: e.seq, at: e.occurred, actor: e.actor, classification: e.string("classification"),
                                        unit: e.string("unit"), discoveryDate: e.string("discovery_date"), deadlineRule: e.string("deadline_rule")))
            for complaint in e.strings("complaints") {
                try db.linkComplaint(caseID: id, complaintID: complaint)
                try timelineComplaint(caseID: id, complaint: complaint, db)
            }
        case "case.assigned":
            try db.assignCase(caseID: id, investigator: e.string("investigator"))
        case "case.allegation.added":
            try db.putAllegation(caseID: id, AllegationRecord(allegationID: e.string("allegation_id") ?? "", officer: e.string("officer"),
                                                              category: e.string("category"), subcategory: e.string("subcategory"), addedSeq: e.seq,
                                                              addedAt: e.occurred))
            if let officer = e.string("officer") {
                try officerEvent(db, e, officer: officer, kind: "allegation", category: e.string("category"),
                                 detail: e.string("subcategory"), at: e.occurred, ref: "case/\(id)#\(e.string("allegation_id") ?? "")")
            }
        case "case.allegation.amended":
            try db.amendAllegation(caseID: id, allegationID: e.string("allegation_id") ?? "", officer: e.string("officer"),
                                   category: e.string("category"), subcategory: e.string("subcategory"), seq: e.seq)
        case "case.evidence.linked":
            try db.addEvidence(caseID: id, CaseView.Evidence(seq: e.seq, evidenceID: e.string("evidence_id"), kind: e.string("kind"),
                                                             reference: e.string("reference"), sha256: e.string("sha256"), actor: e.actor, at: e.occurred))
        case "case.finding.recorded", "case.finding.approved":
            try db.recordFinding(caseID: id, allegationID: e.string("allegation_id") ?? "", finding: e.string("finding"), by: e.actor,
                                 seq: e.seq, at: e.occurred, final: e.type == "case.finding.approved",
                                 discipline: RecommendedDiscipline(penalty: e.string("recommended_penalty"), days: e.int("recommended_days"),
                                                                   detail: e.string("recommended_detail")))
        case "case.discipline.imposed", "case.discipline.modified":
            let allegation = e.string("allegation_id") ?? ""
            let officer = try db.allegationState(caseID: id, allegationID: allegation)?.officer
            try db.addDiscipline(caseID: id, CaseView.Discipline(
                seq: e.seq, allegationID: allegation, officer: officer, action: e.type == "case.discipline.imposed" ? "imposed" : "modified",
                penalty: e.string("penalty"), days: e.int("days"), detail: e.string("detail"), effective: e.string("effective"),
                reason: e.string("reason"), actor: e.actor, at: e.occurred))
            if let officer {
                try officerEvent(db, e, officer: officer, kind: "discipline", category: e.string("penalty"),
                                 detail: e.int("days").map { "\($0) days" }, at: e.occurred, ref: "case/\(id)#\(allegation)")
            }
        case "case.tolled":
            if e.string("action") == "start" {
                try db.startToll(caseID: id, seq: e.seq, date: e.string("date"), reason: e.string("reason"))
            } else {
                try db.endToll(caseID: id, seq: e.seq, date: e.string("date"))
            }
        case "case.closed":
            try db.closeCase(caseID: id, seq: e.seq, at: e.occurred)
        case "case.reopened":
            try db.reopenCase(caseID: id)
        case "oversight.review.recorded":
            try db.addReview(caseID: id, CaseView.Review(seq: e.seq, body: e.string("body"), allegationID: e.string("allegation_id"),
                                                         outcome: e.string("outcome"), recommendation: e.string("recommendation"), actor: e.actor, at: e.occurred))
        case "use_of_force.reported":
            let force = e.strings("force_types")
            try db.putUseOfForce(UseOfForceRecord(
                reportID: id, seq: e.seq, officer: e.string("officer"), incidentAt: e.string("incident_at"), agency: e.string("agency"),
                municipality: e.string("municipality"), forceTypes: force.joined(separator: ", "), subjectsCount: e.int("subjects_count"),
                subjectsInjured: e.int("subjects_injured"), greatBodilyInjury: e.bool("great_bodily_injury"), death: e.bool("death"),
                videoFootage: e.bool("video_footage")))
            if let officer = e.string("officer") {
                try officerEvent(db, e, officer: officer, kind: "use_of_force", category: force.first,
                                 detail: force.joined(separator: ", "), at: e.string("incident_at") ?? e.at, ref: "uof/\(id)")
            }
        case "use_of_force.amended":
            try db.amendUseOfForce(UseOfForceRecord(
                reportID: id, seq: e.seq, officer: e.string("officer"), incidentAt: e.string("incident_at"), agency: e.string("agency"),
                municipality: e.string("municipality"), forceTypes: e.values["force_types"] == nil ? nil : e.strings("force_types").joined(separator: ", "),
                subjectsCount: e.int("subjects_count"), subjectsInjured: e.int("subjects_injured"),
                greatBodilyInjury: e.bool("great_bodily_injury"), death: e.bool("death"), videoFootage: e.bool("video_footage")))
        case "use_of_force.reviewed":
            try db.reviewUseOfForce(reportID: id, outcome: e.string("outcome"), seq: e.seq, by: e.actor, caseID: e.string("case_id"))
        case "bodycam.recording.captured":
            try db.putRecording(RecordingRecord(evidenceID: id, seq: e.seq, officer: e.string("officer"), device: e.string("device"),
                                                start: e.string("start"), stop: e.string("stop"), trigger: e.string("trigger"),
                                                bufferSeconds: e.int("pre_event_buffer_seconds"), sha256: e.string("sha256")))
        case "bodycam.evidence.accessed":
            try db.addBodycamAccess(evidenceID: id, CustodyView.Access(seq: e.seq, user: e.string("user"), action: e.string("action"),
                                                                     purpose: e.string("purpose"), caseID: e.string("case_id"),
                                                                     recipient: e.string("recipient"), actor: e.actor, at: e.occurred))
        case "bodycam.retention.changed":
            try db.changeRetention(evidenceID: id, category: e.string("category"), retainUntil: e.string("retain_until"))
        case "bodycam.evidence.deletion.requested", "bodycam.evidence.deleted":
            let deleted = e.type == "bodycam.evidence.deleted"
            try db.addBodycamDeletion(evidenceID: id, CustodyView.Deletion(
                seq: e.seq, kind: deleted ? "deleted" : "requested", requestedBy: e.string("requested_by"), authorisedBy: e.string("authorised_by"),
                authority: e.string("authority"), reason: e.string("reason"), actor: e.actor, at: e.occurred))
            if deleted {
                try db.markRecordingDeleted(evidenceID: id, seq: e.seq, by: e.actor, authorisedBy: e.string("authorised_by"))
            }
        case "officer.registered", "officer.updated":
            let record = OfficerView.Roster(officerID: id, seq: e.seq, name: e.string("name"), birthYear: e.int("birth_year"), star: e.string("star"),
                                            unit: e.string("unit"), rank: e.string("rank"), appointed: e.string("appointed"),
                                            separated: e.string("separated"), updatedSeq: nil)
            if e.type == "officer.registered" { try db.putRosterOfficer(record) } else { try db.updateRosterOfficer(record) }
            let effective = e.string("effective") ?? String(e.occurred.prefix(10))
            for field in rosterFields {
                guard let value = e.values[field], let text = value.stringValue ?? value.integerValue.map(String.init) else { continue }
                try db.addRosterChange(officerID: id, OfficerView.Change(seq: e.seq, field: field, value: text, effective: effective))
            }
        case "officer.linked", "officer.unlinked":
            let alias = e.string("alias") ?? ""
            if e.type == "officer.linked" {
                try db.putOfficerLink(alias: alias, officerID: id, system: e.string("system"), basis: e.string("basis"), seq: e.seq)
            } else {
                try db.deleteOfficerLink(alias: alias)
            }
            try db.addRosterChange(officerID: id, OfficerView.Change(seq: e.seq, field: e.type == "officer.linked" ? "linked" : "unlinked", value: alias,
                                                                     effective: String(e.occurred.prefix(10))))
        case "record.sealed":
            try Sealing.project(e, db)
        default:
            break
        }
        if let source = e.values["source"] {
            try db.putImport(ImportRecord(mapping: source["mapping"]?.stringValue, record: source["record"]?.stringValue,
                                          event: source["event"]?.stringValue, digest: source["digest"]?.stringValue,
                                          file: source["file"]?.stringValue, row: source["row"]?.integerValue, seq: e.seq, type: e.type))
        }
        if e.stream.hasPrefix("case/"), e.type.hasPrefix("case.") || e.type == "oversight.review.recorded" {
            let legacy = e.strings("legacy")
            try db.putTimeline(caseID: id, CaseView.TimelineLine(seq: e.seq, at: e.occurred, signed: e.at, recorded: e.recorded, actor: e.actor,
                                                                 type: e.type, summary: summary(e),
                                                                 legacy: legacy.isEmpty ? nil : legacy.joined(separator: ", ")), replace: true)
            try db.touchCase(caseID: id, seq: e.seq, at: e.occurred, counts: e.type != "case.opened")
        }
    }

    /// The fields of a roster record, each kept with its history.
    static let rosterFields = ["name", "birth_year", "star", "unit", "rank", "appointed", "separated"]

    /// The line of a case's timeline that shows one of its complaints being received, from the complaint's row.
    static func timelineComplaint(caseID: String, complaint: String, _ db: any ProjectionWriting) throws {
        if let c = try db.complaint(complaint) {
            try db.putTimeline(caseID: caseID, CaseView.TimelineLine(
                seq: c.seq, at: c.receivedAt, signed: nil, recorded: nil, actor: c.actor, type: "complaint.received",
                summary: "complaint \(complaint) received (\(c.channel ?? "channel not given"))", legacy: nil), replace: false)
        }
    }

    static func officerEvent(_ db: any ProjectionWriting, _ e: LedgerEvent, officer: String, kind: String, category: String?, detail: String?,
                             at: String, ref: String) throws {
        try db.putOfficerEvent(OfficerEventRecord(seq: e.seq, officer: officer, kind: kind, category: category, detail: detail, at: at, ref: ref))
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
        case "case.finding.recorded":
            let penalty = e.string("recommended_penalty").map { p in e.int("recommended_days").map { "\(p) \($0) days" } ?? p }
            let recommended = e.string("recommended_detail").map { d in penalty.map { "\($0) (\(d))" } ?? d } ?? penalty
            return "finding recommended on \(s("allegation_id")): \(s("finding"))" + (recommended.map { ", with \($0)" } ?? "")
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
