public import BlotterFormat

/// One stored entry: its exact bytes and the disclosure strings still held for it.
public struct StoredEntry: Sendable {
    public let seq: Int64
    /// The entry bytes exactly as hashed.
    public let bytes: [UInt8]
    /// Disclosure strings by field name, verbatim; withheld or sealed fields are absent.
    public let disclosures: [String: String]

    public init(seq: Int64, bytes: [UInt8], disclosures: [String: String]) {
        self.seq = seq
        self.bytes = bytes
        self.disclosures = disclosures
    }
}

/// Where an entry sits and what it is, for lists.
public struct EntrySummary: Sendable {
    public let seq: Int64
    public let type: String
    public let stream: String
    public let streamVersion: Int64
    public let actor: String
    public let recorded: String

    public init(seq: Int64, type: String, stream: String, streamVersion: Int64, actor: String, recorded: String) {
        self.seq = seq
        self.type = type
        self.stream = stream
        self.streamVersion = streamVersion
        self.actor = actor
        self.recorded = recorded
    }
}

/// Storage of a ledger. Implementations: `SQLiteStore` (the embedded default, in BlotterSQLite) and
/// `PostgresStore` (BlotterPostgres). A store whose ledgers have the domain's tables also implements
/// the domain's `ProjectionWriting` on its transactions (both do, through BlotterSQL).
///
/// A store keeps entries as exact bytes, disclosures apart from them, and the derived key
/// registry and stream versions that append needs. It enforces nothing about validity; ``Ledger``
/// does, inside ``write(_:)``, which must hold the ledger's only write lock for its duration so that
/// two writers can never fork the chain.
public protocol LedgerStore: AnyObject, Sendable {
    /// Runs `body` in one transaction that holds the write lock; commits if `body` returns, rolls
    /// back if it throws. Throws ``BlotterError`` `.busy` if the lock cannot be had in time.
    func write<T>(_ body: (any LedgerWriting) throws -> T) throws -> T
    /// Runs `body` against a consistent snapshot.
    func read<T>(_ body: (any LedgerReading) throws -> T) throws -> T
    /// Runs `body` with a stand-in for this store whose writes all go into one transaction that is
    /// rolled back when `body` ends, however it ends: a dry run (`blotter import --dry-run`) checks
    /// every rule against the real ledger and what its own earlier writes added, and nothing is
    /// kept. The stand-in's `write` is a savepoint inside that transaction (a refused batch is
    /// undone, the rest stays for later batches to see); its `read` sees those writes. Holds the
    /// write lock for the whole of `body`: other writers wait, and report busy after their timeout.
    func rehearse<T>(_ body: (any LedgerStore) throws -> T) throws -> T
    /// True if a `read` may run on one thread while a `write` runs on another (every store; not a
    /// rehearsal's stand-in, which does both on its one connection).
    var readsWhileWriting: Bool { get }
    /// Flushes and closes; the store cannot be used afterwards.
    func close() throws
    /// Rewrites the store so that content deleted earlier (destroyed disclosures) leaves no copy in
    /// its files: for SQLite, VACUUM, then a WAL checkpoint that truncates the log.
    func compact() throws
}

