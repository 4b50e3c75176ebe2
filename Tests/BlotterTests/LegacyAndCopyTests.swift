import Blotter
import BlotterCrypto
import BlotterDemo
import BlotterPostgres
import Foundation
import Testing

@Suite("Ledgers made before the redesign, copies between stores, replicas")
struct LegacyAndCopyTests {
    static let fixture = fixtures.appendingPathComponent("ledger-fa7b619")

    /// The fixture ledger, copied where it may be opened (opening a SQLite ledger for writing adds its WAL).
    static func legacy(in dir: TemporaryDirectory) throws -> String {
        let path = dir.path("old.ledger")
        try FileManager.default.copyItem(atPath: fixture.appendingPathComponent("old.ledger").path, toPath: path)
        return path
    }

    @Test("a ledger file written by the code before the layered redesign opens, verifies, reads and takes appends")
    func legacyFile() throws {
        let dir = TemporaryDirectory()
        let path = try Self.legacy(in: dir)
        let vkey = try String(contentsOf: Self.fixture.appendingPathComponent("vkey.txt"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let cp = Self.fixture.appendingPathComponent("cp.txt").path
        #expect(try blotter(["verify", "--ledger", path]).status == 0)
        #expect(try pythonVerifier(path).status == 0)
        #expect(try blotter(["checkpoint", "verify", "--key", vkey, cp]).status == 0)
        let view = try JSONParser.parse(Array(try blotter(["case", "show", "IA-2026-0001", "--ledger", path, "--json"]).stdout.utf8))
        #expect(view["status"] == .string("open") && view["complaints"]?.arrayValue?.count == 1, "\(view)")
        let assigned = try blotter(["case", "assign", "IA-2026-0001", "--ledger", path, "--key", Self.fixture.appendingPathComponent("cmdr.pem").path,
                                    "--investigator", "ia/rivera"])
        #expect(assigned.status == 0, "\(assigned.stderr)")
        #expect(try blotter(["verify", "--ledger", path, "--since", cp, "--key", vkey]).status == 0)
        #expect(try pythonVerifier(path).status == 0)
    }

    @Test("blotter copy: SQLite into PostgreSQL and back, entry bytes identical, same root, every checkpoint still valid, both verifiers pass")
    func copyBothWays() throws {
        let dir = TemporaryDirectory()
        let desk = try DemoDesk(events: 600)
        let cp = desk.directory.path("cp.txt")
        let signed = try desk.cli(["checkpoint", "--ledger", desk.ledger])
        try signed.stdout.write(toFile: cp, atomically: true, encoding: .utf8)
        let url = try PostgresTestCluster.newDatabase()
        let back = dir.path("back.ledger")
        for (from, to) in [(desk.ledger, url), (url, back)] {
            let r = try blotter(["copy", "--from", from, "--to", to, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stdout.contains("blotter-test-only"), "the password was printed")
        }
        let original = try openLedger(desk.ledger), inPostgres = try openLedger(url), copied = try openLedger(back)
        let n = try original.count()
        #expect(try inPostgres.count() == n && copied.count() == n)
        for seq in 0..<n {
            let bytes = try original.entry(seq)
            #expect(try inPostgres.entry(seq).bytes == bytes.bytes && copied.entry(seq).bytes == bytes.bytes, "entry \(seq) differs")
            #expect(try inPostgres.entry(seq).disclosures == bytes.disclosures, "disclosures of entry \(seq) differ")
        }
        #expect(try inPostgres.root().root == original.root().root && copied.root().root == original.root().root)
        for ledger in [url, back] {
            #expect(try blotter(["verify", "--ledger", ledger, "--since", cp, "--key", desk.vkey]).status == 0)
            let py = try pythonVerifier(ledger)
            #expect(py.status == 0, "\(py.stdout)\(py.stderr)")
            // The views were rebuilt: the same case file as the original's.
            let caseID = desk.report.sustainedCase
            #expect(try blotter(["case", "show", caseID, "--ledger", ledger, "--json"]).stdout == blotter(["case", "show", caseID, "--ledger", desk.ledger, "--json"]).stdout)
        }
        // A destination that holds another ledger is refused, and left as it was.
        let other = try DemoDesk(events: 200)
        let before = try storeContents(inPostgres.store)
        let refused = try blotter(["copy", "--from", other.ledger, "--to", url])
        #expect(refused.status != 0 && refused.stderr.contains("another ledger"), "\(refused.stderr)")
        #expect(try storeContents(inPostgres.store) == before)
    }

    @Test("read-only commands on a streaming hot-standby replica: a case opened on the primary is read on the replica")
    func replica() throws {
        let cluster = try OwnCluster()
        let url = try cluster.database("primary_ledger")
        let desk = try CaseDesk(location: url)
        let replicaStarted = try cluster.tool("replica", [String(cluster.port)])
        #expect(replicaStarted.status == 0, "\(replicaStarted.stderr)")
        let replicaServer = try #require(replicaStarted.stdout.split(separator: "\n").last.map(String.init))
        let replica = try PostgresStore.url(replicaServer, database: "primary_ledger")
        try desk.complaint("C-9")
        try desk.open("IA-9", complaints: ["C-9"])
        let primaryView = try blotter(["case", "show", "IA-9", "--ledger", url, "--json"])
        // The replica follows; wait for it to replay the primary's WAL.
        var seen: ProcessResult? = nil
        for _ in 0..<100 {
            let r = try blotter(["case", "show", "IA-9", "--ledger", replica, "--json"])
            if r.status == 0 { seen = r; break }
            usleep(100_000)
        }
        #expect(seen?.stdout == primaryView.stdout, "\(seen?.stderr ?? "the replica never showed the case")")
        #expect(try blotter(["verify", "--ledger", replica]).status == 0)
        #expect(try pythonVerifier(replica).status == 0)
        #expect(try blotter(["prove", "inclusion", "3", "--ledger", replica]).status == 0)
        // Writing to the replica is refused by the server, and says so.
        try Data(try desk.t.keys["ia/cmdr"]!.pkcs8PEM.utf8).write(to: URL(fileURLWithPath: desk.t.directory.path("cmdr.pem")))
        let write = try blotter(["case", "assign", "IA-9", "--ledger", replica, "--key", desk.t.directory.path("cmdr.pem"), "--investigator", "ia/rivera"])
        #expect(write.status != 0 && write.stderr.contains("read-only"), "\(write.stderr)")
    }
}
