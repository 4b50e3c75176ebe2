internal import BlotterFormat
public import BlotterLog
internal import BlotterCrypto
internal import BlotterSQL
public import BlotterDomain
internal import Foundation
internal import PostgresNIO
internal import Synchronization

/// A ledger in a PostgreSQL database (postgres-nio), for agencies whose ledger has outgrown one file
/// or that run their databases centrally. The same entries, disclosures, tree hashes, checkpoints and
/// derived tables as ``SQLiteStore``, and the same rules: ``Ledger`` decides, the store keeps.
///
/// - Sequencing: every write transaction first locks the one row of `blotter_sequencer`
///   (`SELECT … FOR UPDATE`), so writers in any number of processes and machines append one at a
///   time, and seq is the row's size: gap-free and fork-free. No SERIAL or IDENTITY sequence is used;
///   their numbers are not transactional.
/// - Durability: an append is acknowledged after COMMIT returns, which with PostgreSQL's defaults
///   (`fsync`, `synchronous_commit = on`) means the WAL is on disk.
/// - Batches: the entries, disclosures, tree hashes and stream versions of a transaction are sent as
///   one `INSERT … SELECT FROM unnest(…)` per table; statements on the derived tables are pipelined
///   on the connection and waited for before the next read and at commit.
/// - Reads run in `REPEATABLE READ READ ONLY` transactions, so they work on a hot-standby replica.
///
/// Connections: one for writes, up to ``readerCount`` for reads, one for the access log, each used
/// by one transaction at a time, opened when first needed and again after a failure, so a server
/// that was restarted is used again without restarting Blotter. The transaction bodies
/// are synchronous: they run on the caller's thread, which waits on postgres-nio's futures, so they
/// must not run on an event loop.
public final class PostgresStore: LedgerStore, @unchecked Sendable {
    // @unchecked Sendable: each connection is touched only while holding its slot's lock; the
    // tables' shapes and statement texts are behind mutexes of their own.
    public let location: PostgresLocation
    /// How long a writer waits for another writer's sequencer lock before reporting busy.
    public static let busyTimeout = 10
    /// The value of `blotter_meta.application` in a Blotter ledger.
    static let application = "blotter-ledger"
    static let layoutVersion = "1"

    /// The writer's connection: one write transaction of this process at a time.
    private let writer = ConnectionSlot()
    /// Connections for reads, apart from the writer's, so that a read never waits for a write
    /// transaction of this process to end; each read is its own REPEATABLE READ snapshot. A read
    /// takes a free one, or waits for one in turn (a case view is a dozen queries, each a round trip:
    /// on one connection the server's reads queued behind each other). Opened when first needed.
    private let readers = (0..<PostgresStore.readerCount).map { _ in ConnectionSlot() }
    private let nextReader = Atomic<Int>(0)
    static let readerCount = 3
    /// The access log's connection: recording a read (a commit, so a flush to disk) waits neither for
    /// the writer nor for other reads.
    private let accessWriter = ConnectionSlot()
    /// Tables' shapes for `INSERT OR REPLACE`, and those statements as sent, finished with their shape.
    private let shapes = Mutex<(tables: [String: PostgresDialect.TableShape], replaceTexts: [String: String])>(([:], [:]))
    /// Every statement of the derived tables' SQL translated once (the domain sends the same few
    /// dozen texts over and over; translating one took about a quarter of an append's own time).
    private let translations = Mutex<[String: PostgresStatementText]>([:])
    private let logger: Logger = {
        var logger = Logger(label: "blotter.postgres")
        logger.logLevel = .critical
        return logger
    }()

    private init(location: PostgresLocation) {
        self.location = location
    }

    deinit {
        for slot in [writer, accessWriter] + readers { slot.closeConnection() }
    }

    /// Creates the ledger's tables in an existing, empty database.
    /// - Throws: ``BlotterError`` `.ledgerState` if the database already holds a ledger or tables
    ///   of the same names.
    public static func create(url: String) throws -> PostgresStore {
        let store = PostgresStore(location: try PostgresLocation(url: url))
        try store.createTables()
        return store
    }

