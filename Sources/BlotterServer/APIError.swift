public import BlotterFormat
public import Hummingbird

/// An error answered as JSON: `{"code", "message", "index"?, "seq"?, "violations"?, "rule"?}` with the
/// status that fits its code (docs/SERVER.md lists them). The message is the ledger's own, which names
/// the statement, the rule and the place; it never holds a disclosure value, a salt or a key.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// For a request of several statements: which one (0-based) was refused.
    public let index: Int?
    public let seq: Int64?
    public let violations: [SchemaViolation]
    public let rule: String?
    /// Seconds a client should wait before trying again (503 pushback).
    public let retryAfter: Int?

    public init(status: HTTPResponse.Status, code: String, message: String, index: Int? = nil, seq: Int64? = nil,
                violations: [SchemaViolation] = [], rule: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.index = index
        self.seq = seq
        self.violations = violations
        self.rule = rule
        self.retryAfter = retryAfter
    }

    /// The ledger's refusal, with its status.
    public init(_ error: BlotterError, index: Int? = nil, retryAfter: Int? = nil) {
        self.init(status: Self.status(for: error.code), code: error.code.rawValue, message: error.message, index: index, seq: error.seq,
                  violations: error.violations, rule: error.rule, retryAfter: error.code == .busy ? (retryAfter ?? 1) : retryAfter)
    }

    /// The HTTP status of each refusal: 400 what cannot be read, 403 a key or role that may not do it,
    /// 404 what is not there, 409 what conflicts with the ledger's state (stale `expect`, a lifecycle
    /// rule), 413 too large, 422 a statement that fails its schema or disclosures, 503 try later.
    public static func status(for code: BlotterError.Code) -> HTTPResponse.Status {
        switch code {
        case .malformedJSON, .invalidInput, .invalidStatement, .wrongOrigin: return .badRequest
        case .badSignature, .keyNotValid, .roleNotAllowed: return .forbidden
        case .notFound: return .notFound
        case .staleExpect, .lifecycle, .ledgerState: return .conflict
        case .tooLarge: return .contentTooLarge
        case .schemaViolation, .disclosureMismatch: return .unprocessableContent
        case .busy: return .serviceUnavailable
        case .verificationFailed, .storage: return .internalServerError
        }
    }

    public static func pushback(queued: Int, retryAfter: Int) -> APIError {
        APIError(status: .serviceUnavailable, code: "pushback",
                 message: "the append queue is full (\(queued) statements waiting); try again after \(retryAfter) s", retryAfter: retryAfter)
    }

    public static let shuttingDown = APIError(status: .serviceUnavailable, code: "shutting-down",
                                              message: "the server is shutting down and takes no new statements", retryAfter: 5)

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let index { members.append(("index", .integer(Int64(index)))) }
        if let seq { members.append(("seq", .integer(seq))) }
        if !violations.isEmpty {
            members.append(("violations", .array(violations.map {
                .object([("instance_path", .string($0.instancePath)), ("keyword", .string($0.keyword)), ("message", .string($0.message))])
            })))
        }
        if let rule { members.append(("rule", .string(rule))) }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = jsonResponse(json, status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

/// A JSON body (canonical JSON: compact, members sorted).
func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    let bytes = (try? CanonicalJSON.encode(value)) ?? Array(#"{"code":"internal","message":"response could not be encoded"}"#.utf8)
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

func bytesResponse(_ bytes: [UInt8], contentType: String, cacheControl: String? = nil) -> Response {
    var headers: HTTPFields = [.contentType: contentType]
    if let cacheControl { headers[.cacheControl] = cacheControl }
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}
