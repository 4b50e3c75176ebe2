public import BlotterFormat
public import BlotterLog

// How the domain reaches its tables (the catalog's history and the projections): typed reads and
// writes that each store implements, so no SQL is written in this layer. The stores share one
// implementation in SQL (BlotterSQL, docs/ARCHITECTURE.md); a store with another kind of storage
// would implement these protocols itself. The projector decides *what* a row holds; the store decides
// how it is kept.

/// The domain's tables, read inside a store's transaction (``LedgerStore/read(_:)`` or `write`).
public protocol ProjectionReading {
    /// True if the store holds the domain's tables (the ledger's genesis carried a catalog).
    func projectionsInstalled() throws -> Bool
    /// The layout version of the installed tables (1 for tables made before layouts were numbered).
    func projectionsLayout() throws -> Int64
    /// The seq of the latest catalog change (genesis catalog or `schema.registered`), nil for none.
    func latestCatalogChange() throws -> Int64?
    /// Every catalog change, in log order.
    func catalogChanges() throws -> [CatalogChange]

    // What the lifecycle rules and the projector look up.
    func complaint(_ complaintID: String) throws -> ComplaintRecord?
    func caseState(_ caseID: String) throws -> CaseState?
    func allegationState(caseID: String, allegationID: String) throws -> AllegationState?
    /// The first discipline entry of an allegation, nil if it has none.
    func firstDiscipline(caseID: String, allegationID: String) throws -> Int64?
    /// The start date of the case's tolling period that has not ended, nil if none is open.
    func openTollStart(caseID: String) throws -> String?
    /// Every allegation of a case with its final finding and whether it has discipline, by allegation id.
    func allegationsForClosing(caseID: String) throws -> [ClosingAllegation]
    /// The entry that filed a use-of-force report, nil if none did.
    func useOfForceSeq(_ reportID: String) throws -> Int64?
    func recordingState(_ evidenceID: String) throws -> RecordingState?
    /// The officer a use-of-force report names (nil: no such report, or it names none).
    func useOfForceOfficer(_ reportID: String) throws -> String?
    /// The officer whose camera made a recording (nil: no such recording, or none known).
    func recordingOfficer(_ evidenceID: String) throws -> String?
    /// The entry that put an officer on the roster, nil if none did.
    func rosterSeq(_ officerID: String) throws -> Int64?
    /// The roster officer an id is linked to as an alias (the link in force), nil if it is linked to none.
    func officerLink(alias: String) throws -> OfficerLinkState?
    /// The cases opened from a complaint.
    func cases(ofComplaint complaintID: String) throws -> [String]
    /// What earlier imports stored for these records of a mapping (every event of each), in one look-up
    /// for a batch of rows.
    func imported(mapping: String, records: [String]) throws -> [ImportRecord]
    /// Sealed fields (`*` for a whole entry) of entries before `size`.
    func sealedFields(before size: Int64) throws -> [(seq: Int64, field: String)]

    // The rows of the case view.
    /// Asks, ahead, for every part of a case file that the calls below will read (``Views/caseView(_:)``
    /// makes them one after another): a store that answers over the network sends them together, so
    /// the view waits for its answers once, not once a query. A hint only: each call below still reads.
    func prefetchCaseFile(_ caseID: String) throws
    func caseSummary(_ caseID: String) throws -> CaseView.Summary?
    func caseComplaints(_ caseID: String) throws -> [CaseView.Complaint]
    func caseAllegations(_ caseID: String) throws -> [CaseView.Allegation]
    func caseEvidence(_ caseID: String) throws -> [CaseView.Evidence]
    func caseDiscipline(_ caseID: String) throws -> [CaseView.Discipline]
    func caseTolls(_ caseID: String) throws -> [CaseView.Toll]
    func caseReviews(_ caseID: String) throws -> [CaseView.Review]
    func caseTimeline(_ caseID: String) throws -> [CaseView.TimelineLine]
    func caseSealed(_ caseID: String) throws -> [CaseView.SealedField]
    /// The earliest incident time of the case's complaints.
    func earliestIncident(caseID: String) throws -> String?

