public import BlotterFormat
public import BlotterLog
public import BlotterDomain
internal import Foundation
public import BlotterCrypto

/// What `blotter import` did with one file.
public struct ImportReport: Sendable {
    public struct Rejection: Sendable {
        public let row: Int
        public let line: Int
        public let column: String?
        public let reason: String
    }
    public struct Change: Sendable {
        public let row: Int
        public let record: String
        public let event: String
        public let seq: Int64
        public let reason: String
    }
    public var file: String
    public var fileDigest = ""
    public var mapping: String
    public var mappingDigest: String
    public var dryRun = false
    public var rowsRead = 0
    /// Rows that added at least one statement.
    public var rowsImported = 0
    /// Rows whose every event was already in the ledger with the same values.
    public var rowsUnchanged = 0
    /// Rows that make no event under the mapping's conditions.
    public var rowsWithoutEvents = 0
    /// Rows identical, in every value the mapping reads, to an earlier row of the same file: skipped.
    public var rowsDuplicate = 0
    public var rejected: [Rejection] = []
    public var statements: [String: Int] = [:]
    public var amendments: [String: Int] = [:]
    /// Statements appended as legacy records, by the rule of today's lifecycle they break (a statement
    /// breaking two counts under each).
    public var legacy: [String: Int] = [:]
    /// Values changed in the source whose event has on_change "report": nothing appended.
    public var changesNotApplied: [Change] = []
    /// (column, source value, Blotter value) to (count, first row).
    public var defaults: [String: (column: String, value: String, to: JSONValue, count: Int, firstRow: Int)] = [:]
    public var seconds = 0.0

    public var statementsWritten: Int { statements.values.reduce(0, +) }

    public func json() -> JSONValue {
        .object([
            ("file", .string(file)), ("file_sha256", .string(fileDigest)), ("mapping", .string(mapping)),
            ("mapping_sha256", .string(mappingDigest)), ("dry_run", .bool(dryRun)),
            ("rows_read", .integer(Int64(rowsRead))), ("rows_imported", .integer(Int64(rowsImported))),
            ("rows_unchanged", .integer(Int64(rowsUnchanged))), ("rows_without_events", .integer(Int64(rowsWithoutEvents))),
            ("rows_duplicate", .integer(Int64(rowsDuplicate))),
            ("rows_rejected", .integer(Int64(rejected.count))),
            ("statements", .object(statements.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })),
            ("amendments", .object(amendments.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })),
            ("legacy", .object(legacy.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })),
            ("defaults", .array(defaults.values.sorted { ($0.column, $0.value) < ($1.column, $1.value) }.map {
                .object([("column", .string($0.column)), ("value", .string($0.value)), ("translated_to", $0.to),
                         ("rows", .integer(Int64($0.count))), ("first_row", .integer(Int64($0.firstRow)))])
            })),
            ("changes_not_applied", .array(changesNotApplied.map {
                .object([("row", .integer(Int64($0.row))), ("record", .string($0.record)), ("event", .string($0.event)),
                         ("imported_at_entry", .integer($0.seq)), ("reason", .string($0.reason))])
            })),
            ("rejected", .array(rejected.map {
                .object([("row", .integer(Int64($0.row))), ("line", .integer(Int64($0.line))),
                         ("column", $0.column.map(JSONValue.string) ?? .null), ("reason", .string($0.reason))])
            })),
            ("seconds", .double(seconds)),
        ])
    }
}

/// Progress of a running import, for a progress line.
public struct ImportProgress: Sendable {
    public let rowsDone: Int
    public let rowsTotal: Int
    public let statements: Int
    public let seconds: Double
}

/// Imports one file through a mapping: each row becomes an all-or-nothing group of statements
/// signed by the importer's key, each with a `source` field (mapping, file digest, row, record key,
/// event name, digest of the mapped values).
///
/// Idempotent: before appending, each event's (mapping, record key, event name) is looked up in the
/// `p_imports` projection. The same values are skipped; changed values are amended (or repeated, or
/// listed) as the mapping says; the past is never rewritten. Batches commit one at a time, so an
/// import killed part-way leaves whole rows only, and running it again completes it.
public final class Importer {
    let ledger: Ledger
    let mapping: ImportMapping
    let catalog: EventCatalog
    let key: PrivateKey
    let actor: String
    let origin: String
    public var batchRows = 1000
    /// Whether a batch is written while the next is prepared (the default, where the store allows
    /// it: not in a dry run, whose stand-in store reads and writes through one connection).
    public var overlapWrites = true
    public var progress: ((ImportProgress) -> Void)?
    /// Called with each rejected record (and the header, for CSV), to write a file that can be fixed and imported again.
    public var onReject: ((SourceRecord, ImportReport.Rejection) throws -> Void)?
    /// The CSV header of the file last checked or imported (empty for JSON Lines).
    public private(set) var header: [String] = []
    /// The file of each of the mapping's joins (`--join NAME=FILE`).
    public var joinFiles: [String: String] = [:]
    /// Each join's rows by the record they belong to (the value of their key column), only the columns fields take.
    private var joined: [String: [String: [[String: JSONValue]]]] = [:]
    /// Each join's file digest (after decompression), for the statements' provenance.
    private var joinDigests: [(String, JSONValue)] = []

