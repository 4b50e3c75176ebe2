public import BlotterFormat
internal import BlotterCrypto
internal import Foundation

/// What a successful verification covered.
public struct VerificationReport: Sendable {
    public let entries: Int64
    public let keys: Int
    public let revokedKeys: Int
    public let streams: Int
    /// Disclosures present and matching their digests.
    public let disclosures: Int64
    /// Committed fields with no stored disclosure (withheld or sealed).
    public let withheld: Int64
    /// Lowercase hex SHA-256 of the last entry (64 zeros for an empty ledger).
    public let headHash: String
    /// The Merkle tree root over all entries, recomputed from them (and equal to the stored tree's).
    public let root: TreeHash
    /// With `since`: the size of the trusted checkpoint; entries below it were checked against its
    /// root, not re-verified one by one.
    public let since: Int64?
    public let seconds: Double
}

/// Re-reads every stored byte of a ledger and checks it against the format and the rules.
///
/// Checks, per entry: stored under its own `seq`, in sequence; canonical bytes; `prev` is the
/// SHA-256 of the previous entry's bytes; `recorded` never decreases and `at` is at most 5 minutes
/// after it; the origin; the key registry (registered before, same actor, same algorithm, not
/// revoked, role allowed); `expect` against stream versions; every stored disclosure against its
/// digest; every signature. Signatures and parsing run on all cores; memory is bounded by the chunk
/// size plus the key registry and one counter per stream, not by the number of entries.
public struct LedgerVerifier: Sendable {
    public let store: any LedgerStore
    /// Entries read and checked at a time.
    public var chunkSize = 4096
    /// The most failing entries listed (the first is thrown, the others are in its `further`).
    public var failureLimit = 20

    public init(store: any LedgerStore) { self.store = store }

    /// Verifies the whole ledger.
    /// - Parameter progress: called after each chunk with (entries checked, total).
    /// - Throws: ``BlotterError`` `.verificationFailed` at the first failure, with its seq and what
    ///   was expected and found.
    public func verify(progress: ((Int64, Int64) -> Void)? = nil) throws -> VerificationReport {
        try verify(since: nil, progress: progress)
    }

    /// Verifies a ledger against a checkpoint the caller trusted earlier (having verified it, or had
    /// it cosigned): the ledger must still hold at least its entries, with exactly its root; then only
    /// the entries after it are verified one by one.
    ///
    /// The entries the checkpoint covers are read once, cheaply: their leaf hashes rebuild the tree
    /// (so any change to any of them changes the root), key statements are checked in full to rebuild
    /// the key registry, and stream versions are counted. A truncated or rewritten ledger fails with the
    /// sizes and roots that differ.
    /// - Parameter since: the trusted checkpoint (its signature already checked by the caller).
    public func verify(since: Checkpoint?, progress: ((Int64, Int64) -> Void)? = nil) throws -> VerificationReport {
        let started = Date()
        var state = VerifierState()
        let (first, total) = try begin(since: since, state: &state, progress: progress)
        var next = first
        // The next chunk is read on another thread while this one is checked.
        let reader = ChunkReader(store: store, chunkSize: chunkSize)
        // Also when a chunk fails: the caller may close the store as soon as this returns or throws.
        defer { reader.finish() }
        reader.request(from: next)
        while next < total {
            let chunk = try reader.take()
            if chunk.entries.isEmpty { break }
            reader.request(from: next + Int64(chunk.entries.count))
            try verifyChunk(chunk, expectedFirst: next, state: &state)
            next += Int64(chunk.entries.count)
            progress?(next, total)
        }
        reader.finish()  // before the checks below read the store on this thread
        return try conclude(next: next, total: total, state: state, since: since, started: started)
    }

