import ArgumentParser
import Blotter
import BlotterServer
import Foundation
import Logging

struct ServeCommand: AsyncBlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over HTTP: signed submissions with group commit, checkpoints, C2SP tiles and proofs.",
        discussion: """
            Endpoints (docs/SERVER.md; the OpenAPI document is at /openapi.json):
              POST /v1/submissions               one signed submission or a JSON array of them
              GET  /v1/submissions/SEQ/proof     the entry's C2SP tlog-proof once a checkpoint covers it
              GET  /v1/proofs/consistency?old=&new=
              GET  /checkpoint, /tile/L/N[.p/W], /tile/entries/N[.p/W]   C2SP tlog-tiles
              GET  /v1/challenge, POST/GET/DELETE /v1/session   sign-in with a registered key
              GET  /v1/cases[/ID], /v1/officers/ID, /v1/bodycam/compliance, /v1/bodycam/ID/custody,
                   /v1/stats, /v1/access-log   the views by role (Schemas/read-access.json); reads of
                   case files, officer histories and custody trails go to the access log first
              GET  /health, /metrics (Prometheus)

            With the operator key (--operator-key, $BLOTTER_OPERATOR_KEY, or LEDGER.operator.pem when
            that file exists) the server signs a checkpoint every --checkpoint-interval seconds while
            the log grows. With witnesses (--witness-url and --witness-key, repeated) each new
            checkpoint goes to every witness, and /checkpoint and proofs use only one that carries
            --witness-quorum cosignatures. SIGTERM or SIGINT stops it gracefully: no new connections, every request in
            flight answered, every queued statement committed, exit 0. One log line per request on
            standard error (method, route, status, milliseconds; never a path, header or body).
            Put a TLS terminator in front of it for anything but loopback.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions

    @Option(name: .long, help: "Where to listen, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: "The operator's private key, to sign checkpoints (default: $BLOTTER_OPERATOR_KEY, else LEDGER.operator.pem if it exists).")
    var operatorKey: String?

    @Option(name: .long, help: "Seconds between checkpoints while the log grows.")
    var checkpointInterval: Double = 1

    @Option(name: .long, help: "Statements per batch transaction.")
    var batch = 256

    @Option(name: .long, help: "Milliseconds the writer waits for a batch to fill (0: commit what queued during the last commit).")
    var batchWaitMs = 0

    @Option(name: .long, help: "Batches in flight at once: one commits while the next has its signatures and schemas checked (1: one at a time).")
    var batchesInFlight = 2

    @Option(name: .long, help: "Statements that may wait for the writer before requests are answered 503.")
    var queue = 8192

    @Option(name: .long, help: "Bytes of one request body.")
    var maxBody = 16 << 20

    @Option(name: .long, help: "Seconds a request's body may take to arrive after its headers before it is answered 408.")
    var bodyTimeout: Double = 30

    @Option(name: .long, help: "Hours a signed-in session lasts.")
    var sessionHours: Double = 8

    @Flag(name: .long, help: "Mark the session cookie Secure (behind a TLS terminator, which every deployment but loopback needs).")
    var secureCookies = false

    @Option(name: .customLong("witness-url"), help: "A witness's add-checkpoint prefix (C2SP tlog-witness), e.g. http://witness.example:8081; repeat for several, each with its --witness-key.")
    var witnessURL: [String] = []

    @Option(name: .customLong("witness-key"), help: "That witness's cosignature verifier key (from `blotter witness init`).")
    var witnessKey: [String] = []

    @Option(name: .long, help: "Cosignatures a checkpoint needs before /checkpoint and proofs use it (0: every witness).")
    var witnessQuorum = 0

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func execute() async throws {
        let (host, port) = try parseListen(listen)
        let level = try parseLogLevel(logLevel)
        guard witnessURL.count == witnessKey.count else {
            throw BlotterError(.invalidInput, "give one --witness-key for each --witness-url (\(witnessURL.count) URLs, \(witnessKey.count) keys)")
        }
        let witnesses = try zip(witnessURL, witnessKey).map { try WitnessEndpoint(url: $0, key: try NoteVerifierKey(parsing: $1)) }
        guard witnessQuorum >= 0, witnessQuorum <= witnesses.count else {
            throw BlotterError(.invalidInput, "--witness-quorum \(witnessQuorum) cannot be met by \(witnesses.count) witness(es)")
        }
        guard batch >= 1, batchesInFlight >= 1, queue >= 1, maxBody >= 1, checkpointInterval > 0, batchWaitMs >= 0, sessionHours > 0, bodyTimeout > 0 else {
            throw BlotterError(.invalidInput, "--batch, --batches-in-flight, --queue, --max-body, --checkpoint-interval, --body-timeout and --session-hours must be positive, --batch-wait-ms not negative")
        }
        let keyPath = ledgerOptions.operatorKeyPath(operatorKey)
        let key = operatorKey != nil || FileManager.default.fileExists(atPath: keyPath) ? try loadPrivateKey(keyPath) : nil

        ignoreClosedOutput = true
        let logger = bootstrapLogging(level)

        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let configuration = ServerConfiguration(
            host: host, port: port, operatorKey: key, checkpointInterval: .milliseconds(Int64(checkpointInterval * 1000)),
            maxBatch: batch, batchWait: .milliseconds(batchWaitMs), batchesInFlight: batchesInFlight, queueCapacity: queue, maxBodyBytes: maxBody,
            bodyTimeout: .milliseconds(Int64(bodyTimeout * 1000)),
            sessionLifetimeSeconds: max(1, Int64(sessionHours * 3600)), secureCookies: secureCookies, witnesses: witnesses,
            witnessQuorum: witnessQuorum)
        let name = ledgerOptions.displayName
        try await serve(ledger: ledger, configuration: configuration, logger: logger) { bound in
            // The line a supervisor or a test waits for; with port 0 it names the port taken.
            emit("blotter: serving \(name) at http://\(host.contains(":") ? "[\(host)]" : host):\(bound)" +
                 (key == nil ? " (no operator key: checkpoints are not signed here)" : ""))
        }
        emit("blotter: stopped; every acknowledged statement is committed")
    }
}

/// HOST:PORT of a --listen option.
func parseListen(_ listen: String) throws -> (host: String, port: Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
        throw BlotterError(.invalidInput, "--listen \"\(listen)\" must be HOST:PORT, e.g. 127.0.0.1:8080")
    }
    return (String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
}

func parseLogLevel(_ text: String) throws -> Logger.Level {
    guard let level = Logger.Level(rawValue: text) else {
        throw BlotterError(.invalidInput, "--log-level \"\(text)\" must be one of trace, debug, info, notice, warning, error, critical")
    }
    return level
}

/// Log lines to standard error at `level`, for a server process.
func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "blotter")
    logger.logLevel = level
    return logger
}
