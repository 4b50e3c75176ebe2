public import BlotterFormat
public import BlotterLog
public import Hummingbird
public import Logging
internal import NIOCore

/// The witness side of C2SP tlog-witness (https://c2sp.org/tlog-witness): `POST /add-checkpoint`
/// over the state `blotter witness init` made. One request at a time checks the old size against the
/// state and persists the new one (an actor), so two requests can never roll the state back.
public actor WitnessService {
    private var witness: Witness

    public init(witness: Witness) { self.witness = witness }

    /// The size this witness last cosigned, 0 before the first.
    public var size: Int64 { witness.latest?.size ?? 0 }

    /// An answer of add-checkpoint: status, content type, body.
    public struct Answer: Sendable {
        public let status: HTTPResponse.Status
        public let contentType: String
        public let body: String
    }

    /// Checks a request body in the order the specification gives and cosigns, or says why not.
    /// Nothing is written unless the answer is 200.
    public func addCheckpoint(_ body: [UInt8], time: UInt64) -> Answer {
        func refuse(_ status: HTTPResponse.Status, _ message: String) -> Answer {
            Answer(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
        }
        guard let text = String(validating: body, as: UTF8.self) else { return refuse(.badRequest, "the body is not UTF-8") }
        // old <size>\n, up to 63 base64 hashes each on its line, an empty line, the checkpoint note.
        guard let firstEnd = text.firstIndex(of: "\n") else { return refuse(.badRequest, "the body must begin with an \"old <size>\" line") }
        let oldLine = text[..<firstEnd]
        guard oldLine.hasPrefix("old "), let old = Self.decimal(oldLine.dropFirst(4)) else {
            return refuse(.badRequest, "the first line must be \"old <size>\", the size in decimal with no leading zeroes")
        }
        var rest = text[text.index(after: firstEnd)...]
        var proof: [TreeHash] = []
        while true {
            guard let end = rest.firstIndex(of: "\n") else { return refuse(.badRequest, "the consistency proof must end with an empty line before the checkpoint") }
            let line = rest[..<end]
            rest = rest[rest.index(after: end)...]
            if line.isEmpty { break }
            guard proof.count < 63 else { return refuse(.badRequest, "more than 63 consistency proof lines") }
            guard let hash = TreeHash(base64: String(line)) else {
                return refuse(.badRequest, "consistency proof line \(proof.count + 1) is not a base64 SHA-256 hash")
            }
            proof.append(hash)
        }
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: String(rest))
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            return refuse(.badRequest, "the checkpoint is not a signed checkpoint note: \(error.message)")
        }
        guard checkpoint.origin == witness.logKey.name else {
            return refuse(.notFound, "this witness does not witness the log \(checkpoint.origin)")
        }
        do {
            _ = try note.verify(keys: [witness.logKey])
        } catch {
            return refuse(.forbidden, "no signature on the checkpoint verifies with the log's key \(witness.logKey)")
        }
        guard old <= checkpoint.size else {
            return refuse(.badRequest, "old size \(old) is larger than the checkpoint's size \(checkpoint.size)")
        }
        let latest = witness.latest
        guard old == (latest?.size ?? 0) else {
            return Answer(status: .conflict, contentType: "text/x.tlog.size", body: "\(latest?.size ?? 0)\n")
        }
        if let latest, old == checkpoint.size, latest.root != checkpoint.root {
            return Answer(status: .conflict, contentType: "text/x.tlog.size", body: "\(latest.size)\n")
        }
        if old == 0 && !proof.isEmpty { return refuse(.badRequest, "the consistency proof must be empty when the old size is 0") }
        var consistency: ConsistencyProof? = nil
        if let latest, old < checkpoint.size {
            do {
                try MerkleTree.verifyConsistency(oldSize: old, newSize: checkpoint.size, proof: proof, oldRoot: latest.root, newRoot: checkpoint.root)
            } catch {
                return refuse(.unprocessableContent, "the consistency proof from size \(old) to \(checkpoint.size) does not verify: \(error.message)")
            }
            consistency = ConsistencyProof(oldSize: old, newSize: checkpoint.size, oldRoot: latest.root, newRoot: checkpoint.root, proof: proof)
        }
        do {
            let (cosigned, updated) = try witness.cosign(String(rest), consistency: consistency, time: time)
            witness = updated
            let lines = cosigned.signatures.filter { $0.name == updated.name }.suffix(1).map(\.line).joined()
            return Answer(status: .ok, contentType: "text/plain; charset=utf-8", body: lines)
        } catch let error as BlotterError {
            return refuse(error.code == .verificationFailed ? .conflict : .internalServerError, error.message)
        } catch {
            return refuse(.internalServerError, "the witness could not record the checkpoint")
        }
    }

    static func decimal(_ s: Substring) -> Int64? {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), s == "0" || s.first != "0" else { return nil }
        return Int64(s)
    }
}

/// How a witness server runs.
public struct WitnessServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var maxBodyBytes: Int
    public var idleTimeout: Duration
    public init(host: String = "127.0.0.1", port: Int = 8081, maxBodyBytes: Int = 64 * 1024, idleTimeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
    }
}

/// The witness's HTTP server (`blotter witness serve`): `POST /add-checkpoint`, `GET /health`.
public func buildWitnessApplication(witness: Witness, configuration: WitnessServerConfiguration, logger: Logger,
                                    onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
    let service = WitnessService(witness: witness)
    let metrics = ServerMetrics()
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestLog(metrics: metrics))
    router.add(middleware: ErrorsAsJSON(metrics: metrics))
    let limit = configuration.maxBodyBytes
    router.post("/add-checkpoint") { request, _ in
        let body = try await API.body(request, limit: limit)
        let answer = await service.addCheckpoint(body, time: UInt64(Timestamp.now().milliseconds / 1000))
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: answer.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
    router.get("/health") { _, _ in
        jsonResponse(.object([("status", .string("ok")), ("name", .string(witness.name)), ("log", .string(witness.logKey.name)),
                              ("size", .integer(await service.size))]), headers: [.cacheControl: "no-store"])
    }
    let idle = TimeAmount.nanoseconds(GroupCommitter.nanoseconds(configuration.idleTimeout))
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: idle)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "blotter-witness"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Builds the witness server and runs it until SIGTERM or SIGINT (what `blotter witness serve` runs).
public func serveWitness(witness: Witness, configuration: WitnessServerConfiguration, logger: Logger,
                         onRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
    try await buildWitnessApplication(witness: witness, configuration: configuration, logger: logger, onRunning: onRunning).runService()
}
