public import BlotterFormat
public import BlotterLog
internal import BlotterCrypto
public import BlotterDomain
internal import BlotterSQL
internal import Foundation
internal import GRDB
internal import Synchronization

/// The embedded ledger store: one SQLite file through GRDB, in WAL mode with
/// `synchronous=FULL`, so that an acknowledged append survives power loss.
///
/// Tables (see docs/FORMAT.md): `entries` (exact bytes plus columns for look-ups), `disclosures`
/// (verbatim strings, deletable), and the derived `keys` that append reads.
public final class SQLiteStore: LedgerStore {
    /// The value of `PRAGMA application_id` in a Blotter ledger ("BLTR").
    public static let applicationID: Int32 = 0x424C_5452
    /// The layout version in `PRAGMA user_version`: 1 without the Merkle tree table, 2 with it,
    /// 3 without the `streams` table (a stream's version is read from `entries_by_stream`).
    public static let layoutVersion = 3
    /// How long a writer waits for another process's write lock before reporting busy.
    public static let busyTimeout: Double = 10

    /// Set once this process has made sure the key-statement index (``KeyStatementSQL``) exists: a
    /// ledger created before it had none, and its first write makes it (opening alone never writes).
    /// GRDB serialises writes.
    nonisolated(unsafe) private var keyIndexEnsured = false

    let queue: DatabaseQueue
    /// Copies the writer's log into the main file on a thread of its own (nil unless read-write).
    private let checkpointer: Checkpointer?
    /// Connections for reads, apart from the writer's, so that a read (a case view on the server)
    /// never waits for a batch transaction to commit: in WAL mode each sees the last committed state.
    /// Made on the first read; none for a read-only file, whose one connection only reads.
    private let readers = Mutex<[DatabaseQueue]>([])
    private let nextReader = Atomic<Int>(0)
    /// Set by ``close()``: a read or write after it is refused, not handed to a closed connection (a crash in SQLite).
    private let closed = Atomic<Bool>(false)
    static let readerCount = 2
    /// The access log's own file (``accessLogPath``), opened on its first use: an audited read
    /// commits there, with its own lock and fsync, never behind a batch of appends.
    private let accessLog = Mutex<DatabaseQueue?>(nil)
    public let path: String
    /// How the file was opened: read-only when this process may not write it.
    let mode: Mode

