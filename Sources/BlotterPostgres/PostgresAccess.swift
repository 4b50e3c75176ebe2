internal import BlotterCrypto
internal import BlotterDomain
internal import BlotterSQL
internal import BlotterFormat
internal import BlotterLog
internal import PostgresNIO

/// Reads and writes inside one transaction that ``PostgresStore`` opened.
///
/// Appended entries, their disclosures, tree hashes and stream versions are held here and sent as
/// one `unnest` insert per table (``flush()``) before anything reads those tables and at commit.
/// Statements on the derived tables are sent without waiting (pipelined); ``drain()`` waits for
/// them and throws the first failure. Look-ups that append makes for every statement (`count`, a
/// replay's nonce, a stream version, a tree hash) consult what is held first, so they need no flush.
final class PostgresAccess: LedgerWriting, SQLConnection, ProjectionWriting {
    let store: PostgresStore
    let connection: PostgresConnection
    /// Entries in the ledger, those held here included.
    private(set) var size: Int64
    /// The size when the savepoint was made, which a rollback to it restores.
    private var savepointSize: Int64 = 0

    /// What this transaction appended and has not sent yet.
    private var held = Held()
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []
    /// Statements on the derived tables not sent yet: sent together (``sendScript()``) before
    /// anything else is sent, so the order on the connection is the order they were made in.
    private var script: [(text: String, values: [SQLValue])] = []
    /// How many statements a script holds at most before it is sent.
    private static let scriptLimit = 256
    /// Queries sent ahead (``prefetch(_:)``) by their text and arguments, not yet asked for.
    private var fetchedAhead: [FetchKey: EventLoopFuture<PostgresQueryResult>] = [:]

    private struct FetchKey: Hashable {
        let sql: String
        let arguments: [SQLValue]
    }

    private struct TreeKey: Hashable {
        let level: Int
        let index: Int64
    }

    /// Appended entries, their disclosures, stream versions and tree hashes, as the columns of the
    /// `unnest` inserts that ``flush()`` sends, and the look-ups append makes into them.
    private struct Held {
        var entrySeqs: [Int64] = []
        var entryBytes: [[UInt8]] = []
        var entryTypes: [String] = []
        var entryStreams: [String] = []
        var entryVersions: [Int64] = []
        var entryActors: [String] = []
        var entryKeys: [String] = []
        var entryAts: [String] = []
        var entryNonces: [String] = []
        var entryRecorded: [String] = []
        var heldNonces: [String: Int64] = [:]
        var disclosureSeqs: [Int64] = []
        var disclosureFields: [String] = []
        var disclosureTexts: [String] = []
        var streamVersions: [String: Int64] = [:]
        var treeLevels: [Int64] = []
        var treeIndexes: [Int64] = []
        var treeHashesHeld: [[UInt8]] = []
        var heldTree: [TreeKey: TreeHash] = [:]
    }

    /// The log's own tables: a statement naming one is sent only after what is held was flushed.
    private static let logTables: Set<String> = ["entries", "disclosures", "streams", "tree_hashes", "keys", "checkpoints"]

    init(store: PostgresStore, connection: PostgresConnection, size: Int64) {
        self.store = store
        self.connection = connection
        self.size = size
    }

    // MARK: sending

    func send(_ sql: String, _ values: [SQLValue]) {
        sendScript()
        fetchedAhead = [:]
        pending.append(store.send(connection, sql, binds: values.map(PostgresValue.init)))
    }

    private func send(_ sql: String, binds: [PostgresValue]) {
        sendScript()
        fetchedAhead = [:]
        pending.append(store.send(connection, sql, binds: binds))
    }

    /// Sends the statements held in ``script``: one alone with its bindings, several as one `DO`
    /// block (one round trip; ``PostgresScript``), or each with its bindings if one of them cannot
    /// be written with literals.
    private func sendScript() {
        guard !script.isEmpty else { return }
        let held = script
        script = []
        if held.count > 1 {
            let inlined = held.compactMap { PostgresScript.inline($0.text, $0.values) }
            if inlined.count == held.count {
                pending.append(store.send(connection, PostgresScript.block(inlined), binds: []))
                return
            }
        }
        for statement in held {
            pending.append(store.send(connection, statement.text, binds: statement.values.map(PostgresValue.init)))
        }
    }

