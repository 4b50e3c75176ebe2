public import BlotterDomain
public import BlotterFormat
public import BlotterLog
public import ServiceLifecycle
internal import Hummingbird

/// Reads by role: the CLI's `--json` views behind sign-in, under the read-access table
/// (Schemas/read-access.json). An audited view is answered only once its access record is durable;
/// so is a refusal of a signed-in reader. Views are private: `Cache-Control: no-store`.
extension API {
    func registerReads(_ router: Router<BasicRequestContext>) {
        router.get("/v1/cases") { request, _ in
            let q = request.uri.queryParameters
            var filter = Views.QueueFilter()
            let status = q.get("status") ?? "open"
            guard ["open", "closed", "all"].contains(status) else {
                throw APIError(status: .badRequest, code: "invalid-input", message: "status must be open, closed or all")
            }
            filter.status = status == "all" ? nil : status
            filter.investigator = q.get("investigator")
            filter.overdueOnly = try Self.flag(q.get("overdue"), name: "overdue")
            filter.dueWithin = try q.get("due_within").map { try Self.integer($0, name: "due_within") }
            filter.limit = Int(try q.get("limit").map { try Self.integer($0, name: "limit") } ?? 50)
            let chosen = filter
            return try await self.read("queue", subject: nil, request) { views in (try JSONValueCoding.encode(try views.queue(chosen)), []) }
        }
        router.get("/v1/cases/{case_id}") { request, context in
            let id = try Self.identifier(context.parameters.get("case_id"), name: "case_id")
            return try await self.read("case", subject: id, request) { views in
                let v = try views.caseView(id)
                return (try JSONValueCoding.encode(v), v.officers)
            }
        }
        router.get("/v1/officers/{officer}") { request, context in
            let id = try Self.identifier(context.parameters.get("officer"), name: "officer")
            let rules = self.earlyIntervention
            return try await self.read("officer", subject: id, request) { views in (try JSONValueCoding.encode(try views.officer(id, rules: rules)), [id]) }
        }
        router.get("/v1/bodycam/compliance") { request, _ in
            let minutes = try request.uri.queryParameters.get("window_minutes").map { try Self.integer($0, name: "window_minutes") } ?? 30
            guard minutes <= 525_600 else {
                throw APIError(status: .badRequest, code: "invalid-input", message: "window_minutes must be at most 525600 (a year)")
            }
            return try await self.read("bodycam-compliance", subject: nil, request) { views in
                (try JSONValueCoding.encode(try views.bodycamCompliance(windowSeconds: minutes * 60)), [])
            }
        }
        router.get("/v1/bodycam/{evidence_id}/custody") { request, context in
            let id = try Self.identifier(context.parameters.get("evidence_id"), name: "evidence_id")
            return try await self.read("custody", subject: id, request) { views in
                let v = try views.custody(id)
                return (try JSONValueCoding.encode(v), v.recording.officer.map { [$0] } ?? [])
            }
        }
        router.get("/v1/stats") { request, _ in
            try await self.read("stats", subject: nil, request) { views in (try JSONValueCoding.encode(try views.statistics()), []) }
        }
        router.get("/v1/access-log") { request, _ in try await self.accessLog(request) }
    }

    /// One view for the signed-in reader: its role checked against the table, the view computed on one
    /// snapshot, a reader named in it refused where the table says so, and for an audited view the
    /// access record written (answered or refused) before anything is answered.
    /// `body` gives the view and the officers it names.
    func read(_ name: String, subject: String?, _ request: Request,
              _ body: @escaping @Sendable (Views) throws -> (JSONValue, [String])) async throws -> Response {
        let p = try await principal(request)
        let audited = readAccess.views[name]?.audited == true
        func record(_ outcome: String) async throws {
            guard audited, let subject else { return }
            try await accessRecorder.record(AccessRecord(at: Timestamp.now().rfc3339Milliseconds, actor: p.actor, key: p.keyID, view: name,
                                                         subject: subject, outcome: outcome))
        }
        let view: ReadAccess.View
        do {
            view = try readAccess.check(name, actor: p.actor, roles: p.roles)
        } catch {
            try await record("refused")
            throw error
        }
        let result: (JSONValue, [String])
        do {
            result = try await ledger.views(today: CalendarDate(Timestamp.now()), body)
        } catch let error as BlotterError where error.code == .notFound {
            try await record("not-found")
            throw error
        }
        // The reader's officer under every id linked to them on the roster: a source's alias is still them.
        if view.notAboutSelf, let officer = p.officer, !result.1.isEmpty,
           !Set(try await ledger.views(today: CalendarDate(Timestamp.now())) { try $0.identities(of: officer) }).isDisjoint(with: result.1) {
            try await record("refused")
            throw APIError(status: .forbidden, code: "named-in-subject",
                           message: "\(p.actor) is the key of officer \(officer), whom this \(name) names; an officer may not read it")
        }
        try await record("read")
        return jsonResponse(result.0, headers: [.cacheControl: "no-store"])
    }

