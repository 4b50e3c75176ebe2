import ArgumentParser
import Blotter
import BlotterServer
import Foundation
import Logging

struct WitnessServeCommand: AsyncBlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the witness over HTTP by C2SP tlog-witness: POST /add-checkpoint answers its cosignature.",
        discussion: """
            The request body is "old SIZE", the consistency proof lines, an empty line and the
            checkpoint note. It answers 200 with the cosignature line once the new state is on
            disk; 400 for a malformed body or an old size above the checkpoint's; 403 when the log's
            key signed nothing in it; 404 for another log; 409 with this witness's size
            (text/x.tlog.size) when the old size is not the one it last cosigned, or for a fork at
            that size; 422 when the proof does not verify. A refusal leaves the state as it was.
            Requests are checked and recorded one at a time. SIGTERM stops it gracefully.
            """)

    @OptionGroup var witness: WitnessOptions

    @Option(name: .long, help: "Where to listen, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8081"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func execute() async throws {
        let (host, port) = try parseListen(listen)
        let level = try parseLogLevel(logLevel)
        let w = try Witness(directory: witness.dir)
        ignoreClosedOutput = true
        let logger = bootstrapLogging(level)
        try await serveWitness(witness: w, configuration: WitnessServerConfiguration(host: host, port: port), logger: logger) { bound in
            emit("blotter: witness \(w.name) of \(w.logKey.name) at http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
        }
        emit("blotter: witness stopped")
    }
}