    // Queues.
    func caseRows(status: String?, investigator: String?) throws -> [QueueView.Row]
    func caseCountsByStatus() throws -> [QueueView.StatusCount]
    func openCasesByInvestigator() throws -> [QueueView.InvestigatorCount]

    // Officer histories. `ids` are every id of one officer: the roster id and the aliases linked to it.
    func officerComplaints(_ ids: [String]) throws -> [OfficerView.Complaint]
    func officerAllegations(_ ids: [String]) throws -> [OfficerView.Allegation]
    func officerUseOfForce(_ ids: [String]) throws -> [OfficerView.UseOfForce]
    func officerDiscipline(_ ids: [String]) throws -> [OfficerView.Discipline]
    /// An officer's events of one kind by time; for allegations, optionally only those with this final finding.
    func officerEvents(_ ids: [String], kind: String, finalFinding: String?) throws -> [OfficerView.Event]
    /// How many events of `kind` at or after `since` each officer has (the counts only, any order), an
    /// alias's events counted with the roster officer it is linked to.
    func officerEventCounts(kind: String, since: String) throws -> [Int64]
    /// An officer's roster record, nil if the id is not on the roster.
    func rosterRecord(_ officerID: String) throws -> OfficerView.Roster?
    /// The changes of an officer's roster record, links included, in log order.
    func rosterHistory(_ officerID: String) throws -> [OfficerView.Change]
    /// The aliases linked to a roster officer now, in log order.
    func officerAliases(_ officerID: String) throws -> [OfficerView.Identity]

    // Body cameras.
    func useOfForceReports() throws -> [BodycamComplianceView.Report]
    /// An officer's recordings that start by `startingBy` and stop at or after `stoppingAfter`.
    func recordings(officer: String, startingBy: String, stoppingAfter: String) throws -> [BodycamComplianceView.Recording]
    func accessesNotTiedToACase() throws -> [BodycamComplianceView.Access]
    func bodycamDeletions() throws -> [BodycamComplianceView.Deletion]
    func bodycamCounts() throws -> (useOfForce: Int64, recordings: Int64, accesses: Int64)
    func recording(_ evidenceID: String) throws -> CustodyView.Recording?
    func recordingAccesses(_ evidenceID: String) throws -> [CustodyView.Access]
    func recordingDeletions(_ evidenceID: String) throws -> [CustodyView.Deletion]

    // Statistics.
    func statistics() throws -> StatisticsView
}

/// The discipline recommended with a finding (case.finding.recorded v3).
public struct RecommendedDiscipline: Sendable, Equatable {
    public var penalty: String?
    public var days: Int64?
    public var detail: String?
    public init?(penalty: String?, days: Int64?, detail: String?) {
        guard penalty != nil || days != nil || detail != nil else { return nil }
        self.penalty = penalty
        self.days = days
        self.detail = detail
    }
}

/// The domain's tables, written inside the append's transaction (or a rebuild's).
public protocol ProjectionWriting: ProjectionReading {
    /// Creates the domain's tables (a new ledger with a catalog, or a rebuild).
    func installProjections() throws
    /// Drops them.
    func uninstallProjections() throws
    /// Deletes the rows built by the entries of one stream (`kind` complaint, case, uof or bodycam).
    func deleteRows(ofStream kind: String, id: String) throws
    /// Deletes the officer-history, import and timeline rows of one entry.
    func deleteRows(ofEntry seq: Int64) throws

