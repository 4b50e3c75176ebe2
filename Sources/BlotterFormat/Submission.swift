/// A signed statement with the disclosures of its fields, as handed to the ledger.
///
/// JSON form: `{"statement": {...}, "disclosures": ["<disclosure>", ...]}`.
public struct Submission: Sendable, Equatable {
    public var statement: Statement
    public var disclosures: [Disclosure]

    public init(statement: Statement, disclosures: [Disclosure]) {
        self.statement = statement
        self.disclosures = disclosures
    }

    public func json() -> JSONValue {
        .object([("statement", statement.json()), ("disclosures", .array(disclosures.map { .string($0.encoded) }))])
    }

    /// Reads the JSON form, refusing unknown members.
    public init(json: JSONValue) throws(BlotterError) {
        guard case let .object(members) = json else { throw BlotterError(.invalidStatement, "submission must be a JSON object") }
        for (name, _) in members where name != "statement" && name != "disclosures" {
            throw BlotterError(.invalidStatement, "submission has unknown member \"\(name)\"; expected statement and disclosures")
        }
        guard let statement = json["statement"] else { throw BlotterError(.invalidStatement, "submission is missing \"statement\"") }
        self.statement = try Statement(json: statement)
        var disclosures: [Disclosure] = []
        if let list = json["disclosures"] {
            guard case let .array(items) = list else { throw BlotterError(.invalidStatement, "\"disclosures\" must be an array of strings") }
            for (i, item) in items.enumerated() {
                guard case let .string(s) = item else { throw BlotterError(.invalidStatement, "disclosures[\(i)] must be a string") }
                do {
                    disclosures.append(try Disclosure(encoded: s))
                } catch {
                    throw error.prefixed("disclosures[\(i)]: ")
                }
            }
        }
        self.disclosures = disclosures
    }

    /// Checks that every disclosure matches the digest the statement commits to under its name,
    /// with no disclosure for an unknown field and none twice. Fields may be left undisclosed.
    public func checkDisclosures() throws(BlotterError) -> [String: Disclosure] {
        var byName: [String: Disclosure] = [:]
        byName.reserveCapacity(disclosures.count)
        var total = 0
        // The ledger's own configuration (the genesis's event catalog, a registered schema) is not a record's value.
        let limited = statement.type != "ledger.created" && statement.type != "schema.registered"
        for d in disclosures {
            if limited {
                guard d.encoded.utf8.count <= Disclosure.maxBytes else {
                    throw BlotterError(.tooLarge, "the disclosure of field \"\(d.name)\" is \(d.encoded.utf8.count) bytes encoded, more than the limit of \(Disclosure.maxBytes); attach a long document as evidence by its SHA-256 instead")
                }
                total += d.encoded.utf8.count
                guard total <= Disclosure.maxBytesPerStatement else {
                    throw BlotterError(.tooLarge, "the disclosures of this statement are more than \(Disclosure.maxBytesPerStatement) bytes encoded; attach long documents as evidence by their SHA-256 instead")
                }
            }
            if let n = Disclosure.firstInexactInteger(d.value) {
                throw BlotterError(.invalidStatement, "disclosure of field \"\(d.name)\": the integer \(n) is beyond ±2^53, the largest a JSON number keeps exactly; give it as a string")
            }
            guard let committed = statement.fields[d.name] else {
                throw BlotterError(.disclosureMismatch, "disclosure for field \"\(d.name)\", which the statement does not commit to")
            }
            guard committed == d.digest else {
                throw BlotterError(.disclosureMismatch, "disclosure for field \"\(d.name)\" does not match its digest (expected \(committed), found \(d.digest))")
            }
            guard byName.updateValue(d, forKey: d.name) == nil else {
                throw BlotterError(.disclosureMismatch, "two disclosures for field \"\(d.name)\"")
            }
        }
        return byName
    }
}
