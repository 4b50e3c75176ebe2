public import BlotterCrypto

/// A statement before it is signed: what the actor wants to say, with field values in the clear.
public struct StatementDraft: Sendable {
    public var log: String
    public var type: String
    public var schema: Int64
    public var stream: String
    public var expect: Int64?
    public var actor: String
    /// When the actor makes it; defaults to now.
    public var at: Timestamp
    /// Field values; each becomes a disclosure with its own random salt.
    public var fields: [(String, JSONValue)]

    public init(log: String, type: String, schema: Int64 = 1, stream: String, expect: Int64? = nil, actor: String,
                at: Timestamp = .now(), fields: [(String, JSONValue)]) {
        self.log = log
        self.type = type
        self.schema = schema
        self.stream = stream
        self.expect = expect
        self.actor = actor
        self.at = at
        self.fields = fields
    }

    /// Commits every field, signs with `key`, and returns the statement with its disclosures.
    /// - Throws: ``BlotterError`` if a field name is invalid or appears twice, or the result is not
    ///   a valid statement; ``CryptoError`` if signing fails.
    public func sign(with key: PrivateKey) throws -> Submission {
        var disclosures: [Disclosure] = []
        var digests: [String: String] = [:]
        // One call to the random generator for the nonce and every salt (each call takes its lock).
        let random = try SecureRandom.bytes(16 * (fields.count + 1))
        for (i, (name, value)) in fields.enumerated() {
            let d = try Disclosure.make(name: name, value: value, salt: random[(16 * (i + 1))..<(16 * (i + 2))])
            guard digests.updateValue(d.digest, forKey: name) == nil else {
                throw BlotterError(.invalidInput, "field \"\(name)\" is given twice")
            }
            disclosures.append(d)
        }
        var statement = Statement(
            log: log, type: type, schema: schema, stream: stream, expect: expect, actor: actor,
            key: key.publicKey.keyID, alg: key.algorithm, at: at.rfc3339,
            nonce: Base64.urlEncode(Array(random[0..<16])), fields: digests)
        try statement.sign(with: key)
        // The reader's checks, so that a draft can never produce what the ledger refuses.
        try statement.checkMembers()
        return Submission(statement: statement, disclosures: disclosures)
    }
}