    /// Waits for every statement sent; throws the first failure.
    func drain() throws {
        sendScript()
        let futures = pending
        pending = []
        _ = try store.waitAll(futures, on: connection)
    }

    /// Runs a statement and waits for it, after everything sent before it.
    private func query(_ sql: String, _ binds: [PostgresValue] = []) throws -> [PostgresRandomAccessRow] {
        try drain()
        return try store.run(connection, sql, binds: binds).rows.map { $0.makeRandomAccess() }
    }

    /// Sends what is held as one insert per table.
    func flush() throws {
        if !held.entrySeqs.isEmpty {
            send("""
                INSERT INTO entries (seq, bytes, type, stream, stream_version, actor, key_id, at, nonce, recorded)
                SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                """, binds: [.integerArray(held.entrySeqs), .bytesArray(held.entryBytes), .textArray(held.entryTypes), .textArray(held.entryStreams),
                             .integerArray(held.entryVersions), .textArray(held.entryActors), .textArray(held.entryKeys), .textArray(held.entryAts),
                             .textArray(held.entryNonces), .textArray(held.entryRecorded)])
        }
        if !held.disclosureSeqs.isEmpty {
            send("INSERT INTO disclosures (seq, field, disclosure) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])",
                 binds: [.integerArray(held.disclosureSeqs), .textArray(held.disclosureFields), .textArray(held.disclosureTexts)])
        }
        if !held.streamVersions.isEmpty {
            let streams = Array(held.streamVersions.keys)
            send("""
                INSERT INTO streams (stream, version) SELECT * FROM unnest($1::text[], $2::bigint[])
                ON CONFLICT (stream) DO UPDATE SET version = EXCLUDED.version
                """, binds: [.textArray(streams), .integerArray(streams.map { held.streamVersions[$0]! })])
        }
        if !held.treeLevels.isEmpty {
            send("INSERT INTO tree_hashes (level, idx, hash) SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bytea[])",
                 binds: [.integerArray(held.treeLevels), .integerArray(held.treeIndexes), .bytesArray(held.treeHashesHeld)])
        }
        held = Held()
    }

    // MARK: LedgerReading

    func count() throws -> Int64 { size }

    func entries(from seq: Int64, limit: Int) throws -> [StoredEntry] {
        let rows = try entryBytes(from: seq, limit: limit)
        guard let first = rows.first, let last = rows.last else { return [] }
        let disclosures = try disclosures(first.seq, last.seq)
        return rows.map { StoredEntry(seq: $0.seq, bytes: $0.bytes, disclosures: disclosures[$0.seq] ?? [:]) }
    }

    private func disclosures(_ first: Int64, _ last: Int64) throws -> [Int64: [String: String]] {
        var out: [Int64: [String: String]] = [:]
        for row in try query("SELECT seq, field, disclosure FROM disclosures WHERE seq BETWEEN $1 AND $2", [.integer(first), .integer(last)]) {
            out[try row[0].decode(Int64.self), default: [:]][try row[1].decode(String.self)] = try row[2].decode(String.self)
        }
        return out
    }

    func entryBytes(from seq: Int64, limit: Int) throws -> [(seq: Int64, bytes: [UInt8])] {
        try flush()
        return try query("SELECT seq, bytes FROM entries WHERE seq >= $1 ORDER BY seq LIMIT $2", [.integer(seq), .integer(Int64(limit))]).map {
            (try $0[0].decode(Int64.self), try $0[1].bytesValue())
        }
    }

    func entry(keyID: String, at: String, nonce: String) throws -> Int64? {
        if let held = held.heldNonces[nonceKey(keyID: keyID, at: at, nonce: nonce)] { return held }
        return try query("SELECT seq FROM entries WHERE at = $1 AND nonce = $2 AND key_id = $3", [.text(at), .text(nonce), .text(keyID)])
            .first.map { try $0[0].decode(Int64.self) }
    }

