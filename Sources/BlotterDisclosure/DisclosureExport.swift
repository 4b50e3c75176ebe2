public import BlotterFormat
public import BlotterLog
public import BlotterDomain
internal import Foundation
public import BlotterCrypto

/// Writes a disclosure bundle: the records a policy publishes as CSV and JSON Lines with a data
/// dictionary, and what anyone needs to check every proved value against the log's signed
/// checkpoint (docs/FORMAT.md section 10).
public struct DisclosureExport {
    public struct Summary: Sendable {
        public var records: [(dataset: String, count: Int)] = []
        /// Records left out because an entry they would carry was signed by a person the policy
        /// withholds or pseudonymises in that record (the signed actor name would reveal them).
        public var withheldBySigner: [String: Int] = [:]
        public var entries = 0
        public var provedValues = 0
        public var unprovedValues = 0
        public var manifestDigest = ""
        public var seconds = 0.0
        /// Seconds spent on the records, the carried entries and their proofs, and the file digests.
        public var phases: [(String, Double)] = []
        public var total: Int { records.reduce(0) { $0 + $1.count } }
    }

    public static let format = "blotter-disclosure-export/v1"

    let policy: DisclosurePolicy
    let catalog: EventCatalog
    let checkpoint: SignedNote
    let size: Int64
    let pseudonymSecret: [UInt8]
    let directory: URL

    /// - Parameters:
    ///   - checkpoint: the operator-signed checkpoint (with any cosignatures) the proofs lead to;
    ///     only entries below its size are published.
    ///   - pseudonymSecret: the key of pseudonyms; the same secret gives the same pseudonym for the
    ///     same value in every export.
    public init(policy: DisclosurePolicy, catalog: EventCatalog, checkpoint: SignedNote, pseudonymSecret: [UInt8], directory: String) throws {
        self.policy = policy
        self.catalog = catalog
        self.checkpoint = checkpoint
        size = try Checkpoint(text: checkpoint.text).size
        self.pseudonymSecret = pseudonymSecret
        self.directory = URL(fileURLWithPath: directory)
    }

    /// The secret pseudonyms of `policy` are keyed with: derived from the operator key by a
    /// (deterministic) Ed25519 signature, so only the operator can make them and they are stable.
    public static func pseudonymSecret(operatorKey: PrivateKey, policy: String) throws -> [UInt8] {
        SHA256.hash(try operatorKey.signature(for: Array("blotter/pseudonym/v1\n\(policy)".utf8)))
    }

    // MARK: reading the log

    /// An entry as the export sees it: its disclosures (decoded on demand) and committed fields.
    final class Item {
        let seq: Int64
        let type: String
        let actor: String
        let encoded: [String: String]
        let sealed: Set<String>
        private var decoded: [String: JSONValue] = [:]
        init(seq: Int64, type: String, actor: String, encoded: [String: String], sealed: Set<String>) {
            self.seq = seq
            self.type = type
            self.actor = actor
            self.encoded = encoded
            self.sealed = sealed
        }
        func commits(_ field: String) -> Bool { encoded[field] != nil || sealed.contains(field) || sealed.contains("*") }
        func value(_ field: String) throws -> JSONValue? {
            if let v = decoded[field] { return v }
            guard let text = encoded[field] else { return nil }
            let v = try Disclosure.value(ofEncoded: text)
            decoded[field] = v
            return v
        }
    }

    struct Reader {
        let db: any LedgerReading
        let size: Int64
        let sealed: [Int64: Set<String>]
        var streams: [String: [Item]] = [:]

        mutating func stream(_ name: String) throws -> [Item] {
            if let cached = streams[name] { return cached }
            if streams.count > 2_000 { streams.removeAll(keepingCapacity: true) }
            let items = try db.domainEntries(stream: name, before: size).map { r in
                Item(seq: r.seq, type: r.type, actor: r.actor, encoded: r.disclosures, sealed: sealed[r.seq] ?? [])
            }
            streams[name] = items
            return items
        }
    }

    /// One record being built: the entries related to its base entry (that one included).
    struct Record {
        let candidates: [Item]
        let allegation: JSONValue?
        let allegationTypes: Set<String>

