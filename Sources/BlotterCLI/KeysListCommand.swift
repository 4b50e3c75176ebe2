import ArgumentParser
import Blotter
import BlotterCrypto
import Foundation

struct KeysListCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys registered in the ledger.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    func execute() throws {
        let ledger = try ledgerOptions.open()
        defer { try? ledger.close() }
        let keys = try ledger.store.read { try $0.allKeys() }
        if output.json {
            for k in keys {
                try emitJSON(.object([
                    ("key_id", .string(k.keyID)), ("actor", .string(k.actor)), ("alg", .string(k.algorithm.rawValue)),
                    ("roles", .array(k.roles.map { .string($0) })), ("registered", .integer(k.registeredSeq)),
                    ("revoked", k.revokedSeq.map { .integer($0) } ?? .null),
                ]))
            }
            return
        }
        emit("KEY ID                                                            ALG                ACTOR / ROLES")
        for k in keys {
            let status = k.revokedSeq.map { "revoked at entry \($0)" } ?? "active"
            emit("\(k.keyID)  \(k.algorithm.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))  \(k.actor) [\(k.roles.joined(separator: ", "))], registered at entry \(k.registeredSeq), \(status)")
        }
    }
}
