public import BlotterCrypto
public import BlotterFormat
internal import Dispatch
internal import Synchronization

/// What the ledger says when it has taken a statement.
public struct AppendReceipt: Sendable, Equatable {
    public let seq: Int64
    /// Lowercase hex SHA-256 of the entry bytes.
    public let entryHash: String
    public let recorded: String
    /// The entry's stream and its version in that stream (1 for the stream's first entry): what a
    /// writer passes as `expect` for its next statement on the stream.
    public let stream: String
    public let streamVersion: Int64
    /// True if the same statement was already in the ledger; nothing new was appended.
    public let duplicate: Bool

    public init(seq: Int64, entryHash: String, recorded: String, stream: String, streamVersion: Int64, duplicate: Bool) {
        self.seq = seq
        self.entryHash = entryHash
        self.recorded = recorded
        self.stream = stream
        self.streamVersion = streamVersion
        self.duplicate = duplicate
    }
}

/// A ledger: appends signed statements after checking every rule, and reads them back.
///
/// The log's own rules (chain, keys, roles, clock, signatures) are checked here; a ``LedgerPolicy``
/// adds a domain's rules and derived tables. One `Ledger` may be used from many threads; the store's
/// write lock serialises appends, also across processes.
public final class Ledger: Sendable {
    public let store: any LedgerStore
    /// The domain's checks and effects; nil for a bare log.
    public let policy: (any LedgerPolicy)?
    /// Clock for `recorded`; replaceable in tests.
    package let clock: @Sendable () -> Timestamp
    /// The identity from entry 0, once read.
    private let identityCache = Mutex<LedgerIdentity?>(nil)
    /// The key registry proven from the log's key statements, which appends decide with.
    let provenKeys = ProvenKeys()
    /// The chain's and the tree's right edge as this process's last committed append left them: a
    /// batch that finds the ledger at that size starts from it instead of reading the last entry and
    /// the frontier again (another writer's append changes the size, and the batch reads them).
    private let tail = Mutex<ChainTail?>(nil)

    /// The right edge at `size`, if this process's last committed append left the ledger there.
    fileprivate func tail(at size: Int64) -> ChainTail? {
        tail.withLock { $0?.size == size ? $0 : nil }
    }

    /// A ledger over `store` that checks the log's own rules and, if given, `policy`'s.
    public init(store: any LedgerStore, policy: (any LedgerPolicy)?, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.store = store
        self.policy = policy
        self.clock = clock
    }

    /// The ledger's identity from its genesis entry; nil for an empty store.
    /// Entry 0 never changes, so it is read once; a domain ledger's genesis carries the whole event
    /// catalog (tens of kilobytes), which every append would otherwise decode and hash again.
    public func identity() throws -> LedgerIdentity? {
        if let cached = identityCache.withLock({ $0 }) { return cached }
        guard let genesis = try store.read({ try $0.entries(from: 0, limit: 1) }).first, genesis.seq == 0 else { return nil }
        let entry = try Entry(bytes: genesis.bytes)
        let disclosures = try genesis.disclosures.values.map { s throws(BlotterError) in try Disclosure(encoded: s) }
        let submission = Submission(statement: entry.statement, disclosures: disclosures)
        guard case let .genesis(identity, _) = try LedgerRules.check(
            entry.statement, disclosures: try submission.checkDisclosures(), seq: 0, identity: nil, state: EmptyState()).change
        else { throw BlotterError(.ledgerState, "entry 0 is not a valid ledger.created") }
        identityCache.withLock { $0 = identity }
        return identity
    }

    /// Appends one statement.
    public func append(_ submission: Submission) throws -> AppendReceipt {
        try append([submission])[0]
    }

    /// Appends statements in one transaction (group commit): all or none.
    ///
    /// Before anything is written it checks, for each statement: the ledger origin, the disclosures
    /// against their digests, the signature, the key's registration, revocation, actor, algorithm and
    /// role, `expect` against the stream version, the clock, and the entry size limit. A statement
    /// already in the ledger (same key, `at`, nonce and content) returns its existing entry.
    /// - Throws: ``BlotterError`` naming the statement (its index in the batch) and the rule; the
    ///   ledger is then unchanged.
    public func append(_ submissions: [Submission]) throws -> [AppendReceipt] {
        if submissions.isEmpty { return [] }
        return try commitStatements(prepare(submissions))
    }