    public init(ledger: Ledger, mapping: ImportMapping, key: PrivateKey) throws {
        guard let catalog = try ledger.catalog() else {
            throw BlotterError(.ledgerState, "the ledger has no event catalog (created with --no-catalog); import needs one")
        }
        guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        guard let record = try ledger.store.read({ try $0.keyRecord(key.publicKey.keyID) }), record.revokedSeq == nil else {
            throw BlotterError(.keyNotValid, "key \(key.publicKey.keyID) is not registered in this ledger (or is revoked); register an importer key with `blotter keys register --role importer`")
        }
        // The key must be allowed every type the mapping can append: refuse now, not on every row.
        let types = mapping.events.flatMap { [$0.type] + ($0.amendType.map { [$0] } ?? []) }
        for t in Set(types).sorted() {
            let allowed = identity.roleTable.types[t] ?? []
            guard record.roles.contains(where: allowed.contains) else {
                throw BlotterError(.roleNotAllowed, "the mapping appends \(t), which needs one of [\(allowed.joined(separator: ", "))]; \(record.actor) has [\(record.roles.joined(separator: ", "))]")
            }
        }
        self.ledger = ledger
        self.mapping = mapping
        self.catalog = catalog
        self.key = key
        self.actor = record.actor
        self.origin = identity.origin
    }

    /// Reads the whole file once (digest, structure, columns) and refuses it before anything is
    /// written if it is cut off, not UTF-8, has uneven rows, or lacks a column the mapping reads.
    public func check(path: String) throws -> (digest: String, rows: Int) {
        var reader = try SourceReader(path: path, format: mapping.format, delimiter: mapping.delimiter)
        defer { reader.close() }
        var rows = 0
        var names: Set<String> = []
        if mapping.format == .csv {
            while try reader.skip() { rows += 1 }
        } else {
            while let r = try reader.next() {
                rows += 1
                names.formUnion(r.cells.keys)
            }
        }
        try mapping.check(columns: mapping.format == .csv ? Set(reader.header) : names, file: path)
        header = reader.header
        return (try reader.digest(), rows)
    }

