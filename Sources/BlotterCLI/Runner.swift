import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

/// A subcommand whose errors are mapped to one line on stderr and a documented exit status.
protocol BlotterSubcommand: ParsableCommand {
    func execute() throws
}

extension BlotterSubcommand {
    func run() throws {
        do {
            try execute()
        } catch {
            throw reported(error)
        }
    }
}

/// The same for a subcommand that runs async (`serve`).
protocol AsyncBlotterSubcommand: AsyncParsableCommand {
    func execute() async throws
}

extension AsyncBlotterSubcommand {
    func run() async throws {
        do {
            try await execute()
        } catch {
            throw reported(error)
        }
    }
}

/// Prints a Blotter or crypto error as one line and gives its exit status; other errors pass.
func reported(_ error: any Error) -> any Error {
    if let error = error as? BlotterError {
        printError("error[\(error.code.rawValue)]: \(error.description)")
        return ExitCode(exitStatus(for: error.code))
    }
    if let error = error as? CryptoError {
        printError("error[\(error.code.rawValue)]: \(error.description)")
        return ExitCode(error.code == .invalidKey || error.code == .unsupportedKey ? 5 : 6)
    }
    return error
}

func exitStatus(for code: BlotterError.Code) -> Int32 {
    switch code {
    case .verificationFailed: return 1
    case .malformedJSON, .invalidStatement, .schemaViolation, .lifecycle, .wrongOrigin, .badSignature, .keyNotValid, .roleNotAllowed, .staleExpect,
         .disclosureMismatch, .tooLarge: return 2
    case .busy: return 3
    case .ledgerState, .notFound: return 4
    case .invalidInput: return 5
    case .storage: return 6
    }
}

/// Set by `serve`: a closed standard output (a supervisor that stopped reading) is then ignored
/// instead of ending the process.
nonisolated(unsafe) var ignoreClosedOutput = false

/// Writes to standard output. If the reader has gone (`blotter log | head`), the command ends
/// quietly with status 141, as a Unix tool killed by SIGPIPE does, instead of crashing.
func writeOut(_ bytes: some Sequence<UInt8>) {
    do {
        try FileHandle.standardOutput.write(contentsOf: Data(bytes))
    } catch {
        if !ignoreClosedOutput { exit(141) }
    }
}

/// Writes to standard error; a closed standard error is ignored.
func writeErr(_ bytes: some Sequence<UInt8>) {
    try? FileHandle.standardError.write(contentsOf: Data(bytes))
}

func printError(_ message: String) {
    writeErr("blotter: \(terminalSafe(message))\n".utf8)
}

/// Writes one line of text to standard output, unbuffered, so that an acknowledgement is out before
/// the next step. Values from the ledger reach a terminal through here: see ``terminalSafe(_:)``.
func emit(_ line: String, terminator: String = "\n") {
    writeOut((terminalSafe(line) + terminator).utf8)
}

/// Writes a JSON value as one compact line, for programs: canonical JSON already escapes every control
/// character; the text is written as it is.
func emitJSON(_ value: JSONValue) throws {
    writeOut(try CanonicalJSON.encode(value) + [0x0A])
}

/// Text as a terminal may show it: control characters other than newline and tab (ESC, BEL, CR, …),
/// DEL, the C1 controls, and the bidirectional embeddings, overrides, isolates and marks are written
/// as `\u{…}`, so no value in a ledger can move the cursor, clear the screen, ring the bell, retitle
/// the window or reorder what is shown around it.
func terminalSafe(_ text: String) -> String {
    func unsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
    guard text.unicodeScalars.contains(where: unsafe) else { return text }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if unsafe(scalar) {
            out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}

/// Reads a file, or standard input for "-".
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BlotterError(.invalidInput, "cannot read \(path)")
    }
    return Array(data)
}

func parseJSON(_ bytes: [UInt8], source: String) throws -> JSONValue {
    do {
        return try JSONParser.parse(bytes)
    } catch {
        throw BlotterError(.malformedJSON, "\(source): \(error.message)")
    }
}

func loadPrivateKey(_ path: String) throws -> PrivateKey {
    let text = String(decoding: try readInput(path), as: UTF8.self)
    do {
        return try PrivateKey(pem: text)
    } catch let error as CryptoError {
        throw BlotterError(.invalidInput, "\(path): \(error.reason)")
    }
}

/// Reads a public key from a PEM file holding either a public or a private key.
func loadPublicKey(_ path: String) throws -> PublicKey {
    let text = String(decoding: try readInput(path), as: UTF8.self)
    if let key = try? PublicKey(pem: text) { return key }
    if let key = try? PrivateKey(pem: text) { return key.publicKey }
    throw BlotterError(.invalidInput, "\(path) holds neither a PEM PUBLIC KEY nor an unencrypted PEM PRIVATE KEY")
}

/// Writes a file readable by its owner only; refuses to overwrite.
func writeSecretFile(_ path: String, _ contents: String) throws {
    guard !FileManager.default.fileExists(atPath: path) else {
        throw BlotterError(.invalidInput, "\(path) already exists; refusing to overwrite a key file")
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]) else {
        throw BlotterError(.invalidInput, "cannot write \(path)")
    }
}

func writeFile(_ path: String, _ contents: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)) else {
        throw BlotterError(.invalidInput, "cannot write \(path)")
    }
}

/// Human form of a JSON value: compact JSON, strings quoted.
func show(_ value: JSONValue) -> String {
    (try? String(decoding: CanonicalJSON.encode(value), as: UTF8.self)) ?? "?"
}

func appendSigned(_ draft: StatementDraft, key: PrivateKey, ledger: Ledger) throws -> AppendReceipt {
    try ledger.append(try draft.sign(with: key))
}

func parseAlgorithm(_ name: String) throws -> SignatureAlgorithm {
    switch name.lowercased() {
    case "ed25519": return .ed25519
    case "p256", "p-256", "ecdsa", "ecdsa-p256-sha256": return .ecdsaP256SHA256
    default: throw BlotterError(.invalidInput, "--alg must be ed25519 or p256, found \"\(name)\"")
    }
}
