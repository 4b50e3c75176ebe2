public import BlotterFormat
public import BlotterLog
/// Sealing under legal authority: a `record.sealed` statement names entries (and optionally fields of
/// them) whose disclosures are destroyed in the same transaction that appends it. The entries, their
/// digests, the chain, the tree and every checkpoint are untouched, so the log still verifies; only
/// the values are gone. The rows of the projections that the sealed entries' streams built are
/// rebuilt from what remains in that same transaction (a projection may hold a copy of a sealed
/// value), and `blotter seal` then compacts the file so no deleted page keeps a copy.
public enum Sealing {
    /// Types whose disclosures the ledger itself depends on, or that record sealing and publication:
    /// they cannot be sealed.
    public static let unsealable: Set<String> = ["ledger.created", "key.registered", "key.revoked", "schema.registered",
                                                 "record.sealed", "disclosure.published"]

    /// The entries and fields a `record.sealed` event names; nil fields = the whole entry.
    static func targets(_ e: LedgerEvent) -> (entries: [Int64], fields: [String]?) {
        let entries = e.values["entries"]?.arrayValue?.compactMap(\.integerValue) ?? []
        let fields = e.values["fields"]?.arrayValue?.compactMap(\.stringValue)
        return (entries, fields?.isEmpty == true ? nil : fields)
    }

    /// Append-time rule `seal-target`: every named entry exists before this one, is of a type that can
    /// be sealed, and commits every named field.
    static func check(_ e: LedgerEvent, _ db: any LedgerReading) throws {
        let (entries, fields) = targets(e)
        for seq in entries {
            guard seq < e.seq, let stored = try db.entryBytes(from: seq, limit: 1).first, stored.seq == seq else {
                throw CaseRules.refuse("seal-target", "entry \(seq) does not exist (the ledger has \(e.seq) entries before this seal)")
            }
            let statement = try Entry.parse(stored: stored.bytes).entry.statement
            if unsealable.contains(statement.type) {
                throw CaseRules.refuse("seal-target", "entry \(seq) is a \(statement.type) statement, which cannot be sealed (the ledger depends on its values)")
            }
            for field in fields ?? [] where statement.fields[field] == nil {
                throw CaseRules.refuse("seal-target", "entry \(seq) (\(statement.type)) has no field \"\(field)\"; it has \(statement.fields.keys.sorted().joined(separator: ", "))")
            }
        }
    }

    /// Destroys the disclosures the event names.
    /// - Returns: the streams of the entries they belonged to.
    static func destroy(_ e: LedgerEvent, _ db: any LedgerWriting) throws -> Set<String> {
        let (entries, fields) = targets(e)
        var streams: Set<String> = []
        for seq in entries {
            try db.destroyDisclosures(seq: seq, fields: fields)
            if let stored = try db.entryBytes(from: seq, limit: 1).first, stored.seq == seq {
                streams.insert(try Entry.parse(stored: stored.bytes).entry.statement.stream)
            }
        }
        return streams
    }

    /// The sealed-fields projection: one row per sealed field (`*` for a whole entry).
    static func project(_ e: LedgerEvent, _ db: any ProjectionWriting) throws {
        let (entries, fields) = targets(e)
        for seq in entries {
            for field in fields ?? ["*"] {
                try db.putSealed(seq: seq, field: field, sealedSeq: e.seq, authority: e.string("authority"), actor: e.actor, at: e.at)
            }
        }
    }
}
