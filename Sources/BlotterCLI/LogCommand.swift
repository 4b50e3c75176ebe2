import ArgumentParser
import Blotter

struct LogCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "List entries: seq, time recorded, type, stream and version, actor.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "First seq to show.")
    var from: Int64 = 0

    @Option(name: .long, help: "How many entries to show at most.")
    var limit = 100

    @Option(name: .long, help: "Only entries of this stream.")
    var stream: String?

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let rows = try ledger.store.read { try $0.summaries(from: from, limit: limit, stream: stream) }
        if output.json {
            for r in rows {
                try emitJSON(.object([("seq", .integer(r.seq)), ("recorded", .string(r.recorded)), ("type", .string(r.type)),
                                      ("stream", .string(r.stream)), ("version", .integer(r.streamVersion)), ("actor", .string(r.actor))]))
            }
            return
        }
        emit("SEQ     RECORDED                  TYPE                               STREAM (VERSION)                     ACTOR")
        for r in rows {
            emit("\(pad(String(r.seq), 7)) \(r.recorded)  \(pad(r.type, 34)) \(pad("\(r.stream) (\(r.streamVersion))", 36)) \(r.actor)")
        }
    }

    func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
}
