public import BlotterFormat
public import BlotterLog

/// Who may read which view (Schemas/read-access.json): the roles of each view, whether reads of it
/// are written to the access log, and whether an officer's key is refused a subject naming that officer.
public struct ReadAccess: Sendable {
    public struct View: Sendable, Equatable {
        public let name: String
        public let roles: [String]
        /// Reads are kept in the access log (who, what, when, answered or refused) before they are answered.
        public let audited: Bool
        /// A key registered to an officer may not read a subject that names that officer.
        public let notAboutSelf: Bool
    }

    public let views: [String: View]

    /// The views the server offers; a table must say who reads each of them.
    public static let viewNames = ["case", "queue", "officer", "bodycam-compliance", "custody", "stats", "access-log"]

    /// The table shipped with this build.
    public static func bundled() throws(BlotterError) -> ReadAccess {
        try ReadAccess(json: try JSONParser.parse(PackageResources.read_access_json), roleTable: try RoleTable.bundled())
    }

    /// Reads a table, refusing an unknown view, member or role and a view left out.
    public init(json: JSONValue, roleTable: RoleTable) throws(BlotterError) {
        guard let views = json["views"]?.objectValue else { throw BlotterError(.invalidInput, "read-access table: needs \"views\": an object") }
        var out: [String: View] = [:]
        for (name, v) in views {
            let place = "read-access table: views.\(name)"
            guard Self.viewNames.contains(name) else {
                throw BlotterError(.invalidInput, "\(place): no such view; the views are \(Self.viewNames.joined(separator: ", "))")
            }
            for (member, _) in v.objectValue ?? [] where !["description", "roles", "audited", "not_about_self"].contains(member) {
                throw BlotterError(.invalidInput, "\(place): unknown member \"\(member)\"")
            }
            guard let list = v["roles"]?.arrayValue else { throw BlotterError(.invalidInput, "\(place): needs \"roles\": an array") }
            var roles: [String] = []
            for r in list {
                guard let role = r.stringValue, roleTable.roles.contains(role) else {
                    throw BlotterError(.invalidInput, "\(place).roles: \(String(decoding: (try? CanonicalJSON.encode(r)) ?? [], as: UTF8.self)) is not a role (\(roleTable.roles.joined(separator: ", ")))")
                }
                roles.append(role)
            }
            guard case let .bool(audited)? = v["audited"], case let .bool(notAboutSelf)? = v["not_about_self"] else {
                throw BlotterError(.invalidInput, "\(place): needs \"audited\" and \"not_about_self\", each true or false")
            }
            out[name] = View(name: name, roles: roles, audited: audited, notAboutSelf: notAboutSelf)
        }
        for name in Self.viewNames where out[name] == nil {
            throw BlotterError(.invalidInput, "read-access table: says nothing of view \(name); every view needs its roles")
        }
        self.views = out
    }

    /// The view, if a key with `roles` may read it.
    /// - Throws: ``BlotterError`` `.roleNotAllowed` naming the roles the view needs.
    public func check(_ view: String, actor: String, roles: [String]) throws(BlotterError) -> View {
        guard let v = views[view] else { throw BlotterError(.notFound, "there is no view \(view)") }
        guard roles.contains(where: v.roles.contains) else {
            throw BlotterError(.roleNotAllowed, "\(actor) has roles [\(roles.joined(separator: ", "))]; the \(view) view needs one of [\(v.roles.joined(separator: ", "))]")
        }
        return v
    }
}

/// One read in the access log: who (actor and key) read which view of what, when, and the outcome
/// (`read`, or `refused` when the reader was named in it). Never a value of the view.
public struct AccessRecord: Codable, Sendable, Equatable {
    /// When the server answered, RFC 3339 UTC with milliseconds.
    public var at: String
    public var actor: String
    public var key: String
    public var view: String
    /// The case, officer or recording id read.
    public var subject: String
    public var outcome: String

    public init(at: String, actor: String, key: String, view: String, subject: String, outcome: String) {
        self.at = at
        self.actor = actor
        self.key = key
        self.view = view
        self.subject = subject
        self.outcome = outcome
    }
}

/// Which access records to list: each filter optional, oldest first from `since`.
public struct AccessQuery: Sendable {
    public var actor: String?
    public var view: String?
    public var subject: String?
    /// Records at or after this time (RFC 3339, compared as text: the stored times are all UTC with milliseconds).
    public var since: String?
    public var limit: Int = 1000
    public init(actor: String? = nil, view: String? = nil, subject: String? = nil, since: String? = nil, limit: Int = 1000) {
        self.actor = actor
        self.view = view
        self.subject = subject
        self.since = since
        self.limit = limit
    }
}

/// The access log of a store: kept beside the log, not in it (a read is not a signed statement),
/// written in its own transaction that does not wait for the log's writer (SQLite: a file of its
/// own beside the ledger; PostgreSQL: a connection of its own, outside the sequencer lock).
public protocol AccessLogStore: Sendable {
    /// Adds records in one transaction, durable when this returns.
    func insertAccess(_ records: [AccessRecord]) throws
    /// Records matching `query`, oldest first; none if nothing was ever recorded.
    func accessRecords(_ query: AccessQuery) throws -> [AccessRecord]
}

extension Ledger {
    /// Writes `records` to the access log, durable when this returns.
    public func recordAccess(_ records: [AccessRecord]) async throws {
        guard !records.isEmpty else { return }
        let log = try accessLogStore()
        try await BlockingWork.run { try log.insertAccess(records) }
    }

    /// The access log, as `blotter access-log` lists it.
    public func accessLog(_ query: AccessQuery) throws -> [AccessRecord] {
        try accessLogStore().accessRecords(query)
    }

    /// The access log, off the cooperative pool.
    public func accessLog(_ query: AccessQuery) async throws -> [AccessRecord] {
        let log = try accessLogStore()
        return try await BlockingWork.run { try log.accessRecords(query) }
    }

    func accessLogStore() throws -> any AccessLogStore {
        guard let log = store as? any AccessLogStore else {
            throw BlotterError(.storage, "this store (\(type(of: store))) keeps no access log")
        }
        return log
    }
}
