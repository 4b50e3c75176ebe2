public import BlotterFormat
internal import Foundation
public import BlotterCrypto

/// A C2SP signed note: text ending in a newline, a blank line, then signature lines
/// `— <key name> base64(4-byte key id || signature)`. Ed25519 signatures (type 0x01) are over the text.
public struct SignedNote: Sendable, Equatable {
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyID: UInt32
        /// The signature bytes after the key id.
        public let signature: [UInt8]

        public init(name: String, keyID: UInt32, signature: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.signature = signature
        }

        public var line: String {
            var id = keyID.bigEndian
            let idBytes = withUnsafeBytes(of: &id) { Array($0) }
            return "\u{2014} \(name) \(Base64.standardEncode(idBytes + signature))\n"
        }
    }

    /// The signed text, final newline included.
    public let text: String
    public var signatures: [Signature]

    /// The most signature lines a note may carry (C2SP asks for at least 16).
    public static let maxSignatures = 64

    public init(text: String, signatures: [Signature] = []) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as it is written and shared.
    public var serialized: String { text + "\n" + signatures.map(\.line).joined() }

    /// Parses a signed note, refusing anything the C2SP format does not allow.
    public init(parsing note: String) throws(BlotterError) {
        guard note.unicodeScalars.allSatisfy({ $0 == "\n" || $0.value >= 0x20 }) else {
            throw BlotterError(.invalidInput, "note holds a control character other than newline")
        }
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw BlotterError(.invalidInput, "note has no blank line before its signatures")
        }
        text = String(note[..<split.lowerBound]) + "\n"
        let sigText = note[split.upperBound...]
        guard sigText.hasSuffix("\n") else { throw BlotterError(.invalidInput, "note does not end with a newline") }
        var signatures: [Signature] = []
        for line in sigText.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("\u{2014} ") else {
                throw BlotterError(.invalidInput, "note signature line does not start with an em dash: \"\(line.prefix(40))\"")
            }
            let parts = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("+"),
                  let raw = Base64.standardDecode(parts[1]), raw.count > 4 else {
                throw BlotterError(.invalidInput, "note signature line is not \"— name base64\"")
            }
            let id = UInt32(raw[0]) << 24 | UInt32(raw[1]) << 16 | UInt32(raw[2]) << 8 | UInt32(raw[3])
            signatures.append(Signature(name: String(parts[0]), keyID: id, signature: Array(raw.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw BlotterError(.invalidInput, "note has no signatures") }
        guard signatures.count <= Self.maxSignatures else { throw BlotterError(.invalidInput, "note has more than \(Self.maxSignatures) signatures") }
        self.signatures = signatures
    }

    /// Adds an Ed25519 signature by `key` under `name`.
    public mutating func sign(name: String, key: PrivateKey) throws {
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKey)
        signatures.append(Signature(name: name, keyID: verifier.keyID, signature: try key.signature(for: Array(text.utf8))))
    }

    /// Adds a timestamped witness cosignature (C2SP tlog-cosignature/v1) by `key` under `name`.
    public mutating func cosign(name: String, key: PrivateKey, timestamp: UInt64) throws {
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKey, type: NoteVerifierKey.cosignatureV1)
        let signature = try key.signature(for: SignedNote.cosignedMessage(text: text, timestamp: timestamp))
        var be = timestamp.bigEndian
        signatures.append(Signature(name: name, keyID: verifier.keyID, signature: withUnsafeBytes(of: &be) { Array($0) } + signature))
    }

    /// The message a tlog-cosignature/v1 signs: `cosignature/v1\ntime <T>\n` and the note text.
    static func cosignedMessage(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(text.utf8)
    }

    /// The timestamp of a cosignature line by `key`, if the note has one.
    public func cosignatureTime(of key: NoteVerifierKey) -> UInt64? {
        guard let sig = signatures.first(where: { $0.name == key.name && $0.keyID == key.keyID }), sig.signature.count == 72 else { return nil }
        return sig.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Verifies the signatures of known keys (type 0x01 over the text; type 0x04 cosignatures over
    /// the cosigned message). Signatures of unknown keys are ignored; a known key whose signature
    /// fails rejects the note; at least one known key must have signed.
    /// - Returns: the keys that signed.
    public func verify(keys: [NoteVerifierKey]) throws(BlotterError) -> [NoteVerifierKey] {
        var verified: [NoteVerifierKey] = []
        for sig in signatures {
            guard let key = keys.first(where: { $0.name == sig.name && $0.keyID == sig.keyID }) else { continue }
            let publicKey = try? PublicKey(ed25519Raw: key.publicKey)
            let ok: Bool
            if key.type == NoteVerifierKey.cosignatureV1 {
                let timestamp = sig.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                ok = sig.signature.count == 72 && timestamp < 1 << 63
                    && publicKey?.isValidSignature(Array(sig.signature.dropFirst(8)), for: SignedNote.cosignedMessage(text: text, timestamp: timestamp)) == true
            } else {
                ok = publicKey?.isValidSignature(sig.signature, for: Array(text.utf8)) ?? false
            }
            guard ok else { throw BlotterError(.verificationFailed, "the signature of \(key.name) (key id \(String(format: "%08x", key.keyID))) does not verify") }
            if !verified.contains(key) { verified.append(key) }
        }
        guard !verified.isEmpty else {
            let signers = signatures.map { "\($0.name)+\(String(format: "%08x", $0.keyID))" }.joined(separator: ", ")
            throw BlotterError(.verificationFailed, "\(keys.count == 1 ? "not signed by the key given" : "not signed by any of the \(keys.count) keys given") (signed by \(signers))")
        }
        return verified
    }
}

extension SignedNote {
    /// Verifies the note with `keys` and reads it as a checkpoint that a key named after its origin
    /// signed (the log's own signature, as C2SP tlog-checkpoint requires).
    /// - Returns: the checkpoint and every given key that signed the note.
    public func openCheckpoint(keys: [NoteVerifierKey]) throws(BlotterError) -> (checkpoint: Checkpoint, signers: [NoteVerifierKey]) {
        let checkpoint = try Checkpoint(text: text)
        let signers = try verify(keys: keys)
        guard signers.contains(where: { $0.name == checkpoint.origin }) else {
            throw BlotterError(.verificationFailed, "checkpoint origin \(checkpoint.origin) is not the name of a key that signed it (\(signers.map(\.name).joined(separator: ", ")))")
        }
        return (checkpoint, signers)
    }
}

/// A C2SP tlog-checkpoint: origin, tree size and root hash, then optional extension lines.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: Int64
    public let root: TreeHash
    public let extensions: [String]

    public init(origin: String, size: Int64, root: TreeHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note text.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Reads a checkpoint body (the text of a signed note).
    public init(text: String) throws(BlotterError) {
        guard text.hasSuffix("\n") else { throw BlotterError(.invalidInput, "checkpoint does not end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw BlotterError(.invalidInput, "checkpoint has \(lines.count) lines; it needs origin, size and root hash") }
        guard Identifiers.isOrigin(lines[0]) else { throw BlotterError(.invalidInput, "checkpoint origin \"\(lines[0])\" is not a valid origin") }
        guard let size = Int64(lines[1]), size >= 0, String(size) == lines[1] else {
            throw BlotterError(.invalidInput, "checkpoint size \"\(lines[1])\" is not a decimal number without leading zeros")
        }
        guard let root = TreeHash(base64: lines[2]) else { throw BlotterError(.invalidInput, "checkpoint root \"\(lines[2])\" is not base64 of 32 bytes") }
        guard lines.dropFirst(3).allSatisfy({ !$0.isEmpty }) else { throw BlotterError(.invalidInput, "checkpoint has an empty extension line") }
        origin = lines[0]
        self.size = size
        self.root = root
        extensions = Array(lines.dropFirst(3))
    }
}
