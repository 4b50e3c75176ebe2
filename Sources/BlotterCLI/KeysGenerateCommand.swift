import ArgumentParser
import Blotter
import BlotterCrypto

struct KeysGenerateCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a signing key: private key as PKCS#8 PEM (mode 0600), public key as SPKI PEM.")

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "ed25519 or p256.")
    var alg = "ed25519"

    @Option(name: .long, help: "Where to write the private key.")
    var out: String

    @Option(name: .long, help: "Where to write the public key (default: OUT with .pub.pem).")
    var publicOut: String?

    func execute() throws {
        let key = try PrivateKey.generate(try parseAlgorithm(alg))
        let publicPath = publicOut ?? (out.hasSuffix(".pem") ? String(out.dropLast(4)) : out) + ".pub.pem"
        try writeSecretFile(out, try key.pkcs8PEM)
        try writeFile(publicPath, try key.publicKey.pem)
        if output.json {
            try emitJSON(.object([("key_id", .string(key.publicKey.keyID)), ("alg", .string(key.algorithm.rawValue)),
                                  ("private_key", .string(out)), ("public_key", .string(publicPath))]))
        } else {
            emit("key \(key.publicKey.keyID) (\(key.algorithm.rawValue))")
            emit("  private key  \(out)")
            emit("  public key   \(publicPath)")
        }
    }
}
