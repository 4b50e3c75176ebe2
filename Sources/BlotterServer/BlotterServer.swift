public import BlotterCrypto
public import BlotterDomain
public import BlotterFormat
public import BlotterLog
public import Hummingbird
public import Logging
internal import NIOCore
internal import ServiceLifecycle
internal import CoreMetrics

/// How a server runs. Every bound has a default fit for one department's server on two cores.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); `onRunning` is told which.
    public var port: Int
    /// The operator's key: with it the server signs a checkpoint every `checkpointInterval` while the
    /// log grows; without it `/checkpoint` serves the latest one signed elsewhere (`blotter checkpoint`).
    public var operatorKey: PrivateKey?
    public var checkpointInterval: Duration
    /// Statements per batch transaction.
    public var maxBatch: Int
    /// How long the writer waits for a batch to fill before committing a smaller one (0: commit
    /// whatever has queued while the previous batch committed).
    public var batchWait: Duration
    /// Batches in flight at once: while one holds the write transaction, the next has its signatures
    /// and schemas checked on the other cores (1: one batch at a time).
    public var batchesInFlight: Int
    /// Statements that may wait for the writer; beyond it requests are answered 503 with Retry-After.
    public var queueCapacity: Int
    /// Statements in one request.
    public var maxRequestStatements: Int
    /// Bytes of one request body.
    public var maxBodyBytes: Int
    /// A connection with no request in flight for this long is closed.
    public var idleTimeout: Duration
    /// A request whose body has not all arrived this long after its headers is answered 408.
    public var bodyTimeout: Duration
    /// The Retry-After of a 503.
    public var retryAfterSeconds: Int
    /// How long a sign-in session lasts.
    public var sessionLifetimeSeconds: Int64
    /// Mark the session cookie Secure (set it when a TLS terminator is in front).
    public var secureCookies: Bool
    /// Witnesses to send each new checkpoint to; with any, `/checkpoint` and proofs use only a
    /// checkpoint that carries `witnessQuorum` of their cosignatures.
    public var witnesses: [WitnessEndpoint]
    /// Cosignatures a checkpoint needs to be published (0: every witness).
    public var witnessQuorum: Int
    /// Seconds to wait for one witness's answer.
    public var witnessTimeoutSeconds: Double

    public init(host: String = "127.0.0.1", port: Int = 8080, operatorKey: PrivateKey? = nil, checkpointInterval: Duration = .seconds(1),
                maxBatch: Int = 256, batchWait: Duration = .zero, batchesInFlight: Int = 2, queueCapacity: Int = 8192, maxRequestStatements: Int = 1000,
                maxBodyBytes: Int = 16 << 20, idleTimeout: Duration = .seconds(30), bodyTimeout: Duration = .seconds(30), retryAfterSeconds: Int = 1,
                sessionLifetimeSeconds: Int64 = 8 * 3600, secureCookies: Bool = false, witnesses: [WitnessEndpoint] = [],
                witnessQuorum: Int = 0, witnessTimeoutSeconds: Double = 5) {
        self.host = host
        self.port = port
        self.operatorKey = operatorKey
        self.checkpointInterval = checkpointInterval
        self.maxBatch = maxBatch
        self.batchWait = batchWait
        self.batchesInFlight = batchesInFlight
        self.queueCapacity = queueCapacity
        self.maxRequestStatements = maxRequestStatements
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.retryAfterSeconds = retryAfterSeconds
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.secureCookies = secureCookies
        self.witnesses = witnesses
        self.witnessQuorum = witnessQuorum
        self.witnessTimeoutSeconds = witnessTimeoutSeconds
    }
}

