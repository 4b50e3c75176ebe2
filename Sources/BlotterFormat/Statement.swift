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
        var out = Statement.signingPrefix
        writeCanonical(includingSignature: false, to: &out)
        return out
    }

    /// The JCS bytes of ``json(includingSignature:)``, written from the members in their JCS order
    /// without building the JSON tree (the same bytes: CanonicalParseTests.directWriter compares the two).
    public func canonicalBytes(includingSignature: Bool = true) -> [UInt8] {
        var out = [UInt8]()
        writeCanonical(includingSignature: includingSignature, to: &out)
        return out
    }

    /// ``signingInput()`` and ``canonicalBytes(includingSignature:)`` at once: `sig` sorts between
    /// `schema` and `stream`, so both are the same two runs of bytes, with or without it between.
    public func signingInputAndBytes() -> (signingInput: [UInt8], bytes: [UInt8]) {
        var input = Statement.signingPrefix
        let cut = writeCanonical(includingSignature: false, to: &input)
        var bytes = [UInt8]()
        bytes.reserveCapacity(input.count + sig.utf8.count + 8)
        bytes.append(contentsOf: input[Statement.signingPrefix.count..<cut])
        bytes.append(contentsOf: #","sig":"#.utf8)
        CanonicalJSON.writeString(sig, to: &bytes)
        bytes.append(contentsOf: input[cut...])
        return (input, bytes)
    }

    /// Appends the canonical bytes to `out`; returns where `,"stream":` starts (what follows `sig`).
    @discardableResult
    private func writeCanonical(includingSignature: Bool, to out: inout [UInt8]) -> Int {
        out.reserveCapacity(out.count + 320 + 96 * fields.count)
        func member(_ name: StaticString, _ first: Bool = false) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }
        func integer(_ n: Int64) { try? CanonicalJSON.write(.integer(n), to: &out) }
        member("actor", true); CanonicalJSON.writeString(actor, to: &out)
        member("alg"); CanonicalJSON.writeString(alg.rawValue, to: &out)
        member("at"); CanonicalJSON.writeString(at, to: &out)
        member("expect")
        if let expect { integer(expect) } else { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        member("fields")
        out.append(UInt8(ascii: "{"))
        // Field names are ASCII (the reader refuses others), whose order is String's own `<`.
        var members = Array(fields)
        if members.allSatisfy({ $0.key.utf8.allSatisfy { $0 < 0x80 } }) {
            members.sort { $0.key < $1.key }
        } else {
            members.sort { CanonicalJSON.precedes($0.key, $1.key) }
        }
        for (i, (name, digest)) in members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.writeString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            CanonicalJSON.writeString(digest, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        member("key"); CanonicalJSON.writeString(key, to: &out)
        member("log"); CanonicalJSON.writeString(log, to: &out)
        member("nonce"); CanonicalJSON.writeString(nonce, to: &out)
        member("schema"); integer(schema)
        if includingSignature { member("sig"); CanonicalJSON.writeString(sig, to: &out) }
        let tail = out.count
        member("stream"); CanonicalJSON.writeString(stream, to: &out)
        member("type"); CanonicalJSON.writeString(type, to: &out)
        member("v"); integer(v)
        out.append(UInt8(ascii: "}"))
        return tail
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
        v = try integer("v", try member("v"))
        log = try string("log")
        type = try string("type")
        schema = try integer("schema", try member("schema"))
        stream = try string("stream")
        let expectValue = try member("expect")
        expect = expectValue == .null ? nil : try integer("expect", expectValue)
        actor = try string("actor")
        key = try string("key")
        let algName = try string("alg")
        guard let alg = SignatureAlgorithm(rawValue: algName) else {
            throw BlotterError(.invalidStatement, "statement \"alg\" must be ed25519 or ecdsa-p256-sha256, found \"\(algName)\"")
        }
        self.alg = alg
        at = try string("at")
        nonce = try string("nonce")
        let fieldsValue = try member("fields")
        guard case let .object(fieldMembers) = fieldsValue else {
            throw BlotterError(.invalidStatement, "statement \"fields\" must be an object, found \(fieldsValue.typeName)")
        }
        var fields: [String: String] = [:]
        fields.reserveCapacity(fieldMembers.count)
        for (name, digest) in fieldMembers {
            guard case let .string(d) = digest else {
                throw BlotterError(.invalidStatement, "field \"\(name)\" must map to a base64url SHA-256 digest")
            }
            fields[name] = d
        }
        self.fields = fields
        sig = try string("sig")
        try checkMembers()
    }

    /// Checks what the format says of each member's value (the reader's checks, for a statement
    /// made in memory): identifiers, key id, time, nonce, field names and digests, signature length.
    /// - Throws: ``BlotterError`` `.invalidStatement` naming the first member in error.
    public func checkMembers() throws(BlotterError) {
        for (name, n) in [("v", v), ("schema", schema), ("expect", expect ?? 0)] where n.magnitude >= 1 << 53 {
            throw BlotterError(.invalidStatement, "statement \"\(name)\" must be an integer below 2^53, found \(n)")
        }
        guard v == 1 else { throw BlotterError(.invalidStatement, "statement version \"v\" must be 1, found \(v)") }
        guard Identifiers.isOrigin(log) else { throw BlotterError(.invalidStatement, "statement \"log\" is not a valid origin") }
        guard Identifiers.isTypeName(type) else {
            throw BlotterError(.invalidStatement, "statement \"type\" \"\(type)\" must be dot-separated lowercase names, e.g. case.opened")
        }
        guard schema >= 1 else { throw BlotterError(.invalidStatement, "statement \"schema\" must be at least 1, found \(schema)") }
        guard Identifiers.isStream(stream) else {
            throw BlotterError(.invalidStatement, "statement \"stream\" must be 1-200 characters of [A-Za-z0-9._:/-]")
        }
        if let e = expect, e < 0 { throw BlotterError(.invalidStatement, "statement \"expect\" must be null or at least 0, found \(e)") }
        guard Identifiers.isActor(actor) else { throw BlotterError(.invalidStatement, "statement \"actor\" \"\(actor)\" is not a valid actor name") }
        guard Hex.isLowercase(key, byteCount: 32) else {
            throw BlotterError(.invalidStatement, "statement \"key\" must be 64 lowercase hex digits (SHA-256 of the signer's SPKI)")
        }
        guard Timestamp(rfc3339: at, precision: .secondsOrMilliseconds) != nil else {
            throw BlotterError(.invalidStatement, "statement \"at\" \"\(at)\" must be RFC 3339 UTC like 2026-11-21T14:03:00Z or 2026-11-21T14:03:00.000Z")
        }
        guard Base64.isCanonicalURL(nonce, byteCount: 16) else {
            throw BlotterError(.invalidStatement, "statement \"nonce\" must be base64url of 16 bytes")
        }
        func wrong(_ name: String, _ digest: String) -> Bool { !Identifiers.isFieldName(name) || !Base64.isCanonicalURL(digest, byteCount: 32) }
        if fields.contains(where: wrong) {
            // The first wrong field in JCS order, so the message does not depend on hashing.
            let name = fields.filter(wrong).keys.min(by: CanonicalJSON.precedes)!
            guard Identifiers.isFieldName(name) else {
                throw BlotterError(.invalidStatement, "field name \"\(name)\" must match ^[a-z][a-z0-9_]{0,63}$")
            }
            throw BlotterError(.invalidStatement, "field \"\(name)\" must map to a base64url SHA-256 digest")
        }
        guard let sigBytes = Base64.urlDecode(sig), !sigBytes.isEmpty else {
            throw BlotterError(.invalidStatement, "statement \"sig\" must be a non-empty base64url signature")
        }
        if alg == .ed25519 && sigBytes.count != 64 {
            throw BlotterError(.invalidStatement, "an ed25519 \"sig\" is 64 bytes, found \(sigBytes.count)")
        }
    }
}
