internal import COpenSSL
internal import Synchronization

/// A public key for verifying statement signatures: Ed25519 or ECDSA P-256.
///
/// Immutable once made. Its identity is its SubjectPublicKeyInfo DER encoding; the key id used in
/// statements is the lowercase hex SHA-256 of that encoding.
public final class PublicKey: @unchecked Sendable {
    // @unchecked Sendable: the EVP_PKEY is never mutated after init, and OpenSSL 3 allows concurrent
    // verification with one EVP_PKEY from many threads.
    let pkey: OpaquePointer

    /// The algorithm this key verifies.
    public let algorithm: SignatureAlgorithm
    /// The SubjectPublicKeyInfo DER encoding.
    public let spkiDER: [UInt8]

    /// The key id: lowercase hex SHA-256 of ``spkiDER``.
    public let keyID: String

    /// Keys already decoded in this process, by their DER encoding: OpenSSL 3's decoder takes tens of
    /// microseconds a key, and a store reads the same few keys for every batch of statements.
    private static let decodedKeys = Mutex<[[UInt8]: PublicKey]>([:])
    private static let decodedKeysLimit = 10_000

    /// Reads a SubjectPublicKeyInfo DER encoding, as ``init(spkiDER:)``, reusing the key this process
    /// already decoded from the same bytes (a key is immutable, so one object serves every reader).
    /// - Throws: as ``init(spkiDER:)``.
    public static func decoded(spkiDER der: [UInt8]) throws -> PublicKey {
        if let key = decodedKeys.withLock({ $0[der] }) { return key }
        let key = try PublicKey(spkiDER: der)
        decodedKeys.withLock { keys in
            if keys.count >= decodedKeysLimit { keys.removeAll(keepingCapacity: true) }
            keys[der] = key
        }
        return key
    }

    /// Reads a SubjectPublicKeyInfo DER encoding.
    /// - Throws: ``CryptoError`` `.invalidKey` if the bytes are not one canonical SPKI encoding,
    ///   `.unsupportedKey` if the key is neither Ed25519 nor P-256.
    public convenience init(spkiDER der: [UInt8]) throws {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            if let key, cursor != buffer.baseAddress! + buffer.count {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let parsed else {
            throw CryptoError.fromOpenSSL(.invalidKey, "not a SubjectPublicKeyInfo DER encoding of \(der.count) bytes")
        }
        try self.init(takingOwnership: parsed)
        guard spkiDER == der else {
            throw CryptoError(.invalidKey, "SubjectPublicKeyInfo is not in canonical DER form (P-256 points must be uncompressed)")
        }
    }

    /// Reads a PEM `PUBLIC KEY` block (SubjectPublicKeyInfo).
    public convenience init(pem: String) throws {
        let parsed = try withReadBIO(pem) { PEM_read_bio_PUBKEY($0, nil, refusePassword, nil) }
        guard let parsed else { throw CryptoError.fromOpenSSL(.invalidKey, "not a PEM PUBLIC KEY") }
        try self.init(takingOwnership: parsed)
    }

    /// Makes an Ed25519 public key from its raw 32 bytes (RFC 8032 encoding).
    public convenience init(ed25519Raw raw: [UInt8]) throws {
        guard raw.count == 32 else { throw CryptoError(.invalidKey, "an Ed25519 public key is 32 bytes, found \(raw.count)") }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw CryptoError.fromOpenSSL(.invalidKey, "not an Ed25519 public key")
        }
        try self.init(takingOwnership: key)
    }

    /// Adopts an EVP_PKEY; it is freed when this object is.
    init(takingOwnership key: OpaquePointer) throws {
        pkey = key
        do {
            algorithm = try Self.algorithm(of: key)
            spkiDER = try Self.encodeSPKI(key)
            keyID = Hex.encode(SHA256.hash(spkiDER))
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The PEM `PUBLIC KEY` block.
    public var pem: String {
        get throws { try stringFromWriteBIO("public key PEM") { PEM_write_bio_PUBKEY($0, pkey) } }
    }

    /// The raw 32-byte Ed25519 public key; nil for other algorithms.
    public var ed25519Raw: [UInt8]? {
        guard algorithm == .ed25519 else { return nil }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == 32 else {
            drainOpenSSLErrors()
            return nil
        }
        return raw
    }

    /// Checks `signature` over `message`. Any failure, including a malformed signature, is `false`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                isValidSignature(UnsafeRawBufferPointer(sig), for: UnsafeRawBufferPointer(msg))
            }
        }
    }

    /// Checks `signature` over `message` given as raw memory.
    public func isValidSignature(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        if algorithm == .ed25519 && signature.count != 64 { return false }
        guard let ctx = EVP_MD_CTX_new() else { drainOpenSSLErrors(); return false }
        defer { EVP_MD_CTX_free(ctx) }
        let md = algorithm == .ed25519 ? nil : EVP_sha256()
        guard EVP_DigestVerifyInit(ctx, nil, md, nil, pkey) == 1 else { drainOpenSSLErrors(); return false }
        let rc = EVP_DigestVerify(
            ctx,
            signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count,
            message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
        if rc != 1 { drainOpenSSLErrors() }
        return rc == 1
    }

    static func algorithm(of key: OpaquePointer) throws -> SignatureAlgorithm {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_ED25519:
            return .ed25519
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
                throw CryptoError.fromOpenSSL(.unsupportedKey, "EC key without a named curve")
            }
            let curve = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard curve == "prime256v1" || curve == "P-256" else {
                throw CryptoError(.unsupportedKey, "EC key on curve \(curve); only P-256 is supported")
            }
            return .ecdsaP256SHA256
        default:
            throw CryptoError(.unsupportedKey, "key type is neither Ed25519 nor EC P-256")
        }
    }

    static func encodeSPKI(_ key: OpaquePointer) throws -> [UInt8] {
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { throw CryptoError.fromOpenSSL(.invalidKey, "cannot encode public key") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        guard written == length else { throw CryptoError.fromOpenSSL(.invalidKey, "cannot encode public key") }
        return der
    }
}