/// The Blotter HTTP server over `ledger` (any store): the application `blotter serve` runs and the
/// tests run in-process. Run it with `runService()` (SIGTERM and SIGINT shut it down gracefully:
/// no new connections, requests in flight answered, queued statements committed, exit 0).
public func buildApplication(ledger: Ledger, configuration: ServerConfiguration, logger: Logger,
                             onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
    guard let identity = try await ledger.identity() else {
        throw BlotterError(.ledgerState, "the ledger has no genesis entry; run `blotter init` first")
    }
    if let key = configuration.operatorKey {
        guard let given = try? NoteVerifierKey(name: identity.origin, publicKey: key.publicKey), given == identity.operatorKey else {
            throw BlotterError(.invalidInput, "that key is not this ledger's operator key \(identity.operatorKey)")
        }
    }
    let quorum = configuration.witnessQuorum == 0 ? configuration.witnesses.count : configuration.witnessQuorum
    guard quorum >= 0, quorum <= configuration.witnesses.count else {
        throw BlotterError(.invalidInput, "a quorum of \(quorum) cosignatures cannot be met by \(configuration.witnesses.count) witness(es)")
    }
    for w in configuration.witnesses where configuration.witnesses.filter({ $0.key == w.key }).count > 1 {
        throw BlotterError(.invalidInput, "witness key \(w.key.name) is given twice; a quorum counts distinct witnesses")
    }
    let metrics = ServerMetrics()
    let published = PublishedCheckpoint()
    let witnessing = configuration.witnesses.isEmpty ? nil : Witnessing(
        clients: configuration.witnesses.map { WitnessClient($0, timeout: configuration.witnessTimeoutSeconds) }, quorum: quorum,
        published: published, ledger: ledger, metrics: metrics, logger: logger)
    let committer = GroupCommitter(ledger: ledger, maxBatch: configuration.maxBatch, batchWait: configuration.batchWait, inFlight: configuration.batchesInFlight,
                                   capacity: configuration.queueCapacity, retryAfter: configuration.retryAfterSeconds, metrics: metrics)
    let recorder = AccessRecorder(ledger: ledger, capacity: configuration.queueCapacity, retryAfter: configuration.retryAfterSeconds)
    let api = API(ledger: ledger, identity: identity, configuration: configuration, committer: committer, metrics: metrics,
                  sessions: SessionStore(sessionLifetimeSeconds: configuration.sessionLifetimeSeconds),
                  readAccess: try ReadAccess.bundled(), earlyIntervention: try EarlyInterventionRules.bundled(), accessRecorder: recorder,
                  published: witnessing == nil ? nil : published)
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestLog(metrics: metrics))
    router.add(middleware: ErrorsAsJSON(metrics: metrics))
    api.register(router)

    // The committer first: the service group stops services in reverse order, so the HTTP server
    // stops (answering every request in flight) before the writer drains its queue and ends.
    var services: [any Service] = [committer, recorder]
    if configuration.operatorKey != nil || witnessing != nil {
        services.append(Checkpointer(ledger: ledger, operatorKey: configuration.operatorKey, interval: configuration.checkpointInterval,
                                     witnessing: witnessing, metrics: metrics, logger: logger))
    }
    let idle = TimeAmount.nanoseconds(GroupCommitter.nanoseconds(configuration.idleTimeout))
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: idle)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "blotter"),
        services: services,
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Builds the server and runs it until SIGTERM or SIGINT, then shuts down gracefully (what
/// `blotter serve` runs).
public func serve(ledger: Ledger, configuration: ServerConfiguration, logger: Logger,
                  onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
    let app = try await buildApplication(ledger: ledger, configuration: configuration, logger: logger, onRunning: onRunning)
    try await app.runService()
}

/// The handlers. Each reads the store through the async API (off the cooperative pool).
struct API: Sendable {
    let ledger: Ledger
    let identity: LedgerIdentity
    let configuration: ServerConfiguration
    let committer: GroupCommitter
    let metrics: ServerMetrics
    let sessions: SessionStore
    let readAccess: ReadAccess
    let earlyIntervention: EarlyInterventionRules
    let accessRecorder: AccessRecorder
    /// With witnesses: the checkpoint a quorum cosigned, which `/checkpoint` and proofs use.
    let published: PublishedCheckpoint?

    func register(_ router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in try await self.health() }
        router.get("/metrics") { _, _ in
            bytesResponse(self.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8", cacheControl: "no-store")
        }
        router.get("/openapi.json") { _, _ in
            bytesResponse(OpenAPIDocument.bytes, contentType: "application/json", cacheControl: "public, max-age=300")
        }
        router.get("/checkpoint") { _, _ in try await self.checkpoint() }
        router.get("/tile/**") { _, context in try await self.tile(context.parameters.getCatchAll()) }
        router.post("/v1/submissions") { request, _ in try await self.submit(request) }
        router.get("/v1/challenge") { _, _ in try self.challenge() }
        router.post("/v1/session") { request, _ in try await self.signIn(request) }
        router.get("/v1/session") { request, _ in
            let principal = try await self.principal(request)
            return jsonResponse(Self.principalJSON(principal), headers: [.cacheControl: "no-store"])
        }
        router.delete("/v1/session") { request, _ in
            if let token = Self.token(request) { self.sessions.end(token) }
            return jsonResponse(.object([("signed_out", .bool(true))]), headers: [.setCookie: self.cookie("", maxAge: 0)])
        }
        router.get("/v1/submissions/{seq}/proof") { request, context in
            try await self.proof(seq: try Self.integer(context.parameters.get("seq"), name: "seq"), request: request)
        }
        router.get("/v1/proofs/consistency") { request, _ in
            let q = request.uri.queryParameters
            return try await self.consistency(old: try Self.integer(q.get("old"), name: "old"),
                                              new: try Self.integer(q.get("new"), name: "new"))
        }
        registerReads(router)
    }

    /// The methods the route of `path` takes, or nil if no route has that path.
    static func methods(for path: String) -> [String]? {
        switch path {
        case "/health", "/metrics", "/openapi.json", "/checkpoint", "/v1/proofs/consistency": return ["GET"]
        case "/v1/submissions": return ["POST"]
        case "/v1/challenge": return ["GET"]
        case "/v1/session": return ["GET", "POST", "DELETE"]
        case "/v1/cases", "/v1/stats", "/v1/access-log", "/v1/bodycam/compliance": return ["GET"]
        default:
            if path.hasPrefix("/tile/") { return ["GET"] }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 5, parts[1] == "v1", parts[2] == "submissions", parts[4] == "proof" { return ["GET"] }
            if parts.count == 4, parts[1] == "v1", ["cases", "officers"].contains(parts[2]) { return ["GET"] }
            if parts.count == 5, parts[1] == "v1", parts[2] == "bodycam", parts[4] == "custody" { return ["GET"] }
            return nil
        }
    }

    static func integer(_ text: String?, name: String) throws -> Int64 {
        guard let text else { throw APIError(status: .badRequest, code: "invalid-input", message: "\(name) is missing") }
        guard let v = Int64(text), v >= 0, text.allSatisfy(\.isNumber) else {
            throw APIError(status: .badRequest, code: "invalid-input", message: "\(name) must be a non-negative integer")
        }
        return v
    }

    func health() async throws -> Response {
        let size = try await ledger.count()
        return jsonResponse(.object([("status", .string("ok")), ("origin", .string(identity.origin)), ("size", .integer(size))]),
                            headers: [.cacheControl: "no-store"])
    }

    /// The checkpoint this server publishes: with witnesses, the latest a quorum cosigned; else the
    /// latest stored.
    func publishedCheckpoint(_ reader: any LedgerReading) throws -> (size: Int64, note: String)? {
        guard let published else { return try reader.latestCheckpoint() }
        return published.current
    }

    func checkpoint() async throws -> Response {
        guard let latest = try await ledger.reading({ try self.publishedCheckpoint($0) }) else {
            throw APIError(status: .notFound, code: "not-found",
                           message: published == nil ? "the log has signed no checkpoint yet" : "no checkpoint carries a quorum of witness cosignatures yet")
        }
        return bytesResponse(Array(latest.note.utf8), contentType: "text/plain; charset=utf-8", cacheControl: "max-age=1")
    }

    func tile(_ elements: [Substring]) async throws -> Response {
        guard let tile = TilePath(elements: elements) else {
            throw APIError(status: .notFound, code: "not-found", message: "no such tile: tile paths are tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>] (c2sp.org/tlog-tiles)")
        }
        let bytes = try await ledger.reading { reader in try tile.read(reader, size: try reader.count()) }
        guard let bytes else {
            throw APIError(status: .notFound, code: "not-found", message: "the log does not hold that tile yet")
        }
        // Full tiles never change; a partial tile is a prefix that never changes either, but the log
        // may stop serving it once the full tile exists, so caches keep it briefly.
        return bytesResponse(bytes, contentType: "application/octet-stream",
                             cacheControl: tile.isFull ? "public, max-age=31536000, immutable" : "public, max-age=60")
    }

    /// One signed submission, or a JSON array of them (what `blotter sign` prints), appended all or
    /// none once its batch is durable: `{"receipts": [{seq, entry_hash, recorded, stream, stream_version, duplicate}]}`.
    func submit(_ request: Request) async throws -> Response {
        let body = try await Self.body(request, limit: configuration.maxBodyBytes, timeout: configuration.bodyTimeout)
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw APIError(error)
        }
        var submissions: [Submission] = []
        if let items = json.arrayValue {
            guard !items.isEmpty else { throw APIError(status: .badRequest, code: "invalid-input", message: "the array holds no submissions") }
            guard items.count <= configuration.maxRequestStatements else {
                throw APIError(status: .contentTooLarge, code: "too-large",
                               message: "\(items.count) submissions in one request; at most \(configuration.maxRequestStatements)")
            }
            for (i, item) in items.enumerated() {
                do {
                    submissions.append(try Submission(json: item))
                } catch {
                    throw APIError(error.prefixed("submission \(i + 1) of \(items.count): "), index: i)
                }
            }
        } else {
            do {
                submissions.append(try Submission(json: json))
            } catch {
                throw APIError(error)
            }
        }
        switch try await committer.submit(submissions) {
        case let .appended(receipts):
            return jsonResponse(.object([("receipts", .array(receipts.compactMap { $0.map(Self.receiptJSON) }))]))
        case let .refused(index, error):
            let prefix = submissions.count == 1 ? "" : "submission \(index + 1) of \(submissions.count): "
            throw APIError(error.prefixed(prefix), index: submissions.count == 1 ? nil : index)
        }
    }

    static func receiptJSON(_ r: AppendReceipt) -> JSONValue {
        .object([("seq", .integer(r.seq)), ("entry_hash", .string(r.entryHash)), ("recorded", .string(r.recorded)),
                 ("stream", .string(r.stream)), ("stream_version", .integer(r.streamVersion)), ("duplicate", .bool(r.duplicate))])
    }

    /// The request body, refused with 413 past `limit` (by Content-Length before reading anything),
    /// and with 408 when it has not all arrived within `timeout` (a client that drips its body).
    static func body(_ request: Request, limit: Int, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError(status: .contentTooLarge, code: "too-large", message: "the request body is \(length) bytes; at most \(limit)")
        }
        let body = request.body
        do {
            let buffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard var buffer else {
                throw APIError(status: .requestTimeout, code: "timeout", message: "the request body did not arrive within \(timeout.components.seconds) s")
            }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw APIError(status: .contentTooLarge, code: "too-large", message: "the request body is more than \(limit) bytes")
        }
    }

    /// The entry's C2SP tlog-proof against the latest checkpoint (text/plain), or with
    /// `Accept: application/json` the same as JSON with the inclusion proof's parts.
    func proof(seq: Int64, request: Request) async throws -> Response {
        let latest: (size: Int64, note: String)? = try await ledger.reading { reader in
            guard seq < (try reader.count()) else { throw BlotterError(.notFound, "there is no entry \(seq)") }
            guard let latest = try self.publishedCheckpoint(reader), latest.size > seq else { return nil }
            return latest
        }
        guard let latest else {
            throw APIError(status: .notFound, code: "not-yet-covered",
                           message: "no checkpoint covers entry \(seq) yet; try again shortly", retryAfter: 1)
        }
        let note = try SignedNote(parsing: latest.note)
        let p = try await ledger.inclusionProof(seq: seq, size: latest.size)
        let result = (note: note, size: latest.size, leaf: p.leaf, root: p.root, proof: p.proof)
        let receipt = TlogProof(index: seq, proof: result.proof, checkpoint: result.note).serialized
        if request.headers[.accept]?.contains("application/json") == true {
            return jsonResponse(.object([
                ("index", .integer(seq)), ("tree_size", .integer(result.size)), ("leaf_hash", .string(result.leaf.base64)),
                ("root_hash", .string(result.root.base64)), ("proof", .array(result.proof.map { .string($0.base64) })),
                ("checkpoint", .string(result.note.serialized)), ("tlog_proof", .string(receipt)),
            ]))
        }
        return bytesResponse(Array(receipt.utf8), contentType: "text/plain; charset=utf-8", cacheControl: "public, max-age=60")
    }

    // MARK: Sign-in

    static let cookieName = "blotter_session"

    func challenge() throws -> Response {
        let c = try sessions.challenge()
        return jsonResponse(.object([("nonce", .string(c.nonce)), ("expires", .string(c.expires.rfc3339)),
                                     ("sign", .string(SessionStore.signingText(origin: identity.origin, nonce: c.nonce)))]),
                            headers: [.cacheControl: "no-store"])
    }

    /// `{"key": KEYID, "nonce": N, "signature": BASE64URL}` → a session bound to that key.
    func signIn(_ request: Request) async throws -> Response {
        let body = try await Self.body(request, limit: 64 * 1024, timeout: configuration.bodyTimeout)
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw APIError(error) }
        guard let members = json.objectValue else {
            throw APIError(status: .badRequest, code: "invalid-input", message: "expected a JSON object {key, nonce, signature}")
        }
        for (name, _) in members where !["key", "nonce", "signature"].contains(name) {
            throw APIError(status: .badRequest, code: "invalid-input", message: "unknown member \"\(name)\"; expected key, nonce and signature")
        }
        guard let keyID = json["key"]?.stringValue, let nonce = json["nonce"]?.stringValue, let signatureText = json["signature"]?.stringValue else {
            throw APIError(status: .badRequest, code: "invalid-input", message: "key, nonce and signature must each be a string")
        }
        guard let signature = Base64.urlDecode(signatureText) else {
            throw APIError(status: .badRequest, code: "invalid-input", message: "signature must be base64url")
        }
        let found: (record: KeyRecord, officer: String?)? = keyID.utf8.count == 64 ? try await ledger.reading { reader in
            try reader.keyRecord(keyID).map { ($0, try Self.officer(of: $0, reader)) }
        } : nil
        let (token, session) = try sessions.signIn(keyID: keyID, nonce: nonce, signature: signature, origin: identity.origin,
                                                   record: found?.record, officer: found?.officer)
        guard let record = found?.record else { throw APIError(status: .internalServerError, code: "internal", message: "internal error") }
        var out = Self.principalJSON(SessionStore.Principal(keyID: keyID, actor: record.actor, roles: record.roles, officer: session.officer,
                                                            expires: session.expires))
        if case var .object(members) = out {
            members.insert(("token", .string(token)), at: 0)
            out = .object(members)
        }
        return jsonResponse(out, headers: [.setCookie: cookie(token, maxAge: configuration.sessionLifetimeSeconds), .cacheControl: "no-store"])
    }

    func cookie(_ token: String, maxAge: Int64) -> String {
        "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)" + (configuration.secureCookies ? "; Secure" : "")
    }

    /// The session token of a request: `Authorization: Bearer T`, else the session cookie.
    static func token(_ request: Request) -> String? {
        if let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
            return String(auth.dropFirst("Bearer ".count).filter { $0 != " " })
        }
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].filter({ $0 != " " }) == cookieName { return String(kv[1].filter { $0 != " " }) }
        }
        return nil
    }

    /// Who the request is signed in as, with the key's roles from the registry now. A session whose
    /// key has been revoked (or whose key is no longer registered) ends here.
    func principal(_ request: Request) async throws -> SessionStore.Principal {
        guard let token = Self.token(request) else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "sign in first: GET /v1/challenge, then POST /v1/session")
        }
        guard let session = sessions.session(token) else {
            throw APIError(status: .unauthorized, code: "unauthenticated", message: "no such session, or it expired; sign in again")
        }
        let record = try await ledger.reading { try $0.keyRecord(session.keyID) }
        guard let record, record.revokedSeq == nil else {
            sessions.end(token)
            throw APIError(status: .unauthorized, code: "session-ended", message: "the session's key \(session.keyID) was revoked; the session has ended")
        }
        return SessionStore.Principal(keyID: record.keyID, actor: record.actor, roles: record.roles, officer: session.officer, expires: session.expires)
    }

    /// The officer a key belongs to: the `officer` field of the entry that registered it (the stored
    /// key table does not keep it), nil for a key of no officer.
    static func officer(of record: KeyRecord, _ reader: any LedgerReading) throws -> String? {
        guard record.registeredSeq > 0, let entry = try reader.entries(from: record.registeredSeq, limit: 1).first,
              let text = entry.disclosures["officer"] else { return nil }
        return try Disclosure(encoded: text).value.stringValue
    }

    static func principalJSON(_ p: SessionStore.Principal) -> JSONValue {
        var members: [(String, JSONValue)] = [("actor", .string(p.actor)), ("key", .string(p.keyID)), ("roles", .array(p.roles.map { .string($0) })),
                                              ("expires", .string(p.expires.rfc3339))]
        if let officer = p.officer { members.append(("officer", .string(officer))) }
        return .object(members)
    }

    func consistency(old: Int64, new: Int64) async throws -> Response {
        jsonResponse(try await ledger.consistencyProof(oldSize: old, newSize: new).json())
    }
}