    /// The first half of ``append(_:)-([Submission])``: the checks that need no write lock, on all
    /// cores. ``commitStatements(_:)`` writes them, all or none; in between the caller may commit the
    /// batch before this one, so that its serial write overlaps these checks (`blotter submit`).
    public func prepare(_ submissions: [Submission]) throws -> PreparedAppend {
        var prepared = try prepare(groups: [AppendGroup(submissions)], isolated: false)
        prepared.statementCount = submissions.count
        return prepared
    }

    /// The second half of ``append(_:)-([Submission])``: writes what ``prepare(_:)`` checked in one
    /// transaction, all or none, against the ledger as it is now.
    /// - Throws: ``BlotterError`` naming the statement (its index in the batch) and the rule; the
    ///   ledger is then unchanged.
    public func commitStatements(_ prepared: PreparedAppend) throws -> [AppendReceipt] {
        if prepared.statementCount == 0 { return [] }
        switch try commit(prepared)[0] {
        case let .appended(receipts): return receipts.map { $0! }
        case let .refused(index, error): throw error.prefixed(Self.label(index, of: prepared.statementCount))
        }
    }

    /// Commits `previous` (``commitStatements(_:)``) while `next` is checked on other threads
    /// (``prepare(_:)``), so that a run of batches keeps both the write and the cores busy; each
    /// result as it came out. A caller that stops at a failed commit drops `next` unwritten.
    public func commitStatements(_ previous: PreparedAppend, whilePreparing next: [Submission])
        -> (committed: Result<[AppendReceipt], any Error>, next: Result<PreparedAppend, any Error>) {
        nonisolated(unsafe) var checked: Result<PreparedAppend, any Error>? = nil
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            checked = Result { try self.prepare(next) }
            done.signal()
        }
        let committed = Result { try commitStatements(previous) }
        done.wait()
        return (committed, checked!)
    }

    /// Where a refused statement sits in a batch, for its error message.
    static func label(_ index: Int, of count: Int) -> String { count == 1 ? "" : "statement \(index + 1) of \(count): " }

    /// Appends groups of statements, each all or nothing: a group with a refused statement leaves no
    /// trace (its writes are rolled back to a savepoint) and the other groups go on. One transaction
    /// for all, so the call as a whole is atomic against a crash. Used by `blotter import`, where a
    /// group is the statements made from one row.
    /// - Returns: one outcome per group, in order.
    /// - Throws: only for failures that are not a refusal of a statement (storage errors).
    public func append(groups: [AppendGroup]) throws -> [AppendOutcome] {
        try append(groups: groups, isolated: true)
    }

    private func append(groups: [AppendGroup], isolated: Bool) throws -> [AppendOutcome] {
        try commit(prepare(groups: groups, isolated: isolated))
    }

    /// The first half of ``append(groups:)``: every check that needs no write lock (signatures, schemas,
    /// disclosures), on all cores. ``commit(_:)`` writes the groups; in between, the caller may do other
    /// work, such as committing the batch before this one, so that a serial write overlaps the next
    /// batch's checks. What the lock decides (replays, stream versions, keys, lifecycle rules) is
    /// decided by the commit against the ledger as it is then, so a batch committed in between is seen.
    public func prepare(groups: [AppendGroup]) throws -> PreparedAppend {
        try prepare(groups: groups, isolated: true)
    }

    /// The second half of ``append(groups:)``: writes the groups ``prepare(groups:)`` checked, each all
    /// or nothing, in one transaction.
    /// - Returns: one outcome per group, in order.
    public func commit(_ prepared: PreparedAppend) throws -> [AppendOutcome] {
        if let early = prepared.early { return early }
        let groups = prepared.groups, submissions = prepared.submissions, identity = prepared.identity
        let policyBatch = prepared.policyBatch, ready = prepared.ready, isolated = prepared.isolated
        let refusedBeforeLock = prepared.refusedBeforeLock
        // Optimistic first: no savepoint at all (on PostgreSQL each is a round trip and ends the
        // batching of inserts; on SQLite a savepoint copies every page the batch changes into a
        // sub-journal, a temporary file once it passes 64 KiB). A group refused inside the lock
        // abandons the whole transaction (its refusal is thrown out of the write, which rolls it
        // back), and the batch is written again with a savepoint around each group. nil: retry with
        // savepoints.
        // The right edge the write left, kept once its transaction committed.
        var written: ChainTail? = nil
        func commit(savepoints: Bool) throws -> [AppendOutcome]? {
            written = nil
            let optimistic = isolated && !savepoints
            var abandoned = false
            let outcomes: [AppendOutcome]
            do {
                outcomes = try store.write { writer -> [AppendOutcome] in
                    var outcomes = refusedBeforeLock
                    var batch = try BatchWriter(ledger: self, writer: writer, identity: identity, policy: policyBatch, submissions: submissions)
                    var first = 0
                    for (g, group) in groups.enumerated() {
                        defer { first += group.submissions.count }
                        if outcomes[g] != nil { continue }
                        if savepoints { try writer.savepoint() }
                        // Taken only where a refusal rolls back to it: a snapshot held while the batch
                        // grows makes every insert into its dictionaries copy them.
                        let saved = savepoints ? batch.snapshot() : nil
                        var receipts: [AppendReceipt?] = []
                        do {
                            for (i, submission) in group.submissions.enumerated() {
                                if let tag = group.onceTags[i], batch.tags.contains(tag) {
                                    receipts.append(nil)
                                    continue
                                }
                                do {
                                    receipts.append(try batch.append(submission, ready[first + i]!))
                                } catch let error as BlotterError {
                                    throw GroupRefusal(index: i, error: error)
                                }
                                if let tag = group.onceTags[i] { batch.tags.insert(tag) }
                            }
                            if savepoints { try writer.releaseSavepoint() }
                            outcomes[g] = .appended(receipts)
                        } catch let refusal as GroupRefusal {
                            guard isolated else { throw refusal.error.prefixed(Self.label(refusal.index, of: group.submissions.count)) }
                            if optimistic {
                                abandoned = true
                                throw refusal.error
                            }
                            try writer.rollbackToSavepoint()
                            batch.restore(saved!)
                            outcomes[g] = .refused(index: refusal.index, refusal.error)
                        }
                    }
                    written = batch.tail
                    return outcomes.map { $0! }
                }
            } catch where abandoned {
                return nil
            }
            // Committed: the next batch may start from where this one left the chain and the tree.
            if let written { keep(written) }
            return outcomes
        }
        guard isolated, groups.count > 1 else { return try commit(savepoints: isolated)! }
        if let outcomes = try commit(savepoints: false) { return outcomes }
        return try commit(savepoints: true)!
    }

    /// Keeps the right edge a committed write left (only after its COMMIT returned).
    fileprivate func keep(_ committed: ChainTail) {
        tail.withLock { $0 = committed }
    }

    private func prepare(groups: [AppendGroup], isolated: Bool) throws -> PreparedAppend {
        let submissions = groups.flatMap(\.submissions)
        if submissions.isEmpty { return PreparedAppend(early: groups.map { _ in .appended([]) }) }
        let identity = try self.identity()

        // Keys the statements' key ids can already be resolved to: registered, or introduced earlier
        // in this batch. Key ids are digests of the key, so a key found this way is the only one.
        // One read for the keys and the policy's state (on PostgreSQL each read is a transaction and
        // each look-up a round trip).
        var known: [String: PublicKey] = [:]
        let policyBatch = try store.read { reader -> (any LedgerPolicyBatch)? in
            for (id, record) in try reader.keyRecords(Array(Set(submissions.map(\.statement.key)))) { known[id] = record.publicKey }
            return try policy.map { try $0.batch(reader) }
        }
        for s in submissions {
            if let introduced = LedgerRules.introducedKey(s), known[introduced.keyID] == nil { known[introduced.keyID] = introduced }
        }
        let keys = known
        // Everything that needs no ledger state, on all cores, outside the lock.
        let prepared: [Result<PreparedStatement, BlotterError>] = parallelMap(submissions.count, state: { VerifierCache() }) { cache, i in
            Result { () throws(BlotterError) -> PreparedStatement in
                let s = submissions[i]
                if let identity, s.statement.log != identity.origin {
                    throw BlotterError(.wrongOrigin, "statement is for ledger \"\(s.statement.log)\", this ledger is \"\(identity.origin)\"")
                }
                let disclosures = try s.checkDisclosures()
                let (input, bytes) = s.statement.signingInputAndBytes()
                var checked: Bool? = nil
                if let key = keys[s.statement.key], key.algorithm == s.statement.alg, let sig = s.statement.signatureBytes {
                    checked = cache.verifier(for: key).isValid(sig, for: input)
                }
                if checked == false { throw BlotterError(.badSignature, "signature does not verify with key \(s.statement.key)") }
                var values: [String: JSONValue] = [:]
                values.reserveCapacity(disclosures.count)
                for (name, d) in disclosures { values[name] = d.value }
                let prechecked = try policyBatch?.precheck(s.statement, values: values) ?? true
                return PreparedStatement(disclosures: disclosures, values: values, signingInput: input, statementBytes: bytes,
                                         signatureChecked: checked == true, policyPrechecked: prechecked)
            }
        }
        // A group with a statement refused here is refused before the lock is taken.
        var outcomes: [AppendOutcome?] = Array(repeating: nil, count: groups.count)
        var ready: [PreparedStatement?] = []
        ready.reserveCapacity(submissions.count)
        var first = 0
        for (g, group) in groups.enumerated() {
            for i in 0..<group.submissions.count {
                switch prepared[first + i] {
                case let .success(value): ready.append(value)
                case let .failure(error):
                    ready.append(nil)
                    if outcomes[g] == nil { outcomes[g] = .refused(index: i, error) }
                }
            }
            first += group.submissions.count
        }
        if !isolated, case let .refused(i, error)? = outcomes[0] { return PreparedAppend(early: [.refused(index: i, error)]) }
        return PreparedAppend(groups: groups, submissions: submissions, identity: identity, policyBatch: policyBatch,
                              ready: ready, refusedBeforeLock: outcomes, isolated: isolated)
    }

    fileprivate func duplicateReceipt(of statement: Statement, at seq: Int64, writer: any LedgerWriting) throws -> AppendReceipt {
        guard let stored = try writer.entryBytes(from: seq, limit: 1).first, stored.seq == seq else {
            throw BlotterError(.storage, "entry \(seq) is missing")
        }
        let entry = try Entry(bytes: stored.bytes)
        guard try entry.statement.signingInput() == statement.signingInput() else {
            throw BlotterError(.invalidStatement, "nonce \(statement.nonce) of key \(statement.key) was already used by entry \(seq) for a different statement")
        }
        guard let summary = try writer.summaries(from: seq, limit: 1, stream: nil).first, summary.seq == seq else {
            throw BlotterError(.storage, "entry \(seq) has no stream version")
        }
        return AppendReceipt(seq: seq, entryHash: Entry.hash(stored.bytes), recorded: entry.recorded, stream: summary.stream,
                             streamVersion: summary.streamVersion, duplicate: true)
    }

    /// Reads one entry.
    public func entry(_ seq: Int64) throws -> StoredEntry {
        guard let stored = try store.read({ try $0.entries(from: seq, limit: 1) }).first, stored.seq == seq else {
            throw BlotterError(.notFound, "there is no entry \(seq)")
        }
        return stored
    }

    /// Reads stored complete-subtree hashes, failing clearly if one is missing.
    package static func storedHash(_ reader: any LedgerReading) -> MerkleTree.StoredHash {
        { level, index in
            guard let hash = try reader.treeHash(level: level, index: index) else {
                throw BlotterError(.storage, "the stored Merkle tree has no hash at level \(level), index \(index)")
            }
            return hash
        }
    }

    /// The stored hashes of a Merkle frontier of `size` leaves, read in one look-up; as
    /// ``storedHash(_:)``, failing clearly if one is missing.
    static func frontier(_ reader: any LedgerReading, size: Int64) throws -> MerkleFrontier {
        let positions = MerkleFrontier.positions(size: size)
        let hashes = try reader.treeHashes(at: positions)
        var found: [Int: (index: Int64, hash: TreeHash)] = [:]
        for (p, hash) in zip(positions, hashes) { if let hash { found[p.level] = (p.index, hash) } }
        return try MerkleFrontier(size: size) { level, index in
            guard let f = found[level], f.index == index else {
                throw BlotterError(.storage, "the stored Merkle tree has no hash at level \(level), index \(index)")
            }
            return f.hash
        }
    }

    /// `size`, or the whole ledger's size; refused if the ledger is smaller.
    static func treeSize(_ size: Int64?, _ reader: any LedgerReading) throws -> Int64 {
        let count = try reader.count()
        let n = size ?? count
        guard n >= 0, n <= count else { throw BlotterError(.notFound, "tree size \(n) is larger than the ledger's \(count) entries") }
        return n
    }

    /// The Merkle tree root over the first `size` entries (default: all).
    public func root(size: Int64? = nil) throws -> (size: Int64, root: TreeHash) {
        try store.read { reader in
            let n = try Ledger.treeSize(size, reader)
            return (n, try MerkleTree.root(size: n, stored: Ledger.storedHash(reader)))
        }
    }

    /// The inclusion proof of entry `seq` in the tree of `size` entries (default: all).
    public func inclusionProof(seq: Int64, size: Int64? = nil) throws -> (size: Int64, leaf: TreeHash, root: TreeHash, proof: [TreeHash]) {
        try store.read { reader in
            let n = try Ledger.treeSize(size, reader)
            guard seq >= 0, seq < n else { throw BlotterError(.notFound, "entry \(seq) is not in a tree of size \(n)") }
            let stored = Ledger.storedHash(reader)
            return (n, try stored(0, seq), try MerkleTree.root(size: n, stored: stored),
                    try MerkleTree.inclusionProof(index: seq, size: n, stored: stored))
        }
    }

    /// The consistency proof between the trees of `oldSize` and `newSize` entries.
    public func consistencyProof(oldSize: Int64, newSize: Int64) throws -> ConsistencyProof {
        try store.read { reader in
            _ = try Ledger.treeSize(newSize, reader)
            guard oldSize >= 1, oldSize <= newSize else {
                throw BlotterError(.invalidInput, "sizes must satisfy 1 <= old <= new, found old \(oldSize), new \(newSize)")
            }
            let stored = Ledger.storedHash(reader)
            return ConsistencyProof(oldSize: oldSize, newSize: newSize, oldRoot: try MerkleTree.root(size: oldSize, stored: stored),
                                    newRoot: try MerkleTree.root(size: newSize, stored: stored),
                                    proof: try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize, stored: stored))
        }
    }

    /// The latest signed checkpoint, signing a new one with `operatorKey` if the tree has grown.
    ///
    /// Before signing, the new tree is proved consistent with the latest checkpoint the log signed,
    /// so the log never signs two checkpoints that contradict each other. Each checkpoint is stored.
    /// - Throws: ``BlotterError`` if the key is not the ledger's operator key, or the tree is not
    ///   consistent with the last checkpoint.
    public func checkpoint(operatorKey: PrivateKey) throws -> SignedNote {
        guard let identity = try identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        guard let given = try? NoteVerifierKey(name: identity.origin, publicKey: operatorKey.publicKey), given == identity.operatorKey else {
            throw BlotterError(.invalidInput, "that key is not this ledger's operator key \(identity.operatorKey)")
        }
        return try store.write { writer in
            let count = try writer.count()
            let stored = Ledger.storedHash(writer)
            let root = try MerkleTree.root(size: count, stored: stored)
            if let latest = try writer.latestCheckpoint() {
                let note = try SignedNote(parsing: latest.note)
                _ = try note.verify(keys: [identity.operatorKey])
                let previous = try Checkpoint(text: note.text)
                if previous.size == count {
                    guard previous.root == root else {
                        throw BlotterError(.verificationFailed, "refusing to sign: the stored checkpoint at size \(count) has root \(previous.root.base64), the tree has \(root.base64)")
                    }
                    return note
                }
                guard previous.size < count else {
                    throw BlotterError(.verificationFailed, "refusing to sign: a checkpoint at size \(previous.size) exists but the ledger has \(count) entries")
                }
                let proof = try MerkleTree.consistencyProof(oldSize: previous.size, newSize: count, stored: stored)
                do {
                    try MerkleTree.verifyConsistency(oldSize: previous.size, newSize: count, proof: proof, oldRoot: previous.root, newRoot: root)
                } catch let error as BlotterError {
                    throw BlotterError(.verificationFailed, "refusing to sign: the tree at size \(count) is not consistent with the checkpoint at size \(previous.size): \(error.message)")
                }
            }
            var note = SignedNote(text: Checkpoint(origin: identity.origin, size: count, root: root).text)
            try note.sign(name: identity.origin, key: operatorKey)
            try writer.insertCheckpoint(size: count, note: note.serialized)
            return note
        }
    }

    /// Closes the store (for SQLite: moves the WAL into the main file). Not usable afterwards.
    public func close() throws { try store.close() }

    /// The number of entries.
    public func count() throws -> Int64 { try store.read { try $0.count() } }
}