    /// Reads the size, and with `since` checks the trusted checkpoint and rebuilds the state up to it.
    /// - Returns: the first entry to verify one by one, and the number of entries.
    private func begin(since: Checkpoint?, state: inout VerifierState, progress: ((Int64, Int64) -> Void)?) throws -> (next: Int64, total: Int64) {
        let total = try store.read { try $0.count() }
        guard let since else { return (0, total) }
        guard since.size <= total else {
            throw BlotterError(.verificationFailed, "the ledger has \(total) entries, fewer than the \(since.size) of the checkpoint: entries were removed from its end")
        }
        try fastForward(to: since, state: &state, progress: progress, total: total)
        return (since.size, total)
    }

    /// After the entries: none missing at the end, the stored tree holds no other hashes, every stored
    /// checkpoint is signed by the operator and has the tree's root.
    private func conclude(next: Int64, total: Int64, state: VerifierState, since: Checkpoint?, started: Date) throws -> VerificationReport {
        var state = state
        // What appends decide with is listed too when entries failed: a hidden key statement explains them.
        if !state.failures.isEmpty {
            if !state.stopped, state.failures.count < failureLimit, let keyFailure = try keyStateFailure(next: next, state: state) {
                state.failures.append(keyFailure)
            }
            throw state.failure()!
        }
        if next < total {
            throw BlotterError(.verificationFailed, "expected \(total) entries, found \(next)", seq: next)
        }
        // Entries removed from the end leave their leaves in the stored tree: name the first missing entry.
        if try store.read({ try $0.treeHash(level: 0, index: next) }) != nil {
            throw BlotterError(.verificationFailed, "entry \(next) is missing: the stored Merkle tree has its leaf (entries were removed from the end)", seq: next)
        }
        // Every complete subtree of the entries was compared; the store must hold no others.
        let expectedHashes = 2 * next - Int64(next.nonzeroBitCount)
        let storedHashes = try store.read { try $0.treeHashCount() }
        guard storedHashes == expectedHashes else {
            throw BlotterError(.verificationFailed, "the stored Merkle tree has \(storedHashes) hashes; \(next) entries make \(expectedHashes)")
        }
        if let keyFailure = try keyStateFailure(next: next, state: state) { throw keyFailure }
        // Every checkpoint the operator signed: its signature, and its root against the tree (now verified).
        if let identity = state.identity {
            for (size, text) in try store.read({ try $0.checkpoints() }) {
                do {
                    let note = try SignedNote(parsing: text)
                    // The same words as Tools/verify_ledger.py (the table of failures in docs/OVERSIGHT.md).
                    guard note.signatures.contains(where: { $0.name == identity.operatorKey.name && $0.keyID == identity.operatorKey.keyID }) else {
                        throw BlotterError(.verificationFailed, "not signed by the operator key (signed by \(note.signatures.map { "\($0.name)+\(String(format: "%08x", $0.keyID))" }.joined(separator: ", ")))")
                    }
                    do { _ = try note.verify(keys: [identity.operatorKey]) } catch {
                        throw BlotterError(.verificationFailed, "the operator's signature does not verify")
                    }
                    let checkpoint = try Checkpoint(text: note.text)
                    guard checkpoint.size == size, checkpoint.origin == identity.origin else {
                        throw BlotterError(.verificationFailed, "it says origin \(checkpoint.origin) and size \(checkpoint.size)")
                    }
                    guard size <= next else { throw BlotterError(.verificationFailed, "its size is larger than the ledger's \(next) entries") }
                    let root = try store.read { try MerkleTree.root(size: size, stored: Ledger.storedHash($0)) }
                    guard root == checkpoint.root else {
                        throw BlotterError(.verificationFailed, "its root \(checkpoint.root.base64) is not the tree's \(root.base64) at that size")
                    }
                } catch let error as BlotterError {
                    throw BlotterError(.verificationFailed, "stored checkpoint at size \(size): \(error.message)")
                }
            }
        }
        return VerificationReport(
            entries: next, keys: state.keys.count, revokedKeys: state.keys.values.filter { $0.revokedSeq != nil }.count,
            streams: state.streams.count, disclosures: state.disclosures, withheld: state.withheld, headHash: state.prevHash,
            root: state.tree.root, since: since?.size, seconds: Date().timeIntervalSince(started))
    }

