public import BlotterFormat
public import BlotterLog

extension LedgerEvent {
    /// A field's value, nil if it is absent (withheld, sealed) or of another type.
    func string(_ name: String) -> String? { values[name]?.stringValue }
    func int(_ name: String) -> Int64? { values[name]?.integerValue }
    func bool(_ name: String) -> Bool? {
        if case let .bool(b)? = values[name] { return b }
        return nil
    }
    func strings(_ name: String) -> [String] { values[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    /// When the event happened: its `occurred_at` where the statement gives one (a past event, imported
    /// history), else when it was signed. Views, deadlines, queues, flags and stats use this time.
    var occurred: String { values["occurred_at"]?.stringValue ?? at }
    /// The part of the stream after its first `/`: the case, complaint, report or evidence id.
    var streamID: String {
        guard let slash = stream.firstIndex(of: "/") else { return stream }
        return String(stream[stream.index(after: slash)...])
    }
}
