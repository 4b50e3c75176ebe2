public import BlotterFormat

/// One entry as a ``LedgerPolicy`` sees it while it is appended, or replayed: where it sits, who
/// made it, and its disclosed field values.
public struct LedgerEvent: Sendable {
    public let seq: Int64
    public let type: String
    public let stream: String
    public let actor: String
    /// When the actor made it (statement `at`).
    public let at: String
    /// When the log took it.
    public let recorded: String
    /// Disclosed field values; a sealed or withheld field is absent.
    public let values: [String: JSONValue]
    /// The event's version in its stream (1: the first event of the stream), where the log knows it
    /// (an append); nil where it was not given (a replay). A policy may rely on it: with 1, no entry
    /// of the ledger is in this stream before this one.
    public let streamVersion: Int64?

    public init(seq: Int64, type: String, stream: String, actor: String, at: String, recorded: String, values: [String: JSONValue],
                streamVersion: Int64? = nil) {
        self.seq = seq
        self.type = type
        self.stream = stream
        self.actor = actor
        self.at = at
        self.recorded = recorded
        self.values = values
        self.streamVersion = streamVersion
    }
}