    /// Appends decide with the key statements the store lists (``ProvenKeys``): the list must be exactly
    /// the entries whose bytes are key statements, and the stored key table what they make.
    private func keyStateFailure(next: Int64, state: VerifierState) throws -> BlotterError? {
        let listed = try store.read { try $0.keyStatementSeqs(after: -1) }.filter { $0 < next }
        if listed != state.keyStatements {
            let inBytes = Set(state.keyStatements), inList = Set(listed)
            let seq = inBytes.symmetricDifference(inList).min()!
            return BlotterError(.verificationFailed, inBytes.contains(seq)
                ? "its bytes are a key statement, but the store does not list it as one (its stored type was changed): appends would not see it"
                : "the store lists it as a key statement, but its bytes are not one (its stored type was changed)", seq: seq)
        }
        var storedKeys: [String: KeyRecord] = [:]
        for var record in try store.read({ try $0.allKeys() }) where record.registeredSeq < next {
            if let revoked = record.revokedSeq, revoked >= next { record.revokedSeq = nil }
            storedKeys[record.keyID] = record
        }
        for keyID in Set(storedKeys.keys).union(state.keys.keys).sorted() {
            if let difference = ProvenKeys.difference(keyID, proven: state.keys[keyID], stored: storedKeys[keyID]) {
                return BlotterError(.verificationFailed, "the stored key table differs from the log: \(difference)", seq: state.keys[keyID]?.registeredSeq)
            }
        }
        return nil
    }

    /// Verifies off Swift's cooperative pool, for async callers (the server): the same checks as
    /// ``verify(since:progress:)``. The next chunk is read in a child task (`async let`) while this one
    /// is checked, so a failure or a cancellation waits for the read before returning: the store is
    /// not in use once this returns or throws. Reads and checks run as ``BlockingWork``.
    public func verify(since: Checkpoint? = nil, progress: (@Sendable (Int64, Int64) -> Void)? = nil) async throws -> VerificationReport {
        let started = Date()
        let box = StateBox()
        let (first, total) = try await BlockingWork.run { try self.begin(since: since, state: &box.state, progress: progress) }
        var next = first
        var chunk = try await readChunk(from: next, total: total)
        while next < total, !chunk.entries.isEmpty {
            try Task.checkCancellation()
            let following = next + Int64(chunk.entries.count)
            async let ahead = readChunk(from: following, total: total)
            let (current, expected) = (chunk, next)
            try await BlockingWork.run { try self.verifyChunk(current, expectedFirst: expected, state: &box.state) }
            next = following
            progress?(next, total)
            chunk = try await ahead
        }
        let end = next
        return try await BlockingWork.run { try self.conclude(next: end, total: total, state: box.state, since: since, started: started) }
    }

    private func readChunk(from seq: Int64, total: Int64) async throws -> Chunk {
        guard seq < total else { return Chunk(entries: [], tree: []) }
        return try await store.reading { [chunkSize] in try Chunk.read($0, from: seq, limit: chunkSize) }
    }

