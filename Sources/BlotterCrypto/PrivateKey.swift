internal import COpenSSL

/// A signing key: Ed25519 or ECDSA P-256 with SHA-256.
///
/// The key material lives only inside OpenSSL and is freed (OpenSSL zeroes it) with this object.
public final class PrivateKey: @unchecked Sendable {
    // @unchecked Sendable: the EVP_PKEY is never mutated after init; each signature uses its own
    // EVP_MD_CTX, which OpenSSL 3 allows from many threads at once.
    let pkey: OpaquePointer

    /// The algorithm this key signs with.
    public let algorithm: SignatureAlgorithm
    /// The matching public key.
    public let publicKey: PublicKey

    /// Generates a new key.
    public static func generate(_ algorithm: SignatureAlgorithm) throws -> PrivateKey {
        let ctx: OpaquePointer?
        switch algorithm {
        case .ed25519: ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil)
        case .ecdsaP256SHA256: ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil)
        }
        guard let ctx else { throw CryptoError.fromOpenSSL(.internalFailure, "EVP_PKEY_CTX_new_id failed") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw CryptoError.fromOpenSSL(.internalFailure, "keygen init failed") }
        if algorithm == .ecdsaP256SHA256 {
            guard EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1 else {
                throw CryptoError.fromOpenSSL(.internalFailure, "cannot select curve P-256")
            }
        }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw CryptoError.fromOpenSSL(.internalFailure, "key generation failed")
        }
        return try PrivateKey(takingOwnership: key)
    }

    /// Reads a PEM `PRIVATE KEY` block (PKCS#8, unencrypted).
    /// - Throws: ``CryptoError`` `.invalidKey` if it is not one; never prompts for a password.
    public convenience init(pem: String) throws {
        let parsed = try withReadBIO(pem) { PEM_read_bio_PrivateKey($0, nil, refusePassword, nil) }
        guard let parsed else { throw CryptoError.fromOpenSSL(.invalidKey, "not an unencrypted PEM PRIVATE KEY") }
        try self.init(takingOwnership: parsed)
    }

    /// Makes an Ed25519 key from its 32-byte seed (the RFC 8032 "secret key").
    public convenience init(ed25519Seed seed: [UInt8]) throws {
        guard seed.count == 32 else { throw CryptoError(.invalidKey, "an Ed25519 seed is 32 bytes, found \(seed.count)") }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            throw CryptoError.fromOpenSSL(.invalidKey, "not an Ed25519 seed")
        }
        try self.init(takingOwnership: key)
    }

    init(takingOwnership key: OpaquePointer) throws {
        pkey = key
        do {
            algorithm = try PublicKey.algorithm(of: key)
            publicKey = try PublicKey(spkiDER: PublicKey.encodeSPKI(key))
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The PKCS#8 PEM `PRIVATE KEY` block, unencrypted: protect the file it is written to.
    public var pkcs8PEM: String {
        get throws {
            try stringFromWriteBIO("private key PEM") { PEM_write_bio_PKCS8PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
        }
    }

    /// Signs `message`: Ed25519 (64 bytes) or ECDSA P-256 over SHA-256 of the message (DER).
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.fromOpenSSL(.signingFailed, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        let md = algorithm == .ed25519 ? nil : EVP_sha256()
        guard EVP_DigestSignInit(ctx, nil, md, nil, pkey) == 1 else {
            throw CryptoError.fromOpenSSL(.signingFailed, "EVP_DigestSignInit failed")
        }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, message, message.count) == 1 else {
            throw CryptoError.fromOpenSSL(.signingFailed, "EVP_DigestSign (size) failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, message, message.count) == 1 else {
            throw CryptoError.fromOpenSSL(.signingFailed, "EVP_DigestSign failed")
        }
        return Array(signature.prefix(length))
    }
}
