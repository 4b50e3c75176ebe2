internal import Foundation
internal import GRDB
internal import GRDBSQLite

/// Moves the write-ahead log's pages into the main file on a thread and connection of its own, so
/// that the ledger's writer does not.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: every page the
/// log holds is read back, written into the main file and synced before that commit returns, and the
/// next batch waits for it (a third of the writer's system calls in a 250,000-row import). Here the
/// writer's commit only tells this thread how long the log is (`sqlite3_wal_hook`, which also turns
/// the automatic checkpoint off), and the thread copies with `PASSIVE` checkpoints, which never
/// block the writer or a reader.
///
/// A log that a busy writer keeps appending to is never wholly copied at the moment its next
/// transaction starts, and SQLite starts the log over only then; so once the log passes
/// its restart length the writer, between two transactions, copies what the thread has not yet
/// copied (usually its own last commit) itself, and the log starts over at its next transaction.
/// Durability is SQLite's as before: a commit is synced into the log before it returns, and a
/// checkpoint syncs the main file before the log is reused.
final class Checkpointer: @unchecked Sendable {
    // @unchecked Sendable: the mutable state is guarded by `condition`.
    /// Frames in the log at which a commit asks the thread to copy them, and at which the writer
    /// finishes the copy itself so that the log can start over: 32 MiB and 256 MiB of 4 KiB pages.
    package static let defaultFrames: (copy: Int32, restart: Int32) = (8192, 65536)

    private let path: String
    let copyFrames: Int32
    let restartFrames: Int32
    private let condition = NSCondition()
    private var requested = false
    private var stopped = false
    private var started = false
    private var finished = false
    private var connection: OpaquePointer?

    init(path: String, frames: (copy: Int32, restart: Int32)) {
        self.path = path
        copyFrames = frames.copy
        restartFrames = frames.restart
    }

    /// Installs the hook on the writer's connection (in its `prepareDatabase`).
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, db, name, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
            if frames >= checkpointer.restartFrames {
                // Between transactions: what is left is the writer's own recent commits. A PASSIVE
                // checkpoint returns at once (doing nothing) if the thread holds the checkpoint lock;
                // the next commit tries again.
                sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if frames >= checkpointer.copyFrames {
                checkpointer.request()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Starts the thread.
    func start() {
        condition.lock()
        started = true
        condition.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "blotter-checkpoint"
        thread.start()
    }

    private func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread after the copy in progress and closes its connection; returns when it has.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while started && !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        defer {
            if let connection { sqlite3_close_v2(connection) }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        // Its own connection, opened on first use: a checkpoint on the writer's would wait for the writer.
        while true {
            condition.lock()
            while !requested && !stopped { condition.wait() }
            let stop = stopped
            requested = false
            condition.unlock()
            if stop { return }
            if connection == nil {
                var db: OpaquePointer?
                guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
                    sqlite3_close_v2(db)
                    continue  // the writer's restart copy still bounds the log
                }
                sqlite3_exec(db, "PRAGMA synchronous = FULL", nil, nil, nil)
                connection = db
            }
            sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }
}