    /// Rebuilds the state after the entries a trusted checkpoint covers, and checks their root.
    private func fastForward(to checkpoint: Checkpoint, state: inout VerifierState, progress: ((Int64, Int64) -> Void)?, total: Int64) throws {
        let keyTypes = ["\"type\":\"key.", "\"type\":\"ledger.created\""].map { Array($0.utf8) }
        var next: Int64 = 0
        while next < checkpoint.size {
            let chunk = try store.read { try $0.entries(from: next, limit: min(chunkSize, Int(checkpoint.size - next))) }
            guard !chunk.isEmpty else { break }
            // Leaf hashes, and which entries are key statements, on all cores.
            let scanned: [(leaf: TreeHash, isKeyStatement: Bool, stream: String?)] = parallelMap(chunk.count) { i in
                let bytes = chunk[i].bytes
                let isKey = keyTypes.contains { Self.contains(bytes, $0) }
                return (TreeHash.leaf(bytes), isKey, Self.topLevelStream(bytes, marker: Self.streamMarker))
            }
            for (i, stored) in chunk.enumerated() {
                guard stored.seq == next + Int64(i) else {
                    throw BlotterError(.verificationFailed, "expected entry \(next + Int64(i)) next, found entry \(stored.seq): an entry is missing", seq: next + Int64(i))
                }
                state.tree.append(scanned[i].leaf) { _, _, _ in }
                if scanned[i].isKeyStatement || stored.seq == 0 {
                    do {
                        let p = try Self.prepare(stored)
                        if Self.typesReadingDisclosures.contains(p.entry.statement.type) { state.keyStatements.append(stored.seq) }
                        let (_, change) = try LedgerRules.check(p.entry.statement, disclosures: p.disclosures, seq: stored.seq,
                                                                identity: state.identity, state: state)
                        state.apply(change, seq: stored.seq, stream: p.entry.statement.stream)
                    } catch let error as BlotterError {
                        throw BlotterError(.verificationFailed, error.message, seq: error.seq ?? stored.seq)
                    }
                } else {
                    guard let stream = scanned[i].stream else {
                        throw BlotterError(.verificationFailed, "entry has no stream", seq: stored.seq)
                    }
                    state.apply(.none, seq: stored.seq, stream: stream)
                }
            }
            next += Int64(chunk.count)
            progress?(next, total)
        }
        guard state.tree.size == checkpoint.size else {
            throw BlotterError(.verificationFailed, "the ledger has \(state.tree.size) entries, fewer than the \(checkpoint.size) of the checkpoint")
        }
        guard state.tree.root == checkpoint.root else {
            throw BlotterError(.verificationFailed, "the first \(checkpoint.size) entries have root \(state.tree.root.base64), but the checkpoint says \(checkpoint.root.base64): entries it covers were changed")
        }
        if let identity = state.identity, identity.origin != checkpoint.origin {
            throw BlotterError(.verificationFailed, "the checkpoint is for \(checkpoint.origin), this ledger is \(identity.origin)")
        }
        // The chain and the clock continue from the last entry the checkpoint covers.
        if checkpoint.size > 0, let last = try store.read({ try $0.entryBytes(from: checkpoint.size - 1, limit: 1) }).first {
            state.prevHash = Entry.hash(last.bytes)
            state.lastRecorded = try Entry(bytes: last.bytes).recordedTime
        }
    }

