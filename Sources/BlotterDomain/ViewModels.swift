public import BlotterFormat

// The views as values: what `Views` returns, what `--json` prints and what the server returns, all
// through `JSONValueCoding` (snake_case members in declaration order, null for what is not known).
// A store's projection tables fill the rows (``ProjectionReading``); the domain adds what it computes
// (deadlines, ages, flags).

/// One case file: the case, its deadline, complaints, allegations, evidence, discipline, tolling,
/// oversight reviews, timeline, and what was sealed in it (never the value).
public struct CaseView: Codable, Sendable, Equatable {
    public var caseID: String
    public var status: String
    public var version: Int64
    public var openedSeq: Int64
    public var openedAt: String
    public var openedBy: String?
    public var classification: String?
    public var unit: String?
    public var discoveryDate: String?
    public var deadlineRule: String?
    public var investigator: String?
    public var closedSeq: Int64?
    public var closedAt: String?
    /// How many times the case was reopened.
    public var reopened: Int64
    public var lastSeq: Int64
    public var lastAt: String?
    public var deadline: DeadlineView
    public var complaints: [Complaint]
    public var allegations: [Allegation]
    /// Officers named by an allegation or a complaint, in that order.
    public var officers: [String]
    public var evidence: [Evidence]
    public var discipline: [Discipline]
    public var tolling: [Toll]
    public var oversightReviews: [Review]
    public var timeline: [TimelineLine]
    public var sealed: [SealedField]

    /// The case itself, without what is gathered from its complaints, allegations and the rest.
    public struct Summary: Codable, Sendable, Equatable {
        public var caseID: String
        public var status: String
        public var version: Int64
        public var openedSeq: Int64
        public var openedAt: String
        public var openedBy: String?
        public var classification: String?
        public var unit: String?
        public var discoveryDate: String?
        public var deadlineRule: String?
        public var investigator: String?
        public var closedSeq: Int64?
        public var closedAt: String?
        public var reopened: Int64
        public var lastSeq: Int64
        public var lastAt: String?
    }

    public struct Complaint: Codable, Sendable, Equatable {
        public var complaintID: String
        public var seq: Int64
        public var receivedAt: String?
        public var incidentAt: String?
        public var channel: String?
        public var precinct: String?
        /// Officer ids, comma-separated.
        public var officers: String?
        /// Allegation labels ("category / subcategory"), separated by "; ".
        public var allegations: String?
    }

    public struct Allegation: Codable, Sendable, Equatable {
        public var allegationID: String
        public var officer: String?
        public var category: String?
        public var subcategory: String?
        public var recommended: String?
        public var recommendedBy: String?
        /// When the finding was recommended, and approved, by event time.
        public var recommendedAt: String?
        /// The discipline recommended with the finding (case.finding.recorded v3): a penalty of
        /// case.discipline.imposed's, its days, and the recommending authority's words.
        public var recommendedPenalty: String?
        public var recommendedDays: Int64?
        public var recommendedDetail: String?
        public var final: String?
        public var finalBy: String?
        public var finalAt: String?
        public var addedSeq: Int64
        /// When it was added, by event time.
        public var addedAt: String?
        public var amendedSeq: Int64?
    }

    public struct Evidence: Codable, Sendable, Equatable {
        public var seq: Int64
        public var evidenceID: String?
        public var kind: String?
        public var reference: String?
        public var sha256: String?
        public var actor: String?
        public var at: String?
    }

    public struct Discipline: Codable, Sendable, Equatable {
        public var seq: Int64
        public var allegationID: String
        public var officer: String?
        /// imposed or modified.
        public var action: String
        public var penalty: String?
        public var days: Int64?
        public var detail: String?
        public var effective: String?
        public var reason: String?
        public var actor: String?
        public var at: String?
    }

    public struct Toll: Codable, Sendable, Equatable {
        public var start: String
        public var end: String?
        public var reason: String?
    }