    func entries(nonces: [(keyID: String, at: String, nonce: String)]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for n in nonces { if let held = held.heldNonces[nonceKey(keyID: n.keyID, at: n.at, nonce: n.nonce)] { out[nonceKey(keyID: n.keyID, at: n.at, nonce: n.nonce)] = held } }
        guard !nonces.isEmpty else { return out }
        out.merge(try Self.replays(try query(Self.noncesSQL, Self.nonceBinds(nonces)))) { _, stored in stored }
        return out
    }

    /// The three look-ups sent together and waited for once (after what is held is flushed, so
    /// the tables answer for it).
    func batchLookups(nonces: [(keyID: String, at: String, nonce: String)], streams: [String], keyIDs: [String]) throws -> BatchLookups {
        try flush()
        try drain()
        let rows = try store.waitAll([
            store.send(connection, Self.noncesSQL, binds: Self.nonceBinds(nonces)),
            store.send(connection, Self.streamsSQL, binds: [.textArray(streams)]),
            store.send(connection, Self.keysSQL, binds: [.textArray(keyIDs)]),
        ], on: connection).map { $0.rows.map { $0.makeRandomAccess() } }
        var versions = Dictionary(uniqueKeysWithValues: Set(streams).map { ($0, Int64(0)) })
        versions.merge(try Self.versions(rows[1])) { _, stored in stored }
        return BatchLookups(nonces: try Self.replays(rows[0]), streamVersions: versions, keys: try Self.keyRecords(rows[2]))
    }

    private static func nonceBinds(_ nonces: [(keyID: String, at: String, nonce: String)]) -> [PostgresValue] {
        [.textArray(nonces.map(\.at)), .textArray(nonces.map(\.nonce)), .textArray(nonces.map(\.keyID))]
    }

    /// The rows of ``noncesSQL`` by ``nonceKey(keyID:at:nonce:)``.
    private static func replays(_ rows: [PostgresRandomAccessRow]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in rows {
            out[nonceKey(keyID: try row[0].decode(String.self), at: try row[1].decode(String.self), nonce: try row[2].decode(String.self))] = try row[3].decode(Int64.self)
        }
        return out
    }

    /// The rows of ``streamsSQL`` by stream.
    private static func versions(_ rows: [PostgresRandomAccessRow]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in rows { out[try row[0].decode(String.self)] = try row[1].decode(Int64.self) }
        return out
    }

    /// The rows of ``keysSQL`` by key id.
    private static func keyRecords(_ rows: [PostgresRandomAccessRow]) throws -> [String: KeyRecord] {
        var out: [String: KeyRecord] = [:]
        for row in rows {
            let record = try keyRecord(row)
            out[record.keyID] = record
        }
        return out
    }

    static let noncesSQL = """
        SELECT e.key_id, e.at, e.nonce, e.seq FROM unnest($1::text[], $2::text[], $3::text[]) AS n(at, nonce, key_id)
        JOIN entries e ON e.at = n.at AND e.nonce = n.nonce AND e.key_id = n.key_id
        """
    static let streamsSQL = "SELECT stream, version FROM streams WHERE stream = ANY($1)"
    static let keysSQL = "SELECT key_id, actor, spki, roles, registered_seq, revoked_seq FROM keys WHERE key_id = ANY($1)"

    func streamVersions(_ streams: [String]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for s in streams { out[s] = held.streamVersions[s] ?? 0 }
        let unknown = streams.filter { held.streamVersions[$0] == nil }
        guard !unknown.isEmpty else { return out }
        out.merge(try Self.versions(try query(Self.streamsSQL, [.textArray(unknown)]))) { _, stored in stored }
        return out
    }

