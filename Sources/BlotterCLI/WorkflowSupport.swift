import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

/// Who signs a workflow step, and how: shared by complaint, case, uof and bodycam commands.
struct SignerOptions: ParsableArguments {
    @Option(name: .long, help: "Your private key (PKCS#8 PEM); default $BLOTTER_KEY. The actor is the one the key is registered to.")
    var key: String?

    @Option(name: .long, help: "When you signed it, RFC 3339 UTC (default: now).")
    var at: String?

    @Option(name: .long, help: "When it happened, if earlier than now: RFC 3339 with Z or an offset (2026-11-20T14:30:00-05:00), kept in UTC as occurred_at. Views, deadlines and stats use it.")
    var occurred: String?

    @Option(name: .long, help: "The stream version you saw (from `case show`); the step is refused if someone changed it since. Default: the current version.")
    var expect: Int64?

    @Option(name: .long, parsing: .singleValue, help: "An extra field as NAME=VALUE (JSON if it parses, else a string). Repeatable.")
    var field: [String] = []

    /// Your key, the actor it is registered to, and the ledger's origin.
    func signer(_ ledger: Ledger) throws -> (key: PrivateKey, actor: String, origin: String) { try registeredSigner(ledger, keyPath: key) }

    /// Signs and appends one step; returns the receipt.
    func append(_ ledger: Ledger, type: String, stream: String, fields: [(String, JSONValue?)]) throws -> AppendReceipt {
        var values = fields.compactMap { name, value in value.map { (name, $0) } } + (try field.map(parseFieldOption))
        if let occurred {
            guard try ledger.catalog()?.current(type)?.sensitivity(of: "occurred_at") != nil else {
                throw BlotterError(.invalidInput, "--occurred: \(type) has no event time of its own in this ledger's catalog (no field occurred_at); it happens when it is signed")
            }
            values.append(("occurred_at", .string(try eventTime(occurred, option: "--occurred"))))
        }
        return try signAndAppend(ledger, keyPath: key, at: at, expect: expect, type: type, stream: stream, fields: values)
    }
}

/// An RFC 3339 time with `Z` or a numeric offset (`-05:00`), as UTC (`Z`, seconds or milliseconds).
func eventTime(_ text: String, option: String) throws -> String {
    guard let t = Timestamp(rfc3339WithOffset: text) else {
        throw BlotterError(.invalidInput, "\(option) \"\(text)\" must be an RFC 3339 time like 2026-11-20T14:30:00Z or 2026-11-20T09:30:00-05:00")
    }
    return t.rfc3339
}

/// Signs one statement with the key at `keyPath` (default $BLOTTER_KEY) as the actor that key is
/// registered to, at the stream's current version unless `expect` is given, and appends it.
func signAndAppend(_ ledger: Ledger, keyPath: String?, at: String?, expect: Int64?, type: String, stream: String,
                   fields: [(String, JSONValue)]) throws -> AppendReceipt {
    let (key, actor, origin) = try registeredSigner(ledger, keyPath: keyPath)
    let version = try expect ?? ledger.store.read { try $0.streamVersion(stream) }
    let schema = try ledger.catalog()?.types[type]?.version ?? 1
    let draft = StatementDraft(log: origin, type: type, schema: schema, stream: stream, expect: version,
                               actor: actor, at: try statementTime(at), fields: fields)
    return try ledger.append(try draft.sign(with: key))
}

/// The key at `keyPath` (default $BLOTTER_KEY), the actor it is registered to, and the ledger's origin.
func registeredSigner(_ ledger: Ledger, keyPath: String?) throws -> (key: PrivateKey, actor: String, origin: String) {
    guard let path = keyPath ?? ProcessInfo.processInfo.environment["BLOTTER_KEY"] else {
        throw BlotterError(.invalidInput, "give your signing key with --key FILE or BLOTTER_KEY")
    }
    let key = try loadPrivateKey(path)
    guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
    guard let record = try ledger.store.read({ try $0.keyRecord(key.publicKey.keyID) }) else {
        throw BlotterError(.keyNotValid, "key \(key.publicKey.keyID) is not registered in this ledger")
    }
    return (key, record.actor, identity.origin)
}

/// Opens a ledger that has projections (its genesis carried an event catalog).
func openDomain(_ options: LedgerOptions) throws -> (Ledger, EventCatalog) {
    let ledger = try options.open()
    guard let catalog = try ledger.catalog() else {
        throw BlotterError(.ledgerState, "\(options.displayName) has no event catalog (created with --no-catalog), so it has no case views")
    }
    return (ledger, catalog)
}

/// A view as JSON (what `--json` prints, and what the text layouts read): the view model encoded by ``JSONValueCoding``.
func views<T: Encodable>(_ ledger: Ledger, _ catalog: EventCatalog, _ body: (Views) throws -> T) throws -> JSONValue {
    try JSONValueCoding.encode(try ledger.store.read { try body(try Views($0, catalog: catalog, today: CalendarDate(Timestamp.now()))) })
}

func reportStep(_ receipt: AppendReceipt, _ what: String, json: Bool) throws {
    if json {
        try printReceipt(receipt, json: true)
    } else {
        emit("\(what) — entry \(receipt.seq) at \(receipt.recorded)\(receipt.duplicate ? " (already in the ledger)" : "")")
    }
}

/// The statement of a batch that an append refused, as its index in the batch, with the message
/// after the ledger's "statement K of N: " (a batch of one carries no number); nil if the error names none.
func refusedStatement(_ error: BlotterError, batchSize: Int) -> (index: Int, detail: String)? {
    if batchSize == 1 { return (0, error.message) }
    let parts = error.message.split(separator: " ", maxSplits: 4)
    guard parts.count == 5, parts[0] == "statement", parts[2] == "of", let k = Int(parts[1]), k >= 1, k <= batchSize else { return nil }
    return (k - 1, String(parts[4]))
}

func string(_ s: String?) -> JSONValue? { s.map(JSONValue.string) }
func strings(_ list: [String]) -> JSONValue? { list.isEmpty ? nil : .array(list.map(JSONValue.string)) }

/// Plain text of a JSON value for tables: strings bare, null as "-".
func cell(_ v: JSONValue?) -> String {
    switch v {
    case nil, .null?: return "-"
    case let .string(s)?: return s
    case let .integer(n)?: return String(n)
    case let .bool(b)?: return b ? "yes" : "no"
    case let v?: return show(v)
    }
}

/// Prints rows under a header, columns padded to their widest cell.
func table(_ header: [String], _ rows: [[String]], indent: String = "  ") {
    guard !rows.isEmpty else { emit(indent + "(none)"); return }
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        var out = indent
        for (i, c) in cells.enumerated() {
            out += i == cells.count - 1 ? c : c.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
        }
        return out
    }
    emit(line(header))
    for r in rows { emit(line(r)) }
}

/// Rows of a JSON array of objects, picking `keys`.
func rows(_ v: JSONValue?, _ keys: [String]) -> [[String]] {
    (v?.arrayValue ?? []).map { item in keys.map { cell(item[$0]) } }
}