    /// Creates a new, empty ledger file.
    /// - Throws: ``BlotterError`` `.ledgerState` if a file is already there.
    public static func create(path: String) throws -> SQLiteStore {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw BlotterError(.ledgerState, "a file already exists at \(path); refusing to overwrite it")
        }
        let accessLog = accessLogPath(of: path)
        guard !FileManager.default.fileExists(atPath: accessLog) else {
            throw BlotterError(.ledgerState, "an access log of an earlier ledger is at \(accessLog); move it away (it is that ledger's record of who read what) before creating a ledger at \(path)")
        }
        let store = try SQLiteStore(path: path)
        try store.mapErrors {
            try store.queue.write { db in
                try db.execute(sql: "PRAGMA application_id = \(applicationID)")
                try db.execute(sql: Self.schema)
                try db.execute(sql: Self.treeSchema)
                try db.execute(sql: "PRAGMA user_version = \(layoutVersion)")
            }
        }
        return store
    }

    /// Opens an existing ledger file.
    ///
    /// Opening writes nothing to a file that is not a ledger: the file's header is read first, as
    /// bytes (SQLite's magic and the application id "BLTR" at offset 68), and only a ledger is opened
    /// through SQLite. A ledger that this process may not write (read-only media, a read-only copy
    /// for a committee) is opened read-only, and immutable when SQLite could not keep its shared
    /// memory file next to it: every command that only reads works there and writes nothing.
    /// - Throws: ``BlotterError`` `.ledgerState` if there is no file or it is not a Blotter ledger.
    public static func open(path: String) throws -> SQLiteStore {
        try open(path: path, checkpointFrames: Checkpointer.defaultFrames)
    }

    /// Opens an existing ledger whose log is copied into the main file at other lengths than the
    /// default (frames of 4 KiB): for tests of the checkpointer.
    package static func open(path: String, checkpointFrames: (copy: Int32, restart: Int32)) throws -> SQLiteStore {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else {
            throw BlotterError(.ledgerState, "no ledger at \(path) (run `blotter init`, or set --ledger or BLOTTER_LEDGER)")
        }
        // The directory by hand: Foundation's deletingLastPathComponent crashes (Swift 6.3 on Linux)
        // on a path of one character, such as a ledger named `l` in the current directory.
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let writable = fm.isWritableFile(atPath: path) && fm.isWritableFile(atPath: directory)
        let header = Self.header(path)
        if !header.isLedger {
            // The header in the main file is authoritative unless a write-ahead log may still hold
            // the first page (a ledger just created by a process that is still running).
            guard fm.fileExists(atPath: path + "-wal"), header.isSQLite else {
                throw BlotterError(.ledgerState, "\(path) is not a Blotter ledger\(header.isSQLite ? " (a SQLite database of another application)" : "")")
            }
            let probe = try SQLiteStore(path: path, mode: .readOnly)
            let id = try probe.mapErrors { try probe.queue.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0 } }
            try? probe.queue.close()
            guard id == applicationID else { throw BlotterError(.ledgerState, "\(path) is not a Blotter ledger") }
        }
        let mode: Mode
        if writable {
            mode = .readWrite
        } else {
            // Without a writable directory SQLite cannot create the -shm file a WAL reader needs; an
            // existing one (a copy with its -wal and -shm) is used as it is.
            mode = fm.fileExists(atPath: path + "-shm") ? .readOnly : .immutable
        }
        let store = try SQLiteStore(path: path, mode: mode, checkpointFrames: checkpointFrames)
        if mode == .readWrite { try store.upgrade() }
        return store
    }

    /// How a store opens its file.
    enum Mode { case readWrite, readOnly, immutable }

    /// What the first 100 bytes of a file say, read without SQLite.
    static func header(_ path: String) -> (isSQLite: Bool, isLedger: Bool) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return (false, false) }
        defer { try? handle.close() }
        let bytes = Array((try? handle.read(upToCount: 100)) ?? Data())
        guard bytes.count == 100, bytes.starts(with: Array("SQLite format 3\u{0}".utf8)) else { return (false, false) }
        let id = bytes[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return (true, id == UInt32(bitPattern: applicationID))
    }

    private init(path: String, mode: Mode = .readWrite, checkpointFrames: (copy: Int32, restart: Int32) = Checkpointer.defaultFrames) throws {
        self.path = path
        self.mode = mode
        let checkpointer = mode == .readWrite ? Checkpointer(path: path, frames: checkpointFrames) : nil
        self.checkpointer = checkpointer
        var config = Configuration()
        config.busyMode = mode == .readWrite ? .callback(Self.writerWait()) : .timeout(Self.busyTimeout)
        config.readonly = mode != .readWrite
        config.prepareDatabase { db in
            // 32 MiB of page cache for reading; the writer 64 MiB. A batch of 1,000 imported rows
            // changes ~12,000 pages of a large ledger's random-order indexes; with 32 MiB (8,192
            // pages) SQLite spilled changed pages to the log before the commit, some several times
            // (29 page writes a row at 250,000 rows, 20 with 64 MiB).
            try db.execute(sql: mode == .readWrite ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -32768")
            guard mode == .readWrite else { return }
            // WAL is set here rather than through GRDB's DatabasePool, whose WAL set-up writes a
            // dummy table on open (so opening would change the file) and lowers synchronous to NORMAL.
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The log is copied into the main file by the checkpointer's thread, not inside the
            // writer's commits (its hook replaces SQLite's automatic checkpoint).
            checkpointer?.install(on: db)
            // Deleted disclosures (sealing) are overwritten with zeros, not left in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        // An immutable file is named by a URI (this SQLite interprets "file:" names as URIs).
        let name = mode == .immutable ? "file:" + Self.uriPath(path) + "?immutable=1" : path
        do {
            queue = try DatabaseQueue(path: name, configuration: config)
        } catch {
            throw BlotterError(.storage, "cannot open \(path): \(Self.describe(error))")
        }
        checkpointer?.start()
    }

    deinit {
        checkpointer?.stop()
    }

    /// How the writer waits for another process's write lock: it tries again every half millisecond
    /// for up to ``busyTimeout``. SQLite's own timeout sleeps longer and longer (up to 100 ms between
    /// tries), and a process appending batch after batch frees the lock only for a moment between
    /// its transactions, so a second writer on the same file waited until the first had finished
    /// (or gave up as busy); tried this often it gets its turn between two of the other's batches.
    static func writerWait() -> Database.BusyCallback {
        let started = Mutex<ContinuousClock.Instant>(.now)
        return { tries in
            if tries == 0 { started.withLock { $0 = .now } }
            usleep(500)
            return started.withLock { ContinuousClock.now - $0 } < .milliseconds(Int(busyTimeout * 1000))
        }
    }

    /// A path as the path of a `file:` URI: absolute, with `%`, `?` and `#` percent-encoded.
    static func uriPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var out = ""
        for c in absolute.unicodeScalars {
            switch c {
            case "%": out += "%25"
            case "?": out += "%3f"
            case "#": out += "%23"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Hashes of complete Merkle subtrees: (level, index) covers leaves index << level ..< (index + 1)
    /// << level; and the signed checkpoints the operator issued.
    static let treeSchema = """
        CREATE TABLE tree_hashes (
            level INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            size INTEGER PRIMARY KEY,
            note TEXT NOT NULL
        );
        """

    /// Brings a ledger file written by an earlier version to the current layout, once: layout 1
    /// had no Merkle tree, so the tree is built from the stored entries; layouts 1 and 2 had a
    /// `streams` table (stream, version), a second random-order index beside `entries_by_stream`
    /// that every append wrote a page of, dropped.
    func upgrade() throws {
        let version = try mapErrors { try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 } }
        guard version < Self.layoutVersion else { return }
        try mapErrors {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let found = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    guard found < Self.layoutVersion else { return .commit }
                    try db.execute(sql: "DROP TABLE IF EXISTS streams")
                    if found < 2 { try Self.buildTree(db) }
                    try db.execute(sql: "PRAGMA user_version = \(Self.layoutVersion)")
                    return .commit
                }
            }
        }
    }

    /// Layout 2's tree, built from the stored entries (inside the upgrade's transaction).
    private static func buildTree(_ db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS tree_hashes; DROP TABLE IF EXISTS checkpoints")
        try db.execute(sql: Self.treeSchema)
        try db.execute(sql: "DELETE FROM tree_hashes")
        let access = Access(db: db)
        var frontier = MerkleFrontier()
        var next: Int64 = 0
        while true {
            let rows = try access.entryBytes(from: next, limit: 4096)
            if rows.isEmpty { break }
            for row in rows {
                for f in frontier.append(TreeHash.leaf(row.bytes)) {
                    try access.insertTreeHash(level: f.level, index: f.index, hash: f.hash)
                }
            }
            next = rows.last!.seq + 1
        }
    }

    static let schema = """
        CREATE TABLE entries (
            seq INTEGER PRIMARY KEY,
            bytes BLOB NOT NULL,
            type TEXT NOT NULL,
            stream TEXT NOT NULL,
            stream_version INTEGER NOT NULL,
            actor TEXT NOT NULL,
            key_id TEXT NOT NULL,
            at TEXT NOT NULL,
            nonce TEXT NOT NULL,
            recorded TEXT NOT NULL
        );
        -- Replay look-ups. Ordered by the signer's time first, so that new entries land at the end of
        -- the index instead of dirtying a random page per insert, as an index led by random nonces would.
        CREATE INDEX entries_by_time_nonce ON entries(at, nonce);
        CREATE INDEX entries_by_stream ON entries(stream, stream_version);
        \(KeyStatementSQL.index);
        CREATE TABLE disclosures (
            seq INTEGER NOT NULL,
            field TEXT NOT NULL,
            disclosure TEXT NOT NULL,
            PRIMARY KEY (seq, field)
        ) WITHOUT ROWID;
        CREATE TABLE keys (
            key_id TEXT PRIMARY KEY,
            actor TEXT NOT NULL,
            spki BLOB NOT NULL,
            roles TEXT NOT NULL,
            registered_seq INTEGER NOT NULL,
            revoked_seq INTEGER
        ) WITHOUT ROWID;
        """

    /// Closes the file after moving the WAL's contents into the main file, so that the main file
    /// alone holds the whole ledger (for copying). The store cannot be used afterwards.
    /// True if this process opened the file read-only (read-only media or permissions): it writes nothing.
    public var isReadOnly: Bool { mode != .readWrite }

    public func close() throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try mapErrors {
            for reader in readers.withLock({ $0 }) { try reader.close() }
            try accessLog.withLock { try $0?.close() }
            checkpointer?.stop()
            if mode == .readWrite {
                try queue.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            }
            try queue.close()
        }
    }

    public func compact() throws {
        try mapErrors {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }

    public func write<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        try checkOpen()
        return try mapErrors {
            try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    if !keyIndexEnsured { try db.execute(sql: KeyStatementSQL.index) }
                    result = try body(Access(db: db))
                    return .commit
                }
                keyIndexEnsured = true
                return result!
            }
        }
    }

    public func rehearse<T>(_ body: (any LedgerStore) throws -> T) throws -> T {
        try checkOpen()
        guard mode == .readWrite else { throw BlotterError(.storage, "\(path) is open read-only; a dry run needs to write (and roll back)") }
        return try mapErrors {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                defer { try? db.execute(sql: "ROLLBACK") }
                if !keyIndexEnsured { try db.execute(sql: KeyStatementSQL.index) }
                return try body(Rehearsal(db: db, store: self))
            }
        }
    }

    /// The effective journal mode and synchronous level of the connection, for checks and diagnostics.
    public func durabilitySettings() throws -> (journalMode: String, synchronous: Int) {
        try mapErrors {
            try queue.inDatabase { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "", try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
            }
        }
    }

    public func read<T>(_ body: (any LedgerReading) throws -> T) throws -> T {
        try checkOpen()
        return try mapErrors { try reader().read { db in try body(Access(db: db)) } }
    }

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw BlotterError(.storage, "\(path) was closed by this process; open it again to use it") }
    }

    /// The connection a read uses: one of ``readerCount`` read-only connections in turn (the
    /// writer's own when the file is opened read-only).
    private func reader() throws -> DatabaseQueue {
        guard mode == .readWrite else { return queue }
        let pool = try readers.withLock { pool -> [DatabaseQueue] in
            if pool.isEmpty {
                var config = Configuration()
                config.busyMode = .timeout(Self.busyTimeout)
                config.readonly = true
                config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -16384") }
                do {
                    pool = try (0..<Self.readerCount).map { _ in try DatabaseQueue(path: path, configuration: config) }
                } catch {
                    throw BlotterError(.storage, "cannot open \(path) for reading: \(Self.describe(error))")
                }
            }
            return pool
        }
        return pool[nextReader.add(1, ordering: .relaxed).oldValue % pool.count]
    }

    func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as BlotterError {
            throw error
        } catch let error as DatabaseError where mode != .readWrite && error.resultCode == .SQLITE_READONLY {
            throw BlotterError(.ledgerState, "\(path) is read-only here (read-only media or permissions): this command writes to the ledger; nothing was written")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw BlotterError(.busy, "the ledger is busy: another process held its write lock for more than \(Int(Self.busyTimeout)) s; nothing was written, retry")
        } catch {
            throw BlotterError(.storage, "SQLite: \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return "\(error.resultCode): \(error.message ?? "")" }
        return "\(error)"
    }
}