/// Groups of statements checked by ``Ledger/prepare(groups:)``, to be written by ``Ledger/commit(_:)``.
public struct PreparedAppend: @unchecked Sendable {
    // @unchecked: a value handed from the thread that prepared it to the one that commits it, never
    // shared; the policy batch is the only member not known to be Sendable.
    fileprivate var early: [AppendOutcome]? = nil
    fileprivate var groups: [AppendGroup] = []
    fileprivate var submissions: [Submission] = []
    fileprivate var identity: LedgerIdentity? = nil
    fileprivate var policyBatch: (any LedgerPolicyBatch)? = nil
    fileprivate var ready: [PreparedStatement?] = []
    fileprivate var refusedBeforeLock: [AppendOutcome?] = []
    fileprivate var isolated = true
    /// The number of statements, for ``Ledger/prepare(_:)`` (whose refusals name the statement's place).
    fileprivate var statementCount = 0

    fileprivate init(early: [AppendOutcome]) { self.early = early }

    fileprivate init(groups: [AppendGroup], submissions: [Submission], identity: LedgerIdentity?, policyBatch: (any LedgerPolicyBatch)?,
                     ready: [PreparedStatement?], refusedBeforeLock: [AppendOutcome?], isolated: Bool) {
        self.groups = groups
        self.submissions = submissions
        self.identity = identity
        self.policyBatch = policyBatch
        self.ready = ready
        self.refusedBeforeLock = refusedBeforeLock
        self.isolated = isolated
    }
}