        /// The latest entry of `source.types` that commits the field (for the same allegation, where the
        /// type has one), and its disclosed value (nil if withheld or sealed).
        func resolve(_ source: DisclosurePolicy.Source) throws -> (item: Item, value: JSONValue?)? {
            var best: Item?
            for item in candidates where source.types.contains(item.type) && item.commits(source.field) {
                if let a = allegation, allegationTypes.contains(item.type), try item.value("allegation_id") != a { continue }
                if best == nil || item.seq > best!.seq { best = item }
            }
            guard let best else { return nil }
            return (best, try best.value(source.field))
        }

        func holds(_ c: DisclosurePolicy.Condition) throws -> Bool {
            switch c {
            case let .all(list): return try list.allSatisfy { try holds($0) }
            case let .any(list): return try list.contains { try holds($0) }
            case let .not(inner): return try !holds(inner)
            case let .test(source, test):
                let value = try resolve(source)?.value
                switch test {
                case let .oneOf(list): return value.map(list.contains) ?? false
                case let .equals(v): return value == v
                case let .present(b): return (value != nil) == b
                case let .anyIn(list): return value?.arrayValue?.contains(where: list.contains) ?? false
                }
            }
        }
    }

    // MARK: values

    /// The text of a value in a CSV cell: strings as they are, integers in decimal, booleans
    /// true/false, arrays of scalars joined by "; ", anything else as canonical JSON; absent empty.
    public static func cellText(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case let .string(s)?: return s
        case let .integer(n)?: return String(n)
        case let .bool(b)?: return b ? "true" : "false"
        case let .array(items)? where items.allSatisfy(isScalar): return items.map { cellText($0) }.joined(separator: "; ")
        case let v?: return (try? String(decoding: CanonicalJSON.encode(v), as: UTF8.self)) ?? ""
        }
    }

    static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .string, .integer, .bool: return true
        default: return false
        }
    }

    /// The published form of a disclosed value (nil: nothing is published), for the exporter and
    /// the verifier alike (FORMAT.md 10.2). A pseudonym needs the `secret`; without it, nil.
    static func derive(_ derivation: DisclosurePolicy.Derivation, _ value: JSONValue, ranges: [Int64], map: [String: String],
                       mapDefault: String?, secret: [UInt8]?) -> JSONValue? {
        switch derivation {
        case .exact: return value
        case .month, .year:
            guard let s = value.stringValue, s.utf8.count >= 7 else { return nil }
            return .string(String(s.prefix(derivation == .month ? 7 : 4)))
        case .range:
            guard let n = value.integerValue else { return nil }
            return .string(rangeLabel(n, ranges))
        case .count:
            return value.arrayValue.map { .integer(Int64($0.count)) }
        case .map:
            return (map[cellText(value)] ?? mapDefault).map(JSONValue.string)
        case .pseudonym:
            guard let secret, let bytes = try? CanonicalJSON.encode(value) else { return nil }
            return .string("anon-" + Hex.encode(hmac(secret, bytes)).prefix(12))
        }
    }

    /// The strings a withheld value names people by.
    static func identities(_ v: JSONValue) -> Set<String> {
        switch v {
        case let .string(s): return [s]
        case let .array(items): return items.reduce(into: []) { $0.formUnion(identities($1)) }
        case let .object(members): return members.reduce(into: []) { $0.formUnion(identities($1.1)) }
        default: return []
        }
    }

    /// `pd/P-1007` → `pd/P-1007`, `P-1007`: the names an actor string shows.
    static func actorNames(_ actor: String) -> [String] {
        [actor] + actor.split(separator: "/").map(String.init)
    }

    /// `[18, 25, 35]`: 17 → "under 18", 18 → "18-24", 40 → "35+".
    public static func rangeLabel(_ n: Int64, _ bounds: [Int64]) -> String {
        guard let first = bounds.first, n >= first else { return "under \(bounds.first ?? 0)" }
        for (low, next) in zip(bounds, bounds.dropFirst()) where n >= low && n < next { return "\(low)-\(next - 1)" }
        return "\(bounds.last!)+"
    }

    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? SHA256.hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        return SHA256.hash(k.map { $0 ^ 0x5C } + SHA256.hash(k.map { $0 ^ 0x36 } + message))
    }

    // MARK: writing

    final class Output {
        let url: URL
        let handle: FileHandle
        var buffer: [UInt8] = []
        init(_ url: URL) throws {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw BlotterError(.invalidInput, "cannot create \(url.path)")
            }
            self.url = url
            handle = try FileHandle(forWritingTo: url)
        }
        func write(_ text: String) throws {
            buffer += Array(text.utf8)
            if buffer.count > 1 << 20 { try flush() }
        }
        func write(json: JSONValue) throws {
            buffer += try CanonicalJSON.encode(json)
            buffer.append(0x0A)
            if buffer.count > 1 << 20 { try flush() }
        }
        func flush() throws {
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        func close() throws {
            try flush()
            try handle.close()
        }
    }

    /// Writes the bundle into the directory (which must be empty or absent) from one consistent
    /// snapshot of the ledger. Does not append the `disclosure.published` statement: the caller
    /// does, with the manifest digest this returns.
    public func write(ledger: Ledger, createdAt: Timestamp = .now()) throws -> Summary {
        let started = Date()
        let fm = FileManager.default
        try Self.requireEmpty(directory.path)
        for sub in ["", "data", "proofs"] {
            try fm.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        guard let identity = try ledger.identity() else { throw BlotterError(.ledgerState, "the ledger has no genesis entry") }
        var summary = Summary()
        try ledger.store.read { db in
            var sealed: [Int64: Set<String>] = [:]
            for (seq, field) in try db.projections().sealedFields(before: size) { sealed[seq, default: []].insert(field) }
            var reader = Reader(db: db, size: size, sealed: sealed)
            /// seq → fields whose disclosures the bundle carries.
            var used: [Int64: Set<String>] = [:]
            var mark = Date()
            for dataset in policy.datasets {
                let count = try writeDataset(dataset, &reader, &used, &summary)
                summary.records.append((dataset.name, count))
            }
            summary.phases.append(("records", Date().timeIntervalSince(mark)))
            mark = Date()
            summary.entries = try writeEntries(db, used)
            summary.phases.append(("entries and proofs", Date().timeIntervalSince(mark)))
        }
        let mark = Date()
        try writeDictionary()
        try Data(policy.bytes).write(to: directory.appendingPathComponent("policy.json"))
        try Data(checkpoint.serialized.utf8).write(to: directory.appendingPathComponent("checkpoint"))
        try Data(Self.readme(policy, summary).utf8).write(to: directory.appendingPathComponent("README.txt"))
        summary.manifestDigest = try writeManifest(identity: identity, summary: summary, createdAt: createdAt)
        summary.phases.append(("dictionary and manifest", Date().timeIntervalSince(mark)))
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// Refuses a bundle directory that exists and is not empty.
    /// The bundle's directory: an empty directory, or one this creates now, before anything else is
    /// done (a checkpoint signed, an entry appended). Anything else is refused, naming the path.
    static func requireEmpty(_ path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw BlotterError(.invalidInput, "\(path) is not a directory; export into a new directory; nothing was exported")
            }
            guard let contents = try? fm.contentsOfDirectory(atPath: path) else {
                throw BlotterError(.invalidInput, "cannot read the directory \(path); nothing was exported")
            }
            if !contents.isEmpty { throw BlotterError(.invalidInput, "\(path) is not empty; export into a new directory") }
            guard fm.isWritableFile(atPath: path) else {
                throw BlotterError(.invalidInput, "cannot write in \(path); nothing was exported")
            }
            return
        }
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BlotterError(.invalidInput, "cannot create the directory \(path) (\((error as NSError).localizedFailureReason ?? "\(error)")); nothing was exported")
        }
    }

    func writeDataset(_ dataset: DisclosurePolicy.Dataset, _ reader: inout Reader, _ used: inout [Int64: Set<String>],
                      _ summary: inout Summary) throws -> Int {
        let csv = try Output(directory.appendingPathComponent("data/\(dataset.name).csv"))
        let jsonl = try Output(directory.appendingPathComponent("data/\(dataset.name).jsonl"))
        let proofs = try Output(directory.appendingPathComponent("proofs/\(dataset.name).jsonl"))
        try csv.write(SourceReader.csvLine(["entry"] + dataset.columns.map(\.name)) + "\r\n")
        let allegationTypes = Set(catalog.types.keys.filter { DisclosurePolicy.property($0, "allegation_id", catalog: catalog) != nil })
        let complaintColumns = dataset.columns.contains { c in
            ([c.treatment] + (c.otherwise.map { [$0] } ?? [])).contains { $0.source.types.contains("complaint.received") }
        } || dataset.from.hasPrefix("case.")
        var row = 0
        for base in try reader.db.summaries(type: dataset.from, before: size) {
            let seq = base.seq
            let stream = base.stream
            if reader.sealed[seq]?.contains("*") == true { continue }
            var candidates = try reader.stream(stream)
            guard let item = candidates.first(where: { $0.seq == seq }) else { continue }
            if complaintColumns, stream.hasPrefix("case/"), let opened = candidates.first(where: { $0.type == "case.opened" }) {
                for complaint in (try opened.value("complaints"))?.arrayValue ?? [] {
                    if let id = complaint.stringValue { candidates += try reader.stream("complaint/\(id)") }
                }
            }
            let record = Record(candidates: candidates,
                                allegation: allegationTypes.contains(dataset.from) ? try item.value("allegation_id") : nil,
                                allegationTypes: allegationTypes)
            if let when = dataset.when, try !record.holds(when) { continue }
            var cells = [String(seq)]
            var values: [(String, JSONValue)] = [("entry", .integer(seq))]
            var sources: [(String, JSONValue)] = []
            var proved: [(Int64, String)] = []
            var carried: [Item] = [item]
            var hidden: Set<String> = []
            var unproved = 0
            for column in dataset.columns {
                var treatment: DisclosurePolicy.Treatment? = column.treatment
                if let when = column.when, try !record.holds(when) {
                    treatment = column.otherwise
                    if let v = try record.resolve(column.treatment.source)?.value { hidden.formUnion(Self.identities(v)) }
                }
                var published: JSONValue?
                var source: JSONValue = .null
                if let t = treatment, let (from, value) = try record.resolve(t.source), let value {
                    if t.derivation == .pseudonym { hidden.formUnion(Self.identities(value)) }
                    published = Self.derive(t.derivation, value, ranges: t.ranges, map: t.map, mapDefault: t.mapDefault, secret: pseudonymSecret)
                    if published != nil {
                        source = .object([("entry", .integer(from.seq)), ("field", .string(t.source.field)),
                                          ("as", .string(t.derivation.rawValue)), ("proof", .bool(t.proved))])
                        if t.proved {
                            proved.append((from.seq, t.source.field))
                            carried.append(from)
                        } else {
                            unproved += 1
                        }
                    }
                }
                cells.append(Self.cellText(published))
                values.append((column.name, published ?? .null))
                sources.append((column.name, source))
            }
            // An entry's signed actor name is public in the bundle: a record that would carry an entry
            // signed by someone it withholds or pseudonymises is left out (and counted).
            if !hidden.isEmpty, carried.contains(where: { Self.actorNames($0.actor).contains(where: hidden.contains) }) {
                summary.withheldBySigner[dataset.name, default: 0] += 1
                continue
            }
            row += 1
            for (s, f) in proved { used[s, default: []].insert(f) }
            summary.provedValues += proved.count
            summary.unprovedValues += unproved
            used[seq, default: []] = used[seq] ?? []
            try csv.write(SourceReader.csvLine(cells) + "\r\n")
            try jsonl.write(json: .object(values))
            try proofs.write(json: .object([("row", .integer(Int64(row))), ("entry", .integer(seq)), ("values", .object(sources))]))
        }
        try csv.close()
        try jsonl.close()
        try proofs.close()
        return row
    }

    /// proofs/entries.jsonl: every entry a record or value came from, the genesis, and the key
    /// registrations (and revocations) of every key that signed one of them, each with the
    /// disclosures the bundle publishes and its inclusion proof.
    func writeEntries(_ db: any LedgerReading, _ used: [Int64: Set<String>]) throws -> Int {
        let out = try Output(directory.appendingPathComponent("proofs/entries.jsonl"))
        let count = try Self.carriedEntries(db, used: used, size: size) { try out.write(json: $0) }
        try out.close()
        return count
    }

    /// The entries `used` names (with the disclosures of the fields named; `*` = all), the genesis,
    /// and the registrations (and revocations) of every key that signed one of them, closed over the
    /// keys that signed those; each with its inclusion proof in the tree of `size`, in seq order,
    /// given to `emit` one at a time. Returns how many.
    @discardableResult
    public static func carriedEntries(_ db: any LedgerReading, used given: [Int64: Set<String>], size: Int64,
                                      emit: (JSONValue) throws -> Void) throws -> Int {
        let everything: Set<String> = ["*"]
        var used = given
        used[0] = everything
        // The keys that signed them (from the derived key_id column: a wrong one would only make the
        // bundle fail verification), and the entries that registered and revoked those keys.
        var keys: Set<String> = []
        var pending = Set(used.keys)
        while !pending.isEmpty {
            var found: Set<String> = []
            for range in chunks(pending.sorted()) {
                for (seq, k) in try db.keyIDs(from: range.lowerBound, through: range.upperBound) where pending.contains(seq) && !keys.contains(k) {
                    found.insert(k)
                }
            }
            pending = []
            for k in found {
                keys.insert(k)
                guard let record = try db.keyRecord(k) else { continue }
                for s in [record.registeredSeq, record.revokedSeq].compactMap({ $0 }) where s < size && used[s] != everything {
                    used[s] = everything
                    pending.insert(s)
                }
            }
        }
        let stored = Ledger.storedHash(db)
        // One SQLite connection: proofs are read serially. Neighbouring proofs share most hashes.
        var cache: [Int64: TreeHash] = [:]
        let cached: MerkleTree.StoredHash = { level, index in
            let key = Int64(level) << 56 | index
            if let h = cache[key] { return h }
            let h = try stored(level, index)
            if cache.count > 4_000_000 { cache.removeAll(keepingCapacity: true) }
            cache[key] = h
            return h
        }
        let seqs = used.keys.sorted()
        for range in chunks(seqs) {
            for stored in try db.entries(from: range.lowerBound, limit: Int(range.upperBound - range.lowerBound + 1)) {
                guard let fields = used[stored.seq] else { continue }
                let carried = stored.disclosures.filter { fields.contains("*") || fields.contains($0.key) }.sorted { $0.key < $1.key }
                try emit(.object([
                    ("seq", .integer(stored.seq)), ("entry", .string(Base64.standardEncode(stored.bytes))),
                    ("disclosures", .object(carried.map { ($0.key, .string($0.value)) })),
                    ("proof", .array(try MerkleTree.inclusionProof(index: stored.seq, size: size, stored: cached).map { .string($0.base64) })),
                ]))
            }
        }
        return seqs.count
    }

    /// Sorted seqs as closed ranges to read, each spanning at most 2,048 seqs.
    static func chunks(_ sorted: [Int64]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        var start: Int64?
        var last: Int64 = 0
        for s in sorted {
            if let a = start, s - a < 2048 { last = s; continue }
            if let a = start { out.append(a...last) }
            start = s
            last = s
        }
        if let a = start { out.append(a...last) }
        return out
    }

    func writeDictionary() throws {
        var datasets: [JSONValue] = []
        var csvRows = [SourceReader.csvLine(["dataset", "column", "description", "from", "field", "sensitivity", "as", "proof", "condition"])]
        for d in policy.datasets {
            var columns: [JSONValue] = [.object([
                ("name", .string("entry")), ("description", .string("The ledger entry (seq) of the \(d.from) statement this record is; check it with proofs/entries.jsonl.")),
                ("proof", .string("entry")),
            ])]
            csvRows.append(SourceReader.csvLine([d.name, "entry", "The ledger entry (seq) of the \(d.from) statement this record is.", d.from, "", "", "", "entry", ""]))
            for c in d.columns {
                func describe(_ t: DisclosurePolicy.Treatment) -> [(String, JSONValue)] {
                    var m: [(String, JSONValue)] = [("from", .array(t.source.types.map(JSONValue.string))), ("field", .string(t.source.field)),
                                                    ("sensitivity", .string(t.sensitivity)), ("as", .string(t.derivation.rawValue)),
                                                    ("proof", .string(Self.proofLabel(t)))]
                    if t.derivation == .range { m.append(("ranges", .array(t.ranges.map(JSONValue.integer)))) }
                    if t.derivation == .map {
                        m.append(("map", .object(t.map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
                        if let d = t.mapDefault { m.append(("default", .string(d))) }
                    }
                    return m
                }
                var m: [(String, JSONValue)] = [("name", .string(c.name)), ("description", .string(c.description))] + describe(c.treatment)
                if c.when != nil { m.append(("conditional", .bool(true))) }
                if let o = c.otherwise { m.append(("otherwise", .object(describe(o)))) }
                columns.append(.object(m))
                csvRows.append(SourceReader.csvLine([d.name, c.name, c.description, c.treatment.source.types.joined(separator: " | "), c.treatment.source.field,
                                                     c.treatment.sensitivity, c.treatment.derivation.rawValue, Self.proofLabel(c.treatment),
                                                     c.when == nil ? "" : "published only when the policy's condition holds" + (c.otherwise.map { "; otherwise \($0.derivation.rawValue) (\(Self.proofLabel($0)))" } ?? "")]))
            }
            datasets.append(.object([("name", .string(d.name)), ("description", .string(d.description)), ("from", .string(d.from)),
                                     ("csv", .string("data/\(d.name).csv")), ("jsonl", .string("data/\(d.name).jsonl")),
                                     ("proofs", .string("proofs/\(d.name).jsonl")), ("columns", .array(columns))]))
        }
        let json = JSONValue.object([("policy", .string(policy.name)), ("title", .string(policy.title)), ("law", .string(policy.law)),
                                     ("datasets", .array(datasets))])
        try Data(CanonicalJSON.encode(json) + [0x0A]).write(to: directory.appendingPathComponent("dictionary.json"))
        try Data(csvRows.map { $0 + "\r\n" }.joined().utf8).write(to: directory.appendingPathComponent("dictionary.csv"))
    }

    /// exact: the disclosure is in the bundle; derived: so is the disclosure the value is computed
    /// from; none: published without proof (a generalisation of a value that may not be disclosed).
    static func proofLabel(_ t: DisclosurePolicy.Treatment) -> String {
        t.derivation == .exact ? "exact" : t.proved ? "derived" : "none"
    }

    func writeManifest(identity: LedgerIdentity, summary: Summary, createdAt: Timestamp) throws -> String {
        var files: [(String, JSONValue)] = []
        for name in try Self.files(in: directory) where name != "manifest.json" && name != "publication.json" {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            files.append((name, .string(Hex.encode(SHA256.hash(data)))))
        }
        let cp = try Checkpoint(text: checkpoint.text)
        let manifest = JSONValue.object([
            ("format", .string(Self.format)), ("origin", .string(identity.origin)),
            ("policy", .string(policy.name)), ("policy_title", .string(policy.title)), ("policy_sha256", .string(policy.digest)),
            ("checkpoint", .object([("size", .integer(cp.size)), ("root", .string(cp.root.base64))])),
            ("created", .string(createdAt.rfc3339)),
            ("datasets", .array(summary.records.map { .object([("name", .string($0.dataset)), ("records", .integer(Int64($0.count))),
                                                               ("withheld_signer", .integer(Int64(summary.withheldBySigner[$0.dataset] ?? 0)))]) })),
            ("records", .integer(Int64(summary.total))), ("entries", .integer(Int64(summary.entries))),
            ("files", .object(files)),
        ])
        let bytes = try CanonicalJSON.encode(manifest) + [0x0A]
        try Data(bytes).write(to: directory.appendingPathComponent("manifest.json"))
        return Hex.encode(SHA256.hash(bytes))
    }

    /// Every regular file under `directory`, as sorted relative paths.
    static func files(in directory: URL) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        func walk(_ rel: String) throws {
            let url = rel.isEmpty ? directory : directory.appendingPathComponent(rel)
            for name in try fm.contentsOfDirectory(atPath: url.path) {
                let path = rel.isEmpty ? name : rel + "/" + name
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDir)
                if isDir.boolValue { try walk(path) } else { out.append(path) }
            }
        }
        try walk("")
        return out.sorted()
    }

    static func readme(_ policy: DisclosurePolicy, _ summary: Summary) -> String {
        """
        \(policy.title)
        \(policy.law.isEmpty ? "" : "\n" + policy.law + "\n")
        Records published under disclosure policy "\(policy.name)" from a Blotter ledger.

        data/NAME.csv and data/NAME.jsonl   the records (the same rows in two formats)
        dictionary.csv, dictionary.json      what every column is, where it comes from, and how it is checked
        checkpoint                           the log's signed checkpoint (C2SP tlog-checkpoint), with any witness cosignatures
        proofs/                              the log entries the records came from, the disclosures of published
                                             values, and inclusion proofs to the checkpoint
        manifest.json                        the SHA-256 of every file, the policy's digest and the counts
        publication.json                     the ledger entry that records this release, with its proof

        Check it: blotter verify-export DIR --key VERIFIER-KEY, or python3 verify_export.py DIR --key VERIFIER-KEY
        (VERIFIER-KEY is the log's published checkpoint key). Values marked "none" under proof in the
        dictionary are generalised from values that may not be disclosed, and are published without proof.

        Records: \(summary.records.map { "\($0.dataset) \($0.count)" }.joined(separator: ", ")).

        """
    }
}
