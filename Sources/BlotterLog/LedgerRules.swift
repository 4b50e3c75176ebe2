public import BlotterFormat
internal import BlotterCrypto

/// Reads the parts of ledger state that the rules need: the key registry and stream versions.
public protocol LedgerStateReading {
    /// The key registered under `keyID`, revoked or not; nil if never registered.
    func keyRecord(_ keyID: String) throws -> KeyRecord?
    /// The number of entries in `stream` so far.
    func streamVersion(_ stream: String) throws -> Int64
}

/// How one valid statement changes the ledger state.
public enum StateChange: Sendable {
    case genesis(LedgerIdentity, KeyRecord)
    case registerKey(KeyRecord)
    case revokeKey(String)
    case none
}

/// The validity rules of statements against ledger state, shared by append and verification so
/// that what the ledger accepts and what a verifier accepts are the same thing.
public enum LedgerRules {
    /// The statement types that make or change the key registry (and the genesis, which registers the
    /// first key): the only ones whose rules read disclosed values. (In this order in the stores' SQL.)
    public static let keyStatementTypes = ["ledger.created", "key.registered", "key.revoked"]

    /// How far `at` may be after `recorded`.
    public static let maxClockSkewMilliseconds: Int64 = 5 * 60 * 1000

    /// Checks every rule that depends on ledger state for `statement` as entry `seq`; the signature
    /// itself is checked by the caller against the returned signer's public key.
    /// - Parameters:
    ///   - disclosures: the statement's disclosures by field name, already checked against digests.
    ///   - identity: the ledger's identity, nil only while checking entry 0.
    /// - Returns: the signer's key record and the change the statement makes.
    public static func check(_ statement: Statement, disclosures: [String: Disclosure], seq: Int64,
                             identity: LedgerIdentity?, state: some LedgerStateReading) throws -> (signer: KeyRecord, change: StateChange) {
        if seq == 0 {
            guard statement.type == "ledger.created" else {
                throw BlotterError(.invalidStatement, "entry 0 must be ledger.created, found \(statement.type)")
            }
            return try genesis(statement, disclosures)
        }
        guard let identity else { throw BlotterError(.ledgerState, "ledger has no genesis entry") }
        guard statement.type != "ledger.created" else {
            throw BlotterError(.invalidStatement, "ledger.created may only be entry 0")
        }
        guard statement.log == identity.origin else {
            throw BlotterError(.wrongOrigin, "statement is for ledger \"\(statement.log)\", this ledger is \"\(identity.origin)\"")
        }
        guard let signer = try state.keyRecord(statement.key), signer.registeredSeq < seq else {
            throw BlotterError(.keyNotValid, "key \(statement.key) is not registered")
        }
        if let revoked = signer.revokedSeq, revoked < seq {
            throw BlotterError(.keyNotValid, "key \(statement.key) of \(signer.actor) was revoked at entry \(revoked)")
        }
        guard signer.actor == statement.actor else {
            throw BlotterError(.keyNotValid, "key \(statement.key) is registered to \(signer.actor), not \(statement.actor)")
        }
        guard signer.algorithm == statement.alg else {
            throw BlotterError(.keyNotValid, "key \(statement.key) is \(signer.algorithm.rawValue), statement says \(statement.alg.rawValue)")
        }
        guard let allowed = identity.roleTable.types[statement.type] else {
            throw BlotterError(.roleNotAllowed, "type \(statement.type) is not in the ledger's role table")
        }
        guard signer.roles.contains(where: allowed.contains) else {
            throw BlotterError(.roleNotAllowed, "\(statement.actor) has roles [\(signer.roles.joined(separator: ", "))]; \(statement.type) needs one of [\(allowed.joined(separator: ", "))]")
        }
        if let expect = statement.expect {
            let current = try state.streamVersion(statement.stream)
            guard expect == current else {
                throw BlotterError(.staleExpect, "stream \(statement.stream): expected version \(expect), current version is \(current)")
            }
        }
        switch statement.type {
        case "key.registered":
            let subject = try requireString(disclosures, "subject", of: statement)
            guard Identifiers.isActor(subject) else { throw BlotterError(.invalidStatement, "key.registered: subject \"\(subject)\" is not a valid actor name") }
            let publicKey = try requirePublicKey(disclosures, "public_key", of: statement)
            let roles = try requireRoles(disclosures, "roles", of: statement, table: identity.roleTable)
            if let existing = try state.keyRecord(publicKey.keyID) {
                throw BlotterError(.keyNotValid, "key \(publicKey.keyID) was already registered at entry \(existing.registeredSeq) to \(existing.actor)")
            }
            var officer: String? = nil
            if let value = disclosures["officer"]?.value {
                guard let id = value.stringValue, Identifiers.isOfficerID(id) else {
                    throw BlotterError(.invalidStatement, "key.registered: officer must be an officer id (a letter or digit, then up to 31 of letters, digits, '.', '_' or '-')")
                }
                officer = id
            }
            return (signer, .registerKey(KeyRecord(keyID: publicKey.keyID, actor: subject, publicKey: publicKey, roles: roles, registeredSeq: seq,
                                                   officer: officer)))
        case "key.revoked":
            let keyID = try requireString(disclosures, "key", of: statement)
            guard let target = try state.keyRecord(keyID) else {
                throw BlotterError(.notFound, "key.revoked: key \(keyID) is not registered")
            }
            if let revoked = target.revokedSeq {
                throw BlotterError(.keyNotValid, "key.revoked: key \(keyID) was already revoked at entry \(revoked)")
            }
            return (signer, .revokeKey(keyID))
        default:
            return (signer, .none)
        }
    }

