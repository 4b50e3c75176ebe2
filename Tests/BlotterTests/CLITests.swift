import Blotter
import BlotterCrypto
import Foundation
import GRDB
import Testing

@Suite("The blotter command line")
struct CLITests {
    @Test("a ledger named by one letter in the current directory opens (Foundation's path helper crashed on it)")
    func oneLetterLedgerName() throws {
        let dir = TemporaryDirectory()
        let created = try blotter(["init", "--ledger", "l", "--origin", "ia.precinct120.example/ledger", "--admin", "ia/admin"], cwd: dir.url.path)
        #expect(created.status == 0, "\(created.stderr)")
        let verified = try blotter(["verify", "--ledger", "l"], cwd: dir.url.path)
        #expect(verified.status == 0 && verified.stderr.isEmpty, "\(verified.stderr)")
    }

    @Test("the README walk-through: init, register a key, append, inspect, verify")
    func walkThrough() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        let created = try blotter(["init", "--origin", "ia.precinct120.example/ledger", "--admin", "ia/admin", "--no-catalog"], cwd: cwd)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path("admin.key.pem")))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path("admin.key.pem"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try blotter(["keys", "generate", "--alg", "p256", "--out", "rivera.pem"], cwd: cwd).status == 0)
        let reg = try blotter(["keys", "register", "--key", "admin.key.pem", "--subject", "ia/rivera", "--role", "intake", "--role", "investigator", "rivera.pub.pem"], cwd: cwd)
        #expect(reg.status == 0 && reg.stdout.contains("in entry 1"), "\(reg.stderr)")
        try Data("{\"channel\": \"phone\", \"narrative\": \"Officer was rude\", \"officers\": [\"T-1234\"]}".utf8).write(to: dir.url.appendingPathComponent("c.json"))
        let appended = try blotter(["append", "--json", "--key", "rivera.pem", "--type", "complaint.received", "--stream", "complaint/C-1",
                                    "--expect", "0", "--field", "received_at=2026-11-20T10:00:00Z", "c.json"], cwd: cwd)
        #expect(appended.status == 0, "\(appended.stderr)")
        let receipt = try JSONParser.parse(appended.stdout)
        #expect(receipt["seq"] == .integer(2))

        let shown = try JSONParser.parse(try blotter(["entry", "--json", "2"], cwd: cwd).stdout)
        #expect(shown["fields"]?["narrative"] == .string("Officer was rude"))
        #expect(shown["fields"]?["received_at"] == .string("2026-11-20T10:00:00Z"))
        #expect(shown["entry"]?["statement"]?["actor"] == .string("ia/rivera"))
        #expect(shown["hash"] == receipt["hash"])

        let raw = try blotter(["entry", "--raw", "2"], cwd: cwd).stdout
        #expect(Entry.hash(Array(raw.utf8)) == receipt["hash"]?.stringValue)

        let log = try blotter(["log", "--json"], cwd: cwd).stdout.split(separator: "\n")
        #expect(log.count == 3)
        #expect(try JSONParser.parse(String(log[2]))["type"] == .string("complaint.received"))

        let verified = try blotter(["verify"], cwd: cwd)
        #expect(verified.status == 0 && verified.stdout.hasPrefix("ok: 3 entries"), "\(verified.stdout)")
        #expect(try pythonVerifier(dir.path("blotter.ledger")).status == 0)

        let keys = try blotter(["keys", "list", "--json"], cwd: cwd).stdout.split(separator: "\n")
        #expect(keys.count == 2)
    }

    /// A bare ledger in `dir` with the key k.pem of cam/feed registered, and three recordings signed by
    /// it (not appended), one submission per line.
    func signedRecordings(_ dir: TemporaryDirectory) throws -> [String] {
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/l", "--admin", "ia/admin", "--no-catalog"], cwd: cwd)
        try blotter(["keys", "generate", "--out", "k.pem"], cwd: cwd)
        try blotter(["keys", "register", "--key", "admin.key.pem", "--subject", "cam/feed", "--role", "evidence-system", "k.pub.pem"], cwd: cwd)
        return try (0..<3).map { i in
            let signed = try blotter(["sign", "--key", "k.pem", "--type", "bodycam.recording.captured", "--stream", "bodycam/D-\(i)",
                                      "--field", "device=D-\(i)", "--field", "duration_s=\(60 + i)"], cwd: cwd)
            #expect(signed.status == 0, "\(signed.stderr)")
            return signed.stdout.trimmingCharacters(in: .newlines)
        }
    }

    @Test("statements signed elsewhere are submitted, and a resubmission is reported, not appended")
    func signAndSubmit() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        let lines = try signedRecordings(dir)
        try Data((lines + [lines[0]]).joined(separator: "\n").utf8).write(to: dir.url.appendingPathComponent("feed.jsonl"))
        let submitted = try blotter(["submit", "--json", "--batch", "2", "feed.jsonl"], cwd: cwd)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let receipts = try submitted.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(receipts.map { $0["seq"] } == [.integer(2), .integer(3), .integer(4), .integer(2)])
        #expect(receipts[3]["duplicate"] == .bool(true))
        let again = try blotter(["submit", "feed.jsonl"], cwd: cwd)
        #expect(again.stdout.contains("already in the ledger as entry 4"))
        #expect(try blotter(["verify"], cwd: cwd).status == 0)
    }

    @Test("a statement the ledger refuses stops submit: the batches before it are committed and printed, its batch and every later one are not written", arguments: ["signature", "expect"])
    func refusalStopsSubmit(_ refusal: String) throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        var lines = try signedRecordings(dir)
        for i in 3..<9 {
            let expect = refusal == "expect" && i == 4 ? ["--expect", "7"] : []
            let signed = try blotter(["sign", "--key", "k.pem", "--type", "bodycam.recording.captured", "--stream", "bodycam/D-\(i)",
                                      "--field", "device=D-\(i)", "--field", "duration_s=\(60 + i)"] + expect, cwd: cwd)
            #expect(signed.status == 0, "\(signed.stderr)")
            lines.append(signed.stdout.trimmingCharacters(in: .newlines))
        }
        if refusal == "signature" {
            // Line 5's signature altered: refused before the write lock, while line 3-4's batch commits.
            var statement = try #require(try JSONParser.parse(lines[4]).objectValue)
            guard case var .object(members)? = statement.first(where: { $0.0 == "statement" })?.1 else { Issue.record("no statement"); return }
            let i = try #require(members.firstIndex { $0.0 == "sig" })
            guard case let .string(sig) = members[i].1 else { Issue.record("no sig"); return }
            members[i].1 = .string((sig.hasPrefix("A") ? "B" : "A") + sig.dropFirst())
            statement[statement.firstIndex { $0.0 == "statement" }!].1 = .object(members)
            lines[4] = String(decoding: try CanonicalJSON.encode(.object(statement)), as: UTF8.self)
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: dir.url.appendingPathComponent("feed.jsonl"))
        let result = try blotter(["submit", "--batch", "2", "feed.jsonl"], cwd: cwd)
        #expect(result.status != 0)
        #expect(result.stderr.contains("feed.jsonl line 5:"), "\(result.stderr)")
        #expect(result.stderr.contains(refusal == "signature" ? "signature does not verify" : "expected version 7"), "\(result.stderr)")
        // Lines 1-4 (two batches) were appended and printed; lines 5-9 not.
        #expect(result.stdout.split(separator: "\n").count == 4, "\(result.stdout)")
        #expect(try blotter(["verify"], cwd: cwd).stdout.hasPrefix("ok: 6 entries"))
        let log = try blotter(["log", "--json"], cwd: cwd).stdout
        for i in 0..<9 { #expect(log.contains("bodycam/D-\(i)\"") == (i < 4), "stream bodycam/D-\(i)") }
    }

    @Test("a JSON Lines batch with a malformed 4th line, or one missing a member, writes nothing, not its first three lines", arguments: ["{\"statement\": {", "{}"])
    func malformedLineRefusesTheBatch(_ bad: String) throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        let lines = try signedRecordings(dir)
        try Data((lines + [bad, lines[0]]).joined(separator: "\n").utf8).write(to: dir.url.appendingPathComponent("feed.jsonl"))
        let before = try Data(contentsOf: dir.url.appendingPathComponent("blotter.ledger"))
        for batch in ["1000", "2"] {
            let result = try blotter(["submit", "--batch", batch, "feed.jsonl"], cwd: cwd)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("feed.jsonl line 4:") && result.stderr.contains("nothing was appended"), "\(result.stderr)")
            #expect(result.stdout.isEmpty, "no receipt may be printed: \(result.stdout)")
            #expect(try Data(contentsOf: dir.url.appendingPathComponent("blotter.ledger")) == before)
            #expect(try blotter(["verify"], cwd: cwd).stdout.hasPrefix("ok: 2 entries"))
        }
        // Without the bad line the same feed goes in.
        try Data(lines.joined(separator: "\n").utf8).write(to: dir.url.appendingPathComponent("feed.jsonl"))
        #expect(try blotter(["submit", "feed.jsonl"], cwd: cwd).status == 0)
        #expect(try blotter(["verify"], cwd: cwd).stdout.hasPrefix("ok: 5 entries"))
    }

    @Test("output into a pipe whose reader has gone (blotter log | head -1) ends quietly with status 141, not a crash")
    func closedOutputEndsQuietly() throws {
        let dir = TemporaryDirectory()
        let ledger = dir.path("p.ledger")
        #expect(try blotter(["demo", "--ledger", ledger, "--events", "1500"]).status == 0)
        // More than a pipe holds (64 KiB), so the writer must meet the closed pipe whenever head exits.
        #expect(try blotter(["log", "--ledger", ledger, "--limit", "100000"]).stdout.utf8.count > 128 * 1024)
        let r = try run("/bin/bash", ["-c", "set -o pipefail; \"$0\" log --ledger \"$1\" --limit 100000 | head -1", blotterExecutable, ledger])
        #expect(r.stdout.split(separator: "\n").count == 1)
        #expect(r.status == 141, "status \(r.status): \(r.stderr.prefix(300))")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("crashed"), "\(r.stderr.prefix(300))")
    }

    @Test("opening a file that is not a ledger (another SQLite database, an empty file, text) refuses it and leaves it byte for byte as it was")
    func notALedgerIsNotTouched() throws {
        let dir = TemporaryDirectory()
        let other = dir.path("other.db")
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
        try Data().write(to: URL(fileURLWithPath: dir.path("empty.ledger")))
        try Data("not a database\n".utf8).write(to: URL(fileURLWithPath: dir.path("notes.txt")))
        for name in ["other.db", "empty.ledger", "notes.txt"] {
            let before = try Data(contentsOf: URL(fileURLWithPath: dir.path(name)))
            for args in [["verify"], ["case", "list"], ["log"]] {
                let r = try blotter(args + ["--ledger", dir.path(name)], cwd: dir.url.path)
                #expect(r.status == 4 && r.stderr.contains("is not a Blotter ledger"), "\(name) \(args): \(r.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path(name))) == before, "\(name) changed by \(args)")
                #expect(!FileManager.default.fileExists(atPath: dir.path(name) + "-wal"), "\(name) got a write-ahead log")
            }
        }
        #expect(try DatabaseQueue(path: other).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "delete")
    }

    @Test("a ledger copy on read-only media (directory 555, file 444, read by a user who cannot write it) verifies and shows its views, writing nothing; a write is refused saying why")
    func readOnlyCopy() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/l", "--admin", "ia/admin"], cwd: cwd)
        try blotter(["keys", "generate", "--out", "lee.pem"], cwd: cwd)
        try blotter(["keys", "register", "--key", "admin.key.pem", "--subject", "ia/lee", "--role", "intake", "lee.pem"], cwd: cwd)
        let received = try blotter(["complaint", "receive", "C-1", "--key", "lee.pem", "--channel", "phone", "--incident-at", "2026-11-01T22:15:00Z",
                                    "--officer", "P-1007", "--allegation", "Force/Chokehold"], cwd: cwd)
        #expect(received.status == 0, "\(received.stderr)")
        let media = dir.path("media")
        try FileManager.default.createDirectory(atPath: media, withIntermediateDirectories: false)
        let copy = media + "/copy.ledger"
        try FileManager.default.copyItem(atPath: dir.path("blotter.ledger"), toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: media)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: media) }
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        // Root may write anything: the commands run as a user who may not (nobody), as a committee's
        // would, with a copy of the command where that user can run it whatever the checkout's modes.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cwd)
        let command = dir.path("blotter")
        if getuid() == 0 {
            try FileManager.default.copyItem(atPath: blotterExecutable, toPath: command)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: command)
        }
        func reader(_ args: [String]) throws -> ProcessResult {
            getuid() == 0 ? try run("/usr/sbin/runuser", ["-u", "nobody", "--", command] + args + ["--ledger", copy], cwd: "/")
                          : try blotter(args + ["--ledger", copy], cwd: "/")
        }
        let verified = try reader(["verify"])
        #expect(verified.status == 0 && verified.stdout.hasPrefix("ok: 3 entries"), "\(verified.stdout) \(verified.stderr)")
        let shown = try reader(["log"])
        #expect(shown.status == 0 && shown.stdout.contains("complaint.received"), "\(shown.stderr)")
        let keys = try reader(["keys", "list"])
        #expect(keys.status == 0 && keys.stdout.contains("ia/lee"), "\(keys.stderr)")
        let stats = try reader(["stats", "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let write = try reader(["projections", "rebuild"])
        #expect(write.status == 4 && write.stderr.contains("is read-only here") && write.stderr.contains("nothing was written"), "\(write.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: media) == ["copy.ledger"])
    }

    @Test("a body-camera feed that is refused names the line of the refused event, also when the feed has one line, and writes nothing")
    func bodycamFeedNamesTheLine() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/l", "--admin", "ia/admin"], cwd: cwd)
        try blotter(["keys", "generate", "--out", "cam.pem"], cwd: cwd)
        try blotter(["keys", "register", "--key", "admin.key.pem", "--subject", "cam/feed", "--role", "evidence-system", "cam.pem"], cwd: cwd)
        let good = #"{"type": "bodycam.recording.captured", "at": "2026-11-01T22:00:00Z", "fields": {"evidence_id": "E-1", "officer": "P-1", "device": "D-1", "start": "2026-11-01T22:00:00Z", "stop": "2026-11-01T22:30:00Z", "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}}"#
        // Deleting a recording that was never captured: refused by the lifecycle rules at append.
        let bad = #"{"type": "bodycam.evidence.deleted", "fields": {"evidence_id": "E-404", "reason": "retention expired", "authorised_by": "ia/cmdr"}}"#
        for (feed, line) in [([bad], 1), ([good, bad], 2)] {
            try Data(feed.joined(separator: "\n").utf8).write(to: dir.url.appendingPathComponent("feed.jsonl"))
            let r = try blotter(["bodycam", "ingest", "--key", "cam.pem", "feed.jsonl"], cwd: cwd)
            #expect(r.status == 2 && r.stderr.contains("feed.jsonl line \(line):") && r.stderr.contains("nothing was written"), "\(feed.count) lines: \(r.stderr)")
            #expect(try blotter(["verify"], cwd: cwd).stdout.hasPrefix("ok: 2 entries"), "the good line of the feed was written")
        }
    }

    struct Refusal: Sendable, CustomStringConvertible {
        let name: String
        let arguments: [String]
        let input: String?
        let status: Int32
        let fragment: String
        var description: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "malformed JSON", arguments: ["submit", "in.json"], input: "{\"statement\": {", status: 2, fragment: "malformed-json"),
        Refusal(name: "duplicate key", arguments: ["submit", "in.json"], input: "{\"statement\": {}, \"statement\": {}}", status: 2, fragment: "duplicate object key"),
        Refusal(name: "unknown envelope member", arguments: ["submit", "in.json"], input: "UNKNOWN", status: 2, fragment: "unknown member \"extra\""),
        Refusal(name: "float in statement", arguments: ["submit", "in.json"], input: "FLOAT", status: 2, fragment: "integers only"),
        Refusal(name: "missing signature", arguments: ["submit", "in.json"], input: "NOSIG", status: 2, fragment: "missing \"sig\""),
        Refusal(name: "empty submission file", arguments: ["submit", "in.json"], input: "", status: 5, fragment: "holds no submissions"),
        Refusal(name: "blank submission file", arguments: ["submit", "in.json"], input: "\n  \n", status: 5, fragment: "holds no submissions"),
        Refusal(name: "stale expect", arguments: ["append", "--key", "admin.key.pem", "--type", "key.revoked", "--stream", "ledger", "--expect", "0", "--field", "key=x"], input: nil, status: 2, fragment: "expected version 0, current version is 1"),
        Refusal(name: "role not allowed", arguments: ["append", "--key", "admin.key.pem", "--type", "case.closed", "--stream", "case/1"], input: nil, status: 2, fragment: "role-not-allowed"),
        Refusal(name: "unreadable key", arguments: ["append", "--key", "nope.pem", "--type", "case.closed", "--stream", "case/1"], input: nil, status: 5, fragment: "cannot read nope.pem"),
        Refusal(name: "init over an existing ledger", arguments: ["init", "--origin", "x.example/l", "--admin", "ia/x", "--admin-key", "other.pem"], input: nil, status: 4, fragment: "refusing to overwrite"),
        Refusal(name: "no such entry", arguments: ["entry", "99"], input: nil, status: 4, fragment: "there is no entry 99"),
    ]

    @Test("bad input gets a clear error, a documented exit status, and an unchanged ledger", arguments: refusals)
    func refused(_ r: Refusal) throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/l", "--admin", "ia/admin", "--no-catalog"], cwd: cwd)
        if var input = r.input {
            let signed = try blotter(["sign", "--key", "admin.key.pem", "--type", "key.revoked", "--stream", "keys/x", "--field", "key=abc"], cwd: cwd).stdout
            switch input {
            case "UNKNOWN": input = signed.replacingOccurrences(of: "\"actor\":", with: "\"extra\":1,\"actor\":")
            case "FLOAT": input = signed.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":1.0")
            case "NOSIG": input = signed.replacingOccurrences(of: #","sig":"[^"]*""#, with: "", options: .regularExpression)
            default: break
            }
            try Data(input.utf8).write(to: dir.url.appendingPathComponent("in.json"))
        }
        let before = try Data(contentsOf: dir.url.appendingPathComponent("blotter.ledger"))
        let result = try blotter(r.arguments, cwd: cwd)
        #expect(result.status == r.status, "\(result.stderr)")
        #expect(result.stderr.contains(r.fragment), "\(result.stderr)")
        #expect(result.stderr.hasPrefix("blotter: error["))
        #expect(try Data(contentsOf: dir.url.appendingPathComponent("blotter.ledger")) == before)
        let wal = FileManager.default.contents(atPath: dir.path("blotter.ledger-wal")) ?? Data()
        #expect(wal.isEmpty)
        #expect(try blotter(["verify"], cwd: cwd).stdout.hasPrefix("ok: 1 entries"))
    }

    @Test("a revoked key can no longer append")
    func revocation() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        try blotter(["init", "--origin", "ia.example/l", "--admin", "ia/admin", "--no-catalog"], cwd: cwd)
        try blotter(["keys", "generate", "--out", "k.pem"], cwd: cwd)
        try blotter(["keys", "register", "--key", "admin.key.pem", "--subject", "ia/k", "--role", "intake", "k.pub.pem"], cwd: cwd)
        let keyID = try JSONParser.parse(try blotter(["keys", "list", "--json"], cwd: cwd).stdout.split(separator: "\n")[1].description)["key_id"]!.stringValue!
        #expect(try blotter(["keys", "revoke", "--key", "admin.key.pem", "--reason", "lost laptop", keyID], cwd: cwd).status == 0)
        let refused = try blotter(["append", "--key", "k.pem", "--type", "complaint.received", "--stream", "complaint/1"], cwd: cwd)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("was revoked at entry 2"), "\(refused.stderr)")
    }
}

