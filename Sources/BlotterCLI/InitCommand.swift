import ArgumentParser
import Blotter
import BlotterPostgres
import BlotterCrypto
import Foundation

struct InitCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new ledger: its origin, founding administrator key and operator checkpoint key.",
        discussion: """
            Writes entry 0 (ledger.created), signed by the founding administrator, carrying the origin,
            the operator's checkpoint verifier key, the administrator's public key and the role table
            (Schemas/roles.json, or --roles). Key files that do not exist are generated (mode 0600).
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The ledger origin, e.g. ia.precinct120.example/ledger (no spaces or '+').")
    var origin: String

    @Option(name: .long, help: "The founding administrator's actor name, e.g. ia/admin.")
    var admin: String

    @Option(name: .long, help: "The administrator's private key; generated if the file does not exist.")
    var adminKey = "admin.key.pem"

    @Option(name: .long, help: "Algorithm for a generated administrator key: ed25519 or p256.")
    var alg = "ed25519"

    @Option(name: .long, help: "The operator's Ed25519 checkpoint key (default: LEDGER.operator.pem); generated if missing.")
    var operatorKey: String?

    @Option(name: .long, help: "A role table JSON file instead of the bundled Schemas/roles.json.")
    var roles: String?

    @Option(name: .long, help: "A catalog folder laid out like Schemas/ (catalog.json, events/TYPE.vN.json) instead of the bundled one.")
    var catalog: String?

    @Option(name: .long, help: "The default investigation deadline: ca-gc-3304 (1 year from discovery) or ny-csl-75 (18 months); default from the catalog.")
    var deadlineRule: String?

    @Flag(name: .long, help: "A bare ledger with no event catalog: no schemas, lifecycle rules or projections.")
    var noCatalog = false

    func execute() throws {
        let path = ledgerOptions.path
        let operatorPath = ledgerOptions.operatorKeyPath(operatorKey)
        guard Identifiers.isOrigin(origin) else {
            throw BlotterError(.invalidInput, "--origin \"\(origin)\" must be 1-255 printable ASCII characters without spaces or '+'")
        }
        guard Identifiers.isActor(admin) else { throw BlotterError(.invalidInput, "--admin \"\(admin)\" is not a valid actor name") }
        guard ledgerOptions.isPostgres || !FileManager.default.fileExists(atPath: path) else {
            throw BlotterError(.ledgerState, "a file already exists at \(path); refusing to overwrite it")
        }
        let table = try roles.map { try RoleTable(json: parseJSON(readInput($0), source: $0)) } ?? RoleTable.bundled()
        let (adminPrivate, adminIsNew) = try loadOrGenerate(adminKey, algorithm: parseAlgorithm(alg))
        let (operatorPrivate, operatorIsNew) = try loadOrGenerate(operatorPath, algorithm: .ed25519)
        guard operatorPrivate.algorithm == .ed25519 else {
            throw BlotterError(.invalidInput, "the operator key \(operatorPath) must be Ed25519 (C2SP signed notes)")
        }
        let verifierKey = try NoteVerifierKey(name: origin, publicKey: operatorPrivate.publicKey)
        var events: EventCatalog? = nil
        if !noCatalog {
            events = try catalog.map { try EventCatalog.load(directory: $0) } ?? EventCatalog.bundled()
            if let deadlineRule { events = try events?.with(deadlineRule: deadlineRule) }
        }
        let genesis = try Genesis.statement(origin: origin, admin: admin, adminKey: adminPrivate, operatorKey: operatorPrivate.publicKey,
                                            roles: table, catalog: events)
        let store: any LedgerStore = ledgerOptions.isPostgres ? try PostgresStore.create(url: path) : try SQLiteStore.create(path: path)
        let receipt: AppendReceipt
        do {
            receipt = try Ledger(store: store).append(genesis)
            try store.close()
        } catch {
            if let postgres = store as? PostgresStore {
                try? postgres.dropLedgerTables()
            } else {
                for file in SQLiteStore.files(of: path) { try? FileManager.default.removeItem(atPath: file) }
            }
            throw error
        }
        if adminIsNew { try writeSecretFile(adminKey, try adminPrivate.pkcs8PEM) }
        if operatorIsNew { try writeSecretFile(operatorPath, try operatorPrivate.pkcs8PEM) }
        if output.json {
            try emitJSON(.object([
                ("ledger", .string(ledgerOptions.displayName)), ("origin", .string(origin)), ("admin", .string(admin)),
                ("admin_key_id", .string(adminPrivate.publicKey.keyID)), ("operator_key", .string(verifierKey.description)),
                ("entry_hash", .string(receipt.entryHash)),
            ]))
        } else {
            emit("created ledger \(ledgerOptions.displayName) for \(origin)")
            emit("  administrator  \(admin), key \(adminPrivate.publicKey.keyID) (\(adminPrivate.algorithm.rawValue))\(adminIsNew ? ", written to \(adminKey)" : "")")
            emit("  operator key   \(verifierKey)\(operatorIsNew ? ", private key written to \(operatorPath)" : "")")
            emit("  entry 0        \(receipt.entryHash)")
        }
    }

    func loadOrGenerate(_ path: String, algorithm: SignatureAlgorithm) throws -> (PrivateKey, Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try loadPrivateKey(path), false) }
        return (try PrivateKey.generate(algorithm), true)
    }
}