/// A statement with the work done that needs no ledger state.
private struct PreparedStatement {
    let disclosures: [String: Disclosure]
    /// The disclosed field values by name.
    let values: [String: JSONValue]
    let signingInput: [UInt8]
    /// JCS of the statement, `sig` included: the tail of the entry bytes.
    let statementBytes: [UInt8]
    /// True if the signature was checked (and verified) before the lock was taken.
    let signatureChecked: Bool
    /// True if the policy did every check it can do before the lock was taken.
    let policyPrechecked: Bool
}

/// The right edge of the chain and the tree at `size` entries: what the next append continues from.
struct ChainTail: Sendable {
    let size: Int64
    let prevHash: String
    let previousRecorded: Timestamp?
    let frontier: MerkleFrontier
}

/// Ledger state as the batch sees it: the store's, plus what earlier statements of the batch changed.
private final class BatchState: LedgerStateReading {
    let base: any LedgerReading
    /// The registry the log's key statements prove (``ProvenKeys``), as of the start of the batch.
    var proven: [String: KeyRecord] = [:]
    var keys: [String: KeyRecord] = [:]
    var streams: [String: Int64] = [:]
    /// Stored key records read ahead for the batch's signers (nil inside: none is stored).
    var stored: [String: KeyRecord?] = [:]