    /// Opens an existing ledger.
    /// - Throws: ``BlotterError`` `.ledgerState` if the database is not a Blotter ledger; `.storage`
    ///   if it cannot be reached or refuses the user.
    public static func open(url: String) throws -> PostgresStore {
        let store = PostgresStore(location: try PostgresLocation(url: url))
        guard try store.withConnection(.write, { try store.isLedger($0) }) else {
            throw BlotterError(.ledgerState, "\(store.location) is not a Blotter ledger (it has no blotter_meta table naming one); create one with `blotter init --ledger \(store.location)`")
        }
        return store
    }

    /// Opens the ledger in the database, or creates its tables if the database holds none (for
    /// `blotter copy`); refused like ``create(url:)`` if it holds other tables of the same names.
    public static func openOrCreate(url: String) throws -> PostgresStore {
        let store = PostgresStore(location: try PostgresLocation(url: url))
        if try !store.withConnection(.write, { try store.isLedger($0) }) { try store.createTables() }
        return store
    }

    /// True if the database has a `blotter_meta` table naming it a Blotter ledger.
    private func isLedger(_ c: PostgresConnection) throws -> Bool {
        guard let meta = try run(c, "SELECT to_regclass('blotter_meta') IS NOT NULL").rows.first,
              (try? meta.makeRandomAccess()[0].decode(Bool.self)) == true,
              let app = try run(c, "SELECT value FROM blotter_meta WHERE name = 'application'").rows.first else { return false }
        return (try? app.makeRandomAccess()[0].decode(String.self)) == Self.application
    }

