public import BlotterFormat
public import BlotterLog
public import BlotterDomain
internal import Foundation
internal import BlotterCrypto

/// Checks a disclosure bundle (docs/FORMAT.md section 10) against the log's checkpoint key: every
/// file's digest, the checkpoint's signature, every entry's inclusion proof, canonical form,
/// signature, key and role, every carried disclosure against its digest, and every published value
/// of every record (CSV and JSON Lines) against the disclosure it is, or is derived from.
///
/// It does not stop at the first problem: it reports each with its place (file, row, column,
/// entry), up to ``maxProblems``.
public struct ExportVerifier {
    public struct Problem: Sendable, CustomStringConvertible {
        public let place: String
        public let message: String
        public var description: String { "\(place): \(message)" }
    }

    public struct Report: Sendable {
        public var problems: [Problem] = []
        public var records = 0
        public var entries = 0
        public var provedValues = 0
        public var unprovedValues = 0
        public var publication: Int64?
        public var checkpointSize: Int64 = 0
        public var seconds = 0.0
        public var ok: Bool { problems.isEmpty }
    }

    public static let maxProblems = 100
    let directory: URL
    let key: NoteVerifierKey

    public init(directory: String, key: NoteVerifierKey) {
        self.directory = URL(fileURLWithPath: directory)
        self.key = key
    }

    /// Thrown inside to stop reading one file; recorded as a problem.
    struct Stop: Error { let problem: Problem }

    struct Carried {
        let seq: Int64
        let statement: Statement
        let stream: String
        var values: [String: JSONValue]
    }

    /// A key registry built from the key statements the bundle carries.
    final class Registry: LedgerStateReading {
        var keys: [String: KeyRecord] = [:]
        var expect: Int64 = 0
        func keyRecord(_ keyID: String) throws -> KeyRecord? { keys[keyID] }
        /// A bundle holds only some entries of a stream, so `expect` cannot be checked: it is taken as given.
        func streamVersion(_ stream: String) throws -> Int64 { expect }
    }

    /// Collects problems apart from the report, which the checks update at the same time.
    final class Sink {
        var problems: [Problem] = []
        func add(_ place: String, _ message: String) {
            if problems.count < ExportVerifier.maxProblems { problems.append(Problem(place: place, message: message)) }
        }
    }

    public func verify() -> Report {
        let started = Date()
        var report = Report()
        let sink = Sink()
        do {
            try run(&report, sink.add)
        } catch let stop as Stop {
            sink.add(stop.problem.place, stop.problem.message)
        } catch let error as BlotterError {
            sink.add("bundle", error.message)
        } catch {
            sink.add("bundle", "\(error)")
        }
        report.problems = sink.problems
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    func read(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
            throw Stop(problem: Problem(place: name, message: "missing"))
        }
        return [UInt8](data)
    }

    func json(_ name: String) throws -> JSONValue {
        do { return try JSONParser.parse(try read(name)) } catch let e as BlotterError { throw Stop(problem: Problem(place: name, message: e.message)) }
    }