    func summaries(from seq: Int64, limit: Int, stream: String?) throws -> [EntrySummary] {
        try flush()
        let rows = try stream.map {
            try query("SELECT seq, type, stream, stream_version, actor, recorded FROM entries WHERE stream = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
                      [.text($0), .integer(seq), .integer(Int64(limit))])
        } ?? query("SELECT seq, type, stream, stream_version, actor, recorded FROM entries WHERE seq >= $1 ORDER BY seq LIMIT $2",
                   [.integer(seq), .integer(Int64(limit))])
        return try rows.map {
            EntrySummary(seq: try $0[0].decode(Int64.self), type: try $0[1].decode(String.self), stream: try $0[2].decode(String.self),
                         streamVersion: try $0[3].decode(Int64.self), actor: try $0[4].decode(String.self), recorded: try $0[5].decode(String.self))
        }
    }

    func summaries(type: String, before size: Int64) throws -> [EntrySummary] {
        try flush()
        return try query("SELECT seq, type, stream, stream_version, actor, recorded FROM entries WHERE type = $1 AND seq < $2 ORDER BY seq",
                         [.text(type), .integer(size)]).map {
            EntrySummary(seq: try $0[0].decode(Int64.self), type: try $0[1].decode(String.self), stream: try $0[2].decode(String.self),
                         streamVersion: try $0[3].decode(Int64.self), actor: try $0[4].decode(String.self), recorded: try $0[5].decode(String.self))
        }
    }

    func keyIDs(from first: Int64, through last: Int64) throws -> [(seq: Int64, keyID: String)] {
        try flush()
        return try query("SELECT seq, key_id FROM entries WHERE seq BETWEEN $1 AND $2 ORDER BY seq", [.integer(first), .integer(last)]).map {
            (try $0[0].decode(Int64.self), try $0[1].decode(String.self))
        }
    }

    func domainEntries(stream: String, before size: Int64) throws -> [DomainEntryRow] {
        try flush()
        let rows = try query("SELECT seq, type, stream, actor, at, recorded FROM entries WHERE stream = $1 AND seq < $2 ORDER BY seq",
                             [.text(stream), .integer(size)])
        var disclosures: [Int64: [String: String]] = [:]
        for row in try query("""
            SELECT d.seq, d.field, d.disclosure FROM entries e JOIN disclosures d ON d.seq = e.seq WHERE e.stream = $1 AND e.seq < $2
            """, [.text(stream), .integer(size)]) {
            disclosures[try row[0].decode(Int64.self), default: [:]][try row[1].decode(String.self)] = try row[2].decode(String.self)
        }
        return try rows.map {
            let s = try $0[0].decode(Int64.self)
            return DomainEntryRow(seq: s, type: try $0[1].decode(String.self), stream: try $0[2].decode(String.self), actor: try $0[3].decode(String.self),
                                  at: try $0[4].decode(String.self), recorded: try $0[5].decode(String.self), disclosures: disclosures[s] ?? [:])
        }
    }

    func keyRecord(_ keyID: String) throws -> KeyRecord? {
        try query("SELECT key_id, actor, spki, roles, registered_seq, revoked_seq FROM keys WHERE key_id = $1", [.text(keyID)])
            .first.map(Self.keyRecord)
    }

    func keyStatementSeqs(after seq: Int64) throws -> [Int64] {
        try flush()
        return try query("SELECT seq FROM entries WHERE \(KeyStatementSQL.condition) AND seq > $1 ORDER BY seq", [.integer(seq)])
            .map { try $0[0].decode(Int64.self) }
    }

    func allKeys() throws -> [KeyRecord] {
        try query("SELECT key_id, actor, spki, roles, registered_seq, revoked_seq FROM keys ORDER BY registered_seq").map(Self.keyRecord)
    }

    static func keyRecord(_ row: PostgresRandomAccessRow) throws -> KeyRecord {
        let roles = try row[3].decode(String.self).split(separator: ",").map(String.init)
        return KeyRecord(keyID: try row[0].decode(String.self), actor: try row[1].decode(String.self),
                         publicKey: try PublicKey.decoded(spkiDER: try row[2].bytesValue()), roles: roles,
                         registeredSeq: try row[4].decode(Int64.self), revokedSeq: try row[5].decode(Int64?.self))
    }

