import Blotter
import BlotterCrypto
import BlotterPostgres
import BlotterServer
import Foundation
import Testing

/// The HTTP server, over real loopback sockets, as a department's systems use it.
@Suite("HTTP server")
struct ServerTests {
    /// A domain ledger with an intake officer and an investigator.
    static func domainLedger(_ store: StoreKind) throws -> TestLedger {
        let t = try TestLedger(catalog: try EventCatalog.bundled(), store: store)
        try t.register("ia/intake", roles: ["intake"])
        try t.register("ia/rivera", roles: ["investigator"])
        return t
    }

    static func complaint(_ t: TestLedger, _ id: String, channel: String = "phone", expect: Int64? = nil,
                          narrative: String = "Officer was discourteous at the front desk.") throws -> Submission {
        try t.statement("ia/intake", type: "complaint.received", stream: "complaint/\(id)", expect: expect,
                        fields: [("complaint_id", .string(id)), ("channel", .string(channel)), ("narrative", .string(narrative))])
    }

    @Test("submissions are appended once durable; refusals answer their status and code and leave the ledger as it was", arguments: StoreKind.allCases)
    func submissionsAndRefusals(store: StoreKind) async throws {
        let t = try Self.domainLedger(store)
        let server = try await TestServer.start(t.ledger, ServerConfiguration(maxRequestStatements: 5, maxBodyBytes: 64 * 1024))
        let url = server.base + "/v1/submissions"

        let first = try Self.complaint(t, "C-100", narrative: "The sealed narrative N-7731 must never reach a log line.")
        let one = try await post(url, [first])
        #expect(one.status == 200)
        let receipt = try #require(one.json["receipts"]?.arrayValue?.first)
        let seq = try #require(receipt["seq"]?.integerValue)
        let stored = try await t.ledger.entry(seq)
        #expect(receipt["entry_hash"]?.stringValue == Entry.hash(stored.bytes))
        #expect(receipt["stream"]?.stringValue == "complaint/C-100")
        #expect(receipt["stream_version"]?.integerValue == 1)
        #expect(receipt["duplicate"] == .bool(false))

        // The same statement again is its existing entry, not a new one.
        let again = try await post(url, [first])
        #expect(again.status == 200)
        #expect(again.json["receipts"]?.arrayValue?.first?["seq"]?.integerValue == seq)
        #expect(again.json["receipts"]?.arrayValue?.first?["duplicate"] == .bool(true))

        // An array: all appended, in order, in one request.
        let pair = try await post(url, [try Self.complaint(t, "C-101"), try Self.complaint(t, "C-102")])
        #expect(pair.status == 200)
        #expect(pair.json["receipts"]?.arrayValue?.compactMap { $0["seq"]?.integerValue } == [seq + 1, seq + 2])

        let before = try storeContents(t.ledger.store)
        let stranger = try PrivateKey.generate(.ed25519)
        let unregistered = try StatementDraft(log: TestLedger.origin, type: "complaint.received", stream: "complaint/C-9", actor: "ia/intake",
                                              fields: [("complaint_id", .string("C-9")), ("channel", .string("phone"))]).sign(with: stranger)
        var tampered = try Self.complaint(t, "C-103").json()
        if case var .object(members) = tampered, case var .object(statement)? = members.first(where: { $0.0 == "statement" })?.1 {
            statement = statement.map { $0.0 == "stream" ? ($0.0, .string("complaint/C-104")) : $0 }
            members = members.map { $0.0 == "statement" ? ($0.0, .object(statement)) : $0 }
            tampered = .object(members)
        }
        let cases: [(name: String, body: [UInt8], status: Int, code: String)] = [
            ("malformed JSON", Array(#"{"statement": "#.utf8), 400, "malformed-json"),
            ("not a submission", Array("42".utf8), 400, "invalid-statement"),
            ("an empty array", Array("[]".utf8), 400, "invalid-input"),
            ("an unregistered key", try CanonicalJSON.encode(unregistered.json()), 403, "key-not-valid"),
            ("a statement changed after signing", try CanonicalJSON.encode(tampered), 403, "bad-signature"),
            ("a channel the schema does not know", try CanonicalJSON.encode(try Self.complaint(t, "C-105", channel: "pigeon").json()), 422, "schema-violation"),
            ("a stale expect", try CanonicalJSON.encode(try Self.complaint(t, "C-100", expect: 0).json()), 409, "stale-expect"),
            ("six statements, one more than a request may hold",
             try CanonicalJSON.encode(.array(try (200..<206).map { try Self.complaint(t, "C-\($0)").json() })), 413, "too-large"),
            ("a body over the limit", Array(repeating: 0x20, count: 65 * 1024), 413, "too-large"),
        ]
        for c in cases {
            let reply = try await http("POST", url, body: c.body, headers: ["Content-Type": "application/json"])
            #expect(reply.status == c.status, "\(c.name): \(reply.text)")
            #expect(reply.code == c.code, "\(c.name): \(reply.text)")
            #expect(reply.json["message"]?.stringValue?.isEmpty == false, "\(c.name)")
        }
        // The schema violation names the field.
        let violation = try await post(url, [try Self.complaint(t, "C-106", channel: "pigeon")])
        #expect(violation.json["violations"]?.arrayValue?.first?["instance_path"]?.stringValue == "/channel")
        // A request whose second statement is refused writes neither, and says which.
        let mixed = try await post(url, [try Self.complaint(t, "C-107"), try Self.complaint(t, "C-108", channel: "pigeon")])
        #expect(mixed.status == 422)
        #expect(mixed.json["index"]?.integerValue == 1)
        #expect(mixed.json["message"]?.stringValue?.hasPrefix("submission 2 of 2: ") == true)
        #expect(try storeContents(t.ledger.store) == before, "a refused request changed the ledger")

        // A route that does not exist, and a method a route does not take, are JSON errors too.
        let missing = try await http("GET", server.base + "/v1/nothing")
        #expect(missing.status == 404 && missing.code == "not-found")
        let wrongMethod = try await http("DELETE", url)
        #expect(wrongMethod.status == 405 && wrongMethod.code == "method-not-allowed")
        #expect(wrongMethod.header("Allow") == "POST")

        try await server.stop()
        // One line per request, with the route pattern and status; never a value of a statement.
        let lines = server.log.all
        #expect(lines.filter { $0.contains("route=/v1/submissions") && $0.contains("status=200") }.count == 3)
        #expect(!lines.contains { $0.contains("N-7731") || $0.contains("C-100") || $0.contains("pigeon") })
        #expect(try await LedgerVerifier(store: t.ledger.store).verify().entries == seq + 3)
    }

    @Test("concurrent requests share batch transactions; every acknowledged statement is in the ledger with its hash")
    func groupCommit() async throws {
        let t = try Self.domainLedger(.sqlite)
        let server = try await TestServer.start(t.ledger, ServerConfiguration(batchWait: .milliseconds(20)))
        let url = server.base + "/v1/submissions"
        let submissions = try (0..<200).map { try Self.complaint(t, "C-G\($0)") }
        let start = try await t.ledger.count()
        let replies = try await withThrowingTaskGroup(of: (Int, HTTPReply).self) { group in
            for (i, s) in submissions.enumerated() { group.addTask { (i, try await post(url, [s])) } }
            var out: [Int: HTTPReply] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        var seqs: Set<Int64> = []
        for (i, reply) in replies {
            #expect(reply.status == 200, "request \(i): \(reply.text)")
            let receipt = try #require(reply.json["receipts"]?.arrayValue?.first)
            let seq = try #require(receipt["seq"]?.integerValue)
            seqs.insert(seq)
            let entry = try Entry(bytes: try await t.ledger.entry(seq).bytes)
            #expect(entry.statement.stream == submissions[i].statement.stream, "request \(i) was answered with another request's entry")
            #expect(receipt["entry_hash"]?.stringValue == Entry.hash(try await t.ledger.entry(seq).bytes))
        }
        #expect(seqs == Set(start..<(start + 200)), "the acknowledged seqs are not the 200 new entries")
        let metrics = try await http("GET", server.base + "/metrics")
        let batches = try #require(Self.metric(metrics.text, "blotter_batches_total"))
        #expect(batches >= 1 && batches <= 100, "200 concurrent requests took \(batches) transactions: no group commit")
        #expect(Self.metric(metrics.text, "blotter_appended_statements_total") == 200)
        try await server.stop()
        #expect(try await LedgerVerifier(store: t.ledger.store).verify().entries == start + 200)
    }

    static func metric(_ exposition: String, _ name: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test("a full queue answers 503 with Retry-After at once; what it refused is not in the ledger, what it took is")
    func pushback() async throws {
        let t = try Self.domainLedger(.sqlite)
        let server = try await TestServer.start(t.ledger, ServerConfiguration(maxBatch: 2, batchWait: .milliseconds(300), queueCapacity: 3, retryAfterSeconds: 2))
        let url = server.base + "/v1/submissions"
        let submissions = try (0..<24).map { try Self.complaint(t, "C-P\($0)") }
        let replies = try await withThrowingTaskGroup(of: (Int, HTTPReply).self) { group in
            for (i, s) in submissions.enumerated() { group.addTask { (i, try await post(url, [s])) } }
            var out: [(Int, HTTPReply)] = []
            for try await r in group { out.append(r) }
            return out
        }
        try await server.stop()
        let refused = replies.filter { $0.1.status == 503 }
        let taken = replies.filter { $0.1.status == 200 }
        #expect(refused.count + taken.count == 24, "\(replies.map(\.1.status))")
        #expect(!refused.isEmpty && !taken.isEmpty)
        for (_, r) in refused {
            #expect(r.code == "pushback")
            #expect(r.header("Retry-After") == "2")
        }
        let streams = Set(try t.ledger.store.read { try $0.summaries(from: 0, limit: 1000, stream: nil) }.map(\.stream))
        for (i, _) in taken { #expect(streams.contains(submissions[i].statement.stream)) }
        for (i, _) in refused { #expect(!streams.contains(submissions[i].statement.stream), "a statement answered 503 was appended") }
    }

    @Test("tiles and entry bundles are the C2SP tlog-tiles resources: the static export's bytes, leaf hashes of the bundle's entries, and cache headers")
    func tiles() async throws {
        let t = try Self.domainLedger(.sqlite)
        // 600 entries: two full level-0 tiles and bundles, a partial of 600 - 512, a partial level-1 tile of 2.
        let batch = try (try await t.ledger.count()..<600).map { try Self.complaint(t, "C-T\($0)") }
        _ = try await t.ledger.append(batch)
        let server = try await TestServer.start(t.ledger, ServerConfiguration(operatorKey: t.operatorKey, checkpointInterval: .milliseconds(50)))
        var checkpoint = try await http("GET", server.base + "/checkpoint")
        for _ in 0..<100 where checkpoint.status != 200 {
            try await Task.sleep(for: .milliseconds(50))
            checkpoint = try await http("GET", server.base + "/checkpoint")
        }
        #expect(checkpoint.status == 200)
        #expect(checkpoint.header("Content-Type") == "text/plain; charset=utf-8")
        let note = try SignedNote(parsing: checkpoint.text)
        let identity = try #require(try await t.ledger.identity())
        _ = try note.verify(keys: [identity.operatorKey])
        #expect(try Checkpoint(text: note.text).size == 600)

        let dir = TemporaryDirectory()
        _ = try TilesExport.export(t.ledger, checkpoint: note, to: dir.url.path)
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.url.path).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir.path(path), isDirectory: &isDirectory) && !isDirectory.boolValue && path != "checkpoint"
        }
        #expect(Set(files) == ["tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2", "tile/entries/000", "tile/entries/001", "tile/entries/002.p/88"])
        for path in files {
            let reply = try await http("GET", server.base + "/" + path)
            #expect(reply.status == 200, "\(path)")
            #expect(reply.body == Array(FileManager.default.contents(atPath: dir.path(path))!), "\(path) differs from the static export")
            #expect(reply.header("Content-Type") == "application/octet-stream")
            let full = !path.contains(".p/")
            #expect(reply.header("Cache-Control") == (full ? "public, max-age=31536000, immutable" : "public, max-age=60"), "\(path)")
        }
        // A level-0 tile is the RFC 6962 leaf hashes of its bundle's entries, computed here from the bytes.
        for (tile, bundle) in [("tile/0/001", "tile/entries/001"), ("tile/0/002.p/88", "tile/entries/002.p/88")] {
            let bytes = try await http("GET", server.base + "/" + bundle).body
            var entries: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                let n = Int(bytes[i]) << 8 | Int(bytes[i + 1])
                entries.append(Array(bytes[(i + 2)..<(i + 2 + n)]))
                i += 2 + n
            }
            let leaves = entries.flatMap { SHA256.hash([0x00] + $0) }
            #expect(try await http("GET", server.base + "/" + tile).body == leaves, "\(tile)")
        }
        // Paths the specification does not allow, and tiles the tree does not hold yet.
        for path in ["tile/0/0", "tile/00/000", "tile/0/x000/001", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/088",
                     "tile/64/000", "tile/0/003", "tile/0/002.p/89", "tile/1/000", "tile/entries/002", "tile/entries/x001/000", "tile/0/-01", "tile/a/000"] {
            let reply = try await http("GET", server.base + "/" + path)
            #expect(reply.status == 404, "\(path)")
            #expect(reply.code == "not-found", "\(path)")
        }
        try await server.stop()
    }

    @Test("an acknowledged entry gets a tlog-proof that verifies against the operator's checkpoint", arguments: StoreKind.allCases)
    func proofs(store: StoreKind) async throws {
        let t = try Self.domainLedger(store)
        let server = try await TestServer.start(t.ledger, ServerConfiguration(operatorKey: t.operatorKey, checkpointInterval: .milliseconds(50)))
        let reply = try await post(server.base + "/v1/submissions", [try Self.complaint(t, "C-R1")])
        let seq = try #require(reply.json["receipts"]?.arrayValue?.first?["seq"]?.integerValue)
        var proof = try await http("GET", server.base + "/v1/submissions/\(seq)/proof")
        for _ in 0..<100 where proof.status != 200 {
            #expect(proof.status == 404 && proof.code == "not-yet-covered", "\(proof.text)")
            try await Task.sleep(for: .milliseconds(50))
            proof = try await http("GET", server.base + "/v1/submissions/\(seq)/proof")
        }
        #expect(proof.status == 200)
        let identity = try #require(try await t.ledger.identity())
        let parsed = try TlogProof(parsing: proof.text)
        #expect(parsed.index == seq)
        let covered = try parsed.verify(entryBytes: try await t.ledger.entry(seq).bytes, keys: [identity.operatorKey])
        #expect(covered.size > seq)
        // The same receipt does not verify for another entry.
        let other = try await t.ledger.entry(seq - 1).bytes
        #expect(throws: BlotterError.self) { try parsed.verify(entryBytes: other, keys: [identity.operatorKey]) }
        let json = try await http("GET", server.base + "/v1/submissions/\(seq)/proof", headers: ["Accept": "application/json"])
        #expect(json.json["tlog_proof"]?.stringValue == proof.text)
        #expect(json.json["index"]?.integerValue == seq)

        let consistency = try await http("GET", server.base + "/v1/proofs/consistency?old=2&new=\(seq + 1)")
        let c = try ConsistencyProof(json: consistency.json)
        try MerkleTree.verifyConsistency(oldSize: 2, newSize: seq + 1, proof: c.proof, oldRoot: try await t.ledger.root(size: 2).root,
                                         newRoot: try await t.ledger.root(size: seq + 1).root)
        let none = try await http("GET", server.base + "/v1/submissions/\(seq + 50)/proof")
        #expect(none.status == 404 && none.code == "not-found")
        let bad = try await http("GET", server.base + "/v1/submissions/-3/proof")
        #expect(bad.status == 400 && bad.code == "invalid-input")
        try await server.stop()
    }

    @Test("graceful shutdown answers the requests in flight, and each one answered 200 is in the ledger")
    func gracefulShutdown() async throws {
        let t = try Self.domainLedger(.sqlite)
        let server = try await TestServer.start(t.ledger, ServerConfiguration(batchWait: .milliseconds(50)))
        let url = server.base + "/v1/submissions"
        let submissions = try (0..<40).map { try Self.complaint(t, "C-S\($0)") }
        let results = await withTaskGroup(of: (Int, HTTPReply?).self) { group in
            for (i, s) in submissions.enumerated() { group.addTask { (i, try? await post(url, [s])) } }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(20))
                try? await server.stop()
                return (-1, nil)
            }
            var out: [(Int, HTTPReply?)] = []
            for await r in group where r.0 >= 0 { out.append(r) }
            return out
        }
        let streams = Set(try t.ledger.store.read { try $0.summaries(from: 0, limit: 1000, stream: nil) }.map(\.stream))
        var acknowledged = 0
        for (i, reply) in results {
            guard let reply else { continue }
            #expect(reply.status == 200 || reply.status == 503, "\(reply.text)")
            if reply.status == 200 {
                acknowledged += 1
                #expect(streams.contains(submissions[i].statement.stream), "request \(i) was acknowledged but is not in the ledger")
            }
        }
        #expect(acknowledged > 0)
        #expect(try await LedgerVerifier(store: t.ledger.store).verify().entries == (try await t.ledger.count()))
    }

