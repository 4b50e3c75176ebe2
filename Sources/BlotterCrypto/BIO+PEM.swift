internal import COpenSSL

/// Runs `body` with a read-only memory BIO over `text`.
func withReadBIO<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
    var bytes = Array(text.utf8)
    return try bytes.withUnsafeMutableBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
            throw CryptoError.fromOpenSSL(.internalFailure, "BIO_new_mem_buf failed")
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// Runs `write` against a fresh memory BIO and returns what it wrote as a string.
func stringFromWriteBIO(_ what: String, _ write: (OpaquePointer) -> Int32) throws -> String {
    guard let bio = BIO_new(BIO_s_mem()) else {
        throw CryptoError.fromOpenSSL(.internalFailure, "BIO_new failed")
    }
    defer { BIO_free(bio) }
    guard write(bio) == 1 else { throw CryptoError.fromOpenSSL(.internalFailure, "writing \(what) failed") }
    var pointer: UnsafeMutablePointer<CChar>? = nil
    let length = blotter_BIO_get_mem_data(bio, &pointer)
    guard let pointer, length > 0 else { throw CryptoError.fromOpenSSL(.internalFailure, "writing \(what) produced nothing") }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
}

/// A password callback that refuses, so an encrypted PEM fails instead of prompting on the terminal.
let refusePassword: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in
    -1
}