    func streamVersion(_ stream: String) throws -> Int64 {
        if let held = held.streamVersions[stream] { return held }
        return try query("SELECT version FROM streams WHERE stream = $1", [.text(stream)]).first.map { try $0[0].decode(Int64.self) } ?? 0
    }

    func treeHash(level: Int, index: Int64) throws -> TreeHash? {
        if let held = held.heldTree[TreeKey(level: level, index: index)] { return held }
        return try query("SELECT hash FROM tree_hashes WHERE level = $1 AND idx = $2", [.integer(Int64(level)), .integer(index)])
            .first.flatMap { TreeHash(bytes: try $0[0].bytesValue()) }
    }

    func treeHashes(level: Int, indexes: Range<Int64>) throws -> [TreeHash?] {
        try flush()
        var out = [TreeHash?](repeating: nil, count: indexes.count)
        for row in try query("SELECT idx, hash FROM tree_hashes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                             [.integer(Int64(level)), .integer(indexes.lowerBound), .integer(indexes.upperBound)]) {
            let index = try row[0].decode(Int64.self)
            guard let hash = TreeHash(bytes: try row[1].bytesValue()) else {
                throw BlotterError(.storage, "the stored tree hash at level \(level), index \(index) is not 32 bytes")
            }
            out[Int(index - indexes.lowerBound)] = hash
        }
        return out
    }

    func treeHashes(at positions: [(level: Int, index: Int64)]) throws -> [TreeHash?] {
        var out = positions.map { held.heldTree[TreeKey(level: $0.level, index: $0.index)] }
        let missing = positions.indices.filter { out[$0] == nil }
        guard !missing.isEmpty else { return out }
        var found: [TreeKey: TreeHash] = [:]
        for row in try query("""
            SELECT t.level, t.idx, t.hash FROM unnest($1::integer[], $2::bigint[]) AS p(level, idx)
            JOIN tree_hashes t ON t.level = p.level AND t.idx = p.idx
            """, [.integerArray(missing.map { Int64(positions[$0].level) }), .integerArray(missing.map { positions[$0].index })]) {
            let level = Int(try row[0].decode(Int32.self)), index = try row[1].decode(Int64.self)
            guard let hash = TreeHash(bytes: try row[2].bytesValue()) else {
                throw BlotterError(.storage, "the stored tree hash at level \(level), index \(index) is not 32 bytes")
            }
            found[TreeKey(level: level, index: index)] = hash
        }
        for i in missing { out[i] = found[TreeKey(level: positions[i].level, index: positions[i].index)] }
        return out
    }

    func keyRecords(_ keyIDs: [String]) throws -> [String: KeyRecord] {
        guard !keyIDs.isEmpty else { return [:] }
        return try Self.keyRecords(try query(Self.keysSQL, [.textArray(keyIDs)]))
    }

    func treeHashCount() throws -> Int64 {
        try flush()
        return try query("SELECT COUNT(*) FROM tree_hashes").first.map { try $0[0].decode(Int64.self) } ?? 0
    }

    func checkpoints() throws -> [(size: Int64, note: String)] {
        try query("SELECT size, note FROM checkpoints ORDER BY size").map { (try $0[0].decode(Int64.self), try $0[1].decode(String.self)) }
    }

    func latestCheckpoint() throws -> (size: Int64, note: String)? {
        try query("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").first.map { (try $0[0].decode(Int64.self), try $0[1].decode(String.self)) }
    }

    func hasTable(_ name: String) throws -> Bool {
        try !query("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1", [.text(name)]).isEmpty
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        let rows: [PostgresRandomAccessRow]
        if let ahead = fetchedAhead.removeValue(forKey: FetchKey(sql: sql, arguments: arguments)) {
            rows = try store.wait(ahead, on: connection).rows.map { $0.makeRandomAccess() }
        } else {
            let statement = store.statementText(sql)
            if statement.namesLogTable { try flush() }
            rows = try query(statement.translated.sql, arguments.map(PostgresValue.init))
        }
        return try rows.map { row in try row.map { try $0.sqlValue() } }
    }