    @Test("two servers on one PostgreSQL ledger, no coordinator: every acknowledgement distinct, the chain gap-free and verified")
    func twoServersOnePostgres() async throws {
        let t = try Self.domainLedger(.postgres)
        let second = Ledger(store: try PostgresStore.open(url: t.path))
        let a = try await TestServer.start(t.ledger)
        let b = try await TestServer.start(second)
        let submissions = try (0..<120).map { try Self.complaint(t, "C-M\($0)") }
        let start = try await t.ledger.count()
        let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for (i, s) in submissions.enumerated() {
                let url = (i % 2 == 0 ? a.base : b.base) + "/v1/submissions"
                group.addTask { try await post(url, [s]) }
            }
            var out: [HTTPReply] = []
            for try await r in group { out.append(r) }
            return out
        }
        try await a.stop()
        try await b.stop()
        let seqs = replies.compactMap { $0.json["receipts"]?.arrayValue?.first?["seq"]?.integerValue }
        #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.filter { $0.status != 200 }.map { $0.text }.prefix(3))")
        #expect(Set(seqs) == Set(start..<(start + 120)))
        #expect(try await LedgerVerifier(store: t.ledger.store).verify().entries == start + 120)
        try second.close()
    }

    @Test("sign-in with a registered key opens a session (bearer token and HttpOnly cookie); wrong, unregistered and revoked keys, replayed and unknown challenges and forged tokens are refused; a revoked key's session ends at once", arguments: StoreKind.allCases)
    func signIn(store: StoreKind) async throws {
        let t = try Self.domainLedger(store)
        let server = try await TestServer.start(t.ledger)
        let rivera = t.keys["ia/rivera"]!
        func challenge() async throws -> (nonce: String, text: String) {
            let c = try await http("GET", server.base + "/v1/challenge")
            #expect(c.status == 200)
            return (try #require(c.json["nonce"]?.stringValue), try #require(c.json["sign"]?.stringValue))
        }
        func signIn(_ key: PrivateKey, as keyID: String? = nil, _ c: (nonce: String, text: String)) async throws -> HTTPReply {
            let signature = try key.signature(for: Array(c.text.utf8))
            let body: JSONValue = .object([("key", .string(keyID ?? key.publicKey.keyID)), ("nonce", .string(c.nonce)),
                                           ("signature", .string(Base64.urlEncode(signature)))])
            return try await http("POST", server.base + "/v1/session", body: try CanonicalJSON.encode(body))
        }
        let before = try storeContents(t.ledger.store)

        let c = try await challenge()
        #expect(c.text == "blotter-sign-in/v1\n\(TestLedger.origin)\n\(c.nonce)\n")
        let opened = try await signIn(rivera, c)
        #expect(opened.status == 200, "\(opened.text)")
        #expect(opened.json["actor"]?.stringValue == "ia/rivera")
        #expect(opened.json["roles"] == .array([.string("investigator")]))
        let token = try #require(opened.json["token"]?.stringValue)
        let cookie = try #require(opened.header("Set-Cookie"))
        #expect(cookie.hasPrefix("blotter_session=\(token); ") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        let bearer = try await http("GET", server.base + "/v1/session", headers: ["Authorization": "Bearer \(token)"])
        #expect(bearer.status == 200 && bearer.json["actor"]?.stringValue == "ia/rivera")
        let byCookie = try await http("GET", server.base + "/v1/session", headers: ["Cookie": "other=1; blotter_session=\(token)"])
        #expect(byCookie.status == 200 && byCookie.json["key"]?.stringValue == rivera.publicKey.keyID)

        // Refusals, each 401 with its code; none opens a session.
        let replayed = try await signIn(rivera, c)
        #expect(replayed.status == 401 && replayed.code == "bad-challenge", "replayed: \(replayed.text)")
        let unknown = try await signIn(rivera, (nonce: "AAAA", text: "blotter-sign-in/v1\n\(TestLedger.origin)\nAAAA\n"))
        #expect(unknown.status == 401 && unknown.code == "bad-challenge")
        let wrongKey = try await signIn(t.keys["ia/intake"]!, as: rivera.publicKey.keyID, try await challenge())
        #expect(wrongKey.status == 401 && wrongKey.code == "bad-signature", "wrong key: \(wrongKey.text)")
        let stranger = try await signIn(try PrivateKey.generate(.ed25519), try await challenge())
        #expect(stranger.status == 401 && stranger.code == "key-not-valid", "unregistered: \(stranger.text)")
        let otherLog = try await challenge()
        let forLog = try await signIn(rivera, (nonce: otherLog.nonce, text: "blotter-sign-in/v1\nanother.example/log\n\(otherLog.nonce)\n"))
        #expect(forLog.status == 401 && forLog.code == "bad-signature", "signed for another log: \(forLog.text)")
        for headers in [[:], ["Authorization": "Bearer \(Base64.urlEncode(try SecureRandom.bytes(32)))"], ["Cookie": "blotter_session=forged"]] {
            let r = try await http("GET", server.base + "/v1/session", headers: headers)
            #expect(r.status == 401 && r.code == "unauthenticated", "\(headers): \(r.text)")
        }
        #expect(try storeContents(t.ledger.store) == before, "sign-in wrote to the ledger")

        // Revoking the key ends its session at the next request, and it cannot sign in again.
        _ = try await t.ledger.append(try StatementDraft(log: TestLedger.origin, type: "key.revoked", stream: "keys/ia/rivera", actor: "ia/admin",
                                                         fields: [("key", .string(rivera.publicKey.keyID))]).sign(with: t.admin))
        let ended = try await http("GET", server.base + "/v1/session", headers: ["Authorization": "Bearer \(token)"])
        #expect(ended.status == 401 && ended.code == "session-ended", "\(ended.text)")
        let gone = try await http("GET", server.base + "/v1/session", headers: ["Authorization": "Bearer \(token)"])
        #expect(gone.status == 401 && gone.code == "unauthenticated")
        let revoked = try await signIn(rivera, try await challenge())
        #expect(revoked.status == 401 && revoked.code == "key-not-valid", "revoked: \(revoked.text)")

        // Sign-out ends a session.
        let intake = try await signIn(t.keys["ia/intake"]!, try await challenge())
        let intakeToken = try #require(intake.json["token"]?.stringValue)
        let out = try await http("DELETE", server.base + "/v1/session", headers: ["Authorization": "Bearer \(intakeToken)"])
        #expect(out.status == 200 && out.header("Set-Cookie")?.contains("Max-Age=0") == true)
        #expect(try await http("GET", server.base + "/v1/session", headers: ["Authorization": "Bearer \(intakeToken)"]).status == 401)
        try await server.stop()
    }

    @Test("views are read by role (Schemas/read-access.json): each answers what the CLI's --json gives; an officer's key may not read a case naming him; the public reads none; every signed-in read and refusal of a case or officer history is in the access log before it is answered, and reads write nothing to the log", arguments: StoreKind.allCases)
    func readsByRole(store: StoreKind) async throws {
        let desk = try CaseDesk(store: store)
        try desk.t.register("ccrb/analyst", roles: ["oversight"])
        // A lieutenant who commands a unit and is himself an officer, P-2.
        try desk.t.register("pd/lt.ortiz", roles: ["commander"], officer: "P-2")
        try desk.complaint("C-1", officer: "P-1")
        try desk.open("IA-1", complaints: ["C-1"])
        try desk.allegation("IA-1", "A1", officer: "P-1")
        try desk.complaint("C-2", officer: "P-2")
        try desk.open("IA-2", complaints: ["C-2"])
        try desk.allegation("IA-2", "A1", officer: "P-2")
        let server = try await TestServer.start(desk.ledger)
        let base = server.base
        let entries = try await desk.ledger.count()
        var tokens: [String: String] = [:]
        for actor in ["ia/rivera", "pd/P-1", "pd/lt.ortiz", "ccrb/analyst", "ia/intake"] {
            tokens[actor] = try await signedIn(base, desk.t.keys[actor]!)
        }
        func get(_ path: String, as actor: String?) async throws -> HTTPReply {
            try await http("GET", base + path, headers: actor.map { ["Authorization": "Bearer \(tokens[$0]!)"] } ?? [:])
        }
        let today = CalendarDate(Timestamp.now()).description

        // The public (no session) reads no view at all.
        for path in ["/v1/cases/IA-1", "/v1/cases", "/v1/officers/P-1", "/v1/stats", "/v1/bodycam/compliance", "/v1/access-log"] {
            let r = try await get(path, as: nil)
            #expect(r.status == 401 && r.code == "unauthenticated", "\(path): \(r.text)")
        }
        // An investigator reads the case file: the same view the CLI prints with --json.
        let file = try await get("/v1/cases/IA-1", as: "ia/rivera")
        #expect(file.status == 200, "\(file.text)")
        let cliView = try desk.view("IA-1", today: today)
        #expect(file.json == cliView)
        #expect(file.header("Cache-Control") == "no-store")
        let queue = try await get("/v1/cases?status=all", as: "ia/intake")
        #expect(queue.status == 200 && queue.json["matching"]?.integerValue == 2, "\(queue.text)")
        // An officer's role reads no case file; the lieutenant reads IA-1 but not IA-2, which names him.
        for id in ["IA-1", "IA-2"] {
            let r = try await get("/v1/cases/\(id)", as: "pd/P-1")
            #expect(r.status == 403 && r.code == "role-not-allowed", "\(r.text)")
        }
        #expect(try await get("/v1/cases/IA-1", as: "pd/lt.ortiz").status == 200)
        let own = try await get("/v1/cases/IA-2", as: "pd/lt.ortiz")
        #expect(own.status == 403 && own.code == "named-in-subject", "\(own.text)")
        #expect(!own.text.contains("Officer pushed me"))
        // Oversight reads everything.
        let oversight = try await get("/v1/cases/IA-2", as: "ccrb/analyst")
        let cliView2 = try desk.view("IA-2", today: today)
        #expect(oversight.status == 200 && oversight.json == cliView2)
        let history = try await get("/v1/officers/P-1", as: "ccrb/analyst")
        #expect(history.status == 200 && history.json["officer"]?.stringValue == "P-1", "\(history.text)")
        #expect(history.json["allegations"]?.arrayValue?.count == 1)
        #expect(try await get("/v1/stats", as: "ccrb/analyst").status == 200)
        // An investigator may not read officer histories; a case that does not exist is 404.
        let refusedHistory = try await get("/v1/officers/P-1", as: "ia/rivera")
        #expect(refusedHistory.status == 403 && refusedHistory.code == "role-not-allowed")
        let missing = try await get("/v1/cases/IA-404", as: "ia/rivera")
        #expect(missing.status == 404 && missing.code == "not-found")
        #expect(try await get("/v1/access-log", as: "ia/rivera").status == 403)
        let bad = try await get("/v1/cases?status=pending", as: "ia/rivera")
        #expect(bad.status == 400 && bad.code == "invalid-input")
        // A window that would overflow when made seconds is refused (schemathesis found it crashing the server).
        let huge = try await get("/v1/bodycam/compliance?window_minutes=9223372036854775807", as: "ccrb/analyst")
        #expect(huge.status == 400 && huge.code == "invalid-input", "\(huge.text)")
        #expect(try await get("/v1/bodycam/compliance?window_minutes=60", as: "ccrb/analyst").status == 200)

        // The access log holds every signed-in read and refusal of an audited view, and nothing else.
        let expected: [[String]] = [
            ["ia/rivera", "case", "IA-1", "read"], ["pd/P-1", "case", "IA-1", "refused"], ["pd/P-1", "case", "IA-2", "refused"],
            ["pd/lt.ortiz", "case", "IA-1", "read"], ["pd/lt.ortiz", "case", "IA-2", "refused"], ["ccrb/analyst", "case", "IA-2", "read"],
            ["ccrb/analyst", "officer", "P-1", "read"], ["ia/rivera", "officer", "P-1", "refused"], ["ia/rivera", "case", "IA-404", "not-found"],
        ]
        let listed = try await get("/v1/access-log", as: "ccrb/analyst")
        #expect(listed.status == 200)
        let records = try #require(listed.json["records"]?.arrayValue)
        let rows = records.map { r in ["actor", "view", "subject", "outcome"].map { r[$0]?.stringValue ?? "?" } }
        #expect(rows.count == expected.count && Set(rows) == Set(expected), "\(rows)")
        for r in records {
            let actor = r["actor"]?.stringValue ?? ""
            #expect(r["key"]?.stringValue == desk.t.keys[actor]?.publicKey.keyID)
            #expect(r["at"]?.stringValue?.hasPrefix(today) == true)
        }
        let bySubject = try await get("/v1/access-log?subject=IA-2", as: "ccrb/analyst")
        #expect(bySubject.json["records"]?.arrayValue?.count == 3)
        #expect(try await desk.ledger.count() == entries, "reads appended to the log")
        try await server.stop()

        // The command line lists the same records.
        let cli = try await runOffPool(blotterExecutable, ["access-log", "--ledger", desk.t.path, "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let cliRows = cli.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
            .map { r in ["actor", "view", "subject", "outcome"].map { r[$0]?.stringValue ?? "?" } }
        #expect(cliRows.count == expected.count && Set(cliRows) == Set(expected))
        let filtered = try await runOffPool(blotterExecutable, ["access-log", "--ledger", desk.t.path, "--actor", "pd/P-1"])
        #expect(filtered.stdout.split(separator: "\n").filter { $0.contains("refused") }.count == 2, "\(filtered.stdout)")
    }

    @Test("an officer's key may not read a case that names him under another source's id linked to him on the roster; the officer view of an alias is the roster officer's")
    func notAboutSelfThroughLinks() async throws {
        let desk = try CaseDesk()
        try desk.t.register("records/ortiz", roles: ["custodian"])
        try desk.t.register("ccrb/analyst", roles: ["oversight"])
        try desk.t.register("pd/lt.ortiz", roles: ["commander"], officer: "P-2")
        try desk.complaint("C-3", officer: "TAX-77")
        try desk.open("IA-3", complaints: ["C-3"])
        try desk.allegation("IA-3", "A1", officer: "TAX-77")
        let server = try await TestServer.start(desk.ledger)
        let token = try await signedIn(server.base, desk.t.keys["pd/lt.ortiz"]!)
        func caseFile() async throws -> HTTPReply {
            try await http("GET", server.base + "/v1/cases/IA-3", headers: ["Authorization": "Bearer \(token)"])
        }
        #expect(try await caseFile().status == 200, "TAX-77 is nobody he is, yet")
        try desk.step("records/ortiz", "officer.registered", "officer/P-2", [("officer_id", .string("P-2")), ("name", .string("R. Ortiz"))])
        try desk.step("records/ortiz", "officer.linked", "officer/P-2", [
            ("officer_id", .string("P-2")), ("alias", .string("TAX-77")), ("basis", .string("tax number on the personnel file")),
        ])
        let refused = try await caseFile()
        #expect(refused.status == 403 && refused.code == "named-in-subject", "\(refused.text)")
        let analyst = try await signedIn(server.base, desk.t.keys["ccrb/analyst"]!)
        let history = try await http("GET", server.base + "/v1/officers/TAX-77", headers: ["Authorization": "Bearer \(analyst)"])
        #expect(history.status == 200 && history.json["roster"]?["officer_id"] == .string("P-2") && history.json["allegations"]?.arrayValue?.count == 1,
                "\(history.text)")
        try await server.stop()
    }

    @Test("the read-access table names every view once, only roles that exist, and says audited and not_about_self; anything else is refused naming the place")
    func readAccessTable() throws {
        let table = try ReadAccess.bundled()
        #expect(Set(table.views.keys) == Set(ReadAccess.viewNames))
        #expect(table.views["case"]?.audited == true && table.views["case"]?.notAboutSelf == true)
        #expect(table.views["case"]?.roles.contains("officer") == false)
        #expect(table.views["access-log"]?.roles.sorted() == ["admin", "oversight"])
        #expect(throws: BlotterError.self) { try table.check("officer", actor: "ia/rivera", roles: ["investigator"]) }
        #expect(try table.check("officer", actor: "ccrb/a", roles: ["intake", "oversight"]).name == "officer")
        let roles = try RoleTable.bundled()
        func refusal(_ json: String) -> String {
            do {
                _ = try ReadAccess(json: try JSONParser.parse(Array(json.utf8)), roleTable: roles)
                return "accepted"
            } catch { return (error as? BlotterError)?.message ?? "\(error)" }
        }
        let all = ReadAccess.viewNames.filter { $0 != "case" }
            .map { "\"\($0)\": {\"roles\": [\"oversight\"], \"audited\": false, \"not_about_self\": false}" }.joined(separator: ", ")
        #expect(refusal("{\"views\": {\(all)}}").contains("says nothing of view case"))
        #expect(refusal("{\"views\": {\(all), \"case\": {\"roles\": [\"sheriff\"], \"audited\": true, \"not_about_self\": true}}}").contains("views.case.roles: \"sheriff\" is not a role"))
        #expect(refusal("{\"views\": {\(all), \"case\": {\"roles\": [], \"audited\": \"yes\", \"not_about_self\": true}}}").contains("views.case: needs \"audited\""))
        #expect(refusal("{\"views\": {\(all), \"case\": {\"roles\": [], \"audited\": true, \"not_about_self\": true, \"public\": true}}}").contains("unknown member \"public\""))
        #expect(refusal("{\"views\": {\(all), \"cases\": {\"roles\": [], \"audited\": true, \"not_about_self\": true}}}").contains("views.cases: no such view"))
    }

    /// A witness (blotter witness init) of `t`'s log, in a new directory.
    static func witness(of t: TestLedger, _ name: String) async throws -> (witness: Witness, directory: TemporaryDirectory) {
        let directory = TemporaryDirectory()
        let identity = try #require(try await t.ledger.identity())
        return (try Witness.initialize(directory: directory.path("w"), name: name, logKey: identity.operatorKey), directory)
    }

    @Test("the witness speaks C2SP tlog-witness: add-checkpoint cosigns a checkpoint consistent with its state and persists it; answers 409 with its size for a stale old size or a fork, 422 for a proof that fails, 403 for a checkpoint the log did not sign, 404 for another log, 400 for a malformed body; a refusal leaves its state as it was")
    func witnessProtocol() async throws {
        let t = try Self.domainLedger(.sqlite)
        let (initial, directory) = try await Self.witness(of: t, "ccrb.test.example/witness")
        let server = try await TestServer.startWitness(initial)
        let url = server.base + "/add-checkpoint"
        func add(_ old: Int64, _ proof: [TreeHash], _ note: String) async throws -> HTTPReply {
            try await http("POST", url, body: Array(("old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note).utf8))
        }
        func state() throws -> (size: Int64, root: TreeHash)? { try Witness(directory: directory.path("w")).latest }
        let witnessKey = try initial.verifierKey
        let identity = try #require(try await t.ledger.identity())

        let first = try await t.ledger.checkpoint(operatorKey: t.operatorKey)
        let n1 = try Checkpoint(text: first.text).size
        let cosigned = try await add(0, [], first.serialized)
        #expect(cosigned.status == 200, "\(cosigned.text)")
        #expect(cosigned.text.hasPrefix("— ccrb.test.example/witness ") && cosigned.text.hasSuffix("\n") && cosigned.text.split(separator: "\n").count == 1)
        let withCosignature = try SignedNote(parsing: first.serialized + cosigned.text)
        #expect(try withCosignature.verify(keys: [identity.operatorKey, witnessKey]).count == 2)
        #expect(try state()?.size == n1)

        // A stale old size: 409 with the witness's size, as text/x.tlog.size.
        let stale = try await add(0, [], first.serialized)
        #expect(stale.status == 409 && stale.text == "\(n1)\n" && stale.header("Content-Type") == "text/x.tlog.size", "\(stale.status) \(stale.text)")
        // The same checkpoint again from its own size: cosigned again.
        #expect(try await add(n1, [], first.serialized).status == 200)

        for i in 0..<5 { _ = try await t.ledger.append(try Self.complaint(t, "C-W\(i)")) }
        let second = try await t.ledger.checkpoint(operatorKey: t.operatorKey)
        let n2 = try Checkpoint(text: second.text).size
        let proof = try await t.ledger.consistencyProof(oldSize: n1, newSize: n2).proof
        let before = try state()
        // Refusals, each leaving the state as it was.
        var forged = SignedNote(text: Checkpoint(origin: identity.origin, size: n2, root: TreeHash.leaf(Array("forged".utf8))).text)
        try forged.sign(name: identity.origin, key: t.operatorKey)
        var foreign = SignedNote(text: Checkpoint(origin: "another.example/log", size: n2, root: TreeHash.leaf([1])).text)
        try foreign.sign(name: "another.example/log", key: try PrivateKey.generate(.ed25519))
        var impostor = SignedNote(text: second.text)
        try impostor.sign(name: identity.origin, key: try PrivateKey.generate(.ed25519))
        let body = Array(second.serialized.utf8)
        let refusals: [(String, HTTPReply, Int)] = [
            ("a proof for another tree", try await add(n1, proof, forged.serialized), 422),
            ("a wrong proof", try await add(n1, proof.reversed(), second.serialized), 422),
            ("another log", try await add(n1, proof, foreign.serialized), 404),
            ("not signed by the log", try await add(n1, proof, impostor.serialized), 403),
            ("old above the size", try await add(n2 + 1, [], second.serialized), 400),
            ("leading zero", try await http("POST", url, body: Array("old 0\(n1)\n".utf8) + proof.flatMap { Array(($0.base64 + "\n").utf8) } + [0x0A] + body), 400),
            ("no empty line", try await http("POST", url, body: Array("old \(n1)\n".utf8) + body), 400),
            ("64 proof lines", try await add(n1, Array(repeating: proof[0], count: 64), second.serialized), 400),
            ("a proof from size 0", try await add(0, proof, second.serialized), 409),
        ]
        for (name, reply, status) in refusals {
            #expect(reply.status == status, "\(name): \(reply.status) \(reply.text)")
            #expect(try state()?.size == before?.size && state()?.root == before?.root, "\(name) changed the state")
        }
        // The honest extension is cosigned; then the older checkpoint is a stale old size (409), and a
        // fork at the witness's own size is 409 too.
        #expect(try await add(n1, proof, second.serialized).status == 200)
        #expect(try state()?.size == n2)
        #expect(try await add(n1, [], first.serialized).status == 409)
        let fork = try await add(n2, [], forged.serialized)
        #expect(fork.status == 409 && fork.text == "\(n2)\n")
        #expect(try state()?.root == Checkpoint(text: second.text).root)
        try await server.stop()
    }

    @Test("with witnesses the log publishes at /checkpoint, and proves against, only a checkpoint that a quorum cosigned; a witness that holds a fork refuses it and keeps its state, and without the quorum nothing new is published")
    func quorumPublishing() async throws {
        let t = try Self.domainLedger(.sqlite)
        let identity = try #require(try await t.ledger.identity())
        let (honest, honestDirectory) = try await Self.witness(of: t, "ccrb.test.example/honest")
        let (forked, forkedDirectory) = try await Self.witness(of: t, "ccrb.test.example/forked")
        // The second witness was shown a fork at the log's current size.
        let size = try await t.ledger.count()
        var fork = SignedNote(text: Checkpoint(origin: identity.origin, size: size, root: TreeHash.leaf(Array("fork".utf8))).text)
        try fork.sign(name: identity.origin, key: t.operatorKey)
        _ = try forked.cosign(fork.serialized, consistency: nil, time: 1_800_000_000)
        let witnessServers = [try await TestServer.startWitness(honest), try await TestServer.startWitness(try Witness(directory: forkedDirectory.path("w")))]
        let endpoints = [try WitnessEndpoint(url: witnessServers[0].base, key: try honest.verifierKey),
                         try WitnessEndpoint(url: witnessServers[1].base, key: try forked.verifierKey)]
        func waitForCheckpoint(_ base: String, size: Int64) async throws -> HTTPReply? {
            for _ in 0..<100 {
                let r = try await http("GET", base + "/checkpoint")
                if r.status == 200, try Checkpoint(text: SignedNote(parsing: r.text).text).size >= size { return r }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        // Quorum 2: the forked witness refuses (409, then 422 from its size), so nothing is published.
        let strict = try await TestServer.start(t.ledger, ServerConfiguration(operatorKey: t.operatorKey, checkpointInterval: .milliseconds(50),
                                                                              witnesses: endpoints, witnessQuorum: 2))
        _ = try await post(strict.base + "/v1/submissions", [try Self.complaint(t, "C-Q1")])
        try await Task.sleep(for: .milliseconds(600))
        let none = try await http("GET", strict.base + "/checkpoint")
        #expect(none.status == 404, "\(none.text)")
        let proof = try await http("GET", strict.base + "/v1/submissions/1/proof")
        #expect(proof.status == 404 && proof.code == "not-yet-covered")
        #expect(strict.log.all.contains { $0.contains("too few cosignatures") && $0.contains("quorum=2") })
        #expect(strict.log.all.contains { $0.contains("witness did not cosign") && $0.contains("ccrb.test.example/forked") })
        #expect(try Witness(directory: forkedDirectory.path("w")).latest?.root == Checkpoint(text: fork.text).root, "the forked witness's state changed")
        try await strict.stop()

        // Quorum 1: the honest witness's cosignature is enough; the note carries it and verifies.
        let lenient = try await TestServer.start(t.ledger, ServerConfiguration(operatorKey: t.operatorKey, checkpointInterval: .milliseconds(50),
                                                                               witnesses: endpoints, witnessQuorum: 1))
        _ = try await post(lenient.base + "/v1/submissions", [try Self.complaint(t, "C-Q2")])
        let count = try await t.ledger.count()
        let published = try #require(try await waitForCheckpoint(lenient.base, size: count))
        let note = try SignedNote(parsing: published.text)
        #expect(try note.verify(keys: [identity.operatorKey, try honest.verifierKey]).count == 2)
        #expect(throws: BlotterError.self) { try SignedNote(text: note.text, signatures: note.signatures.filter { $0.name != identity.origin }).verify(keys: [try forked.verifierKey]) }
        #expect(try Witness(directory: honestDirectory.path("w")).latest?.size == count)
        let receipt = try await http("GET", lenient.base + "/v1/submissions/\(count - 1)/proof")
        #expect(receipt.status == 200 && receipt.text.contains("— ccrb.test.example/honest "), "\(receipt.text)")
        try await lenient.stop()
        for w in witnessServers { try await w.stop() }
    }

    @Test("a challenge expires; sessions expire; the number of outstanding challenges is bounded")
    func challengeAndSessionLifetimes() throws {
        let sessions = SessionStore(challengeLifetimeSeconds: 60, sessionLifetimeSeconds: 3600, maxChallenges: 3)
        let key = try PrivateKey.generate(.ed25519)
        let record = KeyRecord(keyID: key.publicKey.keyID, actor: "ia/x", publicKey: key.publicKey, roles: ["intake"], registeredSeq: 1)
        let t0 = Timestamp.now()
        let c = try sessions.challenge(now: t0)
        let signature = try key.signature(for: Array(SessionStore.signingText(origin: "o", nonce: c.nonce).utf8))
        #expect(throws: APIError.self) {
            try sessions.signIn(keyID: record.keyID, nonce: c.nonce, signature: signature, origin: "o", record: record, officer: nil,
                                now: Timestamp(milliseconds: t0.milliseconds + 61_000))
        }
        let fresh = try sessions.challenge(now: t0)
        let s2 = try key.signature(for: Array(SessionStore.signingText(origin: "o", nonce: fresh.nonce).utf8))
        let (token, _) = try sessions.signIn(keyID: record.keyID, nonce: fresh.nonce, signature: s2, origin: "o", record: record, officer: nil, now: t0)
        #expect(sessions.session(token, now: Timestamp(milliseconds: t0.milliseconds + 3_599_000)) != nil)
        #expect(sessions.session(token, now: Timestamp(milliseconds: t0.milliseconds + 3_600_001)) == nil)
        // Four challenges with room for three: the first is dropped and can no longer be used.
        let first = try sessions.challenge(now: t0)
        for _ in 0..<3 { _ = try sessions.challenge(now: t0) }
        let s3 = try key.signature(for: Array(SessionStore.signingText(origin: "o", nonce: first.nonce).utf8))
        #expect(throws: APIError.self) { try sessions.signIn(keyID: record.keyID, nonce: first.nonce, signature: s3, origin: "o", record: record, officer: nil, now: t0) }
    }

    @Test("the OpenAPI document is served, is the one in the repository, and names every route")
    func openAPIDocument() async throws {
        let t = try Self.domainLedger(.sqlite)
        let server = try await TestServer.start(t.ledger)
        let reply = try await http("GET", server.base + "/openapi.json")
        try await server.stop()
        #expect(reply.status == 200)
        let repository = Array(FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent("Schemas/openapi.json").path)!)
        #expect(reply.body == repository)
        #expect(reply.json["openapi"]?.stringValue == "3.1.0")
        let paths = Set(reply.json["paths"]?.objectValue?.map(\.0) ?? [])
        #expect(paths == ["/health", "/metrics", "/openapi.json", "/checkpoint", "/tile/{level}/{index}", "/tile/{level}/{index}.p/{width}",
                          "/tile/entries/{index}", "/tile/entries/{index}.p/{width}",
                          "/v1/submissions", "/v1/submissions/{seq}/proof", "/v1/proofs/consistency", "/v1/challenge", "/v1/session", "/v1/cases", "/v1/cases/{case_id}", "/v1/officers/{officer}",
                          "/v1/bodycam/compliance", "/v1/bodycam/{evidence_id}/custody", "/v1/stats", "/v1/access-log"])
    }
}

/// The server as its own process, and checked by a tool nobody here wrote.
///
/// One test at a time: Foundation's `Process.run()` on Linux (Swift 6.3.1) can crash reading
/// `/proc/self/fd` when this process has many descriptors open (swift-corelibs-foundation PR
/// #5472), and the abuse test holds 1,000 connections while the others start `blotter serve`.
@Suite("HTTP server process", .serialized)
struct ServerProcessTests {
    @Test("schemathesis, from the OpenAPI document, finds no 5xx and no response that breaks the document: signed out over every operation, and signed in as oversight over the views")
    func schemathesis() async throws {
        let desk = try CaseDesk(store: .sqlite)
        let analyst = try desk.t.register("ccrb/analyst", roles: ["oversight"])
        // The ids of the document's examples (those of the demo ledger).
        for i in 1...3 {
            try desk.complaint("C-ST\(i)", officer: "P-1001")
            try desk.open("IA-2025-000\(i)", complaints: ["C-ST\(i)"])
            try desk.allegation("IA-2025-000\(i)", "A1", officer: "P-1001")
        }
        let server = try await TestServer.start(desk.ledger, ServerConfiguration(operatorKey: desk.t.operatorKey, checkpointInterval: .milliseconds(100)))
        let seed = ProcessInfo.processInfo.environment["BLOTTER_SCHEMATHESIS_SEED"] ?? "1"
        let common = ["--checks", "all", "--exclude-checks", "positive_data_acceptance", "--max-examples", "50", "--seed", seed, "--no-color"]
        let signedOut = try await runOffPool("/usr/bin/env", ["schemathesis", "run", server.base + "/openapi.json"] + common,
                                             environment: ["SCHEMATHESIS_HOOKS": ""])
        let token = try await signedIn(server.base, analyst)
        let signedIn = try await runOffPool("/usr/bin/env", [
            "schemathesis", "run", server.base + "/openapi.json", "-H", "Authorization: Bearer \(token)",
            "--include-path-regex", "^/v1/(cases|officers|bodycam|stats|access-log)",
        ] + common, environment: ["SCHEMATHESIS_HOOKS": ""])
        try await server.stop()
        for (name, result) in [("signed out", signedOut), ("signed in", signedIn)] {
            #expect(!result.stderr.contains("No such file") && !result.stderr.contains("ModuleNotFoundError"),
                    "schemathesis is not installed (Tools/test.sh installs it: pip install schemathesis): \(result.stderr)")
            #expect(result.status == 0, "schemathesis \(name) (seed \(seed)) found failures:\n\(result.stdout.suffix(6000))\n\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("passed"), "\(result.stdout.suffix(2000))")
        }
        // Signed in, schemathesis read case files: each read is in the access log.
        #expect(try await desk.ledger.accessLog(AccessQuery(actor: "ccrb/analyst", view: "case")).contains { $0.outcome == "read" })
    }

    @Test("1,000 idle connections, a body of 100 MB declared and one streamed, a body that drips, malformed JSON: each is refused or timed out, other clients are answered meanwhile, and the server's memory stays bounded")
    func abuse() async throws {
        let t = try ServerTests.domainLedger(.sqlite)
        let (process, port) = try await startServe(["--ledger", t.path, "--body-timeout", "2"])
        let base = "http://127.0.0.1:\(port)"
        func healthy() async throws -> Bool {
            let started = ContinuousClock.now
            let r = try await http("GET", base + "/health")
            return r.status == 200 && ContinuousClock.now - started < .seconds(5)
        }
        let idle = try (0..<1000).map { _ in try RawConnection(port: port) }
        #expect(try await healthy(), "with 1,000 idle connections open")

        // 100 MB declared: refused before a byte of it is read.
        let declared = try RawConnection(port: port)
        declared.send(Array("POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n".utf8))
        let declaredReply = declared.receive()
        #expect(declaredReply.hasPrefix("HTTP/1.1 413"), "\(declaredReply.prefix(200))")

        // 100 MB streamed in chunks: the server stops at its 16 MiB limit and answers 413.
        let streamed = try RawConnection(port: port)
        streamed.send(Array("POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        let chunk = Array("100000\r\n".utf8) + [UInt8](repeating: 0x20, count: 1 << 20) + Array("\r\n".utf8)
        var sent = 0
        var streamedReply = ""
        while sent < 100 {
            guard streamed.send(chunk) else { break }
            sent += 1
            if streamed.readable(within: 0) {
                streamedReply = streamed.receive()
                break
            }
        }
        if streamedReply.isEmpty { streamedReply = streamed.receive() }
        #expect(sent < 100, "the server read all of a 100 MB body")
        #expect(streamedReply.isEmpty || streamedReply.hasPrefix("HTTP/1.1 413"), "\(streamedReply.prefix(200))")
        #expect(try await healthy(), "after a 100 MB body")

        // A body that drips one byte at a time is cut off after --body-timeout (2 s) with 408,
        // and other clients are answered while it drips.
        let drip = try RawConnection(port: port)
        drip.send(Array("POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".utf8))
        let dripStarted = ContinuousClock.now
        var dripReply = ""
        for _ in 0..<60 {
            guard drip.send([0x20]) else { break }
            if drip.readable(within: 100) {
                dripReply = drip.receive()
                break
            }
        }
        #expect(dripReply.hasPrefix("HTTP/1.1 408"), "\(dripReply.prefix(200))")
        #expect(ContinuousClock.now - dripStarted < .seconds(5))
        #expect(try await healthy(), "after the drip")

        let malformed = try await http("POST", base + "/v1/submissions", body: Array("{\"statement\": ".utf8), headers: ["Content-Type": "application/json"])
        #expect(malformed.status == 400 && malformed.code == "malformed-json", "\(malformed.text)")

        // Still serving: a real submission is appended with 1,000 connections open.
        let ok = try await post(base + "/v1/submissions", [try ServerTests.complaint(t, "C-AB1")])
        #expect(ok.status == 200, "\(ok.text)")
        let peak = try #require(peakMemoryKiB(process.processIdentifier))
        #expect(peak < 160 * 1024, "peak resident memory \(peak / 1024) MiB")
        _ = idle.count
        kill(process.processIdentifier, SIGTERM)
        #expect(await exitStatus(process) == 0)
    }

    @Test("SIGKILL under load, again and again: every statement answered 200 is in the ledger after restart; SIGTERM exits 0")
    func sigkillUnderLoad() async throws {
        let t = try ServerTests.domainLedger(.sqlite)
        var acknowledged: [String] = []
        var next = 0
        for round in 0..<4 {
            let (process, port) = try await startServe(["--ledger", t.path, "--batch-wait-ms", "2"])
            let url = "http://127.0.0.1:\(port)/v1/submissions"
            let submissions = try (0..<60).map { i in try ServerTests.complaint(t, "C-K\(next + i)") }
            next += submissions.count
            let firstAck = AsyncStream<Void>.makeStream()
            let replies = await withTaskGroup(of: (Int, HTTPReply?).self) { group in
                for (i, s) in submissions.enumerated() {
                    group.addTask {
                        let reply = try? await post(url, [s])
                        if reply?.status == 200 { firstAck.continuation.yield() }
                        return (i, reply)
                    }
                }
                group.addTask {
                    // Odd rounds: killed once something was acknowledged; even rounds: at once.
                    if round % 2 == 1 { var it = firstAck.stream.makeAsyncIterator(); _ = await it.next() }
                    kill(process.processIdentifier, SIGKILL)
                    return (-1, nil)
                }
                var out: [(Int, HTTPReply?)] = []
                for await r in group where r.0 >= 0 { out.append(r) }
                return out
            }
            let status = await exitStatus(process)
            #expect(status == 128 + SIGKILL || status == SIGKILL, "exit status \(status)")
            for (i, reply) in replies where reply?.status == 200 { acknowledged.append(submissions[i].statement.stream) }
            for (_, reply) in replies { if let reply { #expect(reply.status == 200 || reply.status == 503, "\(reply.text)") } }
        }
        // After the last kill, a clean start and SIGTERM: exit 0, and everything acknowledged is there.
        let (process, _) = try await startServe(["--ledger", t.path])
        kill(process.processIdentifier, SIGTERM)
        #expect(await exitStatus(process) == 0)
        let reopened = try openLedger(t.path)
        let streams = Set(try reopened.store.read { try $0.summaries(from: 0, limit: 100_000, stream: nil) }.map(\.stream))
        #expect(!acknowledged.isEmpty, "no request was acknowledged before a kill: the test proved nothing")
        for stream in acknowledged { #expect(streams.contains(stream), "\(stream) was acknowledged, then lost") }
        #expect(try await LedgerVerifier(store: reopened.store).verify().entries == (try await reopened.count()))
        try reopened.close()
    }
}
