import Blotter
import BlotterCrypto
import Foundation
import Testing

@Suite("Crashes and concurrent writers", .serialized)
struct CrashAndConcurrencyTests {
    /// A closed ledger with one registered key per actor, and a JSON Lines file of `count` signed
    /// statements per actor.
    static func prepare(actors: [String], count: Int, in dir: TemporaryDirectory, store: StoreKind = .sqlite) throws -> (ledger: String, feeds: [String]) {
        let t = try TestLedger(store: store)
        var feeds: [String] = []
        for actor in actors {
            try t.register(actor, roles: ["evidence-system"])
            var lines: [String] = []
            for i in 0..<count {
                let s = try t.statement(actor, type: "bodycam.evidence.accessed", stream: "bodycam/\(actor)/\(i % 50)",
                                        fields: [("action", .string("viewed")), ("by", .string("ia/rivera")), ("n", .integer(Int64(i)))])
                lines.append(String(decoding: try CanonicalJSON.encode(s.json()), as: UTF8.self))
            }
            let feed = dir.path("\(actor.replacingOccurrences(of: "/", with: "-")).jsonl")
            try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: feed))
            feeds.append(feed)
        }
        try t.ledger.close()
        guard store == .sqlite else { return (t.path, feeds) }
        let path = dir.path("ledger")
        try FileManager.default.copyItem(atPath: t.path, toPath: path)
        return (path, feeds)
    }

    /// Starts `blotter submit --json` with its output going to a file.
    static func startSubmit(ledger: String, feed: String, batch: Int, output: String) throws -> Process {
        FileManager.default.createFile(atPath: output, contents: nil)
        FileManager.default.createFile(atPath: output + ".err", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: blotterExecutable)
        p.arguments = ["submit", "--json", "--batch", String(batch), "--ledger", ledger, feed]
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output + ".err"))
        try p.run()
        return p
    }

    /// Acknowledgements printed before the process ended: (seq, entry hash).
    static func acknowledged(_ output: String) throws -> [(Int64, String)] {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: output)), as: UTF8.self)
        return try text.split(separator: "\n").map { line in
            let v = try JSONParser.parse(String(line))
            return (v["seq"]!.integerValue!, v["hash"]!.stringValue!)
        }
    }

    @Test("SIGKILL during a long run of appends, many times: the ledger verifies and holds every acknowledged append", arguments: StoreKind.allCases)
    func sigkill(_ store: StoreKind) throws {
        let dir = TemporaryDirectory()
        // More than 8 short runs can append, so that every run is cut off part-way (1,500 was once all
        // appended within the 8 runs once single appends got faster).
        let total = 6000
        let (ledger, feeds) = try Self.prepare(actors: ["cam/feed"], count: total, in: dir, store: store)
        var allAcknowledged: [Int64: String] = [:]
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for round in 0..<8 {
            let output = dir.path("out-\(round)")
            let p = try Self.startSubmit(ledger: ledger, feed: feeds[0], batch: round % 2 == 0 ? 1 : 7, output: output)
            if round % 2 == 1 {
                // Every other round is killed only once it has acknowledged something (a loaded machine can
                // take longer than the random wait to start a writer), then at a random moment.
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, p.isRunning,
                      (try? Data(contentsOf: URL(fileURLWithPath: output)))?.contains(UInt8(ascii: "\n")) != true { usleep(10_000) }
            }
            usleep(UInt32.random(in: 150_000...600_000, using: &generator))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal { killedMidRun += 1 }
            for (seq, hash) in try Self.acknowledged(output) { allAcknowledged[seq] = hash }
            let opened = try openLedger(ledger)
            let report = try LedgerVerifier(store: opened.store).verify()
            for (seq, hash) in allAcknowledged {
                #expect(Entry.hash(try opened.entry(seq).bytes) == hash, "acknowledged entry \(seq) lost or changed")
            }
            #expect(report.entries >= Int64(allAcknowledged.count))
            try opened.close()
        }
        #expect(killedMidRun >= 4, "only \(killedMidRun) of 8 runs were killed before they finished")
        #expect(!allAcknowledged.isEmpty && allAcknowledged.count < total)
        // Running the same feed to the end completes it without duplicates.
        let finish = try blotter(["submit", "--json", "--batch", "100", "--ledger", ledger, feeds[0]])
        #expect(finish.status == 0, "\(finish.stderr)")
        let final = try openLedger(ledger)
        defer { try? final.close() }
        #expect(try final.count() == Int64(2 + total))
        #expect(try LedgerVerifier(store: final.store).verify().entries == Int64(2 + total))
        #expect(try pythonVerifier(ledger).status == 0)
    }

    @Test("two processes appending to one ledger at once: no fork, no gap, nothing lost", arguments: StoreKind.allCases)
    func twoWriters(_ store: StoreKind) throws {
        let dir = TemporaryDirectory()
        // Enough statements that each writer is still appending when the other starts, also on a loaded
        // machine (with four hundred each, one writer once finished before the other began, under the full suite).
        let perWriter = 1000
        let (ledger, feeds) = try Self.prepare(actors: ["cam/a", "cam/b"], count: perWriter, in: dir, store: store)
        let outputs = [dir.path("a.out"), dir.path("b.out")]
        let processes = try (0..<2).map { try Self.startSubmit(ledger: ledger, feed: feeds[$0], batch: 5, output: outputs[$0]) }
        for p in processes { p.waitUntilExit() }
        // Both writers' first runs, before any retry.
        let aSeqs = try Self.acknowledged(outputs[0]).map(\.0)
        let bSeqs = try Self.acknowledged(outputs[1]).map(\.0)
        var retried: [(Int64, String)] = []
        for (i, p) in processes.enumerated() where p.terminationStatus != 0 {
            // The only acceptable failure is a clear "busy, retry"; retrying then completes the feed, and
            // acknowledges every statement of it again (those already in as their existing entries).
            let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputs[i] + ".err")), as: UTF8.self)
            #expect(p.terminationStatus == 3 && err.contains("busy"), "\(err)")
            let retry = dir.path("retry-\(i).out")
            let r = try blotter(["submit", "--json", "--ledger", ledger, feeds[i]])
            #expect(r.status == 0, "\(r.stderr)")
            try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: retry))
            let again = try Self.acknowledged(retry)
            #expect(again.count == perWriter, "the retry acknowledged \(again.count) of \(perWriter) statements")
            retried += again
        }
        let opened = try openLedger(ledger)
        defer { try? opened.close() }
        #expect(try opened.count() == 3 + 2 * Int64(perWriter))
        #expect(try LedgerVerifier(store: opened.store).verify().entries == 3 + 2 * Int64(perWriter))
        let acks = try outputs.flatMap { try Self.acknowledged($0) }
        #expect(Set(acks.map(\.0)).count == acks.count, "two statements acknowledged with the same seq")
        for (seq, hash) in acks + retried { #expect(Entry.hash(try opened.entry(seq).bytes) == hash, "acknowledged entry \(seq)") }
        // Every entry after the set-up was acknowledged to one writer or the other.
        #expect(Set((acks + retried).map(\.0)) == Set(3..<(3 + 2 * Int64(perWriter))), "not every entry was acknowledged")
        // Both processes were interleaved, not run one after the other: each acknowledged something in its
        // first run, and each has entries both before and after some of the other's.
        #expect(!aSeqs.isEmpty && !bSeqs.isEmpty, "a writer acknowledged nothing before the retry; the test did not exercise concurrency")
        if let aMax = aSeqs.max(), let bMin = bSeqs.min(), let bMax = bSeqs.max(), let aMin = aSeqs.min() {
            #expect(aMax > bMin && bMax > aMin, "writers did not overlap; the test did not exercise concurrency")
        }
    }

    @Test("four processes appending to one ledger for 20 s: every acknowledged append present, seq gap-free, one chain, both verifiers pass",
          arguments: StoreKind.allCases)
    func fourWriters(_ store: StoreKind) throws {
        let dir = TemporaryDirectory()
        let actors = ["cam/a", "cam/b", "cam/c", "cam/d"]
        let (ledger, feeds) = try Self.prepare(actors: actors, count: 12_000, in: dir, store: store)
        let outputs = actors.indices.map { dir.path("\($0).out") }
        let started = Date()
        let processes = try actors.indices.map { try Self.startSubmit(ledger: ledger, feed: feeds[$0], batch: 10, output: outputs[$0]) }
        // Twenty seconds of four writers, then each is killed wherever it is (a process that finished its feed is left alone).
        while Date().timeIntervalSince(started) < 20, processes.contains(where: \.isRunning) { usleep(100_000) }
        let ranFor = Date().timeIntervalSince(started)
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in processes { p.waitUntilExit() }
        for (i, p) in processes.enumerated() where p.terminationReason == .exit {
            let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputs[i] + ".err")), as: UTF8.self)
            #expect(p.terminationStatus == 0 || (p.terminationStatus == 3 && err.contains("busy")), "writer \(i): \(err)")
        }
        let opened = try openLedger(ledger)
        defer { try? opened.close() }
        let acks = try outputs.flatMap { try Self.acknowledged($0) }
        #expect(acks.count > 1000, "only \(acks.count) appends acknowledged in \(Int(ranFor)) s")
        #expect(Set(acks.map(\.0)).count == acks.count, "two statements acknowledged with the same seq")
        for (seq, hash) in acks { #expect(Entry.hash(try opened.entry(seq).bytes) == hash, "acknowledged entry \(seq) lost or changed") }
        // Gap-free and one chain: the verifier checks seq n follows n-1 and every prev link.
        let report = try LedgerVerifier(store: opened.store).verify()
        #expect(report.entries == (try opened.count()) && report.entries >= Int64(acks.count) + 5)
        let python = try pythonVerifier(ledger)
        #expect(python.status == 0, "\(python.stdout) \(python.stderr)")
        // The writers overlapped.
        let perWriter = try outputs.map { try Self.acknowledged($0).map(\.0) }
        let nonEmpty = perWriter.filter { !$0.isEmpty }
        #expect(nonEmpty.count >= 2, "fewer than two writers acknowledged anything")
        // Some two writers each have entries before and after the other's.
        let overlapping = nonEmpty.indices.contains { i in
            nonEmpty.indices.contains { j in i != j && nonEmpty[i].max()! > nonEmpty[j].min()! && nonEmpty[j].max()! > nonEmpty[i].min()! }
        }
        #expect(overlapping, "no two writers overlapped; the test did not exercise concurrency")
    }
}