    func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var out = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if out.last?.isEmpty == true { out.removeLast() }
        return out
    }

    func run(_ report: inout Report, _ problem: (String, String) -> Void) throws {
        // 1. The manifest and every file's digest.
        let manifest = try json("manifest.json")
        guard manifest["format"]?.stringValue == DisclosureExport.format else {
            throw Stop(problem: Problem(place: "manifest.json", message: "format is not \(DisclosureExport.format)"))
        }
        let listed = manifest["files"]?.objectValue ?? []
        let listedNames = Set(listed.map(\.0))
        for (name, digest) in listed {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                problem(name, "listed in the manifest but missing"); continue
            }
            let actual = Hex.encode(SHA256.hash(data))
            if actual != digest.stringValue { problem(name, "SHA-256 is \(actual), the manifest says \(digest.stringValue ?? "?")") }
        }
        for name in try DisclosureExport.files(in: directory) where !listedNames.contains(name) && name != "manifest.json" && name != "publication.json" {
            problem(name, "not listed in the manifest")
        }
        let policyDigest = Hex.encode(SHA256.hash(try read("policy.json")))
        if policyDigest != manifest["policy_sha256"]?.stringValue { problem("policy.json", "SHA-256 \(policyDigest) is not the manifest's policy_sha256") }

        // 2. The checkpoint.
        let checkpoint: Checkpoint
        do {
            let note = try SignedNote(parsing: String(decoding: try read("checkpoint"), as: UTF8.self))
            checkpoint = try note.openCheckpoint(keys: [key]).checkpoint
        } catch let e as BlotterError {
            throw Stop(problem: Problem(place: "checkpoint", message: e.message))
        }
        report.checkpointSize = checkpoint.size
        if manifest["checkpoint"]?["size"]?.integerValue != checkpoint.size || manifest["checkpoint"]?["root"]?.stringValue != checkpoint.root.base64 {
            problem("manifest.json", "checkpoint size/root differ from the checkpoint file")
        }

        // 3. Entries: inclusion, canonical form, disclosures, keys, roles, signatures.
        let carried = try entries(lines(try read("proofs/entries.jsonl")), place: "proofs/entries.jsonl", checkpoint: checkpoint,
                                  origin: checkpoint.origin, problem)
        report.entries = carried.count

        // 4. Records.
        let dictionary = try json("dictionary.json")
        let counts = Dictionary((manifest["datasets"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0["records"]?.integerValue ?? -1) },
                                uniquingKeysWith: { a, _ in a })
        for d in dictionary["datasets"]?.arrayValue ?? [] {
            try dataset(d, carried: carried, expected: counts[d["name"]?.stringValue ?? ""], &report, problem)
        }

        // 5. The publication receipt, if present.
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("publication.json").path) {
            try publication(manifest: manifest, bundleCheckpoint: checkpoint, &report, problem)
        }
    }

    /// Checks the lines of an entries file (or of publication.json's entries) against `checkpoint`;
    /// returns the entries that passed, by seq.
    func entries(_ lines: [ArraySlice<UInt8>], place name: String, checkpoint: Checkpoint, origin: String,
                 _ problem: (String, String) -> Void) throws -> [Int64: Carried] {
        var parsed: [Parsed] = []
        for (i, line) in lines.enumerated() {
            let place = "\(name) line \(i + 1)"
            do {
                if let p = try parseEntry(line, place: place, checkpoint: checkpoint, origin: origin, problem) { parsed.append(p) }
            } catch let e as BlotterError {
                problem(place, e.message)
            }
        }
        parsed.sort { $0.seq < $1.seq }
        let registry = Registry()
        var identity: LedgerIdentity? = nil
        var out: [Int64: Carried] = [:]
        var signatures: [(index: Int, key: PublicKey)] = []
        for (i, p) in parsed.enumerated() {
            registry.expect = p.statement.expect ?? 0
            do {
                let (signer, change) = try LedgerRules.check(p.statement, disclosures: p.disclosures, seq: p.seq, identity: identity, state: registry)
                switch change {
                case let .genesis(id, admin):
                    guard id.operatorKey == key else {
                        problem(p.place, "the ledger's operator key is \(id.operatorKey), not the key given"); continue
                    }
                    identity = id
                    registry.keys[admin.keyID] = admin
                case let .registerKey(record): registry.keys[record.keyID] = record
                case let .revokeKey(keyID): registry.keys[keyID]?.revokedSeq = p.seq
                case .none: break
                }
                signatures.append((i, signer.publicKey))
            } catch let e as BlotterError {
                problem(p.place, e.message)
            }
        }
        let valid = parallelMap(signatures.count) { j in parsed[signatures[j].index].statement.hasValidSignature(from: signatures[j].key) }
        for (j, ok) in valid.enumerated() {
            let p = parsed[signatures[j].index]
            guard ok else { problem(p.place, "the signature of \(p.statement.actor) does not verify"); continue }
            out[p.seq] = Carried(seq: p.seq, statement: p.statement, stream: p.stream, values: p.disclosures.mapValues(\.value))
        }
        return out
    }

    struct Parsed {
        let seq: Int64
        let statement: Statement
        let stream: String
        let disclosures: [String: Disclosure]
        let place: String
    }

    /// One line of an entries file: checked against the checkpoint, parsed, its disclosures checked.
    func parseEntry(_ line: ArraySlice<UInt8>, place: String, checkpoint: Checkpoint, origin: String,
                    _ problem: (String, String) -> Void) throws -> Parsed? {
        let item = try JSONParser.parse(Array(line))
        guard let seq = item["seq"]?.integerValue, let b64 = item["entry"]?.stringValue, let bytes = Base64.standardDecode(b64) else {
            problem(place, "needs seq and entry (base64 of the entry bytes)")
            return nil
        }
        let at = "\(place) (entry \(seq))"
        let proof = (item["proof"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(TreeHash.init(base64:)) }
        do {
            try MerkleTree.verifyInclusion(index: seq, size: checkpoint.size, leaf: TreeHash.leaf(bytes), proof: proof, root: checkpoint.root)
        } catch {
            problem(at, "inclusion proof does not lead to the checkpoint's root: \(error.message)")
            return nil
        }
        let entry = try Entry.parse(stored: bytes).entry
        guard entry.seq == seq else {
            problem(at, "the entry bytes say seq \(entry.seq)")
            return nil
        }
        guard entry.statement.log == origin else {
            problem(at, "statement is for log \(entry.statement.log), not \(origin)")
            return nil
        }
        var disclosures: [String: Disclosure] = [:]
        for (field, d) in item["disclosures"]?.objectValue ?? [] {
            guard let text = d.stringValue, let committed = entry.statement.fields[field] else {
                problem(at, "disclosure of \(field), which the statement does not commit")
                continue
            }
            do {
                try Disclosure.check(text, field: field, committed: committed)
                disclosures[field] = try Disclosure(encoded: text)
            } catch {
                problem("\(at) field \(field)", error.message)
            }
        }
        return Parsed(seq: seq, statement: entry.statement, stream: entry.statement.stream, disclosures: disclosures, place: at)
    }

    func dataset(_ d: JSONValue, carried: [Int64: Carried], expected: Int64?, _ report: inout Report, _ problem: (String, String) -> Void) throws {
        let name = d["name"]?.stringValue ?? ""
        let from = d["from"]?.stringValue ?? ""
        let columns = d["columns"]?.arrayValue ?? []
        let csvName = "data/\(name).csv", jsonlName = "data/\(name).jsonl", proofsName = "proofs/\(name).jsonl"
        var csv = try SourceReader(path: directory.appendingPathComponent(csvName).path, format: .csv)
        defer { csv.close() }
        let header = columns.compactMap { $0["name"]?.stringValue }
        if csv.header != header { problem(csvName, "header is \(csv.header.joined(separator: ",")), the dictionary says \(header.joined(separator: ","))") }
        let jsonl = lines(try read(jsonlName))
        let proofs = lines(try read(proofsName))
        if jsonl.count != proofs.count { problem(jsonlName, "\(jsonl.count) records, but \(proofsName) has \(proofs.count)") }
        if let expected, expected != Int64(proofs.count) { problem(proofsName, "\(proofs.count) records, the manifest says \(expected)") }
        var row = 0
        while let record = try csv.next() {
            row += 1
            let place = "\(csvName) row \(row)"
            guard row <= proofs.count else { problem(place, "no proof for this record in \(proofsName) (it has \(proofs.count))"); continue }
            guard let proof = try? JSONParser.parse(Array(proofs[row - 1])), let seq = proof["entry"]?.integerValue else {
                problem("\(proofsName) line \(row)", "not a proof record"); continue
            }
            let json = row <= jsonl.count ? try? JSONParser.parse(Array(jsonl[row - 1])) : nil
            if json == nil { problem("\(jsonlName) line \(row)", "missing or not JSON") }
            report.records += 1
            guard record.raw.first == String(seq) else {
                problem(place, "is entry \(record.raw.first ?? "?"), but its proof is for entry \(seq)"); continue
            }
            if let json, json["entry"]?.integerValue != seq { problem("\(jsonlName) line \(row)", "is entry \(json["entry"].map(DisclosureExport.cellText) ?? "?"), its proof is for entry \(seq)") }
            guard let base = carried[seq] else { problem(place, "entry \(seq) is not in proofs/entries.jsonl (or failed its checks)"); continue }
            if base.statement.type != from { problem(place, "entry \(seq) is a \(base.statement.type), the dataset holds \(from)") }
            for (k, column) in columns.enumerated().dropFirst() {
                let cname = column["name"]?.stringValue ?? ""
                let cplace = "\(place) (entry \(seq)) column \(cname)"
                let cell = k < record.raw.count ? record.raw[k] : ""
                let jvalue = json?[cname] ?? .null
                let source = proof["values"]?[cname] ?? .null
                if source == .null {
                    if !cell.isEmpty || jvalue != .null { problem(cplace, "a value is published with no source in \(proofsName)") }
                    continue
                }
                let derivation = source["as"]?.stringValue ?? ""
                let treatment = [column] + (column["otherwise"].map { [$0] } ?? [])
                guard let t = treatment.first(where: { $0["as"]?.stringValue == derivation }) else {
                    problem(cplace, "derived \"\(derivation)\", which the dictionary does not allow for this column"); continue
                }
                if DisclosureExport.cellText(jvalue) != cell { problem(cplace, "CSV has \"\(cell)\", JSON Lines has \(DisclosureExport.cellText(jvalue))") }
                guard source["proof"] == .bool(true) else {
                    if t["proof"]?.stringValue != "none" { problem(cplace, "published without proof, but the dictionary says it is proved") }
                    report.unprovedValues += 1
                    continue
                }
                guard let from = source["entry"]?.integerValue, let field = source["field"]?.stringValue, let entry = carried[from] else {
                    problem(cplace, "its source entry is not in proofs/entries.jsonl"); continue
                }
                guard (t["from"]?.arrayValue ?? []).contains(.string(entry.statement.type)), field == t["field"]?.stringValue else {
                    problem(cplace, "comes from \(entry.statement.type).\(field) (entry \(from)), which the dictionary does not name"); continue
                }
                if entry.statement.stream != base.statement.stream && entry.statement.type != "complaint.received" {
                    problem(cplace, "comes from entry \(from) in stream \(entry.statement.stream), not the record's \(base.statement.stream)"); continue
                }
                guard let value = entry.values[field] else { problem(cplace, "entry \(from) carries no disclosure of \(field)"); continue }
                let expected = Self.derive(t, value)
                if expected != jvalue || DisclosureExport.cellText(expected) != cell {
                    problem(cplace, "published \"\(cell)\", but the disclosure of \(field) in entry \(from) gives \"\(DisclosureExport.cellText(expected))\"")
                } else {
                    report.provedValues += 1
                }
            }
        }
        if row < proofs.count { problem(csvName, "\(row) records, but \(proofsName) has \(proofs.count)") }
    }

    /// The published form of a disclosed value under a dictionary column's treatment.
    static func derive(_ t: JSONValue, _ value: JSONValue) -> JSONValue? {
        guard let derivation = DisclosurePolicy.Derivation(rawValue: t["as"]?.stringValue ?? "") else { return nil }
        var map: [String: String] = [:]
        for (k, v) in t["map"]?.objectValue ?? [] { map[k] = v.stringValue }
        return DisclosureExport.derive(derivation, value, ranges: (t["ranges"]?.arrayValue ?? []).compactMap(\.integerValue), map: map,
                                       mapDefault: t["default"]?.stringValue, secret: nil)
    }

    /// publication.json: the disclosure.published entry that records this bundle, proved to a later
    /// checkpoint that is consistent with the bundle's.
    func publication(manifest: JSONValue, bundleCheckpoint: Checkpoint, _ report: inout Report, _ problem: (String, String) -> Void) throws {
        let place = "publication.json"
        let p = try json(place)
        let checkpoint: Checkpoint
        do {
            checkpoint = try SignedNote(parsing: p["checkpoint"]?.stringValue ?? "").openCheckpoint(keys: [key]).checkpoint
            let proof = (p["consistency"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(TreeHash.init(base64:)) }
            try MerkleTree.verifyConsistency(oldSize: bundleCheckpoint.size, newSize: checkpoint.size, proof: proof,
                                             oldRoot: bundleCheckpoint.root, newRoot: checkpoint.root)
        } catch {
            problem(place, "checkpoint: \(error.message)")
            return
        }
        let lines = (p["entries"]?.arrayValue ?? []).map { ArraySlice((try? CanonicalJSON.encode($0)) ?? []) }
        let carried = try entries(lines, place: "\(place) entries", checkpoint: checkpoint, origin: checkpoint.origin, problem)
        guard let seq = p["entry"]?.integerValue, let entry = carried[seq], entry.statement.type == "disclosure.published" else {
            problem(place, "does not carry a verified disclosure.published entry"); return
        }
        let manifestDigest = Hex.encode(SHA256.hash(try read("manifest.json")))
        if entry.values["manifest_sha256"]?.stringValue != manifestDigest {
            problem(place, "entry \(seq) records manifest \(entry.values["manifest_sha256"]?.stringValue ?? "?"), manifest.json has SHA-256 \(manifestDigest)")
        }
        if entry.values["policy_sha256"]?.stringValue != manifest["policy_sha256"]?.stringValue { problem(place, "entry \(seq) records another policy") }
        if entry.values["checkpoint_size"]?.integerValue != bundleCheckpoint.size { problem(place, "entry \(seq) records another checkpoint size") }
        report.publication = seq
    }
}