    public struct Review: Codable, Sendable, Equatable {
        public var seq: Int64
        public var body: String?
        public var allegationID: String?
        public var outcome: String?
        public var recommendation: String?
        public var actor: String?
        public var at: String?
    }

    public struct TimelineLine: Codable, Sendable, Equatable {
        public var seq: Int64
        /// When it happened (the event's `occurred_at`, else when it was signed).
        public var at: String?
        /// When it was signed (the statement's `at`); nil for a complaint's line.
        public var signed: String?
        /// When the log recorded it.
        public var recorded: String?
        public var actor: String?
        public var type: String?
        public var summary: String?
        /// For a historical record: the rules of today's lifecycle it breaks (its `legacy` field), comma-separated.
        public var legacy: String?
    }

    public struct SealedField: Codable, Sendable, Equatable {
        public var seq: Int64
        public var type: String?
        /// The sealed field, or `*` for the whole entry.
        public var field: String
        public var authority: String?
        public var sealedSeq: Int64
        public var actor: String?
        public var at: String?
    }
}

/// A case's deadline as views show it.
public struct DeadlineView: Codable, Sendable, Equatable {
    public var rule: String
    public var ruleText: String
    public var start: String
    public var due: String?
    public var tolledDays: Int64
    public var tollingNow: Bool
    public var daysLeft: Int64?
    public var overdue: Bool
}

/// Cases with their age and deadline, most urgent first, and counts.
public struct QueueView: Codable, Sendable, Equatable {
    public var cases: [Case]
    /// Cases matching the filter (`cases` holds at most the filter's limit).
    public var matching: Int64
    public var byStatus: [StatusCount]
    public var openByInvestigator: [InvestigatorCount]

    public struct Case: Codable, Sendable, Equatable {
        public var caseID: String
        public var status: String
        public var investigator: String?
        public var unit: String?
        public var openedAt: String
        public var ageDays: Int64
        public var due: String?
        public var daysLeft: Int64?
        public var tolling: Bool
        public var overdue: Bool
    }

    /// A case as the queue reads it, before its deadline is computed.
    public struct Row: Codable, Sendable, Equatable {
        public var caseID: String
        public var status: String
        public var investigator: String?
        public var unit: String?
        public var openedAt: String
        public var discoveryDate: String?
        public var deadlineRule: String?
        public var closedAt: String?
    }

    public struct StatusCount: Codable, Sendable, Equatable {
        public var status: String
        public var cases: Int64
    }

    public struct InvestigatorCount: Codable, Sendable, Equatable {
        /// "(unassigned)" for cases with no investigator.
        public var investigator: String
        public var cases: Int64
    }
}

/// An officer's complaints, allegations, use of force and discipline, with early-intervention flags.
///
/// With a roster, the view is of one person: the roster record and every id linked to it by a signed
/// `officer.linked` statement (asking for an alias gives the same view). Each record says which id it
/// names (`officer`), so a reader sees which source called the officer what.
public struct OfficerView: Codable, Sendable, Equatable {
    /// The id asked for.
    public var officer: String
    /// The roster record the id resolves to (the officer's own, or the one the alias is linked to), nil
    /// for an id that is neither on the roster nor linked.
    public var roster: Roster?
    /// The aliases gathered into this view with the links that did it (empty without a roster record).
    public var identities: [Identity]
    public var complaints: [Complaint]
    public var allegations: [Allegation]
    /// Allegations by category, then by final finding ("pending" for none yet).
    public var allegationsByCategory: [String: [String: Int64]]
    public var useOfForce: [UseOfForce]
    public var discipline: [Discipline]
    public var flags: [Flag]

    public struct Complaint: Codable, Sendable, Equatable {
        public var seq: Int64
        public var complaintID: String?
        /// The id the record names the officer by.
        public var officer: String?
        public var incidentAt: String?
        public var ref: String?
    }

    public struct Allegation: Codable, Sendable, Equatable {
        public var caseID: String
        public var allegationID: String
        /// The id the record names the officer by.
        public var officer: String?
        public var category: String?
        public var subcategory: String?
        public var recommended: String?
        public var final: String?
        /// When the final finding was approved, by event time.
        public var finalAt: String?
        public var seq: Int64
        /// When the allegation was added, by event time.
        public var at: String?
        public var caseStatus: String?
    }

