public import BlotterFormat
public import BlotterCrypto
internal import Dispatch
internal import Foundation

/// Runs blocking store work (SQLite calls, waits on a PostgreSQL connection, signature checks on all
/// cores) on threads of its own, never on Swift's cooperative pool, and resumes the caller when it is
/// done. A task that awaits it is suspended, not blocked: request handlers on the cooperative pool
/// keep running while a batch commits.
///
/// Not on a Dispatch global queue: on Linux, Dispatch runs such a queue on about as many threads
/// as there are cores and cannot tell that one is blocked in fsync or waiting for PostgreSQL, so on
/// two cores a read of one key record waited for two batch commits to finish (measured: 6 ms of a
/// case read's 11 ms p99 on the server). These threads block freely; the work they start on all
/// cores (signature checks) still goes through Dispatch's ``parallelMap``.
package enum BlockingWork {
    private static let pool = BlockingThreads(count: max(16, 4 * ProcessInfo.processInfo.activeProcessorCount))

    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pool.submit { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A fixed set of threads taking jobs from one queue, oldest first. Started on first use; lives as
/// long as the process.
private final class BlockingThreads: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `head` are touched only with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0

    init(count: Int) {
        for i in 0..<count {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "blotter-blocking-\(i)"
            thread.start()
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count || head >= 1024 {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}

extension LedgerStore {
    /// Runs `body` in one write transaction off the cooperative pool; see ``write(_:)``. (Named apart
    /// from `write`: a closure that the synchronous `write` also takes would pick it, and block the pool.)
    public func writing<T: Sendable>(_ body: @escaping @Sendable (any LedgerWriting) throws -> T) async throws -> T {
        try await BlockingWork.run { try self.write(body) }
    }

    /// Runs `body` against a consistent snapshot off the cooperative pool; see ``read(_:)``.
    public func reading<T: Sendable>(_ body: @escaping @Sendable (any LedgerReading) throws -> T) async throws -> T {
        try await BlockingWork.run { try self.read(body) }
    }
}

/// The ledger's API for async callers (the HTTP server's request handlers): the same operations as
/// the synchronous ones, run off the cooperative pool. The synchronous API stays for the command
/// line and batch tools, which have no event loop to keep free.
extension Ledger {
    /// Appends statements in one transaction, all or none; see ``append(_:)-([Submission])``.
    public func append(_ submissions: [Submission]) async throws -> [AppendReceipt] {
        try await BlockingWork.run { try self.append(submissions) }
    }

    /// Appends one statement.
    public func append(_ submission: Submission) async throws -> AppendReceipt {
        try await BlockingWork.run { try self.append(submission) }
    }

    /// Appends groups, each all or nothing; see ``append(groups:)``.
    public func append(groups: [AppendGroup]) async throws -> [AppendOutcome] {
        try await BlockingWork.run { try self.append(groups: groups) }
    }

    /// The number of entries.
    public func count() async throws -> Int64 { try await BlockingWork.run { try self.count() } }

    /// One entry.
    public func entry(_ seq: Int64) async throws -> StoredEntry { try await BlockingWork.run { try self.entry(seq) } }

    /// The ledger's identity from its genesis entry.
    public func identity() async throws -> LedgerIdentity? { try await BlockingWork.run { try self.identity() } }

    /// The Merkle root over the first `size` entries (default: all).
    public func root(size: Int64? = nil) async throws -> (size: Int64, root: TreeHash) {
        try await BlockingWork.run { try self.root(size: size) }
    }

    /// The inclusion proof of entry `seq` in the tree of `size` entries.
    public func inclusionProof(seq: Int64, size: Int64? = nil) async throws -> (size: Int64, leaf: TreeHash, root: TreeHash, proof: [TreeHash]) {
        try await BlockingWork.run { try self.inclusionProof(seq: seq, size: size) }
    }

    /// The consistency proof between two tree sizes.
    public func consistencyProof(oldSize: Int64, newSize: Int64) async throws -> ConsistencyProof {
        try await BlockingWork.run { try self.consistencyProof(oldSize: oldSize, newSize: newSize) }
    }
}



extension Ledger {
    /// The latest signed checkpoint, signing a new one if the tree has grown; see ``checkpoint(operatorKey:)``.
    public func checkpoint(operatorKey: PrivateKey) async throws -> SignedNote {
        try await BlockingWork.run { try self.checkpoint(operatorKey: operatorKey) }
    }
}

extension Ledger {
    /// Runs `body` against a consistent snapshot of the store, off the cooperative pool (the name
    /// keeps it apart from the store's synchronous `read`, which an async caller must not use).
    public func reading<T: Sendable>(_ body: @escaping @Sendable (any LedgerReading) throws -> T) async throws -> T {
        try await store.reading(body)
    }
}
