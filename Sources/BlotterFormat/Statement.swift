public import BlotterCrypto

/// What an actor says, signed by that actor before it reaches the log.
///
/// Immutable once signed: the signature covers `blotter/statement/v1\n` followed by the JCS bytes
/// of every member but `sig`. Field values are not here, only their disclosure digests.
public struct Statement: Sendable, Equatable {
    /// The ASCII prefix of the signing input, newline included.
    public static let signingPrefix = Array("blotter/statement/v1\n".utf8)
    /// The members a statement has: all required, no others allowed.
    public static let memberNames: Set<String> = ["v", "log", "type", "schema", "stream", "expect", "actor", "key", "alg", "at", "nonce", "fields", "sig"]
    /// The members in JCS order, as stored statements have them.
    static let canonicalOrder = ["actor", "alg", "at", "expect", "fields", "key", "log", "nonce", "schema", "sig", "stream", "type", "v"]

    public var v: Int64 = 1
    /// The ledger origin the actor means to write to.
    public var log: String
    public var type: String
    public var schema: Int64
    public var stream: String
    /// The stream version the actor saw before this event; nil means no check.
    public var expect: Int64?
    public var actor: String
    /// Key id: lowercase hex SHA-256 of the signer's SPKI DER.
    public var key: String
    public var alg: SignatureAlgorithm
    /// When the actor made it, exactly as written (RFC 3339 UTC, no or three fractional digits).
    public var at: String
    /// base64url of 16 random bytes.
    public var nonce: String
    /// Field name to disclosure digest.
    public var fields: [String: String]
    /// base64url signature; empty before signing.
    public var sig: String

    public init(log: String, type: String, schema: Int64, stream: String, expect: Int64?, actor: String,
                key: String, alg: SignatureAlgorithm, at: String, nonce: String, fields: [String: String], sig: String = "") {
        self.log = log
        self.type = type
        self.schema = schema
        self.stream = stream
        self.expect = expect
        self.actor = actor
        self.key = key
        self.alg = alg
        self.at = at
        self.nonce = nonce
        self.fields = fields
        self.sig = sig
    }

    /// The instant in `at`.
    public var atTime: Timestamp { Timestamp(rfc3339: at, precision: .secondsOrMilliseconds)! }