    public struct UseOfForce: Codable, Sendable, Equatable {
        public var reportID: String
        public var seq: Int64
        /// The id the record names the officer by.
        public var officer: String?
        public var incidentAt: String?
        public var forceTypes: String?
        public var subjectsInjured: Int64?
        public var review: String?
    }

    public struct Discipline: Codable, Sendable, Equatable {
        public var seq: Int64
        public var caseID: String
        public var allegationID: String
        /// The id the record names the officer by.
        public var officer: String?
        public var action: String
        public var penalty: String?
        public var days: Int64?
        public var reason: String?
        public var at: String?
    }

    public struct Flag: Codable, Sendable, Equatable {
        public var rule: String
        public var description: String
        public var explanation: String
        public var events: [Event]
    }

    /// An officer's roster record as it stands (`p_officers`).
    public struct Roster: Codable, Sendable, Equatable {
        public var officerID: String
        /// The entry that registered the officer.
        public var seq: Int64
        public var name: String?
        public var birthYear: Int64?
        /// The star or badge number carried now.
        public var star: String?
        public var unit: String?
        public var rank: String?
        public var appointed: String?
        public var separated: String?
        /// The latest officer.updated entry, nil if none.
        public var updatedSeq: Int64?
        /// Every change, the registration's values first: stars, units and ranks over time, and links.
        public var history: [Change]

        public init(officerID: String, seq: Int64, name: String?, birthYear: Int64?, star: String?, unit: String?, rank: String?,
                    appointed: String?, separated: String?, updatedSeq: Int64?, history: [Change] = []) {
            self.officerID = officerID
            self.seq = seq
            self.name = name
            self.birthYear = birthYear
            self.star = star
            self.unit = unit
            self.rank = rank
            self.appointed = appointed
            self.separated = separated
            self.updatedSeq = updatedSeq
            self.history = history
        }
    }

    /// One value of a roster record from an entry on (`p_officer_history`): `field` is name, birth_year,
    /// star, unit, rank, appointed or separated, or `linked`/`unlinked` with the alias as the value.
    public struct Change: Codable, Sendable, Equatable {
        public var seq: Int64
        public var field: String
        public var value: String
        /// The date it took effect (the event's `effective`, else the day it happened).
        public var effective: String?

        public init(seq: Int64, field: String, value: String, effective: String?) {
            self.seq = seq
            self.field = field
            self.value = value
            self.effective = effective
        }
    }

    /// An id another source uses, linked to the roster officer (`p_officer_links`).
    public struct Identity: Codable, Sendable, Equatable {
        public var id: String
        public var system: String?
        public var basis: String?
        /// The officer.linked entry.
        public var seq: Int64
    }

    /// One event of an officer's history (`p_officer_events`).
    public struct Event: Codable, Sendable, Equatable {
        public var seq: Int64
        public var at: String
        public var ref: String

        public init(seq: Int64, at: String, ref: String) {
            self.seq = seq
            self.at = at
            self.ref = ref
        }
    }
}

/// Body-camera compliance: use of force without a recording around it, late activations, accesses
/// not tied to a case, and deletions with who authorised them.
public struct BodycamComplianceView: Codable, Sendable, Equatable {
    public var useOfForceReports: Int64
    public var recordings: Int64
    public var accesses: Int64
    public var windowSeconds: Int64
    public var useOfForceWithoutRecording: [Incident]
    public var lateActivations: [LateActivation]
    public var accessesNotTiedToACase: [Access]
    public var deletions: [Deletion]

    public struct Incident: Codable, Sendable, Equatable {
        public var reportID: String
        public var seq: Int64
        public var officer: String
        public var incidentAt: String
    }

    public struct LateActivation: Codable, Sendable, Equatable {
        public var reportID: String
        public var seq: Int64
        public var officer: String
        public var incidentAt: String
        /// The first recording around the incident.
        public var evidenceID: String
        public var lateSeconds: Int64
    }

