public import BlotterFormat
public import BlotterCrypto
internal import Foundation

/// An oversight committee's witness: its own Ed25519 key and its record of the latest checkpoint it
/// cosigned for one log. It cosigns (C2SP tlog-cosignature/v1) only checkpoints signed by the log and
/// consistent with that record, so the log cannot show it one history and others another.
///
/// On disk, in its directory: `witness.key.pem` (mode 0600) and `state.json`, replaced atomically.
public struct Witness: Sendable {
    public let directory: String
    /// The witness's name (its cosignature key name), e.g. oversight.example/witness.
    public let name: String
    /// The log's checkpoint verifier key.
    public let logKey: NoteVerifierKey
    /// The size and root of the latest checkpoint it cosigned; nil before the first.
    public let latest: (size: Int64, root: TreeHash)?
    let key: PrivateKey

    /// The witness's cosignature verifier key (type 0x04), for `checkpoint verify --witness`.
    public var verifierKey: NoteVerifierKey {
        get throws { try NoteVerifierKey(name: name, publicKey: key.publicKey, type: NoteVerifierKey.cosignatureV1) }
    }

    static func keyPath(_ directory: String) -> String { directory + "/witness.key.pem" }
    static func statePath(_ directory: String) -> String { directory + "/state.json" }

    /// Creates a witness for the log whose checkpoint key is `logKey`.
    /// - Throws: ``BlotterError`` `.ledgerState` if the directory already holds a witness.
    public static func initialize(directory: String, name: String, logKey: NoteVerifierKey) throws -> Witness {
        guard Identifiers.isOrigin(name) else { throw BlotterError(.invalidInput, "witness name \"\(name)\" must have no spaces or '+'") }
        guard logKey.type == NoteVerifierKey.ed25519 else { throw BlotterError(.invalidInput, "the log key must be a type 0x01 (Ed25519) verifier key") }
        guard !FileManager.default.fileExists(atPath: statePath(directory)) else {
            throw BlotterError(.ledgerState, "\(directory) already holds a witness; refusing to overwrite its state")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = try PrivateKey.generate(.ed25519)
        guard FileManager.default.createFile(atPath: keyPath(directory), contents: Data(try key.pkcs8PEM.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw BlotterError(.invalidInput, "cannot write \(keyPath(directory))")
        }
        let witness = Witness(directory: directory, name: name, logKey: logKey, latest: nil, key: key)
        try witness.save()
        return witness
    }

    /// Loads the witness kept in `directory`.
    public init(directory: String) throws {
        guard let data = FileManager.default.contents(atPath: Self.statePath(directory)) else {
            throw BlotterError(.ledgerState, "no witness in \(directory) (run `blotter witness init`)")
        }
        let state = try JSONParser.parse(Array(data))
        guard let name = state["name"]?.stringValue, let logKeyText = state["log_key"]?.stringValue else {
            throw BlotterError(.ledgerState, "\(Self.statePath(directory)) is not a witness state file")
        }
        var latest: (Int64, TreeHash)? = nil
        if let size = state["size"]?.integerValue, let root = state["root"]?.stringValue.flatMap(TreeHash.init(base64:)) {
            latest = (size, root)
        }
        let keyText = String(decoding: FileManager.default.contents(atPath: Self.keyPath(directory)) ?? Data(), as: UTF8.self)
        self.init(directory: directory, name: name, logKey: try NoteVerifierKey(parsing: logKeyText), latest: latest,
                  key: try PrivateKey(pem: keyText))
    }

    package init(directory: String, name: String, logKey: NoteVerifierKey, latest: (size: Int64, root: TreeHash)?, key: PrivateKey) {
        self.directory = directory
        self.name = name
        self.logKey = logKey
        self.latest = latest
        self.key = key
    }

    func save() throws {
        var members: [(String, JSONValue)] = [("name", .string(name)), ("log_key", .string(logKey.description))]
        if let latest { members += [("size", .integer(latest.size)), ("root", .string(latest.root.base64))] }
        let temporary = Self.statePath(directory) + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(try CanonicalJSON.encode(.object(members)))) else {
            throw BlotterError(.invalidInput, "cannot write \(temporary)")
        }
        // On disk before it is answered (a cosignature must never outlive the state it rests on).
        Self.sync(temporary)
        guard rename(temporary, Self.statePath(directory)) == 0 else { throw BlotterError(.invalidInput, "cannot replace \(Self.statePath(directory))") }
        Self.sync(directory)
    }

    /// Cosigns a checkpoint note and records it as the latest. Refuses, leaving the state as it
    /// was, unless the note is signed by the log and its tree is the one last cosigned or provably
    /// extends it.
    /// - Returns: the note with this witness's cosignature added, and the witness as it now is.
    public func cosign(_ noteText: String, consistency: ConsistencyProof?, time: UInt64) throws -> (note: SignedNote, witness: Witness) {
        var note = try SignedNote(parsing: noteText)
        do {
            _ = try note.verify(keys: [logKey])
        } catch {
            throw BlotterError(.verificationFailed, "refusing to cosign: the checkpoint is not signed by the log key \(logKey): \(error.message)")
        }
        let checkpoint = try Checkpoint(text: note.text)
        guard checkpoint.origin == logKey.name else {
            throw BlotterError(.verificationFailed, "refusing to cosign: checkpoint origin \(checkpoint.origin) is not the log \(logKey.name)")
        }
        if let latest {
            if checkpoint.size < latest.size {
                throw BlotterError(.verificationFailed, "refusing to cosign: size \(checkpoint.size) is older than the checkpoint last cosigned at size \(latest.size)")
            } else if checkpoint.size == latest.size {
                guard checkpoint.root == latest.root else {
                    throw BlotterError(.verificationFailed, "refusing to cosign a fork: at size \(latest.size) the log showed root \(latest.root.base64) before and \(checkpoint.root.base64) now")
                }
            } else {
                guard let p = consistency else {
                    throw BlotterError(.invalidInput, "refusing to cosign: a consistency proof from size \(latest.size) to \(checkpoint.size) is needed (blotter prove consistency \(latest.size) \(checkpoint.size))")
                }
                guard p.oldSize == latest.size, p.newSize == checkpoint.size else {
                    throw BlotterError(.invalidInput, "refusing to cosign: the proof is from size \(p.oldSize) to \(p.newSize), not \(latest.size) to \(checkpoint.size)")
                }
                do {
                    try MerkleTree.verifyConsistency(oldSize: latest.size, newSize: checkpoint.size, proof: p.proof, oldRoot: latest.root, newRoot: checkpoint.root)
                } catch {
                    throw BlotterError(.verificationFailed, "refusing to cosign a fork: the checkpoint at size \(checkpoint.size) is not consistent with the one cosigned at size \(latest.size) (\(error.message))")
                }
            }
        }
        try note.cosign(name: name, key: key, timestamp: time)
        let updated = Witness(directory: directory, name: name, logKey: logKey, latest: (checkpoint.size, checkpoint.root), key: key)
        try updated.save()
        return (note, updated)
    }

    static func sync(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = Foundation.close(fd)
    }
}