    /// `GET /v1/access-log?actor=&view=&subject=&since=&limit=`: who read what, oldest first.
    func accessLog(_ request: Request) async throws -> Response {
        let p = try await principal(request)
        _ = try readAccess.check("access-log", actor: p.actor, roles: p.roles)
        let q = request.uri.queryParameters
        if let view = q.get("view"), !ReadAccess.viewNames.contains(view) {
            throw APIError(status: .badRequest, code: "invalid-input", message: "view must be one of \(ReadAccess.viewNames.joined(separator: ", "))")
        }
        if let since = q.get("since"), Timestamp(rfc3339: since, precision: .secondsOrMilliseconds) == nil {
            throw APIError(status: .badRequest, code: "invalid-input", message: "since must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z")
        }
        let limit = Int(min(10_000, try q.get("limit").map { try Self.integer($0, name: "limit") } ?? 1000))
        let query = AccessQuery(actor: q.get("actor"), view: q.get("view"), subject: q.get("subject"),
                                since: q.get("since").flatMap { Timestamp(rfc3339: $0, precision: .secondsOrMilliseconds)?.rfc3339Milliseconds }, limit: limit)
        let records = try await ledger.accessLog(query)
        return jsonResponse(.object([("records", .array(try records.map { try JSONValueCoding.encode($0) }))]), headers: [.cacheControl: "no-store"])
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1": return true
        default: throw APIError(status: .badRequest, code: "invalid-input", message: "\(name) must be true or false")
        }
    }

    /// A case, officer or evidence id from a path: at most 128 characters, no control characters.
    static func identifier(_ text: String?, name: String) throws -> String {
        guard let text, !text.isEmpty, text.count <= 128, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw APIError(status: .badRequest, code: "invalid-input", message: "\(name) must be 1 to 128 characters without control characters")
        }
        return text
    }
}

/// Writes the access log: each reader's record joins the next transaction (one per batch of
/// concurrent reads), and the read is answered only once its record is durable. At most
/// `capacity` records wait; past that a read is refused with 503 (pushback), never answered unlogged.
public actor AccessRecorder: DrainingService {
    private let ledger: Ledger
    private let capacity: Int
    private let retryAfter: Int
    private var queue: [(AccessRecord, CheckedContinuation<Void, any Error>)] = []
    private var wake: CheckedContinuation<Void, Never>?
    private var stopping = false

    init(ledger: Ledger, capacity: Int, retryAfter: Int) {
        self.ledger = ledger
        self.capacity = max(1, capacity)
        self.retryAfter = retryAfter
    }

    /// Returns once `record` is durable.
    public func record(_ record: AccessRecord) async throws {
        if stopping { throw APIError.shuttingDown }
        if queue.count >= capacity { throw APIError.pushback(queued: queue.count, retryAfter: retryAfter) }
        try await withCheckedThrowingContinuation { continuation in
            queue.append((record, continuation))
            wake?.resume()
            wake = nil
        }
    }

    func stop() {
        stopping = true
        wake?.resume()
        wake = nil
    }

    func loop() async {
        while true {
            while queue.isEmpty {
                if stopping { return }
                await withCheckedContinuation { wake = $0 }
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            do {
                try await ledger.recordAccess(batch.map(\.0))
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }
}
