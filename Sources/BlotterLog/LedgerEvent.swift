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

    public init(seq: Int64, type: String, stream: String, actor: String, at: String, recorded: String, values: [String: JSONValue]) {
        self.seq = seq
        self.type = type
        self.stream = stream
        self.actor = actor
        self.at = at
        self.recorded = recorded
        self.values = values
    }
}