    func addCatalogChange(_ change: CatalogChange) throws
    /// Stores a complaint, replacing one with its id.
    func putComplaint(_ complaint: ComplaintRecord) throws
    func openCase(_ opening: CaseOpening) throws
    func linkComplaint(caseID: String, complaintID: String) throws
    /// A line of a case's timeline; `replace` replaces one of the same entry, otherwise an existing line is kept.
    func putTimeline(caseID: String, _ line: CaseView.TimelineLine, replace: Bool) throws
    /// Records that the case's stream moved on: its last entry, and its version if `counts`.
    func touchCase(caseID: String, seq: Int64, at: String, counts: Bool) throws
    func assignCase(caseID: String, investigator: String?) throws
    func closeCase(caseID: String, seq: Int64, at: String) throws
    func reopenCase(caseID: String) throws
    /// Stores an allegation, replacing one with its id.
    func putAllegation(caseID: String, _ allegation: AllegationRecord) throws
    /// Amends an allegation: a nil value keeps what it was; the officer's history follows.
    func amendAllegation(caseID: String, allegationID: String, officer: String?, category: String?, subcategory: String?, seq: Int64) throws
    /// A recommended (`final` false) finding, with the discipline recommended with it, or an approved one.
    func recordFinding(caseID: String, allegationID: String, finding: String?, by actor: String, seq: Int64, at: String, final: Bool,
                       discipline: RecommendedDiscipline?) throws
    func addEvidence(caseID: String, _ evidence: CaseView.Evidence) throws
    func addDiscipline(caseID: String, _ discipline: CaseView.Discipline) throws
    func startToll(caseID: String, seq: Int64, date: String?, reason: String?) throws
    func endToll(caseID: String, seq: Int64, date: String?) throws
    func addReview(caseID: String, _ review: CaseView.Review) throws
    /// Stores a use-of-force report, replacing one with its id.
    func putUseOfForce(_ report: UseOfForceRecord) throws
    /// Amends a report: a nil value keeps what it was (the record's seq is not used).
    func amendUseOfForce(_ amendment: UseOfForceRecord) throws
    func reviewUseOfForce(reportID: String, outcome: String?, seq: Int64, by actor: String, caseID: String?) throws
    /// Stores a recording, replacing one with its id.
    func putRecording(_ recording: RecordingRecord) throws
    func addBodycamAccess(evidenceID: String, _ access: CustodyView.Access) throws
    func changeRetention(evidenceID: String, category: String?, retainUntil: String?) throws
    func addBodycamDeletion(evidenceID: String, _ deletion: CustodyView.Deletion) throws
    func markRecordingDeleted(evidenceID: String, seq: Int64, by actor: String, authorisedBy: String?) throws
    /// One sealed field (`*` for the whole entry) of entry `seq`, replacing an earlier seal of it.
    func putSealed(seq: Int64, field: String, sealedSeq: Int64, authority: String?, actor: String, at: String) throws
    /// What an import stored for a record, replacing an earlier one of the same mapping, record and event.
    func putImport(_ record: ImportRecord) throws
    /// An event of an officer's history, replacing one of the same entry, officer and kind.
    func putOfficerEvent(_ event: OfficerEventRecord) throws
    /// Puts an officer on the roster (officer.registered).
    func putRosterOfficer(_ record: OfficerView.Roster) throws
    /// Changes a roster record: a nil value keeps what it was (officer.updated).
    func updateRosterOfficer(_ change: OfficerView.Roster) throws
    /// One line of a roster record's history.
    func addRosterChange(officerID: String, _ change: OfficerView.Change) throws
    /// Links an alias to a roster officer, replacing a withdrawn link of it.
    func putOfficerLink(alias: String, officerID: String, system: String?, basis: String?, seq: Int64) throws
    /// Withdraws the link of an alias.
    func deleteOfficerLink(alias: String) throws
}

/// A catalog change: the genesis catalog (`type` "*", version 0) or a registered schema.
public struct CatalogChange: Codable, Sendable, Equatable {
    public var seq: Int64
    public var type: String
    public var version: Int64
    /// The catalog or schema, canonical JSON.
    public var json: String

    public init(seq: Int64, type: String, version: Int64, json: String) {
        self.seq = seq
        self.type = type
        self.version = version
        self.json = json
    }
}