    package init(base: any LedgerReading) { self.base = base }

    // Look-ups are cached for the transaction: the write lock is held, so nothing else changes them,
    // and decoding a stored public key costs more than the rest of an append. A key is what the log
    // proves; the stored table must agree, or the batch is refused as a sign of tampering.
    func keyRecord(_ keyID: String) throws -> KeyRecord? {
        if let record = keys[keyID] { return record }
        let storedRecord = try stored[keyID] ?? base.keyRecord(keyID)
        guard let record = try ProvenKeys.checked(keyID, proven: proven[keyID], stored: storedRecord) else { return nil }
        keys[keyID] = record
        return record
    }

    func streamVersion(_ stream: String) throws -> Int64 {
        if let version = streams[stream] { return version }
        let version = try base.streamVersion(stream)
        streams[stream] = version
        return version
    }
}

/// The state before entry 0.
struct EmptyState: LedgerStateReading {
    func keyRecord(_ keyID: String) throws -> KeyRecord? { nil }
    func streamVersion(_ stream: String) throws -> Int64 { 0 }
}

/// Statements appended together by ``Ledger/append(groups:)``: all or none of them.
public struct AppendGroup: Sendable {
    public var submissions: [Submission]
    /// Per statement, an optional tag: a statement whose tag was appended by an earlier group of the
    /// same call is skipped (its receipt is nil). Lets each row carry the statements its record
    /// shares with other rows (a complaint and its case), appended by whichever row comes first.
    public var onceTags: [String?]