/// ``SQLiteStore/rehearse(_:)``'s stand-in: every write a savepoint inside the one transaction that
/// is rolled back at the end, every read on the same connection (so it sees those writes). Used only
/// on the thread that runs the rehearsal's body, which is the connection's own.
private final class Rehearsal: LedgerStore, @unchecked Sendable {
    /// One connection for reads and writes: never both at once.
    var readsWhileWriting: Bool { false }
    let db: Database
    /// The store whose transaction this is, for its error mapping.
    let store: SQLiteStore
    init(db: Database, store: SQLiteStore) {
        self.db = db
        self.store = store
    }

    func write<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        try store.mapErrors {
            try db.execute(sql: "SAVEPOINT blotter_rehearsal")
            do {
                let result = try body(Access(db: db))
                try db.execute(sql: "RELEASE blotter_rehearsal")
                return result
            } catch {
                try? db.execute(sql: "ROLLBACK TO blotter_rehearsal")
                try? db.execute(sql: "RELEASE blotter_rehearsal")
                throw error
            }
        }
    }

    func read<T>(_ body: (any LedgerReading) throws -> T) throws -> T { try store.mapErrors { try body(Access(db: db)) } }
    func close() throws {}
    func compact() throws { throw BlotterError(.invalidInput, "a dry run cannot compact the ledger") }
    func rehearse<T>(_ body: (any LedgerStore) throws -> T) throws -> T { try body(self) }
}

