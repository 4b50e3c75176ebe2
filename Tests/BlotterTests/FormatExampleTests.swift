import Blotter
import BlotterCrypto
import Foundation
import Testing

/// The worked example of docs/FORMAT.md section 8, produced by Python (cryptography, rfc8785):
/// the Swift implementation must produce the same bytes.
@Suite("docs/FORMAT.md worked example")
struct FormatExampleTests {
    struct Example: Decodable {
        let seed, spki, salt, disclosure, digest, signing_input, sig, entry, entry_hash: String
    }

    @Test("Swift reproduces the disclosure, signing input, signature, entry bytes and entry hash")
    func reproduces() throws {
        let ex = try JSONDecoder().decode(Example.self, from: Data(contentsOf: fixtures.appendingPathComponent("format-example.json")))
        let key = try PrivateKey(ed25519Seed: hex(ex.seed))
        #expect(Base64.urlEncode(key.publicKey.spkiDER) == ex.spki)
        let disclosureJSON = try CanonicalJSON.encode(.array([.string(ex.salt), .string("finding"), .string("sustained")]))
        #expect(Base64.urlEncode(disclosureJSON) == ex.disclosure)
        let disclosure = try Disclosure(encoded: ex.disclosure)
        #expect(disclosure.digest == ex.digest)
        var statement = Statement(
            log: "ia.precinct120.example/ledger", type: "case.finding.recorded", schema: 1, stream: "case/IA-2026-0042",
            expect: 3, actor: "ia/rivera", key: key.publicKey.keyID, alg: .ed25519, at: "2026-11-21T14:03:00Z",
            nonce: Base64.urlEncode(Array(16..<32)), fields: ["finding": disclosure.digest])
        #expect(try statement.signingInput() == Array(ex.signing_input.utf8))
        try statement.sign(with: key)
        #expect(statement.sig == ex.sig)
        let entry = Entry(seq: 0, prev: Entry.genesisPrev, recorded: "2026-11-21T14:03:01.532Z", statement: statement)
        let bytes = try entry.canonicalBytes()
        #expect(bytes == Array(ex.entry.utf8))
        #expect(Entry.hash(bytes) == ex.entry_hash)
        #expect(try Entry(bytes: bytes) == entry)
    }
}