    public init(_ submissions: [Submission], onceTags: [String?]? = nil) {
        self.submissions = submissions
        self.onceTags = onceTags ?? Array(repeating: nil, count: submissions.count)
        precondition(self.onceTags.count == submissions.count, "one tag (or nil) per statement")
    }
}

/// What became of one ``AppendGroup``.
public enum AppendOutcome: Sendable {
    /// Every statement was appended (or was a duplicate); nil where a tag skipped it.
    case appended([AppendReceipt?])
    /// The statement at `index` of the group was refused; nothing of the group was written.
    case refused(index: Int, BlotterError)
}

private struct GroupRefusal: Error {
    let index: Int
    let error: BlotterError
}

/// The serial half of an append: the chain, tree, rules and projections, one statement at a time,
/// inside the write transaction.
private struct BatchWriter {
    let ledger: Ledger
    let writer: any LedgerWriting
    let state: BatchState
    var count: Int64
    var identity: LedgerIdentity?
    var prevHash: String = Entry.genesisPrev
    var previousRecorded: Timestamp? = nil
    /// The Merkle tree's right edge; each entry's leaf is added in this same transaction.
    var frontier: MerkleFrontier
    var usedNonces: [String: Int64] = [:]
    var policy: (any LedgerPolicyBatch)?
    /// True when the policy's state changed between the prechecks and the lock: they are done again.
    var policyRefreshed = false
    var tags: Set<String> = []

