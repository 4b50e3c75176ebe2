import ArgumentParser
import Blotter
import BlotterDemo
import Foundation

struct DemoCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Build a realistic ledger for the fictional Precinct 120, verify it, and show where to look next.",
        discussion: """
            Intake, cases through their whole life, use-of-force reports with supervisor reviews, body-camera
            feeds, a sustained case with discipline, an overdue case, a tolled case, a reopened case, an officer
            who trips early-intervention flags and an unauthorised deletion. Each actor signs with their own key
            (written to LEDGER.keys/), so you can carry on with the workflow commands. --events N scales it.
            """)
    @Option(help: "Where to create the ledger (must not exist).") var ledger = "precinct120.ledger"
    @Option(help: "About how many statements to write.") var events = 1500
    @Flag(help: "Replace an existing demo ledger at that path.") var force = false

    func execute() throws {
        let keys = ledger + ".keys"
        if force {
            for file in SQLiteStore.files(of: ledger) { try? FileManager.default.removeItem(atPath: file) }
            try? FileManager.default.removeItem(atPath: keys)
            try? FileManager.default.removeItem(atPath: ledger + ".operator.pem")
        }
        guard !FileManager.default.fileExists(atPath: ledger) else {
            throw BlotterError(.ledgerState, "\(ledger) already exists; pass --force to replace it, or --ledger PATH")
        }
        let started = Date()
        let tty = isatty(2) == 1
        var demo = Precinct120(events: events)
        let report = try demo.build(path: ledger, keysDirectory: keys) { n in
            if tty { writeErr("\rwriting: \(n) entries".utf8) }
        }
        if tty { writeErr("\n".utf8) }
        let built = Date().timeIntervalSince(started)
        // Verify what was written, from the file, as an oversight committee would.
        let store = try SQLiteStore.open(path: ledger)
        let verified = try LedgerVerifier(store: store).verify()
        try store.close()
        let ledgerPath = ledger
        // A signed checkpoint, so the Python verifier and witnesses have something to check.
        let l = try Ledger.open(path: ledgerPath)
        let operatorKey = try loadPrivateKey(ledger + ".operator.pem")
        _ = try l.checkpoint(operatorKey: operatorKey)
        try l.close()
        let size = String(verified.entries)
        emit("""
            Precinct 120 demo ledger: \(ledgerPath)
              \(report.entries) signed entries (\(report.cases) cases, \(report.useOfForce) use-of-force reports, \(report.recordings) recordings) in \(String(format: "%.1f", built)) s
              verified: chain, Merkle tree and every signature (\(verified.entries) entries); checkpoint signed at size \(size)
              actors' keys: \(keys)/ (e.g. ia_cmdr.morales.pem, ia_rivera.pem, sys_axon.pem)

            Look next at (the commands find the ledger through BLOTTER_LEDGER):
              export BLOTTER_LEDGER=\(ledgerPath)
              blotter case show \(report.sustainedCase)        # sustained chokehold, 10-day suspension, oversight review
              blotter case list --overdue             # \(report.overdueCase) and others past the 1-year deadline
              blotter case show \(report.tolledCase)        # deadline tolled: criminal case pending
              blotter officer show \(report.flaggedOfficer)              # roster record, history by event time, early-intervention flags
              blotter bodycam compliance              # force without footage, late activations, \(report.deletedRecording) deleted without authority
              blotter stats
              blotter verify                          # what an oversight committee runs
              python3 Tools/verify_ledger.py \(ledgerPath)                   # the independent verifier

            Carry on the workflow, e.g. refuse-then-fix:
              blotter case close \(report.overdueCase) --key \(keys)/ia_cmdr.morales.pem
            """)
    }
}
