public import BlotterFormat
internal import Foundation

/// Where a PostgreSQL ledger is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`
/// (also `postgresql://`). Without a password in the URL, `PGPASSWORD` is used if set.
///
/// `sslmode`: `disable` (the default), `require` or `verify-full` (both verify the server's
/// certificate against the system's trust store), `prefer`. The password never appears in
/// ``description`` or any message.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }

    public let host: String
    public let port: Int
    public let user: String
    let password: String?
    public let database: String
    public let tls: TLSMode

    /// True if `text` names a PostgreSQL ledger rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String, environment: [String: String]? = nil) throws(BlotterError) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw BlotterError(.invalidInput, "not a PostgreSQL URL: expected postgres://USER@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw BlotterError(.invalidInput, "the PostgreSQL URL names no host: expected postgres://USER@HOST:PORT/DATABASE")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw BlotterError(.invalidInput, "the PostgreSQL URL for \(host) names no database: expected postgres://USER@HOST:PORT/DATABASE")
        }
        guard let user = components.user, !user.isEmpty else {
            throw BlotterError(.invalidInput, "the PostgreSQL URL for \(host)/\(database) names no user: expected postgres://USER@HOST:PORT/DATABASE")
        }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw BlotterError(.invalidInput, "sslmode \"\(item.value ?? "")\" is not one of disable, prefer, require, verify-full")
                }
                tls = mode
            default:
                throw BlotterError(.invalidInput, "the PostgreSQL URL has an unknown parameter \"\(item.name)\"; only sslmode is understood")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 } ?? environment["PGPASSWORD"]
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
    }

    /// The URL without its password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