    init(ledger: Ledger, writer: any LedgerWriting, identity: LedgerIdentity?, policy: (any LedgerPolicyBatch)?, submissions: [Submission]) throws {
        self.ledger = ledger
        self.writer = writer
        self.state = BatchState(base: writer)
        self.state.proven = try ledger.provenKeys.current(writer)
        self.count = try writer.count()
        self.identity = identity
        self.policy = policy
        // The policy's state was read before the lock; an append committed since may have changed it.
        if let current = policy, let ledgerPolicy = ledger.policy, !(try current.isCurrent(writer)) {
            self.policy = try ledgerPolicy.batch(writer)
            policyRefreshed = true
        }
        let known = ledger.tail(at: count)
        if let known {
            prevHash = known.prevHash
            previousRecorded = known.previousRecorded
        } else if count > 0, let last = try writer.entryBytes(from: count - 1, limit: 1).first {
            prevHash = Entry.hash(last.bytes)
            previousRecorded = try Entry(bytes: last.bytes).recordedTime
        }
        if identity == nil && count > 0 { self.identity = try ledger.identity() }
        // Replays, stream versions and the signers' stored keys for the whole call, under the write
        // lock, in one look-up each, made together.
        let signers = Array(Set(submissions.map(\.statement.key)))
        let found = try writer.batchLookups(nonces: submissions.map { ($0.statement.key, $0.statement.at, $0.statement.nonce) },
                                            streams: Array(Set(submissions.map(\.statement.stream))), keyIDs: signers)
        usedNonces = found.nonces
        for (stream, version) in found.streamVersions { state.streams[stream] = version }
        for id in signers { state.stored[id] = .some(found.keys[id]) }
        frontier = try known?.frontier ?? Ledger.frontier(writer, size: count)
    }

    /// The right edge as this batch leaves it.
    var tail: ChainTail { ChainTail(size: count, prevHash: prevHash, previousRecorded: previousRecorded, frontier: frontier) }

    struct Snapshot {
        let count: Int64, identity: LedgerIdentity?, prevHash: String, previousRecorded: Timestamp?, frontier: MerkleFrontier
        let usedNonces: [String: Int64], policy: (any LedgerPolicyBatch)?, tags: Set<String>, keys: [String: KeyRecord], streams: [String: Int64]
    }

