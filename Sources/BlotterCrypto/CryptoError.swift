internal import COpenSSL

/// An error from the crypto layer: what failed, and OpenSSL's own reasons where it gave any.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; tests and callers switch on this.
    public enum Code: String, Sendable {
        case invalidKey = "invalid-key"
        case unsupportedKey = "unsupported-key"
        case signingFailed = "signing-failed"
        case randomFailed = "random-failed"
        case internalFailure = "internal"
    }

    public let code: Code
    /// A human reason, safe to show: it never contains key material.
    public let reason: String
    /// OpenSSL's error queue at the moment of failure, oldest first.
    public let openSSLErrors: [String]

    public init(_ code: Code, _ reason: String, openSSLErrors: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        openSSLErrors.isEmpty ? reason : "\(reason) (\(openSSLErrors.joined(separator: "; ")))"
    }

    /// Builds an error and drains OpenSSL's thread-local error queue into it.
    static func fromOpenSSL(_ code: Code, _ reason: String) -> CryptoError {
        CryptoError(code, reason, openSSLErrors: drainOpenSSLErrors())
    }
}

/// Empties OpenSSL's error queue for this thread and returns its messages, oldest first.
@discardableResult
func drainOpenSSLErrors() -> [String] {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return messages
}
