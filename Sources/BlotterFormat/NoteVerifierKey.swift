public import BlotterCrypto

/// An Ed25519 verifier key in the C2SP signed-note form `name+hexkeyid+base64(type||pubkey)`.
///
/// Type 0x01 signs notes (the log's checkpoints); type 0x04 makes timestamped witness cosignatures
/// (C2SP tlog-cosignature/v1). The key id is the first four bytes, big-endian, of
/// SHA-256(name || 0x0A || type || pubkey).
public struct NoteVerifierKey: Sendable, Equatable, CustomStringConvertible {
    /// Signature type 0x01: Ed25519 over the note text.
    public static let ed25519: UInt8 = 0x01
    /// Signature type 0x04: timestamped Ed25519 cosignature (tlog-cosignature/v1).
    public static let cosignatureV1: UInt8 = 0x04

    public let name: String
    public let type: UInt8
    public let keyID: UInt32
    /// The raw 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// Computes the note key id of an Ed25519 key under `name` for signature type `type`.
    public static func keyID(name: String, type: UInt8 = ed25519, ed25519PublicKey: [UInt8]) -> UInt32 {
        let digest = SHA256.hash(Array(name.utf8) + [0x0A, type] + ed25519PublicKey)
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    public init(name: String, publicKey: PublicKey, type: UInt8 = NoteVerifierKey.ed25519) throws(BlotterError) {
        guard Identifiers.isOrigin(name) else { throw BlotterError(.invalidInput, "note key name \"\(name)\" must not be empty or contain spaces or '+'") }
        guard let raw = publicKey.ed25519Raw else { throw BlotterError(.invalidInput, "a note verifier key must be Ed25519") }
        self.name = name
        self.type = type
        self.publicKey = raw
        self.keyID = NoteVerifierKey.keyID(name: name, type: type, ed25519PublicKey: raw)
    }

    /// Parses `name+hexkeyid+base64(0x01||pubkey)`, checking that the key id matches.
    public init(parsing text: String) throws(BlotterError) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, Identifiers.isOrigin(String(parts[0])) else {
            throw BlotterError(.invalidInput, "verifier key must be name+hexkeyid+base64key")
        }
        guard parts[1].utf8.count == 8, let idBytes = Hex.decode(parts[1]) else {
            throw BlotterError(.invalidInput, "verifier key id must be 8 hex digits")
        }
        guard let key = Base64.standardDecode(parts[2]), key.count == 33, key[0] == 0x01 || key[0] == 0x04 else {
            throw BlotterError(.invalidInput, "verifier key must be base64 of 0x01 (Ed25519) or 0x04 (cosignature) and a 32-byte Ed25519 key")
        }
        name = String(parts[0])
        type = key[0]
        publicKey = Array(key.dropFirst())
        keyID = UInt32(idBytes[0]) << 24 | UInt32(idBytes[1]) << 16 | UInt32(idBytes[2]) << 8 | UInt32(idBytes[3])
        guard keyID == NoteVerifierKey.keyID(name: name, type: type, ed25519PublicKey: publicKey) else {
            throw BlotterError(.invalidInput, "verifier key id \(parts[1]) does not match the name and key")
        }
    }

    public var description: String {
        let id = String(keyID, radix: 16)
        return "\(name)+\(String(repeating: "0", count: 8 - id.count))\(id)+\(Base64.standardEncode([type] + publicKey))"
    }
}
