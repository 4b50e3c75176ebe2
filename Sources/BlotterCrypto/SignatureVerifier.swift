internal import COpenSSL

/// Verifies many signatures with one public key, reusing OpenSSL's verification context.
///
/// `PublicKey.isValidSignature` sets up a fresh context per call; setting one up costs a provider
/// look-up that is a sizeable fraction of an Ed25519 verification. A `SignatureVerifier` sets it up
/// once. Not thread-safe: give each thread its own (it is cheap to make).
public final class SignatureVerifier {
    public let publicKey: PublicKey
    private var mdContext: OpaquePointer?
    private var pkeyContext: OpaquePointer?

    public init(_ publicKey: PublicKey) {
        self.publicKey = publicKey
    }

    deinit {
        if let mdContext { EVP_MD_CTX_free(mdContext) }
        if let pkeyContext { EVP_PKEY_CTX_free(pkeyContext) }
    }

    /// Checks `signature` over `message`; any failure is `false`.
    public func isValid(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        switch publicKey.algorithm {
        case .ed25519:
            guard signature.count == 64 else { return false }
            if mdContext == nil {
                guard let ctx = EVP_MD_CTX_new() else { drainOpenSSLErrors(); return false }
                guard EVP_DigestVerifyInit(ctx, nil, nil, nil, publicKey.pkey) == 1 else {
                    EVP_MD_CTX_free(ctx)
                    drainOpenSSLErrors()
                    return false
                }
                mdContext = ctx
            }
            // Ed25519 is one-shot: the context holds only the key and can verify again and again.
            let rc = EVP_DigestVerify(mdContext, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count,
                                      message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
            if rc != 1 { drainOpenSSLErrors() }
            return rc == 1
        case .ecdsaP256SHA256:
            if pkeyContext == nil {
                guard let ctx = EVP_PKEY_CTX_new(publicKey.pkey, nil) else { drainOpenSSLErrors(); return false }
                guard EVP_PKEY_verify_init(ctx) == 1 else {
                    EVP_PKEY_CTX_free(ctx)
                    drainOpenSSLErrors()
                    return false
                }
                pkeyContext = ctx
            }
            var digest = [UInt8](repeating: 0, count: 32)
            digest.withUnsafeMutableBytes { SHA256.hash(message, into: $0.baseAddress!) }
            let rc = EVP_PKEY_verify(pkeyContext, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count, digest, 32)
            if rc != 1 { drainOpenSSLErrors() }
            return rc == 1
        }
    }

    /// Checks `signature` over `message`.
    public func isValid(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        signature.withUnsafeBytes { sig in message.withUnsafeBytes { isValid(sig, for: $0) } }
    }
}