    static let streamMarker = Array(",\"stream\":\"".utf8)

    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// The statement's `stream`: the last `,"stream":"` in canonical entry bytes (a field named
    /// stream sorts before it, inside `fields`; only `type` and `v` follow it, and neither can hold it).
    static func topLevelStream(_ bytes: [UInt8], marker: [UInt8]) -> String? {
        var i = bytes.count - marker.count
        while i >= 0 {
            if bytes[i] == marker[0], bytes[i..<(i + marker.count)].elementsEqual(marker) {
                let start = i + marker.count
                guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            i -= 1
        }
        return nil
    }

    /// Parsed, hashed, disclosure-checked entry: the work that needs no ledger state.
    struct Prepared {
        var entry: Entry
        var hash: String
        var leaf: TreeHash
        var signingInput: [UInt8]
        /// Decoded disclosures, for the statement types whose rules read them.
        var disclosures: [String: Disclosure]
        var checkedDisclosures: Int
        var withheld: Int
    }

    private func verifyChunk(_ chunkRead: Chunk, expectedFirst: Int64, state: inout VerifierState) throws {
        let chunk = chunkRead.entries
        // Phase A, all cores: parse, canonical form, hash, disclosures.
        let prepared: [Result<Prepared, BlotterError>] = parallelMap(chunk.count) { i in
            Result { () throws(BlotterError) -> Prepared in try Self.prepare(chunk[i]) }
        }
        // Phase B, in order: sequence, chain, clock, registry, roles, streams. A failing entry is noted
        // and the check goes on from its stored bytes (the next entry's prev is their hash), so that
        // every failing entry is listed, not only the first; a failing entry changes no key or role.
        var signers: [PublicKey?] = []
        signers.reserveCapacity(chunk.count)
        // Each with its rank among the failures of one entry: its own checks, its signature, the tree.
        var failures: [(rank: Int, error: BlotterError)] = []
        func fail(_ error: BlotterError, _ seq: Int64, rank: Int = 0) {
            failures.append((rank, BlotterError(.verificationFailed, error.message, seq: error.seq ?? seq)))
        }
        for (i, stored) in chunk.enumerated() {
            let expectedSeq = expectedFirst + Int64(i)
            guard stored.seq == expectedSeq else {
                // Every later entry is out of place: nothing after this can be placed.
                fail(BlotterError(.verificationFailed, "expected entry \(expectedSeq) next, found entry \(stored.seq): an entry is missing"), expectedSeq)
                state.stopped = true
                break
            }
            var signer: PublicKey? = nil
            switch prepared[i] {
            case let .failure(error):
                fail(error, stored.seq)
                // The entry is in its stream all the same: later statements' `expect` count it.
                if let stream = Self.topLevelStream(stored.bytes, marker: Self.streamMarker) {
                    state.apply(.none, seq: stored.seq, stream: stream)
                }
            case let .success(p):
                do {
                    // (prepare checked that the bytes say this seq.)
                    guard p.entry.prev == state.prevHash else {
                        throw BlotterError(.verificationFailed, "prev does not match SHA-256 of entry \(stored.seq - 1) (expected \(state.prevHash), found \(p.entry.prev))")
                    }
                    try LedgerRules.checkTimes(at: p.entry.statement.atTime, recorded: p.entry.recordedTime, previousRecorded: state.lastRecorded)
                    let (s, change) = try LedgerRules.check(p.entry.statement, disclosures: p.disclosures, seq: stored.seq,
                                                            identity: state.identity, state: state)
                    state.apply(change, seq: stored.seq, stream: p.entry.statement.stream)
                    signer = s.publicKey
                } catch let error as BlotterError {
                    fail(error, stored.seq)
                    state.apply(.none, seq: stored.seq, stream: p.entry.statement.stream)
                }
                if LedgerVerifier.typesReadingDisclosures.contains(p.entry.statement.type) { state.keyStatements.append(stored.seq) }
                state.lastRecorded = p.entry.recordedTime
                state.disclosures += Int64(p.checkedDisclosures)
                state.withheld += Int64(p.withheld)
            }
            // The chain and the tree go on from the bytes as stored (hashed in phase A where they parsed).
            let (hash, leaf) = (try? prepared[i].get()).map { ($0.hash, $0.leaf) } ?? (Entry.hash(stored.bytes), TreeHash.leaf(stored.bytes))
            state.prevHash = hash
            for f in state.tree.append(leaf) {
                let first = expectedFirst >> Int64(f.level)
                let level = f.level < chunkRead.tree.count ? chunkRead.tree[f.level] : []
                let position = Int(f.index - first)
                // A subtree holding one already found to differ differs too: only the lowest is named.
                let leaves = (f.index << Int64(f.level))..<((f.index + 1) << Int64(f.level))
                guard !state.treeMismatches.contains(where: leaves.contains) else { continue }
                guard position < level.count, let storedHash = level[position] else {
                    fail(BlotterError(.verificationFailed, "the stored Merkle tree has no hash at level \(f.level), index \(f.index)"), stored.seq, rank: 2)
                    state.treeMismatches.append(leaves.lowerBound)
                    continue
                }
                if storedHash != f.hash {
                    fail(BlotterError(.verificationFailed, "the stored Merkle tree hash at level \(f.level), index \(f.index) does not match the entries (expected \(f.hash.base64), found \(storedHash.base64))"), stored.seq, rank: 2)
                    state.treeMismatches.append(leaves.lowerBound)
                }
            }
            signers.append(signer)
        }
        // Phase C, all cores: the signature of every entry whose signer was found.
        let valid: [Bool] = parallelMap(signers.count, state: { VerifierCache() }) { cache, i in
            guard let signer = signers[i] else { return true }
            guard case let .success(p) = prepared[i], let sig = p.entry.statement.signatureBytes else { return false }
            return cache.verifier(for: signer).isValid(sig, for: p.signingInput)
        }
        for (i, ok) in valid.enumerated() where !ok {
            fail(BlotterError(.verificationFailed, "signature does not verify with key \(signers[i]!.keyID)"), chunk[i].seq, rank: 1)
        }
        // In entry order; for one entry, by rank, then in the order found.
        let ordered = failures.enumerated()
            .sorted { ($0.element.error.seq ?? .max, $0.element.rank, $0.offset) < ($1.element.error.seq ?? .max, $1.element.rank, $1.offset) }
            .map(\.element.error)
        state.failures.append(contentsOf: ordered.prefix(max(0, failureLimit - state.failures.count)))
        if state.stopped || state.failures.count >= failureLimit { throw state.failure()! }
    }

    /// Statement types whose rules read disclosed values; the others' disclosures are only checked.
    static let typesReadingDisclosures = Set(LedgerRules.keyStatementTypes)

    static func prepare(_ stored: StoredEntry) throws(BlotterError) -> Prepared {
        let (entry, signingInput) = try Entry.parse(stored: stored.bytes)
        // Before the disclosures, which are stored by seq: bytes moved to another seq are named as moved.
        guard entry.seq == stored.seq else {
            throw BlotterError(.verificationFailed, "stored as entry \(stored.seq) but its bytes say seq \(entry.seq)")
        }
        let fields = entry.statement.fields
        let readsValues = typesReadingDisclosures.contains(entry.statement.type)
        var disclosures: [String: Disclosure] = [:]
        for (field, encoded) in stored.disclosures {
            guard let committed = fields[field] else {
                throw BlotterError(.verificationFailed, "stored disclosure for field \"\(field)\" names a field the statement does not commit to")
            }
            if readsValues {
                let d: Disclosure
                do {
                    d = try Disclosure(encoded: encoded)
                } catch {
                    throw BlotterError(.verificationFailed, "stored disclosure for field \"\(field)\" is malformed: \(error.message)")
                }
                guard d.digest == committed else {
                    throw BlotterError(.verificationFailed, "disclosure for field \"\(field)\" does not match its digest (expected \(committed), found \(d.digest))")
                }
                guard d.name == field else {
                    throw BlotterError(.verificationFailed, "stored disclosure for field \"\(field)\" names field \"\(d.name)\"")
                }
                disclosures[field] = d
            } else {
                try Disclosure.check(encoded, field: field, committed: committed)
            }
        }
        return Prepared(entry: entry, hash: Entry.hash(stored.bytes), leaf: TreeHash.leaf(stored.bytes), signingInput: signingInput,
                        disclosures: disclosures, checkedDisclosures: stored.disclosures.count,
                        withheld: fields.count - stored.disclosures.count)
    }
}

/// Entries `first ..< first + n` with their disclosures, and the stored tree hashes of the complete
/// subtrees those entries finish: at each level L, indexes `first >> L ..< (first + n) >> L`.
struct Chunk: Sendable {
    var entries: [StoredEntry]
    var tree: [[TreeHash?]]

