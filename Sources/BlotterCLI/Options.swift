import ArgumentParser
import Blotter
import BlotterCrypto
import BlotterPostgres
import Foundation

/// Where the ledger is: --ledger, else BLOTTER_LEDGER, else ./blotter.ledger. A SQLite file, or a
/// PostgreSQL database named by a postgres:// URL.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger: a file, or postgres://USER@HOST:PORT/DATABASE (default: $BLOTTER_LEDGER or ./blotter.ledger).")
    var ledger: String?

    var path: String {
        ledger ?? ProcessInfo.processInfo.environment["BLOTTER_LEDGER"] ?? "blotter.ledger"
    }

    /// True if the ledger is a PostgreSQL database.
    var isPostgres: Bool { PostgresLocation.isURL(path) }

    /// The ledger's name for messages: the path, or the URL without its password.
    var displayName: String { (try? PostgresLocation(url: path).description) ?? path }

    func open() throws -> Ledger { try Self.open(path) }

    /// Opens the ledger at a path or URL, with the domain's rules.
    /// Views built by an earlier version of Blotter are rebuilt from the log first, where the ledger
    /// can be written (a read-only copy keeps them, and its views say why they cannot be read).
    static func open(_ location: String) throws -> Ledger {
        let ledger = PostgresLocation.isURL(location) ? Ledger(store: try PostgresStore.open(url: location)) : try Ledger.open(path: location)
        if (ledger.store as? SQLiteStore)?.isReadOnly != true, let n = try ledger.upgradeProjections() {
            printError("the views were built by an earlier version of Blotter; rebuilt them from the log (\(n) entries)")
        }
        return ledger
    }

    /// Where the operator's checkpoint key is: `given`, else $BLOTTER_OPERATOR_KEY, else next to a
    /// ledger file as LEDGER.operator.pem (for a PostgreSQL ledger, ./DATABASE.operator.pem).
    func operatorKeyPath(_ given: String?) -> String {
        if let given { return given }
        if let env = ProcessInfo.processInfo.environment["BLOTTER_OPERATOR_KEY"] { return env }
        if let location = try? PostgresLocation(url: path) { return location.database + ".operator.pem" }
        return path + ".operator.pem"
    }
}

/// Machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (one object per line) for programs instead of text for people.")
    var json = false
}

/// What a statement says, shared by `append` and `sign`.
struct StatementOptions: ParsableArguments {
    @Option(name: .long, help: "The signer's private key (PKCS#8 PEM).")
    var key: String

    @Option(name: .long, help: "The statement type, e.g. complaint.received.")
    var type: String

    @Option(name: .long, help: "The stream, e.g. case/IA-2026-0042.")
    var stream: String

    @Option(name: .long, help: "The stream version you saw before this event (optimistic concurrency); omit for no check.")
    var expect: Int64?

    @Option(name: .long, help: "The schema version of the type (default: its current version in the ledger's catalog).")
    var schema: Int64?

    @Option(name: .long, help: "The acting actor (default: the actor the key is registered to).")
    var actor: String?

    @Option(name: .long, help: "When the actor made the statement, RFC 3339 UTC (default: now).")
    var at: String?

    @Option(name: .long, parsing: .singleValue, help: "A field as NAME=VALUE; VALUE is read as JSON if it parses, else as a string. Repeatable.")
    var field: [String] = []

    @Argument(help: "A JSON file with an object of field values ('-' for standard input).")
    var fieldsFile: String?

    /// Builds and signs the statement for `ledger`.
    func sign(for ledger: Ledger) throws -> Submission {
        let privateKey = try loadPrivateKey(key)
        guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        let keyID = privateKey.publicKey.keyID
        let actor: String
        if let given = self.actor {
            actor = given
        } else if let record = try ledger.store.read({ try $0.keyRecord(keyID) }) {
            actor = record.actor
        } else {
            throw BlotterError(.invalidInput, "key \(keyID) is not registered in this ledger; register it, or pass --actor")
        }
        let schema = try self.schema ?? ledger.catalog()?.types[type]?.version ?? 1
        let draft = StatementDraft(log: identity.origin, type: type, schema: schema, stream: stream, expect: expect,
                                   actor: actor, at: try statementTime(at), fields: try fieldValues())
        return try draft.sign(with: privateKey)
    }

    func fieldValues() throws -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = []
        if let fieldsFile {
            let json = try parseJSON(try readInput(fieldsFile), source: fieldsFile)
            guard let members = json.objectValue else {
                throw BlotterError(.invalidInput, "\(fieldsFile): expected a JSON object of field values, found \(json.typeName)")
            }
            fields = members
        }
        fields += try field.map(parseFieldOption)
        return fields
    }
}

/// The value of `--at`, or now: RFC 3339 UTC with none or three fractional digits.
func statementTime(_ at: String?) throws -> Timestamp {
    guard let at else { return .now() }
    guard let parsed = Timestamp(rfc3339: at, precision: .secondsOrMilliseconds) else {
        throw BlotterError(.invalidInput, "--at \"\(at)\" must be RFC 3339 UTC like 2026-11-21T14:03:00Z")
    }
    return parsed
}

/// One `--field NAME=VALUE`: VALUE is read as JSON if it parses, else as a string.
func parseFieldOption(_ item: String) throws -> (String, JSONValue) {
    guard let eq = item.firstIndex(of: "=") else {
        throw BlotterError(.invalidInput, "--field \"\(item)\" must be NAME=VALUE")
    }
    let text = String(item[item.index(after: eq)...])
    return (String(item[..<eq]), (try? JSONParser.parse(text)) ?? .string(text))
}
