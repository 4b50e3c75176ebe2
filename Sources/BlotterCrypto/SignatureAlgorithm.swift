/// The signature algorithms a Blotter statement may use, named as in the statement's `alg` field.
public enum SignatureAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Ed25519 (RFC 8032); the signature is the 64-byte R || S.
    case ed25519 = "ed25519"
    /// ECDSA over NIST P-256 with SHA-256; the signature is DER-encoded (r, s).
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"
}
