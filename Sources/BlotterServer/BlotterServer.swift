public import BlotterCrypto
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
    /// Statements that may wait for the writer; beyond it requests are answered 503 with Retry-After.
    public var queueCapacity: Int
    /// Statements in one request.
    public var maxRequestStatements: Int
    /// Bytes of one request body.
    public var maxBodyBytes: Int
    /// A connection with no request in flight for this long is closed.
    public var idleTimeout: Duration
    /// The Retry-After of a 503.
    public var retryAfterSeconds: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, operatorKey: PrivateKey? = nil, checkpointInterval: Duration = .seconds(1),
                maxBatch: Int = 256, batchWait: Duration = .zero, queueCapacity: Int = 8192, maxRequestStatements: Int = 1000,
                maxBodyBytes: Int = 16 << 20, idleTimeout: Duration = .seconds(30), retryAfterSeconds: Int = 1) {
        self.host = host
        self.port = port
        self.operatorKey = operatorKey
        self.checkpointInterval = checkpointInterval
        self.maxBatch = maxBatch
        self.batchWait = batchWait
        self.queueCapacity = queueCapacity
        self.maxRequestStatements = maxRequestStatements
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.retryAfterSeconds = retryAfterSeconds
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
    let metrics = ServerMetrics()
    let committer = GroupCommitter(ledger: ledger, maxBatch: configuration.maxBatch, batchWait: configuration.batchWait,
                                   capacity: configuration.queueCapacity, retryAfter: configuration.retryAfterSeconds, metrics: metrics)
    let api = API(ledger: ledger, identity: identity, configuration: configuration, committer: committer, metrics: metrics)
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestLog(metrics: metrics))
    router.add(middleware: ErrorsAsJSON(metrics: metrics))
    api.register(router)

    // The committer first: the service group stops services in reverse order, so the HTTP server
    // stops (answering every request in flight) before the writer drains its queue and ends.
    var services: [any Service] = [committer]
    if let key = configuration.operatorKey {
        services.append(Checkpointer(ledger: ledger, operatorKey: key, interval: configuration.checkpointInterval, metrics: metrics, logger: logger))
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
        router.get("/v1/submissions/{seq}/proof") { request, context in
            try await self.proof(seq: try Self.integer(context.parameters.get("seq"), name: "seq"), request: request)
        }
        router.get("/v1/proofs/consistency") { request, _ in
            let q = request.uri.queryParameters
            return try await self.consistency(old: try Self.integer(q.get("old"), name: "old"),
                                              new: try Self.integer(q.get("new"), name: "new"))
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

    func checkpoint() async throws -> Response {
        guard let latest = try await ledger.reading({ try $0.latestCheckpoint() }) else {
            throw APIError(status: .notFound, code: "not-found", message: "the log has signed no checkpoint yet")
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
        let body = try await Self.body(request, limit: configuration.maxBodyBytes)
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

    /// The request body, refused with 413 past `limit` (by Content-Length before reading anything).
    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError(status: .contentTooLarge, code: "too-large", message: "the request body is \(length) bytes; at most \(limit)")
        }
        do {
            var buffer = try await request.body.collect(upTo: limit)
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
            guard let latest = try reader.latestCheckpoint(), latest.size > seq else { return nil }
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