    /// Checks the clock rules: `recorded` never decreases, and `at` is at most five minutes after it.
    public static func checkTimes(at: Timestamp, recorded: Timestamp, previousRecorded: Timestamp?) throws {
        if let previousRecorded, recorded < previousRecorded {
            throw BlotterError(.invalidStatement, "recorded \(recorded) is earlier than the previous entry's \(previousRecorded)")
        }
        guard at.milliseconds - recorded.milliseconds <= maxClockSkewMilliseconds else {
            throw BlotterError(.invalidStatement, "statement time \"at\" \(at) is more than 5 minutes after the ledger's time \(recorded)")
        }
    }

    static func genesis(_ statement: Statement, _ disclosures: [String: Disclosure]) throws -> (signer: KeyRecord, change: StateChange) {
        let origin = try requireString(disclosures, "origin", of: statement)
        guard Identifiers.isOrigin(origin), origin == statement.log else {
            throw BlotterError(.invalidStatement, "ledger.created: origin \"\(origin)\" must be a valid origin equal to the statement's log \"\(statement.log)\"")
        }
        let operatorText = try requireString(disclosures, "operator_key", of: statement)
        let operatorKey: NoteVerifierKey
        do {
            operatorKey = try NoteVerifierKey(parsing: operatorText)
        } catch {
            throw error.prefixed("ledger.created: operator_key: ")
        }
        guard operatorKey.name == origin else {
            throw BlotterError(.invalidStatement, "ledger.created: operator_key is named \(operatorKey.name), must be the origin \(origin)")
        }
        let admin = try requireString(disclosures, "admin", of: statement)
        guard admin == statement.actor, Identifiers.isActor(admin) else {
            throw BlotterError(.invalidStatement, "ledger.created: admin \"\(admin)\" must be the statement's actor \"\(statement.actor)\"")
        }
        let adminKey = try requirePublicKey(disclosures, "admin_key", of: statement)
        guard adminKey.keyID == statement.key else {
            throw BlotterError(.keyNotValid, "ledger.created: signed with key \(statement.key), but admin_key is \(adminKey.keyID)")
        }
        guard adminKey.algorithm == statement.alg else {
            throw BlotterError(.keyNotValid, "ledger.created: admin_key is \(adminKey.algorithm.rawValue), statement says \(statement.alg.rawValue)")
        }
        guard let tableJSON = disclosures["roles"]?.value else {
            throw BlotterError(.invalidStatement, "ledger.created: needs a disclosure of field \"roles\"")
        }
        let table: RoleTable
        do {
            table = try RoleTable(json: tableJSON)
        } catch {
            throw error.prefixed("ledger.created: ")
        }
        guard table.types["ledger.created"]?.contains("admin") == true, table.types["key.registered"]?.contains("admin") == true else {
            throw BlotterError(.invalidStatement, "ledger.created: the role table must let admin make ledger.created and key.registered")
        }
        if let expect = statement.expect, expect != 0 {
            throw BlotterError(.staleExpect, "stream \(statement.stream): expected version \(expect), current version is 0")
        }
        let record = KeyRecord(keyID: adminKey.keyID, actor: admin, publicKey: adminKey, roles: ["admin"], registeredSeq: 0)
        let identity = LedgerIdentity(origin: origin, operatorKey: operatorKey, roleTable: table, administrator: admin)
        return (record, .genesis(identity, record))
    }

