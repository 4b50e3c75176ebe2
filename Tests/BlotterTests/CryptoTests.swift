import Blotter
import BlotterCrypto
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    // FIPS 180-4 examples (NIST CSRC "Example Algorithms").
    @Test("matches the FIPS 180-4 examples, one-shot and streaming", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(input: String, digest: String) {
        #expect(Hex.encode(SHA256.hash(Array(input.utf8))) == digest)
        var hasher = SHA256.Hasher()
        for byte in input.utf8 { hasher.update([byte]) }
        #expect(Hex.encode(hasher.finalize()) == digest)
    }

    @Test("hashes a million 'a' in pieces")
    func millionA() {
        var hasher = SHA256.Hasher()
        let block = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(block) }
        #expect(Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

struct Ed25519Vector: Sendable {
    let secret, publicKey, message, signature: String
}

@Suite("Ed25519 (RFC 8032 section 7.1)")
struct Ed25519Tests {
    static let vectors = [
        Ed25519Vector(secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                      publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", message: "",
                      signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        Ed25519Vector(secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                      publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", message: "72",
                      signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        Ed25519Vector(secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
                      publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", message: "af82",
                      signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    @Test("derives the public key and signs exactly as the RFC", arguments: vectors)
    func signs(v: Ed25519Vector) throws {
        let key = try PrivateKey(ed25519Seed: hex(v.secret))
        #expect(key.publicKey.ed25519Raw == hex(v.publicKey))
        #expect(try key.signature(for: hex(v.message)) == hex(v.signature))
    }

    @Test("verifies the RFC signatures and refuses altered ones", arguments: vectors)
    func verifies(v: Ed25519Vector) throws {
        let key = try PublicKey(ed25519Raw: hex(v.publicKey))
        #expect(key.isValidSignature(hex(v.signature), for: hex(v.message)))
        var flipped = hex(v.signature)
        flipped[10] ^= 0x01
        #expect(!key.isValidSignature(flipped, for: hex(v.message)))
        #expect(!key.isValidSignature(hex(v.signature), for: hex(v.message) + [0]))
        #expect(!key.isValidSignature(Array(hex(v.signature).dropLast()), for: hex(v.message)))
        // S + L (the group order) must be refused: a non-canonical scalar (RFC 8032 section 5.1.7).
        var sig = hex(v.signature)
        let order: [UInt8] = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var carry = 0
        for i in 32..<64 {
            let sum = Int(sig[i]) + Int(order[i - 32]) + carry
            sig[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(!key.isValidSignature(sig, for: hex(v.message)))
    }

    @Test("key ids are the SHA-256 of the SubjectPublicKeyInfo DER")
    func keyID() throws {
        let key = try PublicKey(ed25519Raw: hex(Self.vectors[0].publicKey))
        #expect(key.spkiDER == hex("302a300506032b6570032100") + hex(Self.vectors[0].publicKey))
        #expect(key.keyID == Hex.encode(SHA256.hash(key.spkiDER)))
    }
}

@Suite("ECDSA P-256 with SHA-256 (RFC 6979 A.2.5)")
struct P256Tests {
    // Public key of RFC 6979 A.2.5 as SubjectPublicKeyInfo: the fixed P-256 header, then 04 || Ux || Uy.
    static let spki = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200" + "04"
        + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
        + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")
    static let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")

    static let vectors: [(message: String, r: String, s: String)] = [
        ("sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716", "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"),
        ("test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367", "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"),
    ]

    /// DER of an ECDSA signature from big-endian r and s.
    static func der(_ r: [UInt8], _ s: [UInt8]) -> [UInt8] {
        func integer(_ v: [UInt8]) -> [UInt8] {
            var v = Array(v.drop { $0 == 0 })
            if v.isEmpty { v = [0] }
            if v[0] & 0x80 != 0 { v.insert(0, at: 0) }
            return [0x02, UInt8(v.count)] + v
        }
        let body = integer(r) + integer(s)
        return [0x30, UInt8(body.count)] + body
    }

    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for i in stride(from: 31, through: 0, by: -1) {
            var d = Int(a[i]) - Int(b[i]) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 256 }
            out[i] = UInt8(d)
        }
        return out
    }

    @Test("verifies the RFC 6979 signatures", arguments: 0..<2)
    func verifies(index: Int) throws {
        let key = try PublicKey(spkiDER: Self.spki)
        #expect(key.algorithm == .ecdsaP256SHA256)
        let v = Self.vectors[index]
        #expect(key.isValidSignature(Self.der(hex(v.r), hex(v.s)), for: Array(v.message.utf8)))
    }

    @Test("accepts the high-S twin (low-S is not required) and refuses altered signatures", arguments: 0..<2)
    func refuses(index: Int) throws {
        let key = try PublicKey(spkiDER: Self.spki)
        let v = Self.vectors[index]
        let message = Array(v.message.utf8)
        #expect(key.isValidSignature(Self.der(hex(v.r), Self.subtract(Self.n, hex(v.s))), for: message))
        var r = hex(v.r)
        r[31] ^= 1
        #expect(!key.isValidSignature(Self.der(r, hex(v.s)), for: message))
        #expect(!key.isValidSignature(Self.der(hex(v.r), hex(v.s)), for: Array("samplf".utf8)))
        #expect(!key.isValidSignature(Self.der(hex(v.r), [0]), for: message))
        #expect(!key.isValidSignature(Self.der(Self.n, hex(v.s)), for: message))
        #expect(!key.isValidSignature(hex(v.r) + hex(v.s), for: message), "raw r||s is not DER")
        #expect(!key.isValidSignature([], for: message))
    }

    @Test("signs and verifies its own signatures, in DER")
    func roundTrip() throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let sig = try key.signature(for: Array("use-of-force report".utf8))
        #expect(sig.first == 0x30)
        #expect(key.publicKey.isValidSignature(sig, for: Array("use-of-force report".utf8)))
        #expect(!key.publicKey.isValidSignature(sig, for: Array("use-of-force report!".utf8)))
    }
}

@Suite("Keys as PEM")
struct KeyPEMTests {
    @Test("private and public keys survive a PEM round trip", arguments: SignatureAlgorithm.allCases)
    func roundTrip(alg: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(alg)
        let pem = try key.pkcs8PEM
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let again = try PrivateKey(pem: pem)
        #expect(again.publicKey.keyID == key.publicKey.keyID)
        let pub = try PublicKey(pem: try key.publicKey.pem)
        #expect(pub.spkiDER == key.publicKey.spkiDER)
        #expect(pub.isValidSignature(try again.signature(for: [1, 2, 3]), for: [1, 2, 3]))
    }

    @Test("refuses garbage, trailing bytes, other curves, and reports OpenSSL's reason")
    func refuses() throws {
        // Our reason, and OpenSSL's own error queue (library, routine and reason strings) with it.
        func refusal(_ body: () throws -> Void) -> CryptoError? {
            do { try body() } catch let error as CryptoError { return error } catch { Issue.record("not a CryptoError: \(error)") }
            Issue.record("accepted")
            return nil
        }
        let garbage = refusal { _ = try PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(garbage?.code == .invalidKey && garbage?.reason == "not an unencrypted PEM PRIVATE KEY", "\(String(describing: garbage))")
        #expect(garbage?.openSSLErrors.isEmpty == false && garbage?.description.contains("asn1 encoding routines::wrong tag") == true, "\(String(describing: garbage))")
        let short = refusal { _ = try PublicKey(spkiDER: [0x30, 0x00]) }
        #expect(short?.code == .invalidKey && short?.reason == "not a SubjectPublicKeyInfo DER encoding of 2 bytes", "\(String(describing: short))")
        #expect(short?.openSSLErrors.isEmpty == false && short?.description.contains("asn1 encoding routines::field missing") == true, "\(String(describing: short))")
        let good = try PrivateKey.generate(.ed25519).publicKey.spkiDER
        let trailing = refusal { _ = try PublicKey(spkiDER: good + [0]) }
        #expect(trailing?.code == .invalidKey && trailing?.reason == "not a SubjectPublicKeyInfo DER encoding of 45 bytes", "\(String(describing: trailing))")
        // A P-384 public key (secp384r1 SPKI) is not supported.
        let p384Header = hex("3076301006072a8648ce3d020106052b81040022036200")
        do {
            _ = try PublicKey(spkiDER: p384Header + [0x04] + [UInt8](repeating: 1, count: 96))
            Issue.record("a P-384 key was accepted")
        } catch let error as CryptoError {
            #expect(error.code == .invalidKey || error.code == .unsupportedKey)
        }
    }
}

@Suite("Reusable signature verifiers")
struct SignatureVerifierTests {
    @Test("give the same answers as one-off checks, valid and invalid in any order", arguments: SignatureAlgorithm.allCases)
    func reuse(alg: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(alg)
        let other = try PrivateKey.generate(alg)
        let verifier = SignatureVerifier(key.publicKey)
        for i in 0..<20 {
            let message = Array("statement \(i)".utf8)
            let good = try key.signature(for: message)
            let bad = try other.signature(for: message)
            #expect(verifier.isValid(good, for: message))
            #expect(!verifier.isValid(bad, for: message))
            #expect(!verifier.isValid(good, for: message + [0]))
            #expect(!verifier.isValid([], for: message))
            #expect(verifier.isValid(good, for: message))
            #expect(key.publicKey.isValidSignature(good, for: message))
        }
    }

    @Test("verify the published RFC 8032 and RFC 6979 vectors")
    func vectors() throws {
        for v in Ed25519Tests.vectors {
            let verifier = SignatureVerifier(try PublicKey(ed25519Raw: hex(v.publicKey)))
            #expect(verifier.isValid(hex(v.signature), for: hex(v.message)))
        }
        let p256 = SignatureVerifier(try PublicKey(spkiDER: P256Tests.spki))
        for v in P256Tests.vectors {
            #expect(p256.isValid(P256Tests.der(hex(v.r), hex(v.s)), for: Array(v.message.utf8)))
            #expect(p256.isValid(P256Tests.der(hex(v.r), P256Tests.subtract(P256Tests.n, hex(v.s))), for: Array(v.message.utf8)))
            #expect(!p256.isValid(P256Tests.der(P256Tests.n, hex(v.s)), for: Array(v.message.utf8)))
        }
    }
}
