public import BlotterFormat
public import BlotterLog
/// The lifecycle rules of complaints, cases, use-of-force reports and recordings, checked at append
/// against the projections (which hold every earlier entry, including earlier ones of the same batch).
///
/// Each refusal is a ``BlotterError`` with code `.lifecycle`, the rule's name in `rule`, and a
/// message saying what is missing.
public enum CaseRules {
    static func refuse(_ rule: String, _ message: String) -> BlotterError {
        BlotterError(.lifecycle, "rule \(rule): \(message)", rule: rule)
    }

    /// Checks that the stream follows the catalog's pattern, e.g. `case/{case_id}`: with the field
    /// present the stream must be exactly that; without it, the stream must have the prefix.
    public static func checkStream(_ e: LedgerEvent, pattern: String) throws {
        let (prefix, parsedField) = EventCatalog.streamParts(pattern)
        guard let field = parsedField else {
            guard e.stream == pattern else { throw refuse("stream", "\(e.type) belongs in stream \(pattern), not \(e.stream)") }
            return
        }
        if let value = e.values[field]?.stringValue {
            guard e.stream == prefix + value else {
                throw refuse("stream", "\(e.type) with \(field) \(value) belongs in stream \(prefix)\(value), not \(e.stream)")
            }
        } else if !e.stream.hasPrefix(prefix) || e.stream.count == prefix.count {
            throw refuse("stream", "\(e.type) belongs in a stream \(pattern), not \(e.stream)")
        }
    }