    static func read(_ reader: any LedgerReading, from first: Int64, limit: Int) throws -> Chunk {
        let entries = try reader.entries(from: first, limit: limit)
        let end = first + Int64(entries.count)
        var tree: [[TreeHash?]] = []
        var level = 0
        while end >> Int64(level) > first >> Int64(level) {
            tree.append(try reader.treeHashes(level: level, indexes: (first >> Int64(level))..<(end >> Int64(level))))
            level += 1
        }
        return Chunk(entries: entries, tree: tree)
    }
}

/// The state of an async verification, handed from one blocking step to the next (one at a time).
private final class StateBox: @unchecked Sendable {
    var state = VerifierState()
}

/// Reads one chunk ahead on a background thread (the synchronous verifier; the async one uses a child task).
private final class ChunkReader: @unchecked Sendable {
    // @unchecked Sendable: `pending` is written by the reading thread before `ready` is signalled
    // and read by the verifying thread only after waiting on it; one request is outstanding at a time.
    let store: any LedgerStore
    let chunkSize: Int
    let ready = DispatchSemaphore(value: 0)
    var pending: Result<Chunk, any Error> = .success(Chunk(entries: [], tree: []))
    let queue = DispatchQueue(label: "blotter.verify.reader")

    package init(store: any LedgerStore, chunkSize: Int) {
        self.store = store
        self.chunkSize = chunkSize
    }