    /// Reads every joined file once: its rows by the record they belong to, and its digest.
    func loadJoins() throws {
        joined = [:]
        joinDigests = []
        for join in mapping.joins {
            guard let path = joinFiles[join.name] else {
                throw BlotterError(.invalidInput, "mapping \(mapping.name) joins \(join.name): give its file with --join \(join.name)=FILE")
            }
            var reader = try SourceReader(path: path, format: join.format, delimiter: join.delimiter)
            defer { reader.close() }
            let wanted = mapping.joinColumns(join.name)
            var names: Set<String> = Set(reader.header)
            var rows: [String: [[String: JSONValue]]] = [:]
            while let r = try reader.next() {
                if join.format == .jsonl { names.formUnion(r.cells.keys) }
                guard let k = text(r.cells[join.key]), !k.isEmpty else { continue }
                var cells: [String: JSONValue] = [:]
                for c in wanted { cells[c] = r.cells[c] }
                rows[k, default: []].append(cells)
            }
            let missing = wanted.filter { !names.contains($0) }
            guard missing.isEmpty else {
                throw BlotterError(.invalidInput, "mapping \(mapping.name) join \(join.name) reads column\(missing.count == 1 ? "" : "s") \(missing.map { "\"\($0)\"" }.joined(separator: ", ")), which \(path) does not have (it has \(names.sorted().joined(separator: ", ")))")
            }
            joined[join.name] = rows
            joinDigests.append((join.name, .string(try reader.digest())))
        }
        if let extra = joinFiles.keys.sorted().first(where: { name in !mapping.joins.contains { $0.name == name } }) {
            throw BlotterError(.invalidInput, "--join \(extra): mapping \(mapping.name) has no join of that name (it has \(mapping.joins.isEmpty ? "none" : mapping.joins.map(\.name).joined(separator: ", ")))")
        }
    }

    public func run(path: String) throws -> ImportReport {
        let started = Date()
        var report = ImportReport(file: path, mapping: mapping.name, mappingDigest: mapping.digest)
        try loadJoins()
        let (digest, total) = try check(path: path)
        report.fileDigest = digest
        var reader = try SourceReader(path: path, format: mapping.format, delimiter: mapping.delimiter)
        defer { reader.close() }
        var lastProgress = Date()
        // Batch N is written on another thread while batch N+1 is read, mapped, signed and checked on
        // this one: the write is serial, the rest runs on every core. Batch N+1 looked up the ledger
        // before batch N was written; if N wrote a record N+1 looked up, N+1 is prepared again.
        var writing: Background<ImportReport>? = nil
        var writingKeys: Set<String> = []
        func finishWriting() throws {
            guard let w = writing else { return }
            writing = nil
            report = try w.wait()
            if let progress, Date().timeIntervalSince(lastProgress) >= 2 || report.rowsRead == total {
                lastProgress = Date()
                progress(ImportProgress(rowsDone: report.rowsRead, rowsTotal: total, statements: report.statementsWritten,
                                        seconds: Date().timeIntervalSince(started)))
            }
        }
        var rows: [SourceRecord] = []
        func flush() throws {
            let next: PreparedBatch
            do {
                next = try prepareBatch(rows, digest: digest)
            } catch {
                try finishWriting()
                throw error
            }
            let earlier = writingKeys
            try finishWriting()
            let batch = earlier.isDisjoint(with: next.looked) ? next : try prepareBatch(rows, digest: digest)
            rows.removeAll(keepingCapacity: true)
            writingKeys = batch.writes
            if overlapWrites && ledger.store.readsWhileWriting {
                writing = Background { [report] in
                    var report = report
                    try self.commitBatch(batch, report: &report)
                    return report
                }
            } else {
                try commitBatch(batch, report: &report)
            }
        }
        do {
            while let record = try reader.next() {
                rows.append(record)
                if rows.count == batchRows { try flush() }
            }
            if !rows.isEmpty { try flush() }
        } catch {
            try? finishWriting()
            throw error
        }
        try finishWriting()
        let actual = try reader.digest()
        guard actual == digest else {
            throw BlotterError(.invalidInput, "\(path) changed while it was being imported (SHA-256 \(digest) before, \(actual) after); rows imported so far are in the ledger, import the final file again")
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    // MARK: one batch

    struct Planned {
        let event: ImportMapping.EventMap
        let type: String
        let stream: String
        let fields: [(String, JSONValue)]
        let record: String
        let digest: String
        let onceTag: String?
        let amendment: Bool
    }

    enum Plan {
        case statements([Planned], defaults: [DefaultUse], changes: [ImportReport.Change])
        case rejected(column: String?, reason: String)
    }

    struct DefaultUse { let column: String; let value: String; let to: JSONValue }

    /// What the ledger already has for (record, event), from the imports projection.
    struct Prior { let digest: String; let file: String; let row: Int; let seq: Int64 }

    /// A batch mapped, planned, signed and checked (``Ledger/prepare(groups:)``), not yet written.
    struct PreparedBatch {
        let records: [SourceRecord]
        let mapped: [Result<[(ImportMapping.EventMap, String, [(String, JSONValue)], String, [DefaultUse])], RowError>]
        let plans: [Plan]
        let duplicates: Set<Int>
        var groups: [AppendGroup]
        let groupRow: [Int]
        let now: Timestamp
        let append: PreparedAppend
        /// The (record, event) keys looked up in the ledger, and those this batch may write: a batch
        /// prepared while an earlier one was written is prepared again if the two meet.
        let looked: Set<String>
        let writes: Set<String>
    }

    /// Maps, plans, signs and checks one batch: everything but the write.
    func prepareBatch(_ records: [SourceRecord], digest fileDigest: String) throws -> PreparedBatch {
        // Map every row, then look up what the ledger has for its events in one read.
        let mapped = parallelMap(records.count) { i in Result { () throws(RowError) in try self.mapRow(records[i]) } }
        var lookups: Set<String> = []
        var recordIDs: Set<String> = []
        for result in mapped {
            if case let .success(events) = result {
                for e in events {
                    lookups.insert(e.1 + "\u{0}" + e.0.name)
                    recordIDs.insert(e.1)
                }
            }
        }
        // Every event stored for the batch's records, in one look-up (not one per record and event).
        var prior: [String: Prior] = [:]
        try ledger.store.read { reader in
            for r in try reader.projections().imported(mapping: mapping.name, records: Array(recordIDs)) {
                let k = (r.record ?? "") + "\u{0}" + (r.event ?? "")
                if lookups.contains(k) { prior[k] = Prior(digest: r.digest ?? "", file: r.file ?? "", row: Int(r.row ?? 0), seq: r.seq) }
            }
        }
        // Decide per row, with what earlier rows of this batch will add on top of the ledger.
        var pending: [String: (digest: String, row: Int, rowLevel: Bool)] = [:]
        var plans: [Plan] = []
        var duplicates: Set<Int> = []
        for (r, result) in zip(records, mapped) {
            switch result {
            case let .failure(e):
                plans.append(.rejected(column: e.column, reason: e.reason))
            case let .success(events):
                var planned: [Planned] = []
                var defaults: [DefaultUse] = []
                var changes: [ImportReport.Change] = []
                var refusal: RowError? = nil
                for (event, record, fields, contentDigest, used) in events {
                    let k = record + "\u{0}" + event.name
                    let rowLevel = event.key.isEmpty || event.key == mapping.record
                    if let p = pending[k] {
                        if p.digest != contentDigest {
                            refusal = RowError(column: event.key.first ?? mapping.record.first, reason: "record \(record) has other values for \(event.name) in row \(p.row) of this file")
                            break
                        }
                        if rowLevel {
                            // The same record with the same values again: an exact duplicate row, skipped.
                            duplicates.insert(plans.count)
                            continue
                        }
                        // A shared event (one complaint of several rows) that an earlier row of this batch appends,
                        // unless that row is refused: carried here too, appended by whichever comes first.
                        planned.append(plan(event, record, fields, r, fileDigest, contentDigest, tag: k, amendment: false))
                        defaults += used
                        continue
                    }
                    if let p = prior[k] {
                        if p.digest == contentDigest {
                            if rowLevel && p.file == fileDigest && p.row != r.number { duplicates.insert(plans.count) }
                            continue  // already in the ledger with these values
                        }
                        if p.file == fileDigest {
                            refusal = RowError(column: event.key.first ?? mapping.record.first,
                                               reason: "record \(record) has other values for \(event.name) in row \(p.row) of this file (entry \(p.seq))")
                            break
                        }
                        switch event.onChange {
                        case .report:
                            changes.append(.init(row: r.number, record: record, event: event.name, seq: p.seq,
                                                 reason: "the source's values for \(event.name) changed since entry \(p.seq); the mapping says to report, not amend"))
                            continue
                        case .repeat:
                            planned.append(plan(event, record, fields, r, fileDigest, contentDigest, tag: nil, amendment: true))
                        case .amend:
                            planned.append(try amend(event, record, fields, r, fileDigest, contentDigest))
                        }
                    } else {
                        planned.append(plan(event, record, fields, r, fileDigest, contentDigest, tag: rowLevel ? nil : k, amendment: false))
                    }
                    defaults += used
                    pending[k] = (contentDigest, r.number, rowLevel)
                }
                // An id that cannot name a stream (a space, a character outside [A-Za-z0-9._:/-]) rejects its
                // row, naming the column, rather than stopping the import when the statement is signed.
                if refusal == nil, let bad = planned.first(where: { !Identifiers.isStream($0.stream) }) {
                    let column = bad.event.streamField.flatMap { f in bad.event.fields.first { $0.0 == f }?.1.column }
                    refusal = RowError(column: column, reason: "\(bad.type): stream \"\(bad.stream)\" is not a valid stream name (1 to 200 of A-Z a-z 0-9 . _ : / -)\(column.map { "; its id comes from column \($0)" } ?? "")")
                }
                if let refusal {
                    plans.append(.rejected(column: refusal.column, reason: refusal.reason))
                } else {
                    plans.append(.statements(planned, defaults: defaults, changes: changes))
                }
            }
        }
        // Sign every statement of the batch on all cores.
        var drafts: [(row: Int, index: Int, draft: StatementDraft)] = []
        let now = Timestamp.now()
        for (i, plan) in plans.enumerated() {
            guard case let .statements(list, _, _) = plan else { continue }
            for (j, p) in list.enumerated() {
                let schema = catalog.types[p.type]?.version ?? 1
                drafts.append((i, j, StatementDraft(log: origin, type: p.type, schema: schema, stream: p.stream, expect: nil,
                                                    actor: actor, at: now, fields: p.fields)))
            }
        }
        let key = self.key
        let signed = parallelMap(drafts.count) { i in Result { try drafts[i].draft.sign(with: key) } }
        var groups: [AppendGroup] = []
        var groupRow: [Int] = []
        var cursor = 0
        for (i, plan) in plans.enumerated() {
            guard case let .statements(list, _, _) = plan, !list.isEmpty else { continue }
            var submissions: [Submission] = []
            for _ in list {
                submissions.append(try signed[cursor].get())
                cursor += 1
            }
            groups.append(AppendGroup(submissions, onceTags: list.map(\.onceTag)))
            groupRow.append(i)
        }
        return PreparedBatch(records: records, mapped: mapped, plans: plans, duplicates: duplicates, groups: groups, groupRow: groupRow,
                             now: now, append: try ledger.prepare(groups: groups), looked: lookups, writes: Set(pending.keys))
    }

    /// Writes a prepared batch, signs again and appends the statements a legacy rule refused, and
    /// accounts for every row in the report.
    func commitBatch(_ batch: PreparedBatch, report: inout ImportReport) throws {
        let records = batch.records, mapped = batch.mapped, plans = batch.plans, duplicates = batch.duplicates
        var groups = batch.groups
        let groupRow = batch.groupRow, now = batch.now, key = self.key
        var outcomes = try ledger.commit(batch.append)
        // History that breaks a rule of today the mapping names: the refused statement is signed again
        // naming the rule in its field legacy, and its row appended again (a statement may break several).
        var legacyOf: [Int: [Int: [String]]] = [:]
        for _ in 0..<CaseRules.legacyRules.count where !mapping.legacy.isEmpty {
            var again: [(group: Int, submissions: [Submission])] = []
            for (g, outcome) in outcomes.enumerated() {
                guard case let .refused(index, error) = outcome, error.code == .lifecycle, let rule = error.rule, mapping.legacy.contains(rule),
                      case let .statements(list, _, _) = plans[groupRow[g]] else { continue }
                let p = list[index]
                var rules = legacyOf[groupRow[g]]?[index] ?? []
                guard !rules.contains(rule), let schema = catalog.current(p.type), schema.sensitivity(of: "legacy") != nil else { continue }
                rules.append(rule)
                legacyOf[groupRow[g], default: [:]][index] = rules
                var fields = p.fields.filter { $0.0 != "legacy" }
                fields.insert(("legacy", .array(rules.sorted().map(JSONValue.string))), at: max(0, fields.count - 1))
                var submissions = groups[g].submissions
                submissions[index] = try StatementDraft(log: origin, type: p.type, schema: schema.version, stream: p.stream, expect: nil,
                                                        actor: actor, at: now, fields: fields).sign(with: key)
                again.append((g, submissions))
            }
            if again.isEmpty { break }
            let retried = try ledger.append(groups: again.map { AppendGroup($0.submissions, onceTags: groups[$0.group].onceTags) })
            for ((g, submissions), outcome) in zip(again, retried) {
                groups[g].submissions = submissions
                outcomes[g] = outcome
            }
        }
        var outcomeOf: [Int: AppendOutcome] = [:]
        for (g, i) in groupRow.enumerated() { outcomeOf[i] = outcomes[g] }
        // Account for every row.
        for (i, (r, plan)) in zip(records, plans).enumerated() {
            report.rowsRead += 1
            switch plan {
            case let .rejected(column, reason):
                try reject(r, column: column, reason: reason, report: &report)
            case let .statements(list, defaults, changes):
                report.changesNotApplied += changes
                guard !list.isEmpty, let outcome = outcomeOf[i] else {
                    if changes.isEmpty, case let .success(events) = mapped[i], events.isEmpty {
                        report.rowsWithoutEvents += 1
                    } else if duplicates.contains(i) {
                        report.rowsDuplicate += 1
                    } else {
                        report.rowsUnchanged += 1
                    }
                    continue
                }
                switch outcome {
                case let .appended(receipts):
                    var wrote = false
                    for (j, (p, receipt)) in zip(list, receipts).enumerated() {
                        guard let receipt, !receipt.duplicate else { continue }
                        wrote = true
                        report.statements[p.type, default: 0] += 1
                        if p.amendment { report.amendments[p.type, default: 0] += 1 }
                        for rule in legacyOf[i]?[j] ?? [] { report.legacy[rule, default: 0] += 1 }
                    }
                    if wrote { report.rowsImported += 1 } else if duplicates.contains(i) { report.rowsDuplicate += 1 } else { report.rowsUnchanged += 1 }
                    for d in defaults {
                        let k = d.column + "\u{0}" + d.value
                        if var entry = report.defaults[k] {
                            entry.count += 1
                            report.defaults[k] = entry
                        } else {
                            report.defaults[k] = (d.column, d.value, d.to, 1, r.number)
                        }
                    }
                case let .refused(index, error):
                    let p = list[index]
                    try reject(r, column: Self.column(of: error, event: p.event), reason: "event \(p.event.name) (\(p.type)): \(error.message)", report: &report)
                }
            }
        }
    }

    /// The source column behind a refused statement, as `event` maps it: the one behind the field a
    /// schema violation points at, or behind the field the lifecycle rule is about (for a rule about
    /// the stream's id, the column the stream is made from). Nil where the refusal is about the
    /// statement as a whole (its key, its role, a case that cannot close); the reason names the event.
    static func column(of error: BlotterError, event: ImportMapping.EventMap) -> String? {
        func mapped(_ name: String) -> String? {
            (event.fields.first { $0.0 == name } ?? event.amendFields.first { $0.0 == name })?.1.column
        }
        if let pointer = error.violations.first?.instancePath, let name = pointer.split(separator: "/").first.map(String.init) {
            return mapped(name)
        }
        guard error.code == .lifecycle, let rule = error.rule, let field = CaseRules.ruleFields[rule] else { return nil }
        guard field.isEmpty else { return mapped(field) }
        if let template = event.stream { return template.columns.first }
        return event.streamField.flatMap(mapped)
    }

    func reject(_ r: SourceRecord, column: String?, reason: String, report: inout ImportReport) throws {
        let rejection = ImportReport.Rejection(row: r.number, line: r.line, column: column, reason: reason)
        report.rejected.append(rejection)
        try onReject?(r, rejection)
    }

    func plan(_ event: ImportMapping.EventMap, _ record: String, _ fields: [(String, JSONValue)], _ r: SourceRecord,
              _ file: String, _ digest: String, tag: String?, amendment: Bool) -> Planned {
        Planned(event: event, type: event.type, stream: stream(event, fields: fields, record: r),
                fields: fields + [("source", source(event, record, r, file, digest, values: fields, fields: event.fields))],
                record: record, digest: digest, onceTag: tag, amendment: amendment)
    }

    func amend(_ event: ImportMapping.EventMap, _ record: String, _ fields: [(String, JSONValue)], _ r: SourceRecord,
               _ file: String, _ digest: String) throws(RowError) -> Planned {
        var values = fields.filter { event.amendCarries.contains($0.0) }
        var used: [DefaultUse] = []
        for (name, f) in event.amendFields {
            if let v = try evaluate(f, r.cells, fields: values, used: &used) { values.append((name, v)) }
        }
        let type = event.amendType ?? event.type
        return Planned(event: event, type: type, stream: stream(event, fields: fields, record: r),
                       fields: values + [("source", source(event, record, r, file, digest, values: values, fields: event.fields + event.amendFields))],
                       record: record, digest: digest,
                       onceTag: nil, amendment: true)
    }

    /// The provenance field: mapping, file, row, record, event, digest, and for local times converted to
    /// UTC the zone and each such field's source text (for the fields `values` holds).
    func source(_ event: ImportMapping.EventMap, _ record: String, _ r: SourceRecord, _ file: String, _ digest: String,
                values: [(String, JSONValue)], fields: [(String, ImportMapping.FieldMap)]) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("mapping", .string(mapping.name)), ("file", .string(file)), ("row", .integer(Int64(r.number))),
            ("record", .string(record)), ("event", .string(event.name)), ("digest", .string(digest))]
        if !joinDigests.isEmpty, fields.contains(where: { if case .join = $0.1.source { true } else { false } }) {
            members.append(("joins", .object(joinDigests)))
        }
        if let zone = event.zone {
            var local: [(String, JSONValue)] = []
            for (name, f) in fields where f.parse == .dateTime && f.split == nil && !(f.timeZone?.isUTC ?? false) {
                guard values.contains(where: { $0.0 == name }), let text = text(raw(f, r.cells)) else { continue }
                local.append((name, .string(text)))
            }
            if !local.isEmpty { members += [("time_zone", .string(zone.name)), ("local_times", .object(local))] }
        }
        return .object(members)
    }

    func stream(_ event: ImportMapping.EventMap, fields: [(String, JSONValue)], record r: SourceRecord) -> String {
        if let t = event.stream { return render(t, r.cells) ?? event.streamPrefix }
        let value = event.streamField.flatMap { f in fields.first { $0.0 == f }?.1.stringValue } ?? ""
        return event.streamPrefix + value
    }

    // MARK: mapping one row

    struct RowError: Error {
        let column: String?
        let reason: String
    }

    /// The events a row makes: (event, record key, fields, digest of type and fields, defaults used).
    func mapRow(_ r: SourceRecord) throws(RowError) -> [(ImportMapping.EventMap, String, [(String, JSONValue)], String, [DefaultUse])] {
        var out: [(ImportMapping.EventMap, String, [(String, JSONValue)], String, [DefaultUse])] = []
        for event in mapping.events {
            guard try conditionsHold(event.when, r.cells) else { continue }
            let keyColumns = event.key.isEmpty ? mapping.record : event.key
            var keyParts: [String] = []
            for c in keyColumns {
                guard let v = text(r.cells[c]), !isPlaceholder(v, nil) else {
                    throw RowError(column: c, reason: "no value in \(c), which identifies the record")
                }
                keyParts.append(v)
            }
            var fields: [(String, JSONValue)] = []
            var used: [DefaultUse] = []
            for (name, f) in event.fields {
                if let v = try evaluate(f, r.cells, fields: fields, used: &used) { fields.append((name, v)) }
            }
            if event.stream == nil, let sf = event.streamField, !fields.contains(where: { $0.0 == sf }) {
                throw RowError(column: event.fields.first { $0.0 == sf }?.1.column, reason: "no value for \(sf), which names the stream of \(event.type)")
            }
            let content = JSONValue.object([("type", .string(event.type)), ("fields", .object(fields))])
            let digest = Hex.encode(SHA256.hash((try? CanonicalJSON.encode(content)) ?? []))
            out.append((event, keyParts.joined(separator: "/"), fields, digest, used))
        }
        return out
    }

    func conditionsHold(_ conditions: [ImportMapping.Condition], _ cells: [String: JSONValue]) throws(RowError) -> Bool {
        for c in conditions {
            let raw = text(cells[c.column])
            let value = raw.flatMap { isPlaceholder($0, nil) ? nil : $0 }
            if let present = c.present, present != (value != nil) { return false }
            if let within = c.within, !(value.map(within.contains) ?? false) { return false }
            if let notWithin = c.notWithin, let value, notWithin.contains(value) { return false }
            if let m = c.matches, !(value.map { m.capture($0) != nil } ?? false) { return false }
        }
        return true
    }

    /// A cell as trimmed text; nil for missing or null.
    func text(_ v: JSONValue?) -> String? {
        switch v {
        case nil, .null?: return nil
        case let .string(s)?: return trimmed(s)
        case let .integer(n)?: return String(n)
        case let .double(d)?: return String(d)
        case let .bool(b)?: return b ? "true" : "false"
        case let v?: return String(decoding: (try? CanonicalJSON.encode(v)) ?? [], as: UTF8.self)
        }
    }

    /// `s` without leading and trailing white space (ASCII quickly; other white space through Foundation).
    func trimmed(_ s: String) -> String {
        let utf8 = s.utf8
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let first = utf8.first, let last = utf8.last else { return s }
        if first < 0x80 && last < 0x80 {
            if !space(first) && !space(last) { return s }
            guard let start = utf8.firstIndex(where: { !space($0) }) else { return "" }
            let end = utf8.lastIndex(where: { !space($0) })!
            let inner = String(s[start...end])
            if let f = inner.utf8.first, let l = inner.utf8.last, f < 0x80, l < 0x80 { return inner }
        }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func isPlaceholder(_ s: String, _ own: Set<String>?) -> Bool {
        s.isEmpty || (own ?? mapping.placeholders).contains(s)
    }

    func render(_ t: ImportMapping.Template, _ cells: [String: JSONValue]) -> String? {
        var out = ""
        for part in t.parts {
            switch part {
            case let .text(s): out += s
            case let .column(c):
                guard let v = text(cells[c]), !isPlaceholder(v, nil) else { return nil }
                out += v
            }
        }
        return out
    }

    /// One field's value for a row, or nil for no value.
    func evaluate(_ f: ImportMapping.FieldMap, _ cells: [String: JSONValue], fields: [(String, JSONValue)],
                  used: inout [DefaultUse]) throws(RowError) -> JSONValue? {
        var result: JSONValue?
        switch f.source {
        case let .constant(v):
            result = v
        case let .lengthOf(other):
            result = fields.first { $0.0 == other }?.1.arrayValue.map { .integer(Int64($0.count)) }
        case let .zip(parts):
            var columns: [(String, [JSONValue?])] = []
            for (name, part) in parts { columns.append((name, try positional(part, cells, used: &used))) }
            let count = columns.map(\.1.count).max() ?? 0
            result = count == 0 ? nil : .array((0..<count).map { i in
                .object(columns.compactMap { name, items in i < items.count ? items[i].map { (name, $0) } : nil })
            })
        case let .join(name, column, first):
            let on = mapping.joins.first { $0.name == name }?.on ?? ""
            var items: [JSONValue] = []
            if let k = text(cells[on]) {
                for row in joined[name]?[k] ?? [] {
                    if let v = try scalar(f, row[column], used: &used), !items.contains(v) { items.append(v) }
                    if first && !items.isEmpty { break }
                }
            }
            result = first ? items.first : items.isEmpty ? nil : .array(items)
        case .column, .firstOf, .template:
            if f.split != nil {
                let items = try positional(f, cells, used: &used).compactMap { $0 }
                result = items.isEmpty ? nil : .array(items)
            } else {
                result = try scalar(f, raw(f, cells), used: &used)
            }
        }
        return result ?? f.ifAbsent
    }

    func raw(_ f: ImportMapping.FieldMap, _ cells: [String: JSONValue]) -> JSONValue? {
        switch f.source {
        case let .column(c): return cells[c]
        case let .firstOf(cs):
            for c in cs {
                if let v = cells[c], let s = text(v), !isPlaceholder(s, f.placeholders) { return v }
            }
            return nil
        case let .template(t): return render(t, cells).map(JSONValue.string)
        default: return nil
        }
    }

    /// The items of a split cell, by position (a blank or placeholder item is nil; trailing ones are dropped).
    func positional(_ f: ImportMapping.FieldMap, _ cells: [String: JSONValue], used: inout [DefaultUse]) throws(RowError) -> [JSONValue?] {
        let value = raw(f, cells)
        var pieces: [JSONValue]
        if case let .array(a)? = value {
            pieces = a
        } else if let s = text(value), !s.isEmpty, let separator = f.split {
            if separator.count == 1, let c = separator.first {
                pieces = s.split(separator: c, omittingEmptySubsequences: false).map { .string(String($0)) }
            } else {
                pieces = s.components(separatedBy: separator).map(JSONValue.string)
            }
        } else {
            return []
        }
        var items = try pieces.map { p throws(RowError) in try scalar(f, p, used: &used) }
        while let last = items.last, last == nil { items.removeLast() }
        return items
    }

    /// Local date-time layouts read without a date_format (only in a time zone).
    static let localLayouts = [try! DateFormat("YYYY-MM-DDThh:mm:ss", at: ""), try! DateFormat("YYYY-MM-DD hh:mm:ss", at: ""),
                               try! DateFormat("YYYY-MM-DDThh:mm", at: ""), try! DateFormat("YYYY-MM-DD hh:mm", at: "")]

    /// One value through placeholders, match, translate, parse and slug.
    func scalar(_ f: ImportMapping.FieldMap, _ value: JSONValue?, used: inout [DefaultUse]) throws(RowError) -> JSONValue? {
        guard let value, value != .null else { return nil }
        if case .string = value {} else if f.translate == nil && f.parse == nil && f.match == nil && !f.slug { return value }
        guard var s = text(value), !isPlaceholder(s, f.placeholders) else { return nil }
        if let m = f.match {
            guard let captured = m.capture(s) else { return nil }
            s = trimmed(captured)
            if s.isEmpty { return nil }
        }
        if let table = f.translate {
            if let v = table[s] { return v }
            if let fallback = f.fallback {
                used.append(DefaultUse(column: f.column ?? "", value: s, to: fallback))
                return fallback
            }
        }
        let column = f.column ?? "?"
        switch f.parse {
        case .integer?:
            guard let n = Int64(s) else { throw RowError(column: column, reason: "\"\(s)\" is not a whole number") }
            return .integer(n)
        case .number?:
            if let n = Int64(s) { return .integer(n) }
            guard let d = Double(s), d.isFinite else { throw RowError(column: column, reason: "\"\(s)\" is not a number") }
            return .double(d)
        case .boolean?:
            switch s.lowercased() {
            case "true", "yes", "y", "1": return .bool(true)
            case "false", "no", "n", "0": return .bool(false)
            default: throw RowError(column: column, reason: "\"\(s)\" is not yes/no or true/false")
            }
        case .date?:
            if let format = f.dateFormat {
                guard let v = format.read(s) else { throw RowError(column: column, reason: "\"\(s)\" is not a date in the form \(format.source)") }
                return .string(String(format: "%04d-%02d-%02d", v[0], v[1], v[2]))
            }
            guard CalendarDate(s) != nil else { throw RowError(column: column, reason: "\"\(s)\" is not a date (YYYY-MM-DD)") }
            return .string(s)
        case .dateTime?:
            let zone = (f.timeZone ?? mapping.timeZone).flatMap { $0.isUTC ? nil : $0 }
            var local: [Int]? = nil
            if let format = f.dateFormat {
                guard let v = format.read(s) else { throw RowError(column: column, reason: "\"\(s)\" is not a date and time in the form \(format.source)") }
                local = v
            } else if Timestamp(rfc3339: s, precision: .secondsOrMilliseconds) != nil {
                return .string(s)
            } else if let utc = Timestamp(rfc3339WithOffset: s) {
                return .string(utc.rfc3339)
            } else if let v = Self.localLayouts.lazy.compactMap({ $0.read(s) }).first {
                guard zone != nil else {
                    throw RowError(column: column, reason: "\"\(s)\" has no time zone: give the mapping (or this field) a time_zone, e.g. \"America/Chicago\", or write it in UTC with Z")
                }
                local = v
            } else {
                throw RowError(column: column, reason: "\"\(s)\" is not an RFC 3339 date and time (2009-03-14T10:15:00Z, or with an offset)")
            }
            guard let v = local else { return nil }
            guard let zone else { return .string(String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", v[0], v[1], v[2], v[3], v[4], v[5])) }
            guard let utc = zone.utc(v) else {
                throw RowError(column: column, reason: "\"\(s)\" does not exist in \(zone.name): the clocks went forward over that hour")
            }
            return .string(utc.rfc3339)
        case .text?, nil:
            break
        }
        if f.slug {
            var out = ""
            var dash = false
            for ch in s.lowercased().unicodeScalars {
                if ("a"..."z").contains(ch) || ("0"..."9").contains(ch) {
                    if dash && !out.isEmpty { out += "-" }
                    out.unicodeScalars.append(ch)
                    dash = false
                } else {
                    dash = true
                }
            }
            return out.isEmpty ? nil : .string(out)
        }
        return .string(s)
    }
}

/// Work started on another thread; ``wait()`` returns its result. For a value handed to one thread
/// and back, never shared while it runs.
final class Background<T>: @unchecked Sendable {
    private var result: Result<T, any Error>? = nil
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping () throws -> T) {
        nonisolated(unsafe) let body = body
        Thread.detachNewThread { [self] in
            result = Result { try body() }
            done.signal()
        }
    }

    func wait() throws -> T {
        done.wait()
        return try result!.get()
    }
}
