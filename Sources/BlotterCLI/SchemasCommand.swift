import ArgumentParser
import Blotter
import Foundation

struct SchemasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemas", abstract: "The event catalog: every type, its schema version, its roles; register a new version.",
        subcommands: [SchemasListCommand.self, SchemasShowCommand.self, SchemasRegisterCommand.self])
}

struct SchemasListCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every event type: current version, who may make it, its stream.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        guard let roles = try ledger.identity()?.roleTable else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        let types = catalog.types.keys.sorted()
        if output.json {
            try emitJSON(.array(types.map { t in .object([
                ("type", .string(t)), ("version", .integer(catalog.types[t]!.version)), ("stream", .string(catalog.types[t]!.stream)),
                ("roles", .array((roles.types[t] ?? []).map(JSONValue.string))), ("description", .string(catalog.types[t]!.description)),
            ]) }))
            return
        }
        table(["type", "version", "roles", "stream"], types.map { t in
            [t, String(catalog.types[t]!.version), (roles.types[t] ?? []).joined(separator: ", "), catalog.types[t]!.stream]
        })
        emit("default deadline rule: \(catalog.deadlineRule)")
    }
}

struct SchemasShowCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One type's fields with their sensitivity, or its whole schema (--json).")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The event type.") var type: String
    @Option(help: "The version (default: current).") var version: Int64?
    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        guard let info = catalog.types[type], let schema = catalog.schemas[type]?[version ?? info.version] else {
            throw BlotterError(.notFound, "the catalog has no \(type)\(version.map { " version \($0)" } ?? "")")
        }
        if output.json { try emitJSON(schema.json); return }
        emit("\(type) version \(schema.version): \(info.description)")
        table(["field", "required", "sensitivity"], schema.fields.map { [$0.name, schema.required.contains($0.name) ? "yes" : "", $0.sensitivity] })
    }
}

struct SchemasRegisterCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Register a new version of an event type's schema (admin), e.g. to add a field or a category.",
        discussion: """
            Edit a copy of Schemas/events/TYPE.vN.json, then: blotter schemas register --key admin.pem TYPE FILE.
            The new version must be N+1; it is compiled and checked (every field needs a sensitivity) before it is
            appended as a schema.registered statement, so the log records which schema was in force when.
            """)
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var signer: SignerOptions
    @Argument(help: "The event type.") var type: String
    @Argument(help: "The schema file.") var file: String
    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        guard let info = catalog.types[type] else { throw BlotterError(.notFound, "the catalog has no \(type)") }
        let schema = try parseJSON(readInput(file), source: file)
        var check = catalog
        try check.register(type: type, version: info.version + 1, json: schema)
        let receipt = try signer.append(ledger, type: "schema.registered", stream: "schemas/\(type)", fields: [
            ("event_type", .string(type)), ("version", .integer(info.version + 1)), ("schema", schema),
        ])
        try reportStep(receipt, "\(type) version \(info.version + 1) registered", json: output.json)
    }
}