public struct ComplaintRecord: Codable, Sendable, Equatable {
    public var complaintID: String
    public var seq: Int64
    public var actor: String?
    public var receivedAt: String?
    public var incidentAt: String?
    public var channel: String?
    public var precinct: String?
    public var officers: String?
    public var allegations: String?
}

public struct CaseOpening: Codable, Sendable, Equatable {
    public var caseID: String
    public var seq: Int64
    public var at: String
    public var actor: String
    public var classification: String?
    public var unit: String?
    public var discoveryDate: String?
    public var deadlineRule: String?
}

public struct CaseState: Codable, Sendable, Equatable {
    public var status: String
    public var openedSeq: Int64
    public var closedSeq: Int64?

    public init(status: String, openedSeq: Int64, closedSeq: Int64?) {
        self.status = status
        self.openedSeq = openedSeq
        self.closedSeq = closedSeq
    }
}

public struct AllegationRecord: Codable, Sendable, Equatable {
    public var allegationID: String
    public var officer: String?
    public var category: String?
    public var subcategory: String?
    public var addedSeq: Int64
    /// When the allegation was added, by event time.
    public var addedAt: String?
}

public struct AllegationState: Codable, Sendable, Equatable {
    public var officer: String?
    public var recommended: String?
    public var final: String?
    public var addedSeq: Int64

    public init(officer: String?, recommended: String?, final: String?, addedSeq: Int64) {
        self.officer = officer
        self.recommended = recommended
        self.final = final
        self.addedSeq = addedSeq
    }
}

public struct ClosingAllegation: Codable, Sendable, Equatable {
    public var allegationID: String
    public var final: String?
    public var disciplined: Bool
}

public struct RecordingState: Codable, Sendable, Equatable {
    public var seq: Int64
    public var deletedSeq: Int64?
}

public struct UseOfForceRecord: Codable, Sendable, Equatable {
    public var reportID: String
    public var seq: Int64
    public var officer: String?
    public var incidentAt: String?
    public var agency: String?
    public var municipality: String?
    public var forceTypes: String?
    public var subjectsCount: Int64?
    public var subjectsInjured: Int64?
    public var greatBodilyInjury: Bool?
    public var death: Bool?
    public var videoFootage: Bool?
}

public struct RecordingRecord: Codable, Sendable, Equatable {
    public var evidenceID: String
    public var seq: Int64
    public var officer: String?
    public var device: String?
    public var start: String?
    public var stop: String?
    public var trigger: String?
    public var bufferSeconds: Int64?
    public var sha256: String?
}

public struct ImportRecord: Codable, Sendable, Equatable {
    public var mapping: String?
    public var record: String?
    public var event: String?
    public var digest: String?
    public var file: String?
    public var row: Int64?
    public var seq: Int64
    public var type: String
}

/// The link in force from an alias to a roster officer.
public struct OfficerLinkState: Codable, Sendable, Equatable {
    public var officerID: String
    public var seq: Int64

    public init(officerID: String, seq: Int64) {
        self.officerID = officerID
        self.seq = seq
    }
}

public struct OfficerEventRecord: Codable, Sendable, Equatable {
    public var seq: Int64
    public var officer: String
    /// complaint, allegation, use_of_force or discipline.
    public var kind: String
    public var category: String?
    public var detail: String?
    public var at: String
    public var ref: String
}

extension LedgerReading {
    /// The domain's tables of this store; a store that does not keep them is refused.
    package func projections() throws -> any ProjectionReading {
        guard let tables = self as? any ProjectionReading else {
            throw BlotterError(.storage, "this store (\(type(of: self))) does not keep the domain's tables")
        }
        return tables
    }
}

extension LedgerWriting {
    package func projectionWriter() throws -> any ProjectionWriting {
        guard let tables = self as? any ProjectionWriting else {
            throw BlotterError(.storage, "this store (\(type(of: self))) does not keep the domain's tables")
        }
        return tables
    }
}
