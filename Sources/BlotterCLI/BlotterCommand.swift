import ArgumentParser

@main
struct BlotterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blotter",
        abstract: "A tamper-evident accountability ledger for police oversight.",
        discussion: """
            Every record is a signed statement in one append-only, hash-chained log kept in a single
            SQLite file (--ledger PATH, or BLOTTER_LEDGER, default ./blotter.ledger) or in a PostgreSQL
            database (--ledger postgres://USER@HOST:PORT/DATABASE).

            Exit codes:
              0  success
              1  the ledger failed verification
              2  the statement was refused (malformed, bad signature, key, role, expect, size,
                 schema violation, lifecycle rule);
                 the ledger is unchanged
              3  the ledger is busy (another process held the write lock); nothing was written, retry
              4  no such ledger, entry or key; or a ledger already exists
              5  a bad argument or an unreadable file
              6  storage or internal failure
             64  usage error
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, KeysCommand.self, AppendCommand.self, SignCommand.self, SubmitCommand.self,
            LogCommand.self, EntryCommand.self, VerifyCommand.self, CheckpointCommand.self, OperatorKeyCommand.self,
            ProveCommand.self, WitnessCommand.self, TilesCommand.self, ServeCommand.self,
            DemoCommand.self, ComplaintCommand.self, CaseCommand.self, OfficerCommand.self, UofCommand.self, BodycamCommand.self,
            StatsCommand.self, AccessLogCommand.self, ProjectionsCommand.self, CopyCommand.self, SchemasCommand.self, ImportCommand.self, SealCommand.self, ExportCommand.self, VerifyExportCommand.self,
        ]
    )
}