    func request(from seq: Int64) {
        queue.async {
            self.pending = Result { try self.store.read { try Chunk.read($0, from: seq, limit: self.chunkSize) } }
            self.ready.signal()
        }
    }

    func take() throws -> Chunk {
        ready.wait()
        return try pending.get()
    }

    /// Waits for an outstanding read, so the store is not in use when verification returns.
    func finish() {
        queue.sync {}
    }
}

/// A stream name as the verifier keeps it: 128 bits of its SHA-256, so that a million streams
/// cost a few megabytes rather than one heap string each. Finding two stream names with the same
/// 128-bit prefix takes about 2^64 work.
struct StreamKey: Hashable {
    let high: UInt64
    let low: UInt64

    package init(_ stream: String) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var stream = stream
        stream.withUTF8 { bytes in
            withUnsafeMutableBytes(of: &words) { out in SHA256.hash(UnsafeRawBufferPointer(bytes), into: out.baseAddress!) }
        }
        high = words.0
        low = words.1
    }
}

/// The state a verifier rebuilds from the log alone.
struct VerifierState: LedgerStateReading {
    var identity: LedgerIdentity?
    var keys: [String: KeyRecord] = [:]
    var streams: [StreamKey: Int64] = [:]
    var prevHash = Entry.genesisPrev
    var tree = MerkleFrontier()
    var lastRecorded: Timestamp?
    var disclosures: Int64 = 0
    var withheld: Int64 = 0
    /// The entries whose bytes are key statements (and the genesis), to compare with the store's list.
    var keyStatements: [Int64] = []
    /// Failures found so far, in entry order; `stopped` once no later entry can be placed.
    var failures: [BlotterError] = []
    var stopped = false
    /// The first leaf of each stored tree hash found to differ (a handful: listing stops at the limit).
    var treeMismatches: [Int64] = []

    /// The first failure, carrying the others.
    func failure() -> BlotterError? {
        guard var first = failures.first else { return nil }
        first.further = Array(failures.dropFirst())
        return first
    }

    func keyRecord(_ keyID: String) throws -> KeyRecord? { keys[keyID] }
    func streamVersion(_ stream: String) throws -> Int64 { streams[StreamKey(stream)] ?? 0 }

    mutating func apply(_ change: StateChange, seq: Int64, stream: String) {
        streams[StreamKey(stream), default: 0] += 1
        switch change {
        case let .genesis(identity, admin):
            self.identity = identity
            keys[admin.keyID] = admin
        case let .registerKey(record):
            keys[record.keyID] = record
        case let .revokeKey(keyID):
            keys[keyID]?.revokedSeq = seq
        case .none:
            break
        }
    }
}