    public static func check(_ e: LedgerEvent, _ db: any LedgerReading) throws {
        let id = e.streamID
        func caseRow() throws -> [SQLValue]? {
            try db.rows("SELECT status, closed_seq FROM p_cases WHERE case_id = ?", [.text(id)]).first
        }
        func openCase() throws {
            guard let row = try caseRow() else { throw refuse("case-must-exist", "case \(id) has not been opened") }
            if row[0].text == "closed" {
                throw refuse("case-must-be-open", "case \(id) was closed at entry \(row[1].display ?? "?"); \(e.type) needs an open case (reopen it first)")
            }
        }
        func allegation(_ name: String = "allegation_id") throws -> [SQLValue] {
            let a = e.values[name]?.stringValue ?? ""
            guard let row = try db.rows("SELECT recommended, final, officer FROM p_allegations WHERE case_id = ? AND allegation_id = ?",
                                        [.text(id), .text(a)]).first else {
                throw refuse("allegation-must-exist", "case \(id) has no allegation \(a)")
            }
            return row
        }
        switch e.type {
        case "complaint.received":
            if let row = try db.rows("SELECT seq FROM p_complaints WHERE complaint_id = ?", [.text(id)]).first {
                throw refuse("complaint-once", "complaint \(id) was already received at entry \(row[0].display ?? "?"); correct it in the case instead")
            }
        case "case.opened":
            if let row = try db.rows("SELECT opened_seq FROM p_cases WHERE case_id = ?", [.text(id)]).first {
                throw refuse("case-opened-once", "case \(id) was already opened at entry \(row[0].display ?? "?")")
            }
            let complaints = e.strings("complaints")
            let missing = try complaints.filter { try db.rows("SELECT 1 FROM p_complaints WHERE complaint_id = ?", [.text($0)]).isEmpty }
            if !missing.isEmpty {
                throw refuse("case-needs-complaints", "case \(id) is opened from complaint\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")), which \(missing.count == 1 ? "has" : "have") not been received")
            }
        case "case.assigned", "case.evidence.linked":
            try openCase()
        case "case.allegation.added":
            try openCase()
            let a = e.values["allegation_id"]?.stringValue ?? ""
            if !(try db.rows("SELECT 1 FROM p_allegations WHERE case_id = ? AND allegation_id = ?", [.text(id), .text(a)]).isEmpty) {
                throw refuse("allegation-id-unique", "case \(id) already has an allegation \(a); amend it instead")
            }
        case "case.allegation.amended":
            try openCase()
            _ = try allegation()
        case "case.finding.recorded":
            try openCase()
            _ = try allegation()
        case "case.finding.approved":
            try openCase()
            let row = try allegation()
            if row[0] == .null {
                throw refuse("approve-needs-recommendation", "allegation \(e.values["allegation_id"]?.stringValue ?? "") of case \(id) has no recommended finding to approve")
            }
        case "case.discipline.imposed":
            try openCase()
            let row = try allegation()
            let a = e.values["allegation_id"]?.stringValue ?? ""
            guard row[1].text == "sustained" else {
                throw refuse("discipline-needs-sustained", "allegation \(a) of case \(id) has final finding \(row[1].text ?? "none yet"); discipline is only for sustained allegations")
            }
            if let prior = try db.rows("SELECT seq FROM p_discipline WHERE case_id = ? AND allegation_id = ? LIMIT 1", [.text(id), .text(a)]).first {
                throw refuse("discipline-once", "allegation \(a) of case \(id) already has discipline (entry \(prior[0].display ?? "?")); use case.discipline.modified")
            }
        case "case.discipline.modified":
            guard try caseRow() != nil else { throw refuse("case-must-exist", "case \(id) has not been opened") }
            _ = try allegation()
            let a = e.values["allegation_id"]?.stringValue ?? ""
            if try db.rows("SELECT 1 FROM p_discipline WHERE case_id = ? AND allegation_id = ? LIMIT 1", [.text(id), .text(a)]).isEmpty {
                throw refuse("modify-needs-discipline", "allegation \(a) of case \(id) has no discipline to modify")
            }
        case "case.tolled":
            try openCase()
            let open = try db.rows("SELECT start_date FROM p_tolls WHERE case_id = ? AND end_date IS NULL", [.text(id)]).first
            if e.values["action"]?.stringValue == "start" {
                if let open { throw refuse("toll-already-open", "case \(id) is already tolled since \(open[0].display ?? "?"); end that period first") }
            } else {
                guard let open else { throw refuse("toll-not-open", "case \(id) is not tolled; there is no period to end") }
                if let start = open[0].text, let end = e.values["date"]?.stringValue, end < start {
                    throw refuse("toll-end-before-start", "tolling of case \(id) started \(start); it cannot end \(end)")
                }
            }
        case "case.closed":
            try openCase()
            let rows = try db.rows("""
                SELECT a.allegation_id, a.final, (SELECT COUNT(*) FROM p_discipline d WHERE d.case_id = a.case_id AND d.allegation_id = a.allegation_id)
                FROM p_allegations a WHERE a.case_id = ? ORDER BY a.allegation_id
                """, [.text(id)])
            if rows.isEmpty { throw refuse("close-needs-allegations", "case \(id) has no allegations; record at least one (with its finding) before closing") }
            let noFinal = rows.filter { $0[1] == .null }.compactMap { $0[0].text }
            if !noFinal.isEmpty {
                throw refuse("close-needs-final-findings", "case \(id) cannot close: allegation\(noFinal.count == 1 ? "" : "s") \(noFinal.joined(separator: ", ")) \(noFinal.count == 1 ? "has" : "have") no final (approved) finding")
            }
            let noDiscipline = rows.filter { $0[1].text == "sustained" && $0[2].integer == 0 }.compactMap { $0[0].text }
            if !noDiscipline.isEmpty {
                throw refuse("close-needs-discipline", "case \(id) cannot close: sustained allegation\(noDiscipline.count == 1 ? "" : "s") \(noDiscipline.joined(separator: ", ")) \(noDiscipline.count == 1 ? "has" : "have") no discipline decision")
            }
        case "case.reopened":
            guard let row = try caseRow() else { throw refuse("case-must-exist", "case \(id) has not been opened") }
            if row[0].text != "closed" { throw refuse("reopen-needs-closed", "case \(id) is open; only a closed case can be reopened") }
        case "oversight.review.recorded":
            guard try caseRow() != nil else { throw refuse("case-must-exist", "case \(id) has not been opened") }
        case "use_of_force.reported":
            if let row = try db.rows("SELECT seq FROM p_uof WHERE report_id = ?", [.text(id)]).first {
                throw refuse("report-once", "use-of-force report \(id) was already filed at entry \(row[0].display ?? "?")")
            }
        case "use_of_force.reviewed", "use_of_force.amended":
            if try db.rows("SELECT 1 FROM p_uof WHERE report_id = ?", [.text(id)]).isEmpty {
                let amend = e.type == "use_of_force.amended"
                throw refuse(amend ? "amend-needs-report" : "review-needs-report", "there is no use-of-force report \(id) to \(amend ? "amend" : "review")")
            }
        case "bodycam.recording.captured":
            if let row = try db.rows("SELECT seq FROM p_recordings WHERE evidence_id = ?", [.text(id)]).first {
                throw refuse("recording-once", "recording \(id) was already captured at entry \(row[0].display ?? "?")")
            }
        case "bodycam.evidence.deleted":
            guard let row = try db.rows("SELECT deleted_seq FROM p_recordings WHERE evidence_id = ?", [.text(id)]).first else {
                throw refuse("delete-needs-recording", "there is no recording \(id) to delete")
            }
            if row[0] != .null { throw refuse("delete-once", "recording \(id) was already deleted at entry \(row[0].display ?? "?")") }
        case "record.sealed":
            try Sealing.check(e, db)
        default:
            break
        }
    }
}