/// Reads a ledger's contents.
public protocol LedgerReading: LedgerStateReading {
    /// The number of entries.
    func count() throws -> Int64
    /// Entries `from ..< from + limit` in seq order, with their disclosures.
    func entries(from seq: Int64, limit: Int) throws -> [StoredEntry]
    /// Entries `from ..< from + limit` in seq order, bytes only.
    func entryBytes(from seq: Int64, limit: Int) throws -> [(seq: Int64, bytes: [UInt8])]
    /// The entry already holding a statement with this key, `at` and nonce (a replay candidate).
    func entry(keyID: String, at: String, nonce: String) throws -> Int64?
    /// The entries already holding statements with these keys, `at`s and nonces, by
    /// ``nonceKey(keyID:at:nonce:)``; one look-up for a whole batch (a store across a network
    /// answers in one round trip).
    func entries(nonces: [(keyID: String, at: String, nonce: String)]) throws -> [String: Int64]
    /// The versions of these streams (0 for a new one), in one look-up.
    func streamVersions(_ streams: [String]) throws -> [String: Int64]
    /// Summaries of entries in seq order, optionally of one stream.
    func summaries(from seq: Int64, limit: Int, stream: String?) throws -> [EntrySummary]
    /// Summaries of the entries of one statement type before `size`, in seq order.
    func summaries(type: String, before size: Int64) throws -> [EntrySummary]
    /// The key that signed each entry `first ... last`, in seq order.
    func keyIDs(from first: Int64, through last: Int64) throws -> [(seq: Int64, keyID: String)]
    /// The entries of one stream before `size`, as ``domainEntries(from:limit:)`` gives them.
    func domainEntries(stream: String, before size: Int64) throws -> [DomainEntryRow]
    /// Every registered key, in registration order.
    func allKeys() throws -> [KeyRecord]
    /// The seqs, after `seq`, of the entries stored as key statements (`ledger.created`,
    /// `key.registered`, `key.revoked`), in order: what an append proves its key registry from (the
    /// bytes of each are read and checked; `blotter verify` checks that no other entry is one).
    func keyStatementSeqs(after seq: Int64) throws -> [Int64]
    /// The stored hash of the complete Merkle subtree `index` at `level` (leaves
    /// `index << level ..< (index + 1) << level`); nil if that subtree is not complete yet.
    func treeHash(level: Int, index: Int64) throws -> TreeHash?
    /// Stored hashes of complete subtrees at `level` with indexes `indexes`, in order: one per
    /// index, nil where none is stored (a hash deleted behind Blotter's back stays in its place).
    func treeHashes(level: Int, indexes: Range<Int64>) throws -> [TreeHash?]
    /// The stored hashes at these positions (level, index), in order, nil where none is stored; one
    /// look-up for all (an append reads its Merkle frontier, one hash per level, this way).
    func treeHashes(at positions: [(level: Int, index: Int64)]) throws -> [TreeHash?]
    /// The stored key records of these key ids, by id (an id with none is absent); one look-up for
    /// all (an append reads its batch's signers this way).
    func keyRecords(_ keyIDs: [String]) throws -> [String: KeyRecord]
    /// What an append looks up for its whole batch when it takes the write lock: the entries already
    /// holding these nonces (``entries(nonces:)``), these streams' versions (``streamVersions(_:)``)
    /// and these keys' stored records (``keyRecords(_:)``), together (a store across a network
    /// answers the three in one round trip).
    func batchLookups(nonces: [(keyID: String, at: String, nonce: String)], streams: [String], keyIDs: [String]) throws -> BatchLookups
    /// The number of stored tree hashes.
    func treeHashCount() throws -> Int64
    /// Every signed checkpoint the operator issued, by size.
    func checkpoints() throws -> [(size: Int64, note: String)]
    /// The signed checkpoint of the largest size.
    func latestCheckpoint() throws -> (size: Int64, note: String)?
    /// Entries `from ..< from + limit` as the domain layer reads them: columns and disclosures, no bytes.
    func domainEntries(from seq: Int64, limit: Int) throws -> [DomainEntryRow]
}

extension LedgerStore {
    public func rehearse<T>(_ body: (any LedgerStore) throws -> T) throws -> T {
        throw BlotterError(.invalidInput, "this kind of store cannot run a dry run")
    }

    public var readsWhileWriting: Bool { true }
}

/// What ``LedgerReading/batchLookups(nonces:streams:keyIDs:)`` found.
public struct BatchLookups: Sendable {
    public var nonces: [String: Int64]
    public var streamVersions: [String: Int64]
    public var keys: [String: KeyRecord]

    public init(nonces: [String: Int64], streamVersions: [String: Int64], keys: [String: KeyRecord]) {
        self.nonces = nonces
        self.streamVersions = streamVersions
        self.keys = keys
    }
}

