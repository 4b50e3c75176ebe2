import ArgumentParser

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate signing keys, and register, revoke and list them in the ledger.",
        subcommands: [KeysGenerateCommand.self, KeysRegisterCommand.self, KeysRevokeCommand.self, KeysListCommand.self])
}
