// Micro-benchmarks of the paths every entry takes, on the real entries of a Precinct 120 demo ledger
// built at start: parse a stored entry, check a statement as append does before its lock, validate
// its fields against the event's schema, apply it to the projections; and, measured in the same
// run, what OpenSSL alone takes for the Ed25519 verification and SHA-256 hashes inside them (the
// floor). Each iteration handles one entry (scaling factor kilo: 1,000 entries per measured
// iteration, figures per entry); malloc counts come from the package's malloc interposer.

import Benchmark
import Blotter
import BlotterDemo
import Foundation

/// Real entries of a demo ledger, decoded once, and what the benchmarks need beside them.
struct Fixture: @unchecked Sendable {
    struct Item {
        let stored: StoredEntry
        let entry: Entry
        let submission: Submission
        let values: [String: JSONValue]
        let event: LedgerEvent
    }
    let items: [Item]
    /// The domain's statements (not ledger.created, key.*): those the catalog validates.
    let domain: [Item]
    /// The signers' keys as the registry holds them.
    let records: [String: KeyRecord]
    var keys: [String: PublicKey] { records.mapValues(\.publicKey) }
    let identity: LedgerIdentity
    let catalog: EventCatalog
    let directory: String

    /// Builds a demo ledger of about `events` statements in a new temporary directory.
    static func make(events: Int) throws -> Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blotter-micro-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/demo.ledger"
        var demo = Precinct120(events: events)
        _ = try demo.build(path: path, keysDirectory: directory + "/keys")
        let ledger = try Ledger.open(path: path)
        defer { try? ledger.close() }
        guard let identity = try ledger.identity() else { fatalError("the demo ledger has no genesis") }
        let count = try ledger.count()
        let stored = try ledger.store.read { try $0.entries(from: 1, limit: Int(count)) }
        var items: [Item] = []
        for s in stored {
            let entry = try Entry(bytes: s.bytes)
            let disclosures = try s.disclosures.values.map { try Disclosure(encoded: $0) }
            var values: [String: JSONValue] = [:]
            for d in disclosures { values[d.name] = d.value }
            let st = entry.statement
            let event = LedgerEvent(seq: entry.seq, type: st.type, stream: st.stream, actor: st.actor, at: st.at, recorded: entry.recorded,
                                    values: values)
            items.append(Item(stored: s, entry: entry, submission: Submission(statement: st, disclosures: disclosures), values: values,
                              event: event))
        }
        let keyIDs = Array(Set(items.map(\.entry.statement.key)))
        let records = try ledger.store.read { try $0.keyRecords(keyIDs) }
        return Fixture(items: items, domain: items.filter { !EventCatalog.coreTypes.contains($0.entry.statement.type) },
                       records: records, identity: identity, catalog: try EventCatalog.bundled(), directory: directory)
    }
}

/// The ledger state LedgerRules.check reads, from the fixture's key registry; every stream at
/// version 0 is not what the demo had, so statements are checked without `expect`.
struct KnownKeys: LedgerStateReading {
    let records: [String: KeyRecord]
    func keyRecord(_ keyID: String) throws -> KeyRecord? { records[keyID] }
    func streamVersion(_ stream: String) throws -> Int64 { 0 }
}

let benchmarks: @Sendable () -> Void = {
    let fixture: Fixture
    do { fixture = try Fixture.make(events: 3_000) } catch { fatalError("cannot build the demo ledger: \(error)") }
    let items = fixture.items
    let domain = fixture.domain
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    // MARK: the floor: OpenSSL alone

    Benchmark("openssl: Ed25519 verify of a statement's signing input") { benchmark in
        let verifiers = fixture.keys.mapValues { SignatureVerifier($0) }
        let work = items.map { (verifiers[$0.entry.statement.key]!, $0.entry.statement.signatureBytes!, try! $0.entry.statement.signingInput()) }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let (verifier, signature, input) = work[i % work.count]
            blackHole(verifier.isValid(signature, for: input))
        }
    }
    Benchmark("openssl: SHA-256 of an entry and of each of its disclosures") { benchmark in
        let work = items.map { [$0.stored.bytes] + $0.stored.disclosures.values.map { Array($0.utf8) } }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            for bytes in work[i % work.count] { blackHole(SHA256.hash(bytes)) }
        }
    }

    // MARK: Blotter's hot paths

    // What verify does first with each entry it reads: the entry's JCS bytes to a statement (with the
    // statement's signing input), and each disclosure string to its name, salt and value.
    Benchmark("parse a stored entry and its disclosures") { benchmark in
        for i in benchmark.scaledIterations {
            let stored = items[i % items.count].stored
            blackHole(try Entry.parse(stored: stored.bytes))
            for encoded in stored.disclosures.values { blackHole(try Disclosure(encoded: encoded)) }
        }
    }

    // Append's checks of one submission: disclosures against their digests, the signing input and the
    // stored bytes, the Ed25519 signature, and the ledger's rules (key, role, origin) against state;
    // on the domain's statements (a key.registered of the demo would find its key registered).
    Benchmark("check a statement (disclosures, signature, ledger rules)") { benchmark in
        let verifiers = fixture.keys.mapValues { SignatureVerifier($0) }
        let state = KnownKeys(records: fixture.records)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let item = domain[i % domain.count]
            let s = item.submission
            let disclosures = try s.checkDisclosures()
            let input = try s.statement.signingInput()
            blackHole(try CanonicalJSON.encode(s.statement.json()))
            guard let signature = s.statement.signatureBytes, verifiers[s.statement.key]!.isValid(signature, for: input) else {
                fatalError("entry \(item.entry.seq): the signature does not verify")
            }
            var unchecked = s.statement
            unchecked.expect = nil
            blackHole(try LedgerRules.check(unchecked, disclosures: disclosures, seq: item.entry.seq + 1_000_000, identity: fixture.identity,
                                            state: state))
        }
    }

    // The domain's check of a statement's disclosed values against its type's JSON Schema.
    Benchmark("validate a statement against its schema") { benchmark in
        for i in benchmark.scaledIterations {
            let item = domain[i % domain.count]
            try fixture.catalog.validate(item.entry.statement, values: item.values)
        }
    }

    // The projections an entry builds (complaints, cases, timelines, officer histories, use of force,
    // recordings), written to a ledger file whose tables start empty: each measured iteration applies
    // the demo's first 1,000 entries in order inside one transaction and rolls it back.
    Benchmark("apply an entry to the projections (SQLite, one transaction)") { benchmark in
        let path = fixture.directory + "/projections.ledger"
        for file in SQLiteStore.files(of: path) { try? FileManager.default.removeItem(atPath: file) }
        let store = try SQLiteStore.create(path: path)
        defer { try? store.close() }
        try store.write { try Projector.install($0) }
        let events = items.prefix(benchmark.scaledIterations.count).map(\.event)
        precondition(events.count == benchmark.scaledIterations.count, "the demo ledger has fewer than \(benchmark.scaledIterations.count) entries")
        // A dry run: the store's own rehearsal, which rolls its transaction back.
        benchmark.startMeasurement()
        try store.rehearse { rehearsal in
            try rehearsal.write { writer in
                for e in events { try Projector.apply(e, writer) }
                benchmark.stopMeasurement()
            }
        }
    }
}