    public struct Access: Codable, Sendable, Equatable {
        public var seq: Int64
        public var evidenceID: String
        public var user: String?
        public var action: String?
        public var purpose: String?
        public var caseID: String?
        public var at: String?
    }

    public struct Deletion: Codable, Sendable, Equatable {
        public var seq: Int64
        public var evidenceID: String
        public var deletedBy: String?
        public var at: String?
        public var reason: String?
        /// Who authorised it: on the deletion, or on the last request before it.
        public var authorisedBy: String?
        public var authority: String?
        public var unauthorised: Bool
    }

    /// A use-of-force report as the compliance check reads it.
    public struct Report: Codable, Sendable, Equatable {
        public var reportID: String
        public var officer: String?
        public var incidentAt: String?
        public var seq: Int64
    }

    /// A recording as the compliance check reads it.
    public struct Recording: Codable, Sendable, Equatable {
        public var evidenceID: String
        public var start: String?
        public var stop: String?
        public var bufferSeconds: Int64?
    }
}

/// One recording's chain of custody: the recording, every access and deletion, and its entries.
public struct CustodyView: Codable, Sendable, Equatable {
    public var evidenceID: String
    public var recording: Recording
    public var accesses: [Access]
    public var deletions: [Deletion]
    public var entries: [Entry]

    public struct Recording: Codable, Sendable, Equatable {
        public var seq: Int64
        public var officer: String?
        public var device: String?
        public var start: String?
        public var stop: String?
        public var trigger: String?
        public var preEventBufferSeconds: Int64?
        public var sha256: String?
        public var retention: String?
        public var retainUntil: String?
        public var deletedSeq: Int64?
        public var deletedBy: String?
        public var deletionAuthorisedBy: String?
    }

    public struct Access: Codable, Sendable, Equatable {
        public var seq: Int64
        public var user: String?
        public var action: String?
        public var purpose: String?
        public var caseID: String?
        public var recipient: String?
        public var actor: String?
        public var at: String?
    }

    public struct Deletion: Codable, Sendable, Equatable {
        public var seq: Int64
        /// requested or deleted.
        public var kind: String
        public var requestedBy: String?
        public var authorisedBy: String?
        public var authority: String?
        public var reason: String?
        public var actor: String?
        public var at: String?
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var seq: Int64
        public var type: String
        public var actor: String
        public var recorded: String
    }
}

/// Counts by allegation category and final finding, discipline, unit and status, and year.
public struct StatisticsView: Codable, Sendable, Equatable {
    public var allegationsByCategoryAndFinding: [CategoryFinding]
    public var disciplineByPenalty: [Penalty]
    public var casesByUnitAndStatus: [UnitStatus]
    public var byYear: [Year]

    public init(allegationsByCategoryAndFinding: [CategoryFinding], disciplineByPenalty: [Penalty], casesByUnitAndStatus: [UnitStatus], byYear: [Year]) {
        self.allegationsByCategoryAndFinding = allegationsByCategoryAndFinding
        self.disciplineByPenalty = disciplineByPenalty
        self.casesByUnitAndStatus = casesByUnitAndStatus
        self.byYear = byYear
    }

    public struct CategoryFinding: Codable, Sendable, Equatable {
        public var category: String?
        /// The final finding, "pending" for none yet.
        public var finding: String
        public var allegations: Int64
    }

    public struct Penalty: Codable, Sendable, Equatable {
        /// The latest discipline of each allegation.
        public var penalty: String?
        public var allegations: Int64
    }

    public struct UnitStatus: Codable, Sendable, Equatable {
        /// "(none)" for cases without a unit.
        public var unit: String
        public var status: String
        public var cases: Int64
    }

    public struct Year: Codable, Sendable, Equatable {
        public var year: String
        public var complaints: Int64
        public var casesOpened: Int64
        public var allegationsSustained: Int64
        public var useOfForceReports: Int64
    }
}