    /// Sends `queries` now, each after what was sent before it, without waiting; ``rows(_:_:)`` takes
    /// their answers. Only in a transaction that holds and has sent no writes of its own (a read), and
    /// not for the log's tables; anything this transaction writes afterwards drops them (they were
    /// sent before it, so they would not see it).
    func prefetch(_ queries: [(sql: String, arguments: [SQLValue])]) throws {
        guard held.entrySeqs.isEmpty, script.isEmpty, pending.isEmpty else { return }
        for (sql, arguments) in queries {
            let statement = store.statementText(sql)
            guard !statement.namesLogTable, statement.returnsRows else { continue }
            fetchedAhead[FetchKey(sql: sql, arguments: arguments)] = store.send(connection, statement.translated.sql, binds: arguments.map(PostgresValue.init))
        }
    }

    func domainEntries(from seq: Int64, limit: Int) throws -> [DomainEntryRow] {
        try flush()
        let rows = try query("SELECT seq, type, stream, actor, at, recorded FROM entries WHERE seq >= $1 ORDER BY seq LIMIT $2",
                             [.integer(seq), .integer(Int64(limit))])
        guard let first = rows.first, let last = rows.last else { return [] }
        let disclosures = try disclosures(try first[0].decode(Int64.self), try last[0].decode(Int64.self))
        return try rows.map {
            let s = try $0[0].decode(Int64.self)
            return DomainEntryRow(seq: s, type: try $0[1].decode(String.self), stream: try $0[2].decode(String.self), actor: try $0[3].decode(String.self),
                                  at: try $0[4].decode(String.self), recorded: try $0[5].decode(String.self), disclosures: disclosures[s] ?? [:])
        }
    }

    // MARK: LedgerWriting

    func insert(seq: Int64, bytes: [UInt8], statement: Statement, streamVersion: Int64, recorded: String, disclosures: [Disclosure]) throws {
        guard seq == size else { throw BlotterError(.storage, "entry \(seq) would not follow the ledger's \(size) entries") }
        held.entrySeqs.append(seq); held.entryBytes.append(bytes); held.entryTypes.append(statement.type); held.entryStreams.append(statement.stream)
        held.entryVersions.append(streamVersion); held.entryActors.append(statement.actor); held.entryKeys.append(statement.key)
        held.entryAts.append(statement.at); held.entryNonces.append(statement.nonce); held.entryRecorded.append(recorded)
        held.heldNonces[nonceKey(keyID: statement.key, at: statement.at, nonce: statement.nonce)] = seq
        for d in disclosures {
            held.disclosureSeqs.append(seq); held.disclosureFields.append(d.name); held.disclosureTexts.append(d.encoded)
        }
        held.streamVersions[statement.stream] = streamVersion
        size += 1
    }

    func insertKey(_ record: KeyRecord) throws {
        send("INSERT INTO keys (key_id, actor, spki, roles, registered_seq, revoked_seq) VALUES ($1, $2, $3, $4, $5, NULL)",
             binds: [.text(record.keyID), .text(record.actor), .bytes(record.publicKey.spkiDER), .text(record.roles.joined(separator: ",")),
                     .integer(record.registeredSeq)])
    }

    func revokeKey(_ keyID: String, seq: Int64) throws {
        send("UPDATE keys SET revoked_seq = $1 WHERE key_id = $2", binds: [.integer(seq), .text(keyID)])
    }

    func insertTreeHash(level: Int, index: Int64, hash: TreeHash) throws {
        held.treeLevels.append(Int64(level)); held.treeIndexes.append(index); held.treeHashesHeld.append(hash.bytes)
        held.heldTree[TreeKey(level: level, index: index)] = hash
    }

    func insertCheckpoint(size: Int64, note: String) throws {
        send("INSERT INTO checkpoints (size, note) VALUES ($1, $2)", binds: [.integer(size), .text(note)])
    }