    /// The statement as JSON, with or without `sig`.
    public func json(includingSignature: Bool = true) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("v", .integer(v)), ("log", .string(log)), ("type", .string(type)), ("schema", .integer(schema)),
            ("stream", .string(stream)), ("expect", expect.map { .integer($0) } ?? .null), ("actor", .string(actor)),
            ("key", .string(key)), ("alg", .string(alg.rawValue)), ("at", .string(at)), ("nonce", .string(nonce)),
            ("fields", .object(fields.map { ($0.key, .string($0.value)) })),
        ]
        if includingSignature { members.append(("sig", .string(sig))) }
        return .object(members)
    }

    /// The bytes the signature covers.
    public func signingInput() throws(BlotterError) -> [UInt8] {
        Statement.signingPrefix + (try CanonicalJSON.encode(json(includingSignature: false)))
    }

    /// The decoded signature bytes; nil if `sig` is not base64url.
    public var signatureBytes: [UInt8]? { Base64.urlDecode(sig) }

    /// Signs with `privateKey`, filling `key`, `alg` and `sig`.
    public mutating func sign(with privateKey: PrivateKey) throws {
        key = privateKey.publicKey.keyID
        alg = privateKey.algorithm
        sig = Base64.urlEncode(try privateKey.signature(for: try signingInput()))
    }

    /// Checks the signature against `publicKey`.
    public func hasValidSignature(from publicKey: PublicKey) -> Bool {
        guard publicKey.algorithm == alg, let signature = signatureBytes, let input = try? signingInput() else { return false }
        return publicKey.isValidSignature(signature, for: input)
    }

    /// Reads a statement, refusing anything the format does not define.
    /// - Throws: ``BlotterError`` `.invalidStatement` naming the member and what was expected.
    public init(json: JSONValue) throws(BlotterError) {
        guard case let .object(members) = json else {
            throw BlotterError(.invalidStatement, "statement must be a JSON object, found \(json.typeName)")
        }
        // Stored statements have exactly the members in JCS order; anything else gets the full check.
        let canonicalShape = members.count == Statement.canonicalOrder.count
            && zip(members, Statement.canonicalOrder).allSatisfy { $0.0 == $1 }
        if !canonicalShape {
            for (name, _) in members where !Statement.memberNames.contains(name) {
                throw BlotterError(.invalidStatement, "statement has unknown member \"\(name)\"")
            }
        }
        func member(_ name: String) throws(BlotterError) -> JSONValue {
            guard let value = members.first(where: { $0.0 == name })?.1 else {
                throw BlotterError(.invalidStatement, "statement is missing \"\(name)\"")
            }
            return value
        }
        func string(_ name: String) throws(BlotterError) -> String {
            let value = try member(name)
            guard case let .string(s) = value else {
                throw BlotterError(.invalidStatement, "statement \"\(name)\" must be a string, found \(value.typeName)")
            }
            return s
        }
        func integer(_ name: String, _ value: JSONValue) throws(BlotterError) -> Int64 {
            guard case let .integer(n) = value, n.magnitude < 1 << 53 else {
                if case .double = value {
                    throw BlotterError(.invalidStatement, "statement \"\(name)\" must be an integer; numbers in statements are integers only")
                }
                throw BlotterError(.invalidStatement, "statement \"\(name)\" must be an integer below 2^53, found \(value.typeName)")
            }
            return n
        }
        let v = try integer("v", try member("v"))
        guard v == 1 else { throw BlotterError(.invalidStatement, "statement version \"v\" must be 1, found \(v)") }
        self.v = v
        log = try string("log")
        guard Identifiers.isOrigin(log) else { throw BlotterError(.invalidStatement, "statement \"log\" is not a valid origin") }
        type = try string("type")
        guard Identifiers.isTypeName(type) else {
            throw BlotterError(.invalidStatement, "statement \"type\" \"\(type)\" must be dot-separated lowercase names, e.g. case.opened")
        }
        schema = try integer("schema", try member("schema"))
        guard schema >= 1 else { throw BlotterError(.invalidStatement, "statement \"schema\" must be at least 1, found \(schema)") }
        stream = try string("stream")
        guard Identifiers.isStream(stream) else {
            throw BlotterError(.invalidStatement, "statement \"stream\" must be 1-200 characters of [A-Za-z0-9._:/-]")
        }
        let expectValue = try member("expect")
        if case .null = expectValue {
            expect = nil
        } else {
            let e = try integer("expect", expectValue)
            guard e >= 0 else { throw BlotterError(.invalidStatement, "statement \"expect\" must be null or at least 0, found \(e)") }
            expect = e
        }
        actor = try string("actor")
        guard Identifiers.isActor(actor) else { throw BlotterError(.invalidStatement, "statement \"actor\" \"\(actor)\" is not a valid actor name") }
        key = try string("key")
        guard Hex.isLowercase(key, byteCount: 32) else {
            throw BlotterError(.invalidStatement, "statement \"key\" must be 64 lowercase hex digits (SHA-256 of the signer's SPKI)")
        }
        let algName = try string("alg")
        guard let alg = SignatureAlgorithm(rawValue: algName) else {
            throw BlotterError(.invalidStatement, "statement \"alg\" must be ed25519 or ecdsa-p256-sha256, found \"\(algName)\"")
        }
        self.alg = alg
        at = try string("at")
        guard Timestamp(rfc3339: at, precision: .secondsOrMilliseconds) != nil else {
            throw BlotterError(.invalidStatement, "statement \"at\" \"\(at)\" must be RFC 3339 UTC like 2026-11-21T14:03:00Z or 2026-11-21T14:03:00.000Z")
        }
        nonce = try string("nonce")
        guard Base64.isCanonicalURL(nonce, byteCount: 16) else {
            throw BlotterError(.invalidStatement, "statement \"nonce\" must be base64url of 16 bytes")
        }
        let fieldsValue = try member("fields")
        guard case let .object(fieldMembers) = fieldsValue else {
            throw BlotterError(.invalidStatement, "statement \"fields\" must be an object, found \(fieldsValue.typeName)")
        }
        var fields: [String: String] = [:]
        for (name, digest) in fieldMembers {
            guard Identifiers.isFieldName(name) else {
                throw BlotterError(.invalidStatement, "field name \"\(name)\" must match ^[a-z][a-z0-9_]{0,63}$")
            }
            guard case let .string(d) = digest, Base64.isCanonicalURL(d, byteCount: 32) else {
                throw BlotterError(.invalidStatement, "field \"\(name)\" must map to a base64url SHA-256 digest")
            }
            fields[name] = d
        }
        self.fields = fields
        sig = try string("sig")
        guard let sigBytes = Base64.urlDecode(sig), !sigBytes.isEmpty else {
            throw BlotterError(.invalidStatement, "statement \"sig\" must be a non-empty base64url signature")
        }
        if alg == .ed25519 && sigBytes.count != 64 {
            throw BlotterError(.invalidStatement, "an ed25519 \"sig\" is 64 bytes, found \(sigBytes.count)")
        }
    }
}