    func snapshot() -> Snapshot {
        Snapshot(count: count, identity: identity, prevHash: prevHash, previousRecorded: previousRecorded, frontier: frontier,
                 usedNonces: usedNonces, policy: policy, tags: tags, keys: state.keys, streams: state.streams)
    }

    mutating func restore(_ s: Snapshot) {
        count = s.count
        identity = s.identity
        prevHash = s.prevHash
        previousRecorded = s.previousRecorded
        frontier = s.frontier
        usedNonces = s.usedNonces
        policy = s.policy
        tags = s.tags
        state.keys = s.keys
        state.streams = s.streams
    }

    mutating func append(_ submission: Submission, _ ready: PreparedStatement) throws -> AppendReceipt {
        let statement = submission.statement
        let nonceKey = BlotterLog.nonceKey(keyID: statement.key, at: statement.at, nonce: statement.nonce)
        if let existing = usedNonces[nonceKey] {
            return try ledger.duplicateReceipt(of: statement, at: existing, writer: writer)
        }
        let seq = count
        let (signer, change) = try LedgerRules.check(statement, disclosures: ready.disclosures, seq: seq, identity: identity, state: state)
        if !ready.signatureChecked {
            guard signer.publicKey.isValidSignature(statement.signatureBytes ?? [], for: ready.signingInput) else {
                throw BlotterError(.badSignature, "signature does not verify with key \(statement.key)")
            }
        }
        var recorded = ledger.clock()
        if let previousRecorded, recorded < previousRecorded { recorded = previousRecorded }
        try LedgerRules.checkTimes(at: statement.atTime, recorded: recorded, previousRecorded: previousRecorded)
        // Nothing was signed before 1970 (a year 0000 is a typo or a forgery); when an event happened
        // goes in the event's own fields.
        guard statement.at >= "1970-01-01" else {
            throw BlotterError(.invalidStatement, "statement time \"at\" \(statement.at) is before 1970: a statement is dated when it is signed")
        }
        let recordedText = recorded.rfc3339Milliseconds
        let bytes = Entry.canonicalBytes(seq: seq, prev: prevHash, recorded: recordedText, statementBytes: ready.statementBytes)
        guard bytes.count <= Entry.maxBytes else {
            throw BlotterError(.tooLarge, "entry would be \(bytes.count) bytes, more than the limit of \(Entry.maxBytes); reference large evidence by its SHA-256 instead")
        }
        let version = try state.streamVersion(statement.stream) + 1
        let event = LedgerEvent(seq: seq, type: statement.type, stream: statement.stream, actor: statement.actor,
                                at: statement.at, recorded: recordedText, values: ready.values, streamVersion: version)
        if var domain = policy {
            try domain.check(event, statement: statement, signer: signer, prechecked: ready.policyPrechecked && !policyRefreshed, writer)
            policy = domain
        }
        try writer.insert(seq: seq, bytes: bytes, statement: statement, streamVersion: version,
                          recorded: recordedText, disclosures: submission.disclosures)
        for f in frontier.append(TreeHash.leaf(bytes)) {
            try writer.insertTreeHash(level: f.level, index: f.index, hash: f.hash)
        }
        state.streams[statement.stream] = version
        if var domain = policy {
            try domain.apply(event, writer)
            policy = domain
        }
        switch change {
        case let .genesis(newIdentity, admin):
            identity = newIdentity
            try writer.insertKey(admin)
            state.keys[admin.keyID] = admin
        case let .registerKey(record):
            try writer.insertKey(record)
            state.keys[record.keyID] = record
        case let .revokeKey(keyID):
            try writer.revokeKey(keyID, seq: seq)
            if var record = try state.keyRecord(keyID) {
                record.revokedSeq = seq
                state.keys[keyID] = record
            }
        case .none:
            break
        }
        let hash = Entry.hash(bytes)
        usedNonces[nonceKey] = seq
        prevHash = hash
        previousRecorded = recorded
        count += 1
        return AppendReceipt(seq: seq, entryHash: hash, recorded: recordedText, stream: statement.stream, streamVersion: version, duplicate: false)
    }
}
