public import BlotterFormat
public import BlotterLog
extension Ledger {
    /// Drops every projection table and builds them again from the log, in one transaction: readers
    /// see the old tables until it commits, and a failure leaves them as they were. Signatures are not
    /// checked again (`blotter verify` does that); disclosures are read and applied in log order by
    /// the same code that appends use.
    /// - Parameter progress: called after each chunk with the number of entries done and the total.
    /// - Returns: the number of entries replayed.
    @discardableResult
    public func rebuildProjections(progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try store.write { writer in
            let total = try writer.count()
            guard let genesis = try writer.domainEntries(from: 0, limit: 1).first, genesis.seq == 0,
                  genesis.disclosures["catalog"] != nil else {
                throw BlotterError(.ledgerState, "this ledger's genesis carries no event catalog, so it has no projections")
            }
            return try Projector.replay(writer, total: total, progress: progress)
        }
    }
}

extension Ledger {
    /// True if this ledger has projections built by an earlier version of Blotter (an older layout).
    public func projectionsOutdated() throws -> Bool {
        try store.read { reader in
            let tables = try reader.projections()
            return try tables.projectionsInstalled() && tables.projectionsLayout() < Projector.layoutVersion
        }
    }

    /// Rebuilds the projections from the log when they were built by an earlier version (an older
    /// layout), in one transaction; nothing else changes.
    /// - Returns: the entries replayed, or nil when the projections were already current.
    @discardableResult
    public func upgradeProjections() throws -> Int64? {
        guard try projectionsOutdated() else { return nil }
        return try rebuildProjections()
    }
}

extension Projector {
    /// The refusal to read projections of an older layout that could not be rebuilt here.
    public static func outdated(_ layout: Int64) -> BlotterError {
        BlotterError(.ledgerState, "this ledger's views were built by an earlier version of Blotter (layout \(layout); this version reads layout \(layoutVersion)); open it once where it can be written, or run `blotter projections rebuild`, and they are rebuilt from the log")
    }

    /// Drops and re-creates every projection table and applies entries `0 ..< total` in log order,
    /// inside the caller's transaction (a rebuild, or the append of a `record.sealed` statement).
    static func replay(_ writer: any LedgerWriting, total: Int64, progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try replay(from: writer, into: writer.projectionWriter(), total: total, progress: progress)
    }

    /// Drops and re-creates the tables of `db` and applies the entries `0 ..< total` that `log` holds:
    /// a rebuild in place (`log` and `db` the same store), or apart (`Ledger.verifyViews`).
    package static func replay(from log: any LedgerReading, into db: any ProjectionWriting, total: Int64,
                               progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try replay(into: db, total: total, progress: progress) { try log.domainEntries(from: $0, limit: $1) }
    }

    /// As ``replay(from:into:total:progress:)``, but reading what each entry's signed bytes say (its
    /// type, stream, actor and times), not the columns a store derived from them: the rebuild that
    /// `blotter verify` compares the stored views with trusts no derived column.
    package static func replayFromBytes(of log: any LedgerReading, into db: any ProjectionWriting, total: Int64) throws -> Int64 {
        try replay(into: db, total: total, progress: nil) { from, limit in
            try log.entries(from: from, limit: limit).map { stored -> DomainEntryRow in
                let entry: Entry
                do throws(BlotterError) { entry = try Entry(bytes: stored.bytes) } catch { throw error.at(seq: stored.seq) }
                let s = entry.statement
                return DomainEntryRow(seq: stored.seq, type: s.type, stream: s.stream, actor: s.actor, at: s.at, recorded: entry.recorded,
                                      disclosures: stored.disclosures)
            }
        }
    }

    static func replay(into db: any ProjectionWriting, total: Int64, progress: ((Int64, Int64) -> Void)?,
                       fetch: (Int64, Int) throws -> [DomainEntryRow]) throws -> Int64 {
        try db.uninstallProjections()
        try db.installProjections()
        var next: Int64 = 0
        let chunk = 8192
        while next < total {
            let rows = try fetch(next, min(chunk, Int(total - next)))
            guard let last = rows.last else { break }
            let events: [Result<LedgerEvent, BlotterError>] = parallelMap(rows.count) { i in
                Result { () throws(BlotterError) -> LedgerEvent in try event(rows[i]) }
            }
            for (i, event) in events.enumerated() {
                switch event {
                case let .success(e): try Projector.apply(e, db)
                case let .failure(error): throw error.at(seq: rows[i].seq)
                }
            }
            next = last.seq + 1
            progress?(next, total)
        }
        return next
    }
}

extension Projector {
    /// A stored entry as the projector applies it when replaying: its disclosures decoded, but for
    /// the fields no projection reads (except in the genesis, whose catalog the domain reads).
    static func event(_ r: DomainEntryRow) throws(BlotterError) -> LedgerEvent {
        var values: [String: JSONValue] = [:]
        for (name, encoded) in r.disclosures where !unreadFields.contains(name) || r.seq == 0 {
            values[name] = try Disclosure.value(ofEncoded: encoded)
        }
        return LedgerEvent(seq: r.seq, type: r.type, stream: r.stream, actor: r.actor, at: r.at, recorded: r.recorded, values: values)
    }

    /// Rebuilds, inside the caller's transaction, only the rows that the entries of `streams` produced,
    /// from what the log holds now: the rows of each stream are deleted (with the officer-history,
    /// import and timeline rows of its entries) and its entries applied again in log order. Used when
    /// a `record.sealed` statement destroys values: time grows with the sealed streams, not the ledger.
    /// - Returns: the number of entries applied again.
    @discardableResult
    static func replay(streams: Set<String>, _ writer: any LedgerWriting) throws -> Int {
        let db = try writer.projectionWriter()
        var replayed = 0
        var complaints: [String] = []
        for stream in streams.sorted() {
            guard let slash = stream.firstIndex(of: "/") else { continue }
            let kind = String(stream[..<slash])
            guard ["complaint", "case", "uof", "bodycam", "officer"].contains(kind) else { continue }
            let id = String(stream[stream.index(after: slash)...])
            // The stream's entries as they are now, in log order (read before its rows are deleted).
            let entries = try writer.domainEntries(stream: stream, before: writer.count())
            try db.deleteRows(ofStream: kind, id: id)
            for r in entries { try db.deleteRows(ofEntry: r.seq) }
            for r in entries { try apply(try event(r), db) }
            replayed += entries.count
            if stream.hasPrefix("complaint/") { complaints.append(id) }
        }
        // The lines of case timelines that show a replayed complaint being received.
        for complaint in complaints {
            for caseID in try db.cases(ofComplaint: complaint) { try timelineComplaint(caseID: caseID, complaint: complaint, db) }
        }
        return replayed
    }
}
