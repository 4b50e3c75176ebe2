public import BlotterFormat
/// Which roles may make which statement types.
///
/// The table a ledger uses is the one its genesis entry (`ledger.created`, field `roles`) carries,
/// so that a verifier needs nothing but the ledger. New ledgers take Schemas/roles.json.
/// JSON form: `{"roles": [role, ...], "types": {type: [role, ...], ...}}`.
public struct RoleTable: Sendable, Equatable {
    /// Every role name the ledger knows.
    public let roles: [String]
    /// Statement type to the roles allowed to make it.
    public let types: [String: [String]]


    /// Reads and checks a role table: every type name well formed, every role listed in `roles`.
    public init(json: JSONValue) throws(BlotterError) {
        guard case let .object(members) = json else { throw BlotterError(.invalidInput, "role table must be a JSON object") }
        for (name, _) in members where name != "roles" && name != "types" {
            throw BlotterError(.invalidInput, "role table has unknown member \"\(name)\"")
        }
        guard let roleList = json["roles"]?.arrayValue else { throw BlotterError(.invalidInput, "role table needs \"roles\": an array of names") }
        var roles: [String] = []
        for r in roleList {
            guard let name = r.stringValue, Identifiers.isActor(name), !name.contains("/") else {
                throw BlotterError(.invalidInput, "role table: role names are strings of [A-Za-z0-9._-]")
            }
            roles.append(name)
        }
        guard let typeMembers = json["types"]?.objectValue else { throw BlotterError(.invalidInput, "role table needs \"types\": an object") }
        var types: [String: [String]] = [:]
        for (type, allowed) in typeMembers {
            guard Identifiers.isTypeName(type) else { throw BlotterError(.invalidInput, "role table: \"\(type)\" is not a valid type name") }
            guard let list = allowed.arrayValue else { throw BlotterError(.invalidInput, "role table: roles of \(type) must be an array") }
            var names: [String] = []
            for r in list {
                guard let name = r.stringValue, roles.contains(name) else {
                    throw BlotterError(.invalidInput, "role table: \(type) names a role that is not in \"roles\"")
                }
                names.append(name)
            }
            types[type] = names
        }
        for required in ["ledger.created", "key.registered", "key.revoked"] where types[required] == nil {
            throw BlotterError(.invalidInput, "role table must list \(required)")
        }
        self.roles = roles
        self.types = types
    }

    public func json() -> JSONValue {
        .object([
            ("roles", .array(roles.map { .string($0) })),
            ("types", .object(types.map { ($0.key, .array($0.value.map { .string($0) })) })),
        ])
    }
}
