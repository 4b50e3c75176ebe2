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

extension Projector {
    /// Drops and re-creates every projection table and applies entries `0 ..< total` in log order,
    /// inside the caller's transaction (a rebuild, or the append of a `record.sealed` statement).
    static func replay(_ writer: any LedgerWriting, total: Int64, progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try Projector.uninstall(writer)
        try Projector.install(writer)
        var next: Int64 = 0
        let chunk = 8192
        while next < total {
            let rows = try writer.domainEntries(from: next, limit: chunk)
            guard let last = rows.last else { break }
            let events: [Result<LedgerEvent, BlotterError>] = parallelMap(rows.count) { i in
                Result { () throws(BlotterError) -> LedgerEvent in
                    let r = rows[i]
                    var values: [String: JSONValue] = [:]
                    for (name, encoded) in r.disclosures where !Projector.unreadFields.contains(name) || r.seq == 0 {
                        values[name] = try Disclosure.value(ofEncoded: encoded)
                    }
                    return LedgerEvent(seq: r.seq, type: r.type, stream: r.stream, actor: r.actor, at: r.at, recorded: r.recorded, values: values)
                }
            }
            for (i, event) in events.enumerated() {
                switch event {
                case let .success(e): try Projector.apply(e, writer)
                case let .failure(error): throw error.at(seq: rows[i].seq)
                }
            }
            next = last.seq + 1
            progress?(next, total)
        }
        return next
    }
}
