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

    /// The statement field each rule is about, for a report that names what caused a refusal
    /// (`blotter import` names the source column mapped to it in its rejects): "" for the
    /// statement's stream id (the field the catalog's stream pattern names, e.g. `case_id`). A rule
    /// about the record as a whole (closing a case whose allegations lack findings) is not here.
    public static let ruleFields: [String: String] = [
        "stream": "", "event-time-after-signing": "occurred_at", "source-importer-only": "source", "legacy-importer-only": "legacy",
        "legacy-not-broken": "legacy", "officer-key-binding": "officer", "officer-own-report": "officer",
        "case-must-exist": "", "case-must-be-open": "", "complaint-once": "", "case-opened-once": "", "reopen-needs-closed": "",
        "case-needs-complaints": "complaints", "allegation-must-exist": "allegation_id", "allegation-id-unique": "allegation_id",
        "approve-needs-recommendation": "allegation_id", "discipline-needs-sustained": "allegation_id", "discipline-once": "allegation_id",
        "modify-needs-discipline": "allegation_id", "toll-already-open": "action", "toll-not-open": "action", "toll-end-before-start": "date",
        "report-once": "", "amend-needs-report": "", "review-needs-report": "", "recording-once": "", "delete-needs-recording": "", "delete-once": "",
        "officer-registered-once": "", "roster-id-not-alias": "", "officer-must-exist": "",
        "link-alias-not-roster-id": "alias", "link-once": "alias", "link-alias-unique": "alias", "unlink-needs-link": "alias",
    ]

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

    /// `event-time-after-signing`: a statement may say a past event happened on a past date
    /// (`occurred_at`), never that it happened after the statement was signed (`at`): that would be a
    /// record made before the event. Both are RFC 3339 UTC, so their instants are compared.
    static func checkEventTime(_ e: LedgerEvent) throws {
        guard let text = e.string("occurred_at"), let occurred = Timestamp(rfc3339: text, precision: .secondsOrMilliseconds),
              let signed = Timestamp(rfc3339: e.at, precision: .secondsOrMilliseconds), occurred > signed else { return }
        throw refuse("event-time-after-signing", "occurred_at \(text) is later than the statement's time \(e.at): an event is recorded when or after it happens, not before")
    }

    /// The types an officer files about their own conduct: with an officer's key, they must be about
    /// the officer that key belongs to.
    static let officersOwnTypes: Set<String> = ["use_of_force.reported", "use_of_force.amended", "bodycam.marker.added"]
    /// Roles whose holders make those statements about others, as themselves.
    static let actsForOthers: Set<String> = ["supervisor", "importer", "evidence-system"]

    /// Who may say what about whom, from the signing key as the log proves it:
    /// - `officer-key-binding`: a key given the officer role names the officer it belongs to.
    /// - `officer-own-report`: with an officer's key (one holding none of ``actsForOthers``), a use-of-force
    ///   report, its amendment or a body-camera marker is about that key's officer (the report names
    ///   them; the amended report, the marked recording are theirs), by the officer's id or an id
    ///   linked to the same roster officer (`officer.linked`). A supervisor's amendment is the
    ///   supervisor's own statement, signed and recorded as theirs.
    /// - `source-importer-only`: only a key with the importer role commits a `source` (provenance) field.
    static func checkIdentity(_ e: LedgerEvent, statement: Statement, signer: KeyRecord, _ reader: any LedgerReading) throws {
        if statement.fields["source"] != nil, !signer.roles.contains("importer") {
            throw refuse("source-importer-only", "\(e.actor) has roles [\(signer.roles.joined(separator: ", "))]; only the importer writes the provenance field source")
        }
        if statement.fields["legacy"] != nil, !signer.roles.contains("importer") {
            throw refuse("legacy-importer-only", "\(e.actor) has roles [\(signer.roles.joined(separator: ", "))]; only the importer records history that breaks today's rules (field legacy); today's workflow keeps every rule")
        }
        if e.type == "key.registered", e.strings("roles").contains("officer"), e.values["officer"] == nil {
            throw refuse("officer-key-binding", "a key with the officer role names the officer it belongs to (field officer, e.g. --officer P-1007): that officer's own reports are checked against it")
        }
        guard officersOwnTypes.contains(e.type), signer.roles.contains("officer") else { return }
        guard signer.roles.allSatisfy({ !actsForOthers.contains($0) }) else { return }
        guard let own = signer.officer else {
            throw refuse("officer-key-binding", "key \(signer.keyID) of \(e.actor) has the officer role but names no officer (it was registered before keys carried officer ids); register a new key with --officer")
        }
        let db = try reader.projections()
        let id = e.streamID
        var named: [(what: String, officer: String?)] = []
        switch e.type {
        case "use_of_force.reported":
            named.append(("the report names officer", e.string("officer")))
        case "use_of_force.amended":
            named.append(("report \(id) is about officer", try db.useOfForceOfficer(id)))
            if e.values["officer"] != nil { named.append(("the amendment names officer", e.string("officer"))) }
        default:
            named.append(("recording \(e.string("evidence_id") ?? id) is officer", try db.recordingOfficer(e.string("evidence_id") ?? id)))
        }
        // One officer through the roster's signed links: the key's officer id and the one the record
        // names are the same officer if they resolve to the same roster id (an alias to its officer).
        func identity(_ id: String) throws -> String { try db.officerLink(alias: id)?.officerID ?? id }
        let ownIdentity = try identity(own)
        for (what, officer) in named where try officer.map(identity) != ownIdentity {
            throw refuse("officer-own-report", "\(e.actor)'s key belongs to officer \(own), but \(what) \(officer ?? "(none)")\(e.type == "bodycam.marker.added" ? "'s" : ""): an officer files only about their own conduct")
        }
    }

    /// The rules a historical import may record as broken (field `legacy`): what today's workflow
    /// requires of a record's order and completeness, which older systems did not. Rules that keep
    /// identities and the views whole (a case exists, an id is used once) are never waived.
    public static let legacyRules: [String] = [
        "case-must-be-open", "approve-needs-recommendation", "discipline-needs-sustained", "close-needs-allegations",
        "close-needs-final-findings", "close-needs-discipline",
    ]

    public static func check(_ e: LedgerEvent, _ reader: any LedgerReading) throws {
        try checkEventTime(e)
        let db = try reader.projections()
        let id = e.streamID
        // A legacy record names the rules of today it breaks; each is waived for it, and must be broken.
        let marked = Set(e.strings("legacy")).intersection(legacyRules)
        var broken: Set<String> = []
        func violated(_ rule: String, _ message: String) throws {
            guard marked.contains(rule) else { throw refuse(rule, message) }
            broken.insert(rule)
        }
        try checkLifecycle(e, reader, db, id, violated)
        let unbroken = marked.subtracting(broken)
        if !unbroken.isEmpty {
            throw refuse("legacy-not-broken", "the statement marks \(unbroken.sorted().joined(separator: ", ")) as broken by legacy history, but it keeps \(unbroken.count == 1 ? "that rule" : "those rules"): mark only the rules a record breaks")
        }
    }

    static func checkLifecycle(_ e: LedgerEvent, _ reader: any LedgerReading, _ db: any ProjectionReading, _ id: String,
                               _ violated: (String, String) throws -> Void) throws {
        // The first event of its stream: nothing was ever recorded in it, and the rows a record's
        // look-up reads (a complaint, a case, a report, a recording, a roster entry) are made only by
        // events of the record's own stream, so there is none to find. The look-up is skipped (on
        // PostgreSQL each one is a round trip that first waits for every write sent before it).
        let firstInStream = e.streamVersion == 1
        func caseState() throws -> CaseState? { firstInStream ? nil : try db.caseState(id) }
        func openCase() throws {
            guard let state = try caseState() else { throw refuse("case-must-exist", "case \(id) has not been opened") }
            if state.status == "closed" {
                try violated("case-must-be-open", "case \(id) was closed at entry \(state.closedSeq.map(String.init) ?? "?"); \(e.type) needs an open case (reopen it first)")
            }
        }
        func allegation(_ name: String = "allegation_id") throws -> AllegationState {
            let a = e.string(name) ?? ""
            guard let state = try db.allegationState(caseID: id, allegationID: a) else {
                throw refuse("allegation-must-exist", "case \(id) has no allegation \(a)")
            }
            return state
        }
        switch e.type {
        case "complaint.received":
            if !firstInStream, let prior = try db.complaint(id) {
                throw refuse("complaint-once", "complaint \(id) was already received at entry \(prior.seq); correct it in the case instead")
            }
        case "case.opened":
            if let prior = try caseState() {
                throw refuse("case-opened-once", "case \(id) was already opened at entry \(prior.openedSeq)")
            }
            let complaints = e.strings("complaints")
            let missing = try complaints.filter { try db.complaint($0) == nil }
            if !missing.isEmpty {
                throw refuse("case-needs-complaints", "case \(id) is opened from complaint\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")), which \(missing.count == 1 ? "has" : "have") not been received")
            }
        case "case.assigned", "case.evidence.linked":
            try openCase()
        case "case.allegation.added":
            try openCase()
            let a = e.string("allegation_id") ?? ""
            if try db.allegationState(caseID: id, allegationID: a) != nil {
                throw refuse("allegation-id-unique", "case \(id) already has an allegation \(a); amend it instead")
            }
        case "case.allegation.amended", "case.finding.recorded":
            try openCase()
            _ = try allegation()
        case "case.finding.approved":
            try openCase()
            if try allegation().recommended == nil {
                try violated("approve-needs-recommendation", "allegation \(e.string("allegation_id") ?? "") of case \(id) has no recommended finding to approve")
            }
        case "case.discipline.imposed":
            try openCase()
            let state = try allegation()
            let a = e.string("allegation_id") ?? ""
            if state.final != "sustained" {
                try violated("discipline-needs-sustained", "allegation \(a) of case \(id) has final finding \(state.final ?? "none yet"); discipline is only for sustained allegations")
            }
            if let prior = try db.firstDiscipline(caseID: id, allegationID: a) {
                throw refuse("discipline-once", "allegation \(a) of case \(id) already has discipline (entry \(prior)); use case.discipline.modified")
            }
        case "case.discipline.modified":
            guard try caseState() != nil else { throw refuse("case-must-exist", "case \(id) has not been opened") }
            _ = try allegation()
            let a = e.string("allegation_id") ?? ""
            if try db.firstDiscipline(caseID: id, allegationID: a) == nil {
                throw refuse("modify-needs-discipline", "allegation \(a) of case \(id) has no discipline to modify")
            }
        case "case.tolled":
            try openCase()
            let open = try db.openTollStart(caseID: id)
            if e.string("action") == "start" {
                if let open { throw refuse("toll-already-open", "case \(id) is already tolled since \(open); end that period first") }
            } else {
                guard let open else { throw refuse("toll-not-open", "case \(id) is not tolled; there is no period to end") }
                if let end = e.string("date"), end < open {
                    throw refuse("toll-end-before-start", "tolling of case \(id) started \(open); it cannot end \(end)")
                }
            }
        case "case.closed":
            try openCase()
            let allegations = try db.allegationsForClosing(caseID: id)
            if allegations.isEmpty { try violated("close-needs-allegations", "case \(id) has no allegations; record at least one (with its finding) before closing") }
            let noFinal = allegations.filter { $0.final == nil }.map(\.allegationID)
            if !noFinal.isEmpty {
                try violated("close-needs-final-findings", "case \(id) cannot close: allegation\(noFinal.count == 1 ? "" : "s") \(noFinal.joined(separator: ", ")) \(noFinal.count == 1 ? "has" : "have") no final (approved) finding")
            }
            let noDiscipline = allegations.filter { $0.final == "sustained" && !$0.disciplined }.map(\.allegationID)
            if !noDiscipline.isEmpty {
                try violated("close-needs-discipline", "case \(id) cannot close: sustained allegation\(noDiscipline.count == 1 ? "" : "s") \(noDiscipline.joined(separator: ", ")) \(noDiscipline.count == 1 ? "has" : "have") no discipline decision")
            }
        case "case.reopened":
            guard let state = try caseState() else { throw refuse("case-must-exist", "case \(id) has not been opened") }
            if state.status != "closed" { throw refuse("reopen-needs-closed", "case \(id) is open; only a closed case can be reopened") }
        case "oversight.review.recorded":
            guard try caseState() != nil else { throw refuse("case-must-exist", "case \(id) has not been opened") }
        case "use_of_force.reported":
            if !firstInStream, let prior = try db.useOfForceSeq(id) {
                throw refuse("report-once", "use-of-force report \(id) was already filed at entry \(prior)")
            }
        case "use_of_force.reviewed", "use_of_force.amended":
            if try db.useOfForceSeq(id) == nil {
                let amend = e.type == "use_of_force.amended"
                throw refuse(amend ? "amend-needs-report" : "review-needs-report", "there is no use-of-force report \(id) to \(amend ? "amend" : "review")")
            }
        case "bodycam.recording.captured":
            if !firstInStream, let prior = try db.recordingState(id) {
                throw refuse("recording-once", "recording \(id) was already captured at entry \(prior.seq)")
            }
        case "bodycam.evidence.deleted":
            guard let state = try db.recordingState(id) else {
                throw refuse("delete-needs-recording", "there is no recording \(id) to delete")
            }
            if let deleted = state.deletedSeq { throw refuse("delete-once", "recording \(id) was already deleted at entry \(deleted)") }
        case "officer.registered":
            if !firstInStream, let prior = try db.rosterSeq(id) {
                throw refuse("officer-registered-once", "officer \(id) is already on the roster (entry \(prior)); change the record with officer.updated")
            }
            if let link = try db.officerLink(alias: id) {
                throw refuse("roster-id-not-alias", "\(id) is linked to officer \(link.officerID) as an alias (entry \(link.seq)); one id names one officer: unlink it first, or register the officer under another id")
            }
        case "officer.updated", "officer.linked", "officer.unlinked":
            guard try db.rosterSeq(id) != nil else {
                throw refuse("officer-must-exist", "officer \(id) is not on the roster; register the officer first (officer.registered)")
            }
            let alias = e.string("alias") ?? ""
            let link = try db.officerLink(alias: alias)
            if e.type == "officer.linked" {
                if let roster = try db.rosterSeq(alias) {
                    throw refuse("link-alias-not-roster-id", "\(alias) is itself on the roster (entry \(roster)); a link names the id another source uses, not a second roster record")
                }
                if let link {
                    throw link.officerID == id
                        ? refuse("link-once", "\(alias) is already linked to officer \(id) (entry \(link.seq))")
                        : refuse("link-alias-unique", "\(alias) is already linked to officer \(link.officerID) (entry \(link.seq)); one id names one officer: unlink it first if that link is wrong")
                }
            } else if e.type == "officer.unlinked", link?.officerID != id {
                throw refuse("unlink-needs-link", "\(alias) is not linked to officer \(id)" + (link.map { " (it is linked to officer \($0.officerID), entry \($0.seq))" } ?? ""))
            }
        case "record.sealed":
            try Sealing.check(e, reader)
        default:
            break
        }
    }
}