/// One log line per request: method, route pattern, status, milliseconds. Never the path or query
/// (they may hold a case id), never a header or body. Also the latency histogram.
struct RequestLog: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = GroupCommitter.nanoseconds(ContinuousClock.now - started)
        let route = context.endpointPath ?? "unmatched"
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code, nanoseconds: elapsed)
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(response.status.code),
            "ms": .stringConvertible(Double(elapsed / 1000) / 1000),
        ])
        return response
    }
}

/// Every error becomes a JSON error body: the ledger's refusals with their status, the router's own
/// (404 no route, 405) with theirs, anything else 500 with no detail (the log line names its type).
struct ErrorsAsJSON: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            metrics.refused(code: error.code)
            return try error.response(from: request, context: context)
        } catch let error as BlotterError {
            metrics.refused(code: error.code.rawValue)
            return try APIError(error).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            // The router answers 404 for a route it has under another method: that is a 405 with Allow.
            if error.status == .notFound, let allowed = API.methods(for: request.uri.path), !allowed.contains(request.method.rawValue) {
                metrics.refused(code: "method-not-allowed")
                var response = try APIError(status: .methodNotAllowed, code: "method-not-allowed",
                                            message: "\(request.method.rawValue) is not allowed here; use \(allowed.joined(separator: ", "))")
                    .response(from: request, context: context)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let code: String
            switch error.status {
            case .notFound: code = "not-found"
            case .methodNotAllowed: code = "method-not-allowed"
            case .contentTooLarge: code = "too-large"
            default: code = error.status.code < 500 ? "invalid-input" : "internal"
            }
            metrics.refused(code: code)
            let message = error.status == .notFound ? "no such resource" : error.status.reasonPhrase
            return try APIError(status: error.status, code: code, message: message).response(from: request, context: context)
        } catch {
            metrics.refused(code: "internal")
            context.logger.error("request failed", metadata: ["error": .string(String(describing: type(of: error)))])
            return try APIError(status: .internalServerError, code: "internal", message: "internal error").response(from: request, context: context)
        }
    }
}

enum OpenAPIDocument {
    static let bytes: [UInt8] = PackageResources.openapi_json
}
