import Blotter
import BlotterServer
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A Blotter server running in this process on a free loopback port, over real sockets, stopped
/// gracefully (as SIGTERM would) by ``stop()``.
final class TestServer: Sendable {
    let port: Int
    let log: CapturedLog
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(_ ledger: Ledger, _ configuration: ServerConfiguration = ServerConfiguration()) async throws -> TestServer {
        var configuration = configuration
        configuration.port = 0
        let log = CapturedLog()
        let logger = Logger(label: "blotter-test") { _ in log }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try await buildApplication(ledger: ledger, configuration: configuration, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BlotterError(.storage, "the server did not start") }
        return TestServer(port: port, log: log, group: group, task: task)
    }

    /// A witness server (`blotter witness serve`) in this process.
    static func startWitness(_ witness: Witness) async throws -> TestServer {
        let log = CapturedLog()
        let logger = Logger(label: "blotter-witness-test") { _ in log }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try buildWitnessApplication(witness: witness, configuration: WitnessServerConfiguration(port: 0), logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BlotterError(.storage, "the witness did not start") }
        return TestServer(port: port, log: log, group: group, task: task)
    }

    private init(port: Int, log: CapturedLog, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.log = log
        self.group = group
        self.task = task
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Graceful shutdown: requests in flight are answered, queued statements committed.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// Every log line the server wrote, as text with its metadata.
final class CapturedLog: LogHandler, Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }

    func log(event: LogEvent) {
        let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.withLock { $0.append("\(event.level) \(event.message) \(meta)") }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .info }
        set {}
    }
}

/// One HTTP exchange's result.
struct HTTPReply: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
    /// `code` of a JSON error body.
    var code: String? { json["code"]?.stringValue }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// A URLSession that opens as many connections as the test asks for (the default is 6 per host).
let testSession: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = 256
    configuration.timeoutIntervalForRequest = 60
    // Each request carries exactly the headers the test gives: no cookie jar between requests.
    configuration.httpShouldSetCookies = false
    configuration.httpCookieAcceptPolicy = .never
    configuration.httpCookieStorage = nil
    return URLSession(configuration: configuration)
}()

func http(_ method: String, _ url: String, body: [UInt8]? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let body { request.httpBody = Data(body) }
    for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
    let (data, response) = try await testSession.data(for: request)
    let http = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (k, v) in http.allHeaderFields { fields["\(k)"] = "\(v)" }
    return HTTPReply(status: http.statusCode, headers: fields, body: Array(data))
}

func post(_ url: String, _ submissions: [Submission]) async throws -> HTTPReply {
    let json: JSONValue = submissions.count == 1 ? submissions[0].json() : .array(submissions.map { $0.json() })
    return try await http("POST", url, body: try CanonicalJSON.encode(json), headers: ["Content-Type": "application/json"])
}

/// Runs a program off Swift's cooperative pool (the in-process server's handlers need it), to completion.
func runOffPool(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try run(executable, arguments, environment: environment) })
        }
    }
}

/// `blotter serve` as its own process on a free port; returns once it says where it listens.
func startServe(_ arguments: [String]) async throws -> (process: Process, port: Int) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: blotterExecutable)
    process.arguments = ["serve", "--listen", "127.0.0.1:0", "--log-level", "warning"] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let port: Int = try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            // Reads until the server's standard output closes (it exits), so it never writes to a
            // pipe nobody reads.
            var text = ""
            var resumed = false
            while true {
                let data = out.fileHandleForReading.availableData
                if data.isEmpty {
                    if !resumed { continuation.resume(throwing: BlotterError(.storage, "blotter serve ended before it listened: \(text)")) }
                    return
                }
                text += String(decoding: data, as: UTF8.self)
                if !resumed, let range = text.range(of: #"at http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression),
                   let port = Int(text[range].split(separator: ":").last!) {
                    resumed = true
                    continuation.resume(returning: port)
                }
            }
        }
    }
    return (process, port)
}

/// Waits for a process off the cooperative pool; its exit status.
func exitStatus(_ process: Process) async -> Int32 {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: waitForExit(process)) }
    }
}

/// Signs in to `server` with `key` (challenge, signature, session) and returns the bearer token.
func signedIn(_ base: String, _ key: PrivateKey) async throws -> String {
    let c = try await http("GET", base + "/v1/challenge")
    let nonce = try #require(c.json["nonce"]?.stringValue)
    let text = try #require(c.json["sign"]?.stringValue)
    let body: JSONValue = .object([("key", .string(key.publicKey.keyID)), ("nonce", .string(nonce)),
                                   ("signature", .string(Base64.urlEncode(try key.signature(for: Array(text.utf8)))))])
    let opened = try await http("POST", base + "/v1/session", body: try CanonicalJSON.encode(body))
    try #require(opened.status == 200, "sign-in: \(opened.text)")
    return try #require(opened.json["token"]?.stringValue)
}

/// A plain TCP connection to a loopback port, for what an HTTP library will not send: idle
/// connections, bodies larger than any limit, a body that drips.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BlotterError(.storage, "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw BlotterError(.storage, "connect: errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false once the peer has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// True if the peer has sent something (or closed) within `milliseconds`.
    func readable(within milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }

    /// What the peer sends until it closes or `milliseconds` pass with nothing new.
    func receive(milliseconds: Int32 = 5000) -> String {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while readable(within: milliseconds) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
            if let text = String(validating: out, as: UTF8.self), let end = text.range(of: "\r\n\r\n"),
               let length = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") })
                .flatMap({ Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }),
               text.utf8.count - text[..<end.upperBound].utf8.count >= length {
                break
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The peak resident memory of a process, from /proc (VmHWM), in KiB.
func peakMemoryKiB(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let row = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    return row.split(separator: " ").compactMap { Int($0) }.first
}