@Suite("Output for programs")
struct JSONOutputTests {
    @Test("operator-key, checkpoint, prove inclusion (also as a tlog-proof), prove consistency, witness init and witness cosign take --json")
    func everyPrintingCommandTakesJSON() throws {
        let dir = TemporaryDirectory()
        let cwd = dir.url.path
        #expect(try blotter(["init", "--origin", "ia.example/ledger", "--admin", "ia/admin"], cwd: cwd).status == 0)
        func json(_ args: [String]) throws -> JSONValue {
            let r = try blotter(args + ["--json"], cwd: cwd)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return try JSONParser.parse(r.stdout)
        }
        let key = try json(["operator-key"])
        #expect(key["origin"] == .string("ia.example/ledger") && key["operator_key"]?.stringValue?.hasPrefix("ia.example/ledger+") == true, "\(key)")
        let checkpoint = try json(["checkpoint"])
        #expect(checkpoint["size"] == .integer(1) && checkpoint["note"]?.stringValue?.hasPrefix("ia.example/ledger\n1\n") == true, "\(checkpoint)")
        let inclusion = try json(["prove", "inclusion", "0"])
        #expect(inclusion["root_hash"] == checkpoint["root"] && inclusion["tree_size"] == .integer(1), "\(inclusion)")
        let receipt = try json(["prove", "inclusion", "0", "--tlog-proof"])
        #expect(receipt["tlog_proof"]?.stringValue?.hasPrefix("c2sp.org/tlog-proof@v1\nindex 0\n") == true, "\(receipt)")
        #expect(try json(["prove", "consistency", "1", "1"])["new_size"] == .integer(1))
        let witness = try json(["witness", "init", "--dir", "w", "--name", "oversight.example/w", "--log-key", try #require(key["operator_key"]?.stringValue)])
        #expect(witness["verifier_key"]?.stringValue?.hasPrefix("oversight.example/w+") == true, "\(witness)")
        try Data(try #require(checkpoint["note"]?.stringValue).utf8).write(to: dir.url.appendingPathComponent("cp.txt"))
        let cosigned = try json(["witness", "cosign", "--dir", "w", "cp.txt"])
        #expect(cosigned["size"] == .integer(1) && cosigned["note"]?.stringValue?.contains("— oversight.example/w ") == true, "\(cosigned)")
    }
}
