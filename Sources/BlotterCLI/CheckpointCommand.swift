import ArgumentParser

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (C2SP tlog-checkpoint), or verify one.",
        subcommands: [CheckpointLatestCommand.self, CheckpointVerifyCommand.self],
        defaultSubcommand: CheckpointLatestCommand.self)
}