    static func requireValue(_ disclosures: [String: Disclosure], _ name: String, of statement: Statement) throws -> JSONValue {
        guard statement.fields[name] != nil else {
            throw BlotterError(.invalidStatement, "\(statement.type) must commit to field \"\(name)\"")
        }
        guard let value = disclosures[name]?.value else {
            throw BlotterError(.invalidStatement, "\(statement.type) needs the disclosure of field \"\(name)\"; disclosures of key statements can never be withheld")
        }
        return value
    }

    static func requireString(_ disclosures: [String: Disclosure], _ name: String, of statement: Statement) throws -> String {
        guard let s = try requireValue(disclosures, name, of: statement).stringValue else {
            throw BlotterError(.invalidStatement, "\(statement.type): field \"\(name)\" must be a string")
        }
        return s
    }

    static func requirePublicKey(_ disclosures: [String: Disclosure], _ name: String, of statement: Statement) throws -> PublicKey {
        let text = try requireString(disclosures, name, of: statement)
        guard let der = Base64.urlDecode(text) else {
            throw BlotterError(.invalidStatement, "\(statement.type): field \"\(name)\" must be base64url of an SPKI DER public key")
        }
        do {
            return try PublicKey(spkiDER: der)
        } catch {
            throw BlotterError(.invalidStatement, "\(statement.type): field \"\(name)\": \(error)")
        }
    }

    static func requireRoles(_ disclosures: [String: Disclosure], _ name: String, of statement: Statement, table: RoleTable) throws -> [String] {
        guard let list = try requireValue(disclosures, name, of: statement).arrayValue, !list.isEmpty else {
            throw BlotterError(.invalidStatement, "\(statement.type): field \"\(name)\" must be a non-empty array of role names")
        }
        var roles: [String] = []
        for item in list {
            guard let role = item.stringValue, table.roles.contains(role) else {
                throw BlotterError(.invalidStatement, "\(statement.type): role \(item.stringValue.map { "\"\($0)\"" } ?? item.typeName) is not one of [\(table.roles.joined(separator: ", "))]")
            }
            roles.append(role)
        }
        return roles
    }

    /// The public key a statement's signature can be checked with before the registry is known:
    /// a key that `ledger.created` or `key.registered` in `earlier` introduces. Key ids are digests
    /// of the key, so a key found this way is the only key the id can name.
    static func introducedKey(_ submission: Submission) -> PublicKey? {
        let field: String
        switch submission.statement.type {
        case "ledger.created": field = "admin_key"
        case "key.registered": field = "public_key"
        default: return nil
        }
        guard let text = submission.disclosures.first(where: { $0.name == field })?.value.stringValue,
              let der = Base64.urlDecode(text) else { return nil }
        return try? PublicKey(spkiDER: der)
    }
}
