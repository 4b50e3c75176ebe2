public import BlotterFormat
public import BlotterLog

extension LedgerEvent {
    /// A field's value as a stored column value.
    func string(_ name: String) -> SQLValue { values[name]?.stringValue.map(SQLValue.text) ?? .null }
    func int(_ name: String) -> SQLValue { values[name]?.integerValue.map(SQLValue.integer) ?? .null }
    func bool(_ name: String) -> SQLValue {
        if case let .bool(b)? = values[name] { return .integer(b ? 1 : 0) }
        return .null
    }
    func strings(_ name: String) -> [String] { values[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    /// The part of the stream after its first `/`: the case, complaint, report or evidence id.
    var streamID: String {
        guard let slash = stream.firstIndex(of: "/") else { return stream }
        return String(stream[stream.index(after: slash)...])
    }
}
