public import BlotterCrypto
public import BlotterFormat
public import BlotterLog
internal import Hummingbird
internal import Synchronization

/// Sign-in with a key the log registered; no passwords anywhere.
///
/// `GET /v1/challenge` gives a single-use nonce valid for `challengeLifetime`; the client signs
/// ``SessionStore/signingText(origin:nonce:)`` with its key and posts `{key, nonce, signature}` to
/// `POST /v1/session`, which opens a session bound to that key: a random token, answered as a bearer
/// token and as an HttpOnly SameSite=Strict cookie. The server keeps only a digest of each token.
/// Every request with a session looks the key up in the registry again: a revoked key's sessions end
/// at once, and roles are the registry's at that request.
public final class SessionStore: Sendable {
    public struct Session: Sendable {
        public let keyID: String
        /// The officer the key belongs to (its `key.registered` named one), fixed at registration.
        public let officer: String?
        public let expires: Timestamp
    }

    /// What a request was signed in as, from the key registry at that request.
    public struct Principal: Sendable {
        public let keyID: String
        public let actor: String
        public let roles: [String]
        public let officer: String?
        public let expires: Timestamp
    }

    let challengeLifetime: Int64
    let sessionLifetime: Int64
    /// At most this many challenges outstanding (the oldest go first), so a flood cannot grow memory.
    let maxChallenges: Int
    private let state = Mutex(State())

    private struct State {
        var challenges: [String: Timestamp] = [:]
        var order: [String] = []
        var sessions: [String: Session] = [:]
    }

    public init(challengeLifetimeSeconds: Int64 = 60, sessionLifetimeSeconds: Int64 = 8 * 3600, maxChallenges: Int = 10_000) {
        challengeLifetime = challengeLifetimeSeconds * 1000
        sessionLifetime = sessionLifetimeSeconds * 1000
        self.maxChallenges = maxChallenges
    }

    /// The exact bytes a client signs to sign in: a fixed context line, the log's origin and the nonce,
    /// each ending in a newline, so a sign-in signature can never be a statement's or another log's.
    public static func signingText(origin: String, nonce: String) -> String {
        "blotter-sign-in/v1\n\(origin)\n\(nonce)\n"
    }

    /// A new challenge: a random nonce and when it expires.
    public func challenge(now: Timestamp = .now()) throws -> (nonce: String, expires: Timestamp) {
        let nonce = Base64.urlEncode(try SecureRandom.bytes(32))
        let expires = Timestamp(milliseconds: now.milliseconds + challengeLifetime)
        state.withLock { s in
            s.challenges = s.challenges.filter { $0.value > now }
            s.order = s.order.filter { s.challenges[$0] != nil }
            while s.order.count >= maxChallenges { s.challenges[s.order.removeFirst()] = nil }
            s.challenges[nonce] = expires
            s.order.append(nonce)
        }
        return (nonce, expires)
    }

    /// Checks a signed challenge and opens a session. The nonce is used up whatever the outcome.
    /// - Throws: ``APIError`` 401 naming why: unknown or used nonce, expired, unregistered or revoked key,
    ///   signature that does not verify.
    public func signIn(keyID: String, nonce: String, signature: [UInt8], origin: String, record: KeyRecord?, officer: String?,
                       now: Timestamp = .now()) throws -> (token: String, session: Session) {
        let expires = state.withLock { s -> Timestamp? in
            let e = s.challenges.removeValue(forKey: nonce)
            return e
        }
        guard let expires else {
            throw APIError(status: .unauthorized, code: "bad-challenge", message: "that challenge was not issued here or was already used; get a new one")
        }
        guard expires > now else {
            throw APIError(status: .unauthorized, code: "bad-challenge", message: "that challenge expired; get a new one")
        }
        guard let record else {
            throw APIError(status: .unauthorized, code: "key-not-valid", message: "key \(keyID) is not registered in this ledger")
        }
        if let revoked = record.revokedSeq {
            throw APIError(status: .unauthorized, code: "key-not-valid", message: "key \(keyID) of \(record.actor) was revoked at entry \(revoked)")
        }
        guard record.publicKey.isValidSignature(signature, for: Array(Self.signingText(origin: origin, nonce: nonce).utf8)) else {
            throw APIError(status: .unauthorized, code: "bad-signature", message: "the signature does not verify with key \(keyID)")
        }
        let token = Base64.urlEncode(try SecureRandom.bytes(32))
        let session = Session(keyID: keyID, officer: officer, expires: Timestamp(milliseconds: now.milliseconds + sessionLifetime))
        state.withLock { s in
            s.sessions = s.sessions.filter { $0.value.expires > now }
            s.sessions[Self.digest(token)] = session
        }
        return (token, session)
    }

    /// The session of `token`, if it is open.
    public func session(_ token: String, now: Timestamp = .now()) -> Session? {
        state.withLock { s in
            let key = Self.digest(token)
            guard let session = s.sessions[key] else { return nil }
            if session.expires <= now {
                s.sessions[key] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session of `token` (sign-out, or its key was revoked).
    public func end(_ token: String) {
        _ = state.withLock { $0.sessions.removeValue(forKey: Self.digest(token)) }
    }

    static func digest(_ token: String) -> String { Hex.encode(SHA256.hash(Array(token.utf8))) }
}