/// Reads and writes through one GRDB connection, inside a transaction the store opened.
/// One transaction; through BlotterSQL it also keeps the domain's tables.
private struct Access: LedgerWriting, SQLConnection, ProjectionWriting {
    let db: Database

    func count() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq) + 1, 0) FROM entries") ?? 0
    }

    func entries(from seq: Int64, limit: Int) throws -> [StoredEntry] {
        let rows = try entryBytes(from: seq, limit: limit)
        guard let first = rows.first, let last = rows.last else { return [] }
        var disclosures: [Int64: [String: String]] = [:]
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT seq, field, disclosure FROM disclosures WHERE seq BETWEEN ? AND ?"),
            arguments: [first.seq, last.seq])
        while let row = try cursor.next() {
            disclosures[row[0], default: [:]][row[1]] = row[2] as String
        }
        return rows.map { StoredEntry(seq: $0.seq, bytes: $0.bytes, disclosures: disclosures[$0.seq] ?? [:]) }
    }

    func entryBytes(from seq: Int64, limit: Int) throws -> [(seq: Int64, bytes: [UInt8])] {
        var out: [(seq: Int64, bytes: [UInt8])] = []
        out.reserveCapacity(limit)
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT seq, bytes FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?"),
            arguments: [seq, limit])
        while let row = try cursor.next() {
            let s: Int64 = row[0]
            let bytes: [UInt8] = try row.withUnsafeData(atIndex: 1) { data in data.map { Array($0) } ?? [] }
            out.append((s, bytes))
        }
        return out
    }

    func entry(keyID: String, at: String, nonce: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM entries WHERE at = ? AND nonce = ? AND key_id = ?"),
                           arguments: [at, nonce, keyID])
    }

    func summaries(from seq: Int64, limit: Int, stream: String?) throws -> [EntrySummary] {
        let sql = stream == nil
            ? "SELECT seq, type, stream, stream_version, actor, recorded FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?"
            : "SELECT seq, type, stream, stream_version, actor, recorded FROM entries WHERE stream = ? AND seq >= ? ORDER BY seq LIMIT ?"
        let arguments: StatementArguments = stream.map { [$0, seq, limit] } ?? [seq, limit]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
            EntrySummary(seq: $0[0], type: $0[1], stream: $0[2], streamVersion: $0[3], actor: $0[4], recorded: $0[5])
        }
    }

    func summaries(type: String, before size: Int64) throws -> [EntrySummary] {
        try Row.fetchAll(db, sql: "SELECT seq, type, stream, stream_version, actor, recorded FROM entries WHERE type = ? AND seq < ? ORDER BY seq",
                         arguments: [type, size]).map {
            EntrySummary(seq: $0[0], type: $0[1], stream: $0[2], streamVersion: $0[3], actor: $0[4], recorded: $0[5])
        }
    }

    func keyIDs(from first: Int64, through last: Int64) throws -> [(seq: Int64, keyID: String)] {
        try Row.fetchAll(db, sql: "SELECT seq, key_id FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq", arguments: [first, last]).map { ($0[0], $0[1]) }
    }

    func domainEntries(stream: String, before size: Int64) throws -> [DomainEntryRow] {
        let rows = try Row.fetchAll(db, sql: "SELECT seq, type, stream, actor, at, recorded FROM entries WHERE stream = ? AND seq < ? ORDER BY seq",
                                    arguments: [stream, size])
        var disclosures: [Int64: [String: String]] = [:]
        let d = try Row.fetchCursor(db, sql: """
            SELECT d.seq, d.field, d.disclosure FROM entries e JOIN disclosures d ON d.seq = e.seq WHERE e.stream = ? AND e.seq < ?
            """, arguments: [stream, size])
        while let row = try d.next() { disclosures[row[0], default: [:]][row[1]] = row[2] as String }
        return rows.map {
            let seq: Int64 = $0[0]
            return DomainEntryRow(seq: seq, type: $0[1], stream: $0[2], actor: $0[3], at: $0[4], recorded: $0[5], disclosures: disclosures[seq] ?? [:])
        }
    }

    func keyRecord(_ keyID: String) throws -> KeyRecord? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT key_id, actor, spki, roles, registered_seq, revoked_seq FROM keys WHERE key_id = ?"),
            arguments: [keyID]) else { return nil }
        return try Self.keyRecord(row)
    }

    func keyStatementSeqs(after seq: Int64) throws -> [Int64] {
        try Int64.fetchAll(db.cachedStatement(sql: "SELECT seq FROM entries WHERE \(KeyStatementSQL.condition) AND seq > ? ORDER BY seq"),
                           arguments: [seq])
    }

    func allKeys() throws -> [KeyRecord] {
        try Row.fetchAll(db, sql: "SELECT key_id, actor, spki, roles, registered_seq, revoked_seq FROM keys ORDER BY registered_seq")
            .map(Self.keyRecord)
    }

    static func keyRecord(_ row: Row) throws -> KeyRecord {
        let spki: Data = row[2]
        let roles = (row[3] as String).split(separator: ",").map(String.init)
        return KeyRecord(keyID: row[0], actor: row[1], publicKey: try PublicKey.decoded(spkiDER: Array(spki)), roles: roles,
                         registeredSeq: row[4], revokedSeq: row[5])
    }

    func streamVersion(_ stream: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(stream_version) FROM entries WHERE stream = ?"), arguments: [stream]) ?? 0
    }

    func insert(seq: Int64, bytes: [UInt8], statement: BlotterFormat.Statement, streamVersion: Int64, recorded: String, disclosures: [Disclosure]) throws {
        try db.cachedStatement(sql: """
            INSERT INTO entries (seq, bytes, type, stream, stream_version, actor, key_id, at, nonce, recorded)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [seq, Data(bytes), statement.type, statement.stream, streamVersion,
                                     statement.actor, statement.key, statement.at, statement.nonce, recorded])
        // An entry's disclosures in one statement (up to 64 rows each): one call into SQLite instead
        // of one per field (22 for a New Jersey use-of-force report).
        var rest = disclosures[...]
        while !rest.isEmpty {
            let part = rest.prefix(64)
            rest = rest.dropFirst(part.count)
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(3 * part.count)
            for d in part { values += [seq, d.name, d.encoded] }
            try db.cachedStatement(sql: Self.insertDisclosuresSQL[part.count]).execute(arguments: StatementArguments(values))
        }
    }

    /// `INSERT INTO disclosures` of n rows at index n (0 to 64).
    static let insertDisclosuresSQL: [String] = (0...64).map {
        "INSERT INTO disclosures (seq, field, disclosure) VALUES " + Array(repeating: "(?, ?, ?)", count: $0).joined(separator: ", ")
    }

    func insertKey(_ record: KeyRecord) throws {
        try db.execute(
            sql: "INSERT INTO keys (key_id, actor, spki, roles, registered_seq, revoked_seq) VALUES (?, ?, ?, ?, ?, NULL)",
            arguments: [record.keyID, record.actor, Data(record.publicKey.spkiDER), record.roles.joined(separator: ","), record.registeredSeq])
    }

    func revokeKey(_ keyID: String, seq: Int64) throws {
        try db.execute(sql: "UPDATE keys SET revoked_seq = ? WHERE key_id = ?", arguments: [seq, keyID])
    }

    func treeHash(level: Int, index: Int64) throws -> TreeHash? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT hash FROM tree_hashes WHERE level = ? AND idx = ?"),
                                         arguments: [level, index]) else { return nil }
        return try row.withUnsafeData(atIndex: 0) { $0.flatMap { TreeHash(bytes: $0) } }
    }

    func treeHashes(level: Int, indexes: Range<Int64>) throws -> [TreeHash?] {
        var out = [TreeHash?](repeating: nil, count: indexes.count)
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT idx, hash FROM tree_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx"),
            arguments: [level, indexes.lowerBound, indexes.upperBound])
        while let row = try cursor.next() {
            let index: Int64 = row[0]
            guard let hash = try row.withUnsafeData(atIndex: 1, { $0.flatMap { TreeHash(bytes: $0) } }) else {
                throw BlotterError(.storage, "the stored tree hash at level \(level), index \(index) is not 32 bytes")
            }
            out[Int(index - indexes.lowerBound)] = hash
        }
        return out
    }

    func treeHashCount() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM tree_hashes") ?? 0
    }

    func checkpoints() throws -> [(size: Int64, note: String)] {
        try Row.fetchAll(db, sql: "SELECT size, note FROM checkpoints ORDER BY size").map { ($0[0], $0[1]) }
    }

    func latestCheckpoint() throws -> (size: Int64, note: String)? {
        try Row.fetchOne(db, sql: "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").map { ($0[0], $0[1]) }
    }

    func insertCheckpoint(size: Int64, note: String) throws {
        try db.execute(sql: "INSERT INTO checkpoints (size, note) VALUES (?, ?)", arguments: [size, note])
    }

    func insertTreeHash(level: Int, index: Int64, hash: TreeHash) throws {
        try db.cachedStatement(sql: "INSERT INTO tree_hashes (level, idx, hash) VALUES (?, ?, ?)")
            .execute(arguments: [level, index, Data(hash.bytes)])
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        let statement = try db.cachedStatement(sql: sql)
        let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(arguments.map(\.databaseValue)))
        var out: [[SQLValue]] = []
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for i in 0..<row.count {
                switch (row[i] as DatabaseValue).storage {
                case .null: values.append(.null)
                case let .int64(n): values.append(.integer(n))
                case let .double(d): values.append(.real(d))
                case let .string(s): values.append(.text(s))
                case let .blob(b): values.append(.text(String(decoding: b, as: UTF8.self)))
                }
            }
            out.append(values)
        }
        return out
    }

    func destroyDisclosures(seq: Int64, fields: [String]?) throws -> Int {
        if let fields {
            var deleted = 0
            for field in fields {
                try db.cachedStatement(sql: "DELETE FROM disclosures WHERE seq = ? AND field = ?").execute(arguments: [seq, field])
                deleted += db.changesCount
            }
            return deleted
        }
        try db.cachedStatement(sql: "DELETE FROM disclosures WHERE seq = ?").execute(arguments: [seq])
        return db.changesCount
    }

    func hasTable(_ name: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [name]) != nil
    }

    func savepoint() throws { try db.execute(sql: "SAVEPOINT blotter_group") }
    func releaseSavepoint() throws { try db.execute(sql: "RELEASE blotter_group") }
    func rollbackToSavepoint() throws {
        try db.execute(sql: "ROLLBACK TO blotter_group")
        try db.execute(sql: "RELEASE blotter_group")
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(\.databaseValue)))
    }

    func domainEntries(from seq: Int64, limit: Int) throws -> [DomainEntryRow] {
        var rows: [(Int64, String, String, String, String, String)] = []
        rows.reserveCapacity(limit)
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT seq, type, stream, actor, at, recorded FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?"),
            arguments: [seq, limit])
        while let row = try cursor.next() { rows.append((row[0], row[1], row[2], row[3], row[4], row[5])) }
        guard let first = rows.first, let last = rows.last else { return [] }
        var disclosures: [Int64: [String: String]] = [:]
        let d = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT seq, field, disclosure FROM disclosures WHERE seq BETWEEN ? AND ?"),
            arguments: [first.0, last.0])
        while let row = try d.next() { disclosures[row[0], default: [:]][row[1]] = row[2] as String }
        return rows.map { DomainEntryRow(seq: $0.0, type: $0.1, stream: $0.2, actor: $0.3, at: $0.4, recorded: $0.5, disclosures: disclosures[$0.0] ?? [:]) }
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case let .integer(n): return n.databaseValue
        case let .real(d): return d.databaseValue
        case let .text(s): return s.databaseValue
        }
    }
}

// The access log of reads through the server (``AccessLogStore``): in a file of its own beside the
// ledger, so that recording a read waits for nothing but its own commit (in the ledger's file it
// queued behind the append batches on SQLite's one writer).
extension SQLiteStore: AccessLogStore {
    /// The value of `PRAGMA application_id` in an access-log file ("BLTA").
    static let accessLogApplicationID: Int32 = 0x424C_5441

    /// Where the access log of the ledger at `path` is kept: `LEDGER.access` (with its own `-wal`).
    public static func accessLogPath(of path: String) -> String { path + ".access" }

    /// Every file a ledger at `path` may have: the ledger, its write-ahead log and shared memory, and
    /// the same three of its access log (for removing a ledger that is being replaced).
    public static func files(of path: String) -> [String] {
        let accessLog = accessLogPath(of: path)
        return [path, path + "-wal", path + "-shm", accessLog, accessLog + "-wal", accessLog + "-shm"]
    }

    public var accessLogPath: String { Self.accessLogPath(of: path) }

    public func insertAccess(_ records: [AccessRecord]) throws {
        try checkOpen()
        guard mode == .readWrite else {
            throw BlotterError(.ledgerState, "\(path) is read-only here (read-only media or permissions): reads cannot be recorded in its access log; nothing was answered")
        }
        guard let log = try accessLogQueue(create: true) else { return }
        try mapErrors {
            try log.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let access = Access(db: db)
                    try AccessLogSQL.ensureTable(access)
                    try AccessLogSQL.insert(records, access) { Hex.encode(try SecureRandom.bytes(8)) }
                    return .commit
                }
            }
        }
    }

    /// The records of the access log's file and, for a ledger served before the access log had a
    /// file of its own, those in the ledger's table `access_log`, oldest first.
    public func accessRecords(_ query: AccessQuery) throws -> [AccessRecord] {
        try checkOpen()
        var records = try read { db in try AccessLogSQL.select(query, db as! any SQLConnection) }
        if let log = try accessLogQueue(create: false) {
            records += try mapErrors { try log.read { db in try AccessLogSQL.select(query, Access(db: db)) } }
            records.sort { $0.at < $1.at }
        }
        return Array(records.prefix(max(0, query.limit)))
    }

    /// The access log's connection: opened on first use, created only for a write.
    private func accessLogQueue(create: Bool) throws -> DatabaseQueue? {
        let logPath = accessLogPath
        return try accessLog.withLock { open -> DatabaseQueue? in
            if let open { return open }
            let exists = FileManager.default.fileExists(atPath: logPath)
            guard exists || create else { return nil }
            let mode = self.mode
            var config = Configuration()
            config.busyMode = .timeout(Self.busyTimeout)
            config.readonly = mode != .readWrite
            config.prepareDatabase { db in
                guard mode == .readWrite else { return }
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            // Read-only like the ledger itself, and immutable where SQLite could not keep its shared memory.
            let immutable = mode != .readWrite && !FileManager.default.fileExists(atPath: logPath + "-shm")
            let name = immutable ? "file:" + Self.uriPath(logPath) + "?immutable=1" : logPath
            let queue: DatabaseQueue
            do {
                queue = try DatabaseQueue(path: name, configuration: config)
                let id = try queue.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0 }
                if id == 0 && mode == .readWrite {
                    try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA application_id = \(Self.accessLogApplicationID)") }
                } else if id != Self.accessLogApplicationID {
                    try? queue.close()
                    throw BlotterError(.ledgerState, "\(logPath) is not a Blotter access log; move it away so that the ledger's access log can be kept there")
                }
            } catch let error as BlotterError {
                throw error
            } catch {
                throw BlotterError(.storage, "cannot open the access log \(logPath): \(Self.describe(error))")
            }
            open = queue
            return queue
        }
    }
}