    func destroyDisclosures(seq: Int64, fields: [String]?) throws -> Int {
        try flush()
        try drain()
        let result = try fields.map {
            try store.run(connection, "DELETE FROM disclosures WHERE seq = $1 AND field = ANY($2)", binds: [.integer(seq), .textArray($0)])
        } ?? store.run(connection, "DELETE FROM disclosures WHERE seq = $1", binds: [.integer(seq)])
        return result.metadata.rows ?? 0
    }

    func savepoint() throws {
        try flush()
        savepointSize = size
        send("SAVEPOINT blotter_group", binds: [])
    }

    func releaseSavepoint() throws {
        send("RELEASE SAVEPOINT blotter_group", binds: [])
    }

    func rollbackToSavepoint() throws {
        // What is held was appended after the savepoint (which flushed): drop it, and what was sent
        // (entries flushed since are rolled back with it, so the size is the savepoint's).
        size = savepointSize
        held = Held()
        fetchedAhead = [:]  // they may hold writes the rollback undoes
        try? drain()
        _ = try store.run(connection, "ROLLBACK TO SAVEPOINT blotter_group")
        _ = try store.run(connection, "RELEASE SAVEPOINT blotter_group")
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        fetchedAhead = [:]  // sent before this write, they would not see it
        let statement = store.statementText(sql)
        if statement.namesLogTable { try flush() }
        let text: String
        if let finished = statement.finished {
            text = finished
        } else if let known = store.replaceText(sql) {
            text = known
        } else if case let .replace(table, _) = statement.translated.conflict {
            var shape = store.cachedShape(table)
            if shape == nil {
                try drain()
                shape = try store.shape(table, connection)
            }
            text = PostgresDialect.finish(statement.translated, shape: shape)
            if shape != nil { store.keepReplaceText(sql, text) }
        } else {
            text = PostgresDialect.finish(statement.translated, shape: nil)
        }
        if statement.changesTables || statement.returnsRows {
            // (plpgsql refuses a SELECT whose rows go nowhere; a table's shape is looked up after DDL.)
            if statement.changesTables { store.forgetShapes() }
            send(text, arguments)
        } else {
            script.append((text, arguments))
            if script.count >= Self.scriptLimit { sendScript() }
        }
    }

    static func namesLogTable(_ sql: String) -> Bool {
        var word = ""
        for c in sql.utf8 {
            if (c >= 97 && c <= 122) || c == 95 || (c >= 48 && c <= 57) {
                word.unicodeScalars.append(Unicode.Scalar(c))
            } else {
                if !word.isEmpty, logTables.contains(word) { return true }
                word = ""
            }
        }
        return !word.isEmpty && logTables.contains(word)
    }
}

/// One statement of the derived tables' SQL, translated into PostgreSQL's dialect, with what
/// sending it needs to know (``PostgresStore/statementText(_:)`` keeps one per text).
struct PostgresStatementText: Sendable {
    let translated: PostgresDialect.Translated
    /// Whether it names one of the log's own tables, so what is held must be flushed before it.
    let namesLogTable: Bool
    /// The text as sent, unless it is an `INSERT OR REPLACE` (which needs its table's shape).
    let finished: String?
    /// `CREATE TABLE` or `DROP TABLE`: the tables' shapes must be looked up again after it.
    let changesTables: Bool
    /// `SELECT` or `WITH`: not for a ``PostgresScript`` block.
    let returnsRows: Bool

    init(_ sql: String) {
        translated = PostgresDialect.translate(sql)
        namesLogTable = PostgresAccess.namesLogTable(sql)
        if case .replace = translated.conflict { finished = nil } else { finished = PostgresDialect.finish(translated, shape: nil) }
        let upper = sql.prefix(20).uppercased()
        changesTables = upper.hasPrefix("CREATE TABLE") || upper.hasPrefix("DROP TABLE")
        let start = upper.drop(while: { $0 == " " || $0 == "\n" || $0 == "(" })
        returnsRows = start.hasPrefix("SELECT") || start.hasPrefix("WITH")
    }
}