extension LedgerReading {
    /// The three look-ups one after the other: for stores where a look-up costs no round trip.
    public func batchLookups(nonces: [(keyID: String, at: String, nonce: String)], streams: [String], keyIDs: [String]) throws -> BatchLookups {
        BatchLookups(nonces: try entries(nonces: nonces), streamVersions: try streamVersions(streams), keys: try keyRecords(keyIDs))
    }

    /// One look-up per position: for stores where a look-up costs no round trip.
    public func treeHashes(at positions: [(level: Int, index: Int64)]) throws -> [TreeHash?] {
        try positions.map { try treeHash(level: $0.level, index: $0.index) }
    }

    /// One look-up per key: for stores where a look-up costs no round trip.
    public func keyRecords(_ keyIDs: [String]) throws -> [String: KeyRecord] {
        var out: [String: KeyRecord] = [:]
        for id in keyIDs { if let record = try keyRecord(id) { out[id] = record } }
        return out
    }

    /// The stored hashes of `indexes` at `level`, every one of them: refused, naming the first that
    /// is missing, where one is not stored.
    public func completeTreeHashes(level: Int, indexes: Range<Int64>) throws -> [TreeHash] {
        let hashes = try treeHashes(level: level, indexes: indexes)
        return try hashes.enumerated().map { i, hash in
            guard let hash else {
                throw BlotterError(.storage, "the stored Merkle tree has no hash at level \(level), index \(indexes.lowerBound + Int64(i))")
            }
            return hash
        }
    }

    public func entries(nonces: [(keyID: String, at: String, nonce: String)]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for n in nonces {
            if let seq = try entry(keyID: n.keyID, at: n.at, nonce: n.nonce) { out[nonceKey(keyID: n.keyID, at: n.at, nonce: n.nonce)] = seq }
        }
        return out
    }

    public func streamVersions(_ streams: [String]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for s in streams { out[s] = try streamVersion(s) }
        return out
    }
}

/// How ``LedgerReading/entries(nonces:)`` names a statement: its key, `at` and nonce.
public func nonceKey(keyID: String, at: String, nonce: String) -> String { keyID + "/" + at + "/" + nonce }

/// One entry as the domain layer reads it back for rebuilding projections.
public struct DomainEntryRow: Sendable {
    public let seq: Int64
    public let type: String
    public let stream: String
    public let actor: String
    public let at: String
    public let recorded: String
    /// Disclosure strings by field name (sealed or withheld fields are absent).
    public let disclosures: [String: String]

    public init(seq: Int64, type: String, stream: String, actor: String, at: String, recorded: String, disclosures: [String: String]) {
        self.seq = seq
        self.type = type
        self.stream = stream
        self.actor = actor
        self.at = at
        self.recorded = recorded
        self.disclosures = disclosures
    }
}

/// Writes to a ledger inside ``LedgerStore/write(_:)``.
public protocol LedgerWriting: LedgerReading {
    /// Stores an entry's bytes and its disclosures, with the columns lists and look-ups use.
    func insert(seq: Int64, bytes: [UInt8], statement: Statement, streamVersion: Int64, recorded: String, disclosures: [Disclosure]) throws
    /// Records a key registration.
    func insertKey(_ record: KeyRecord) throws
    /// Marks a key revoked at `seq`.
    func revokeKey(_ keyID: String, seq: Int64) throws
    /// Stores the hash of a complete Merkle subtree.
    func insertTreeHash(level: Int, index: Int64, hash: TreeHash) throws
    /// Stores a signed checkpoint note.
    func insertCheckpoint(size: Int64, note: String) throws
    /// Deletes the stored disclosures of entry `seq`: the named fields, or all of them for nil.
    /// Returns how many were deleted. Used only when a `record.sealed` statement is appended.
    @discardableResult
    func destroyDisclosures(seq: Int64, fields: [String]?) throws -> Int
    /// Marks a point inside the transaction that ``rollbackToSavepoint()`` returns to; one at a time.
    func savepoint() throws
    /// Forgets the savepoint, keeping what was written since.
    func releaseSavepoint() throws
    /// Undoes everything written since the savepoint, and forgets it.
    func rollbackToSavepoint() throws
}
