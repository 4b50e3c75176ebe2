/// An error from the ledger: a code to switch on, a human message, and where it happened.
///
/// Messages quote the bad value and say what was expected. They never carry a disclosed field
/// value, a salt or key material.
public struct BlotterError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// Text that is not JSON, or not the JSON the format allows (duplicate keys, bad UTF-8).
        case malformedJSON = "malformed-json"
        /// A statement, entry or disclosure that breaks a rule of the format.
        case invalidStatement = "invalid-statement"
        /// The statement names a different ledger origin.
        case wrongOrigin = "wrong-origin"
        /// The signature does not verify.
        case badSignature = "bad-signature"
        /// The key is not registered, is revoked, belongs to another actor or has another algorithm.
        case keyNotValid = "key-not-valid"
        /// The signer's roles do not allow the statement type.
        case roleNotAllowed = "role-not-allowed"
        /// `expect` does not match the stream's current version.
        case staleExpect = "stale-expect"
        /// A statement's field values do not match the schema of its event type and version.
        case schemaViolation = "schema-violation"
        /// A case lifecycle rule refuses the step (e.g. closing with an allegation lacking a final finding).
        case lifecycle = "lifecycle-rule"
        /// A disclosure does not match the digest committed in the statement.
        case disclosureMismatch = "disclosure-mismatch"
        /// The entry would exceed 65,535 bytes.
        case tooLarge = "too-large"
        /// Another process holds the write lock; retrying later will work.
        case busy = "busy"
        /// The stored ledger fails verification.
        case verificationFailed = "verification-failed"
        /// The ledger file is missing, already exists, or is not a Blotter ledger.
        case ledgerState = "ledger-state"
        /// No such entry or key.
        case notFound = "not-found"
        /// A bad argument or a file that cannot be read.
        case invalidInput = "invalid-input"
        /// SQLite or the file system failed.
        case storage = "storage"
    }

    public let code: Code
    public let message: String
    /// The entry the error is about, where there is one.
    public let seq: Int64?
    /// For `.schemaViolation`: every violation, with its instance pointer and keyword.
    public let violations: [SchemaViolation]
    /// For `.lifecycle`: the name of the rule that refused the step, e.g. `close-needs-final-findings`.
    public let rule: String?
    /// For `.verificationFailed` from a verifier that goes on after a failure: the failures it found
    /// after this one, in entry order (up to its limit).
    public var further: [BlotterError] = []

    public init(_ code: Code, _ message: String, seq: Int64? = nil, violations: [SchemaViolation] = [], rule: String? = nil) {
        self.code = code
        self.message = message
        self.seq = seq
        self.violations = violations
        self.rule = rule
    }

    public var description: String {
        if let seq { return "entry \(seq): \(message)" }
        return message
    }

    /// The same error, placed at `seq`.
    package func at(seq: Int64) -> BlotterError { BlotterError(code, message, seq: seq, violations: violations, rule: rule) }

    /// The same error with `prefix` put in front of its message.
    public func prefixed(_ prefix: String) -> BlotterError { BlotterError(code, "\(prefix)\(message)", seq: seq, violations: violations, rule: rule) }
}