    /// Creates the log's tables, their meta row and the sequencer row in one transaction.
    private func createTables() throws {
        try transaction("BEGIN") { c in
            let existing = try run(c, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1)",
                                   binds: [.textArray(Self.tables)]).rows.compactMap { try? $0.makeRandomAccess()[0].decode(String.self) }
            guard existing.isEmpty else {
                throw BlotterError(.ledgerState, "\(location) already holds table\(existing.count == 1 ? "" : "s") \(existing.sorted().joined(separator: ", ")); refusing to overwrite a ledger (use an empty database)")
            }
            for sql in Self.schema { _ = try run(c, sql) }
            _ = try run(c, "INSERT INTO blotter_meta (name, value) VALUES ('application', $1), ('layout', $2)",
                        binds: [.text(Self.application), .text(Self.layoutVersion)])
            _ = try run(c, "INSERT INTO blotter_sequencer (id, size) VALUES (1, 0)")
        }
    }

    /// The log's own tables, in creation order.
    static let tables = ["blotter_meta", "blotter_sequencer", "entries", "disclosures", "streams", "keys", "tree_hashes", "checkpoints"]

    /// Set once this process has made sure the key-statement index (``KeyStatementSQL``) exists: the
    /// first write of a database created before it makes it. Writers are serialised by the sequencer row.
    nonisolated(unsafe) private var keyIndexEnsured = false

    static let schema = [
        "CREATE TABLE blotter_meta (name TEXT COLLATE \"C\" PRIMARY KEY, value TEXT NOT NULL)",
        // The one row every write transaction locks first: seq comes from here, never from a sequence.
        "CREATE TABLE blotter_sequencer (id INTEGER PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL)",
        """
        CREATE TABLE entries (seq BIGINT PRIMARY KEY, bytes BYTEA NOT NULL, type TEXT COLLATE "C" NOT NULL,
            stream TEXT COLLATE "C" NOT NULL, stream_version BIGINT NOT NULL, actor TEXT COLLATE "C" NOT NULL,
            key_id TEXT COLLATE "C" NOT NULL, at TEXT COLLATE "C" NOT NULL, nonce TEXT COLLATE "C" NOT NULL,
            recorded TEXT COLLATE "C" NOT NULL)
        """,
        "CREATE INDEX entries_by_time_nonce ON entries (at, nonce)",
        "CREATE INDEX entries_by_stream ON entries (stream, stream_version)",
        KeyStatementSQL.index,
        "CREATE TABLE disclosures (seq BIGINT NOT NULL, field TEXT COLLATE \"C\" NOT NULL, disclosure TEXT NOT NULL, PRIMARY KEY (seq, field))",
        "CREATE TABLE streams (stream TEXT COLLATE \"C\" PRIMARY KEY, version BIGINT NOT NULL)",
        """
        CREATE TABLE keys (key_id TEXT COLLATE "C" PRIMARY KEY, actor TEXT COLLATE "C" NOT NULL, spki BYTEA NOT NULL,
            roles TEXT NOT NULL, registered_seq BIGINT NOT NULL, revoked_seq BIGINT)
        """,
        "CREATE TABLE tree_hashes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx))",
        "CREATE TABLE checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL)",
    ]

    // MARK: transactions

    /// One write transaction. Its first statements (BEGIN, the lock timeout, the sequencer row) are
    /// sent together and waited for once, and the COMMIT is sent behind the last writes and waited
    /// for with them: on a busy machine each wait for PostgreSQL's answer costs a few hundred
    /// microseconds of thread wake-ups, and a batch of the HTTP server is a dozen statements.
    public func write<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        let result = try withConnection { c in
            do {
                let size = try takeWriteLock(c)
                let access = PostgresAccess(store: self, connection: c, size: size)
                let result = try body(access)
                try access.flush()
                if access.size != size {
                    access.send("UPDATE blotter_sequencer SET size = $1 WHERE id = 1", [.integer(access.size)])
                }
                // If a statement before it failed, PostgreSQL ends the transaction at this COMMIT with
                // a rollback, and that statement's failure is what the wait throws.
                access.send("COMMIT", [])
                try access.drain()
                return result
            } catch {
                // Ends the transaction if it is still open (after a COMMIT it only warns).
                _ = try? run(c, "ROLLBACK")
                throw error
            }
        }
        keyIndexEnsured = true
        return result
    }

    /// Opens a READ COMMITTED transaction on `c`, takes the ledger's write lock (the sequencer row),
    /// makes sure the key-statement index exists, and returns the ledger's size.
    private func takeWriteLock(_ c: PostgresConnection) throws -> Int64 {
        // Waits for any other writer's transaction to end; READ COMMITTED then sees what it wrote.
        let locked = try pipeline(c, ["BEGIN ISOLATION LEVEL READ COMMITTED", "SET LOCAL lock_timeout = '\(Self.busyTimeout)s'",
                                      "SELECT size FROM blotter_sequencer WHERE id = 1 FOR UPDATE"])
        guard let row = locked.rows.first else {
            throw BlotterError(.ledgerState, "\(location) has no sequencer row; it is not a complete Blotter ledger")
        }
        if !keyIndexEnsured { _ = try run(c, KeyStatementSQL.index) }
        return try row.makeRandomAccess()[0].decode(Int64.self)
    }

    public func rehearse<T>(_ body: (any LedgerStore) throws -> T) throws -> T {
        try withConnection { c in
            defer { _ = try? run(c, "ROLLBACK") }
            return try body(PostgresRehearsal(store: self, connection: c, size: try takeWriteLock(c)))
        }
    }

    public func read<T>(_ body: (any LedgerReading) throws -> T) throws -> T {
        try withConnection(.read) { c in
            do {
                let sized = try pipeline(c, ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "SELECT size FROM blotter_sequencer WHERE id = 1"])
                let size = try sized.rows.first.map { try $0.makeRandomAccess()[0].decode(Int64.self) } ?? 0
                let access = PostgresAccess(store: self, connection: c, size: size)
                let result = try body(access)
                try access.drain()
                // Not waited for: a read-only snapshot has nothing to make durable, and the next
                // transaction on this connection is sent behind it (postgres-nio sends a statement
                // only after the one before it is answered). One round trip fewer per read.
                _ = send(c, "COMMIT", binds: [])
                return result
            } catch {
                _ = try? run(c, "ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` between `begin` and COMMIT; rolls back if it throws.
    private func transaction<T>(_ begin: String, on kind: ConnectionKind = .write, _ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection(kind) { c in
            _ = try run(c, begin)
            do {
                let result = try body(c)
                _ = try run(c, "COMMIT")
                return result
            } catch {
                _ = try? run(c, "ROLLBACK")
                throw error
            }
        }
    }

    public func close() throws {
        for slot in readers + [accessWriter, writer] {
            slot.lock.withLock { slot.closeConnection() }
        }
    }

    /// Rewrites the disclosures table so that destroyed disclosures leave no copy in its files
    /// (VACUUM FULL). Copies may remain in the WAL, its archive and base backups: see docs/POSTGRESQL.md.
    public func compact() throws {
        try withConnection { c in _ = try run(c, "VACUUM FULL disclosures") }
    }

    // MARK: connection

    /// Which of the store's connections a transaction uses.
    enum ConnectionKind { case write, read, access }

    /// A connection and the lock that whoever uses it holds.
    final class ConnectionSlot: @unchecked Sendable {
        let lock = NSLock()
        var connection: PostgresConnection?

        /// Closes the connection (the caller holds the lock, or is the store's deinit).
        func closeConnection() {
            if let connection, !connection.isClosed { try? connection.close().wait() }
            connection = nil
        }
    }

    /// The slot of a transaction of `kind`, locked: a read takes the first free reader, else waits
    /// for the next in turn.
    private func lockedSlot(_ kind: ConnectionKind) -> ConnectionSlot {
        switch kind {
        case .write:
            writer.lock.lock()
            return writer
        case .access:
            accessWriter.lock.lock()
            return accessWriter
        case .read:
            for slot in readers where slot.lock.try() { return slot }
            let slot = readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count]
            slot.lock.lock()
            return slot
        }
    }

    /// Runs `body` with a connection of `kind`, holding its lock; opens the connection first if there
    /// is none or it was closed, and drops it after a failure of the connection itself.
    func withConnection<T>(_ kind: ConnectionKind = .write, _ body: (PostgresConnection) throws -> T) throws -> T {
        let slot = lockedSlot(kind)
        defer { slot.lock.unlock() }
        let c: PostgresConnection
        if let existing = slot.connection, !existing.isClosed {
            c = existing
        } else {
            c = try connect()
            slot.connection = c
        }
        do {
            return try body(c)
        } catch let error as PSQLError {
            if error.code != .server { slot.connection = nil; try? c.close().wait() }
            throw mapped(error)
        } catch let error as BlotterError {
            throw error
        } catch {
            slot.connection = nil
            throw BlotterError(.storage, "PostgreSQL at \(location): \(error)")
        }
    }

    private func connect() throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require, .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw BlotterError(.storage, "cannot set up TLS for PostgreSQL at \(location): \(error)")
        }
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        do {
            return try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration,
                                                  id: 1, logger: logger).wait()
        } catch let error as PSQLError {
            throw mapped(error, connecting: true)
        } catch {
            throw BlotterError(.storage, "cannot connect to PostgreSQL at \(location): \(error)")
        }
    }

    /// A PostgreSQL error as a ``BlotterError``: the server's message and SQLSTATE, never the
    /// statement's parameters (they may be field values) nor the server's detail line (it may quote them).
    func mapped(_ error: PSQLError, connecting: Bool = false) -> BlotterError {
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            let message = info[.message] ?? "error"
            switch state {
            case "55P03": // lock_not_available: another writer held the sequencer longer than lock_timeout
                return BlotterError(.busy, "the ledger is busy: another writer held it for more than \(Self.busyTimeout) s; nothing was written, retry")
            case "28P01", "28000":
                return BlotterError(.storage, "PostgreSQL at \(location) refused user \(location.user): \(message) (SQLSTATE \(state))")
            case "3D000":
                return BlotterError(.ledgerState, "PostgreSQL at \(location.host):\(location.port) has no database \(location.database): \(message) (create it first)")
            default:
                return BlotterError(.storage, "PostgreSQL at \(location): \(message) (SQLSTATE \(state)); nothing was written")
            }
        }
        let what = connecting ? "cannot connect to PostgreSQL at \(location)" : "lost the connection to PostgreSQL at \(location)"
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return BlotterError(.storage, "\(what) (\(error.code))\(underlying); nothing was written, retry when it is back")
    }

    /// Sends `statements` one behind the other and waits once for them all: the result of the last;
    /// the first failure, in order, is what it throws (a failed BEGIN makes the rest fail too).
    func pipeline(_ c: PostgresConnection, _ statements: [String]) throws -> PostgresQueryResult {
        try waitAll(statements.map { send(c, $0, binds: []) }, on: c).last!
    }

    /// Waits for every one of `futures` (statements sent on `c`), then returns their results in
    /// order, or throws the first failure in order.
    func waitAll(_ futures: [EventLoopFuture<PostgresQueryResult>], on c: PostgresConnection) throws -> [PostgresQueryResult] {
        try futures.map { f in Result { try wait(f, on: c) } }.map { try $0.get() }
    }

    /// Runs one statement and waits for its result.
    func run(_ c: PostgresConnection, _ sql: String, binds: [PostgresValue] = []) throws -> PostgresQueryResult {
        try wait(c.query(PostgresQuery(unsafeSQL: sql, binds: PostgresValue.bindings(binds)), logger: logger), on: c)
    }

    /// Waits for `f`, a statement sent on `c`. If `c` has closed and the answer has still not come
    /// a second later, the wait ends as a lost connection: postgres-nio 1.33.2 once left a statement
    /// unanswered for ever after the server was killed in the middle of a 4,000-statement batch
    /// (PostgresStoreTests.serverStopped hung with no socket open), which would hang a writer, and
    /// with it a server, for good.
    func wait(_ f: EventLoopFuture<PostgresQueryResult>, on c: PostgresConnection) throws -> PostgresQueryResult {
        // The answer is kept by the callback itself: a second f.wait() on the fulfilled future would
        // hop to the event loop and back once more per statement (measured: HTTP appends on
        // PostgreSQL 2,125-2,175/s without this wait, 1,830-2,000/s with that second wait).
        let answer = Answer()
        f.whenComplete { result in
            answer.result = result
            answer.ready.signal()
        }
        var closedFor = 0
        while answer.ready.wait(timeout: .now() + .seconds(1)) == .timedOut {
            closedFor = c.isClosed ? closedFor + 1 : 0
            if closedFor >= 2 {
                throw BlotterError(.storage, "lost the connection to PostgreSQL at \(location) (it closed with a statement unanswered); nothing was written, retry when it is back")
            }
        }
        return try answer.result!.get()
    }

    /// A statement's result, set on the event loop before `ready` is signalled, read after.
    private final class Answer: @unchecked Sendable {
        var result: Result<PostgresQueryResult, any Error>?
        let ready = DispatchSemaphore(value: 0)
    }

    /// Sends one statement without waiting for it.
    func send(_ c: PostgresConnection, _ sql: String, binds: [PostgresValue]) -> EventLoopFuture<PostgresQueryResult> {
        c.query(PostgresQuery(unsafeSQL: sql, binds: PostgresValue.bindings(binds)), logger: logger)
    }

    /// A table's columns and primary key, for `INSERT OR REPLACE` (cached; forgotten when a table is
    /// created or dropped).
    func shape(_ table: String, _ c: PostgresConnection) throws -> PostgresDialect.TableShape? {
        if let shape = cachedShape(table) { return shape }
        let rows = try run(c, """
            SELECT a.attname::text, COALESCE(a.attnum = ANY(i.indkey), false) FROM pg_attribute a
            LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, binds: [.text(table)]).rows
        guard !rows.isEmpty else { return nil }
        var columns: [String] = []
        var key: [String] = []
        for row in rows.map({ $0.makeRandomAccess() }) {
            let name = try row[0].decode(String.self)
            columns.append(name)
            if try row[1].decode(Bool.self) { key.append(name) }
        }
        let shape = PostgresDialect.TableShape(columns: columns, primaryKey: key)
        shapes.withLock { $0.tables[table] = shape }
        return shape
    }

    func forgetShapes() {
        shapes.withLock { $0 = ([:], [:]) }
    }

    /// `sql` (SQLite's dialect) as PostgreSQL takes it, translated the first time it is seen.
    func statementText(_ sql: String) -> PostgresStatementText {
        if let known = translations.withLock({ $0[sql] }) { return known }
        let made = PostgresStatementText(sql)
        translations.withLock {
            // The texts are the code's own; a bound keeps one built with values in it from growing this.
            if $0.count >= 2048 { $0 = [:] }
            $0[sql] = made
        }
        return made
    }

    /// An `INSERT OR REPLACE` as sent, once its table's shape was known.
    func replaceText(_ sql: String) -> String? { shapes.withLock { $0.replaceTexts[sql] } }

    func keepReplaceText(_ sql: String, _ text: String) { shapes.withLock { $0.replaceTexts[sql] = text } }

    /// A table's shape if it was looked up before.
    func cachedShape(_ table: String) -> PostgresDialect.TableShape? { shapes.withLock { $0.tables[table] } }
}

extension PostgresStore {
    /// Drops the ledger's tables (the log's and every derived one): only for undoing a `create`
    /// whose genesis failed, so that the database is as empty as it was.
    public func dropLedgerTables() throws {
        try withConnection { c in
            let tables = try run(c, "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND (tablename = ANY($1) OR tablename LIKE 'p\\_%' OR tablename = 'domain_catalog')",
                                 binds: [.textArray(Self.tables)]).rows.map { try $0.makeRandomAccess()[0].decode(String.self) }
            for t in tables { _ = try run(c, "DROP TABLE IF EXISTS \(t)") }
            forgetShapes()
        }
    }
}

extension PostgresStore {
    /// Creates an empty database `name` on the server that `serverURL` reaches (for tests, benchmarks
    /// and `blotter copy`); the URL's user needs the CREATEDB privilege.
    public static func createDatabase(serverURL: String, name: String) throws {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty else {
            throw BlotterError(.invalidInput, "database name \"\(name)\" must be letters, digits and underscores")
        }
        let store = PostgresStore(location: try PostgresLocation(url: serverURL))
        defer { try? store.close() }
        try store.withConnection { c in _ = try store.run(c, "CREATE DATABASE \(name)") }
    }

    /// The URL of database `name` on the same server as `url`, with the same user and password.
    public static func url(_ url: String, database name: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw BlotterError(.invalidInput, "not a PostgreSQL URL") }
        components.path = "/" + name
        guard let text = components.string else { throw BlotterError(.invalidInput, "not a PostgreSQL URL") }
        return text
    }
}

// The access log of reads through the server (``AccessLogStore``). Its own transaction on the read
// connection, which does not take the sequencer row: recording a read never waits for the log's writer. Servers that make
// the table at the same moment are serialised by an advisory lock.
extension PostgresStore: AccessLogStore {
    public func insertAccess(_ records: [AccessRecord]) throws {
        try transaction("BEGIN ISOLATION LEVEL READ COMMITTED", on: .access) { c in
            let access = PostgresAccess(store: self, connection: c, size: 0)
            if try !access.hasTable(AccessLogSQL.table) {
                _ = try run(c, "SELECT pg_advisory_xact_lock(\(Self.accessLogLock))")
                try AccessLogSQL.ensureTable(access)
            }
            try AccessLogSQL.insert(records, access) { Hex.encode(try SecureRandom.bytes(8)) }
            try access.flush()
            try access.drain()
        }
    }

    public func accessRecords(_ query: AccessQuery) throws -> [AccessRecord] {
        try read { db in try AccessLogSQL.select(query, db as! any SQLConnection) }
    }

    /// The advisory lock that makes one server at a time create the access log's table ("BLAL").
    static let accessLogLock: Int64 = 0x424C_414C
}

/// ``PostgresStore/rehearse(_:)``'s stand-in: every write a savepoint inside the one transaction that
/// is rolled back at the end, every read on the same connection (so it sees those writes), the
/// ledger's size carried from one write to the next as the sequencer row would. Used only on the
/// thread that runs the rehearsal's body.
final class PostgresRehearsal: LedgerStore, @unchecked Sendable {
    /// One connection for reads and writes: never both at once.
    var readsWhileWriting: Bool { false }
    let store: PostgresStore
    let connection: PostgresConnection
    private var size: Int64

    init(store: PostgresStore, connection: PostgresConnection, size: Int64) {
        self.store = store
        self.connection = connection
        self.size = size
    }

    func write<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        try mapping { try savepoint(body) }
    }

    private func savepoint<T>(_ body: (any LedgerWriting) throws -> T) throws -> T {
        _ = try store.run(connection, "SAVEPOINT blotter_rehearsal")
        let access = PostgresAccess(store: store, connection: connection, size: size)
        do {
            let result = try body(access)
            try access.flush()
            try access.drain()
            _ = try store.run(connection, "RELEASE SAVEPOINT blotter_rehearsal")
            size = access.size
            return result
        } catch {
            try? access.drain()
            _ = try? store.run(connection, "ROLLBACK TO SAVEPOINT blotter_rehearsal")
            _ = try? store.run(connection, "RELEASE SAVEPOINT blotter_rehearsal")
            throw error
        }
    }

    func read<T>(_ body: (any LedgerReading) throws -> T) throws -> T {
        try mapping {
            let access = PostgresAccess(store: store, connection: connection, size: size)
            let result = try body(access)
            try access.drain()
            return result
        }
    }

    /// The store's errors as the store's own `write` and `read` give them.
    private func mapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PSQLError { throw store.mapped(error) }
    }

    func close() throws {}
    func compact() throws { throw BlotterError(.invalidInput, "a dry run cannot compact the ledger") }
    func rehearse<T>(_ body: (any LedgerStore) throws -> T) throws -> T { try body(self) }
}
