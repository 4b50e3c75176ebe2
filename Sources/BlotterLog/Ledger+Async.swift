public import BlotterFormat
public import BlotterCrypto
internal import Dispatch

/// Runs blocking store work (SQLite calls, waits on a PostgreSQL connection, signature checks on all
/// cores) on Dispatch's threads, never on Swift's cooperative pool, and resumes the caller when it is
/// done. A task that awaits it is suspended, not blocked: request handlers on the cooperative pool
/// keep running while a batch commits.
package enum BlockingWork {
    private static let queue = DispatchQueue(label: "blotter.blocking", qos: .userInitiated, attributes: .concurrent)

    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
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
