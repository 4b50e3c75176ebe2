public import BlotterFormat
public import BlotterLog
public import BlotterCrypto

/// Entry 0 of a new ledger.
public enum Genesis {
    /// The signed `ledger.created` statement: origin, the operator's checkpoint key, the founding
    /// administrator and their key, the role table, and (for a domain ledger) the event catalog.
    public static func statement(origin: String, admin: String, adminKey: PrivateKey, operatorKey: PublicKey,
                                 roles: RoleTable, catalog: EventCatalog?) throws -> Submission {
        var fields: [(String, JSONValue)] = [
            ("origin", .string(origin)),
            ("operator_key", .string(try NoteVerifierKey(name: origin, publicKey: operatorKey).description)),
            ("admin", .string(admin)),
            ("admin_key", .string(Base64.urlEncode(adminKey.publicKey.spkiDER))),
            ("roles", roles.json()),
        ]
        if let catalog {
            for type in catalog.types.keys.sorted() where roles.types[type] == nil {
                throw BlotterError(.invalidInput, "the catalog defines \(type), which the role table does not list")
            }
            fields.append(("catalog", catalog.json()))
        }
        return try StatementDraft(log: origin, type: "ledger.created", stream: "ledger", expect: 0, actor: admin, fields: fields)
            .sign(with: adminKey)
    }
}
