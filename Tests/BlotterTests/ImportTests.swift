import BlotterSQL
import Foundation
import Testing
@testable import BlotterFormat
@testable import BlotterDomain
import Blotter
import BlotterCrypto

/// The public data files: $BLOTTER_DATA, or else ../shared/data next to the repository (the test
/// `publicDataIsThere` fails, saying so, when they are in neither).
let sharedData: URL = {
    if let given = ProcessInfo.processInfo.environment["BLOTTER_DATA"], !given.isEmpty { return URL(fileURLWithPath: given) }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
}()
let njFile = sharedData.appendingPathComponent("nj-use-of-force.csv").path
let ccrbFile = sharedData.appendingPathComponent("nyc-ccrb-penalties.csv").path
let njMapping = repositoryRoot.appendingPathComponent("Tools/mappings/nj-use-of-force.json").path
let ccrbMapping = repositoryRoot.appendingPathComponent("Tools/mappings/nyc-ccrb-penalties.json").path

/// A ledger with the bundled catalog and a key registered as importer.
struct ImportDesk {
    let t: TestLedger
    let key: PrivateKey
    var ledger: Ledger { t.ledger }

    init(store: StoreKind = .sqlite) throws {
        t = try TestLedger(catalog: try EventCatalog.bundled(), store: store)
        key = try t.register("import/legacy", roles: ["importer"])
    }

    func importer(_ mappingPath: String) throws -> Importer {
        let mapping = try ImportMapping.load(path: mappingPath, catalog: try #require(try ledger.catalog()))
        return try Importer(ledger: ledger, mapping: mapping, key: key)
    }

    func run(_ mappingPath: String, _ file: String) throws -> ImportReport {
        try importer(mappingPath).run(path: file)
    }

    func mapping(_ json: String) throws -> ImportMapping {
        try ImportMapping(bytes: Array(json.utf8), catalog: try #require(try ledger.catalog()))
    }

    func count() throws -> Int64 { try ledger.count() }

    func rows(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] { try ledger.store.read { try $0.rows(sql, args) } }
}

/// Figures from a Python script of the fixtures, by default Fixtures/import/figures.py (Python's csv module, no Blotter code).
func pythonFigures(_ args: [String], script: String = fixtures.appendingPathComponent("import/figures.py").path) throws -> JSONValue {
    let r = try run("/usr/bin/env", ["python3", script] + args)
    #expect(r.status == 0, "\(r.stderr)")
    return try JSONParser.parse(r.stdout)
}

func write(_ text: String, to path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

/// The first `n` records of the NJ file (header included), as text, with `edit` applied to each record's cells.
func njSample(_ n: Int, edit: (Int, inout [String: String]) -> Bool = { _, _ in true }) throws -> String {
    var reader = try SourceReader(path: njFile, format: .csv)
    defer { reader.close() }
    var lines = [SourceReader.csvLine(reader.header)]
    var i = 0
    while i < n, let r = try reader.next() {
        var cells = Dictionary(uniqueKeysWithValues: zip(reader.header, r.raw))
        if edit(i, &cells) { lines.append(SourceReader.csvLine(reader.header.map { cells[$0] ?? "" })) }
        i += 1
    }
    return lines.joined(separator: "\r\n") + "\r\n"
}


@Suite("CSV and JSON Lines reading")
struct SourceReaderTests {
    func records(_ text: [UInt8], _ format: SourceFormat = .csv) throws -> (header: [String], rows: [SourceRecord]) {
        let dir = TemporaryDirectory()
        let path = dir.path("f")
        try Data(text).write(to: URL(fileURLWithPath: path))
        var reader = try SourceReader(path: path, format: format)
        defer { reader.close() }
        var out: [SourceRecord] = []
        while let r = try reader.next() { out.append(r) }
        return (reader.header, out)
    }

    func failure(_ text: [UInt8], _ format: SourceFormat = .csv) -> String {
        do {
            _ = try records(text, format)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("RFC 4180: quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF, a byte-order mark, blank lines")
    func rfc4180() throws {
        let text = Array("\u{FEFF}id,name,note\r\n1,\"Smith, J\",\"said \"\"stop\"\"\"\r\n\r\n2,Lee,\"two\r\nlines\"\r\n3,,\n".utf8)
        let (header, rows) = try records(text)
        #expect(header == ["id", "name", "note"])
        #expect(rows.count == 3)
        #expect(rows[0].cells["name"] == .string("Smith, J"))
        #expect(rows[0].cells["note"] == .string("said \"stop\""))
        #expect(rows[1].cells["note"] == .string("two\r\nlines"))
        #expect(rows[1].line == 4)
        #expect(rows[2].line == 6 && rows[2].number == 3)
        #expect(rows[2].cells["name"] == .string("") && rows[2].cells["note"] == .string(""))
    }

    @Test("records that run past the reader's 1 MiB buffer, a field longer than it, quotes and CRLF at every boundary: read as in a small file, with the lines counted")
    func acrossTheBuffer() throws {
        // Each record is one of a few shapes; padding moves the boundaries of the 1 MiB buffer through
        // every byte of them (a doubled quote, a CR before its LF, a closing quote before a delimiter).
        var text = Array("id,a,b\r\n".utf8)
        var expected: [(id: String, a: String, b: String, line: Int)] = []
        var line = 2
        var i = 0
        while text.count < 3 << 20 {
            let pad = String(repeating: "p", count: i % 97)
            let a = i % 5 == 0 ? "say \"\"hi\"\"\r\nthere \(pad)" : pad
            let quotedA = "\"" + a + "\""
            let aValue = a.replacingOccurrences(of: "\"\"", with: "\"")
            let b = i == 1234 ? String(repeating: "L", count: (1 << 20) + 4_321) : "é\(i)"
            text += Array("\(i),\(quotedA),\(b)\r\n".utf8)
            expected.append((String(i), aValue, b, line))
            line += 1 + (i % 5 == 0 ? 1 : 0)
            i += 1
        }
        let (header, rows) = try records(text)
        #expect(header == ["id", "a", "b"])
        #expect(rows.count == expected.count)
        for (row, e) in zip(rows, expected) where row.raw != [e.id, e.a, e.b] || row.line != e.line {
            Issue.record("record \(e.id): read \(row.raw.map { $0.prefix(40) }) on line \(row.line), written \([e.id, e.a, e.b].map { $0.prefix(40) }) on line \(e.line)")
            break
        }
    }

    @Test("a file cut off inside a quoted field names the line where the field opened")
    func cutOff() {
        let message = failure(Array("id,note\n1,ok\n2,\"never\nclosed".utf8))
        #expect(message.contains("line 4") && message.contains("opened on line 3") && message.contains("cut off"), "\(message)")
    }

    @Test("a record with a different number of fields than the header names its line")
    func unevenColumns() {
        let message = failure(Array("a,b,c\n1,2,3\n4,5\n".utf8))
        #expect(message.contains("line 3") && message.contains("2 fields") && message.contains("header has 3"), "\(message)")
    }

    @Test("bytes that are not UTF-8 (a Windows-1252 export) name the line; UTF-16 is refused at the start")
    func encoding() {
        let latin1: [UInt8] = Array("id,name\n1,ok\n2,Jos".utf8) + [0xE9] + Array("\n".utf8)
        let message = failure(latin1)
        #expect(message.contains("line 3") && message.contains("not UTF-8"), "\(message)")
        let utf16: [UInt8] = [0xFF, 0xFE] + Array("i\0d\0".utf8)
        #expect(failure(utf16).contains("UTF-16"))
    }

    @Test("JSON Lines: one object per line; a cut-off last line names its line")
    func jsonLines() throws {
        let (_, rows) = try records(Array("{\"id\": 1, \"tags\": [\"a\"]}\n\n{\"id\": 2}\n".utf8), .jsonl)
        #expect(rows.count == 2 && rows[1].line == 3 && rows[0].cells["tags"] == .array([.string("a")]))
        let message = failure(Array("{\"id\": 1}\n{\"id\": 2, \"x\"".utf8), .jsonl)
        #expect(message.contains("line 2") && message.contains("cut off"), "\(message)")
        #expect(failure(Array("[1, 2]\n".utf8), .jsonl).contains("must be a JSON object"))
    }
}

@Suite("Import mappings are checked before any row is read")
struct MappingCheckTests {
    func refusal(_ desk: ImportDesk, _ json: String) -> String {
        do {
            _ = try desk.mapping(json)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    let base = #"{"mapping": "t", "format": "csv", "record": ["id"], "events": [%@]}"#

    @Test("unknown event type, unknown field, an unfilled required field, a mapped source, a bad shape: refused with the reason")
    func refusals() throws {
        let desk = try ImportDesk()
        func event(_ e: String) -> String { base.replacingOccurrences(of: "%@", with: e) }
        #expect(refusal(desk, event(#"{"name": "x", "type": "complaint.filed", "fields": {}}"#)).contains("unknown event type \"complaint.filed\""))
        let unknownField = refusal(desk, event(#"{"name": "x", "type": "use_of_force.reported", "fields": {"report_id": {"column": "id"}, "incident_at": {"column": "t"}, "force_types": {"column": "f", "split": ","}, "colour": {"column": "c"}}}"#))
        #expect(unknownField.contains("field colour") && unknownField.contains("has no field \"colour\""), "\(unknownField)")
        let unfilled = refusal(desk, event(#"{"name": "x", "type": "use_of_force.reported", "fields": {"report_id": {"column": "id"}}}"#))
        #expect(unfilled.contains("requires fields incident_at, force_types"), "\(unfilled)")
        let source = refusal(desk, event(#"{"name": "x", "type": "use_of_force.reviewed", "fields": {"report_id": {"column": "id"}, "outcome": {"const": "referred"}, "source": {"const": 1}}}"#))
        #expect(source.contains("source is written by the importer"), "\(source)")
        let shape = refusal(desk, #"{"mapping": "Bad Name", "format": "xls", "record": [], "events": []}"#)
        #expect(shape.contains("/mapping") && shape.contains("/format") && shape.contains("/events"), "\(shape)")
        let noStream = refusal(desk, event(#"{"name": "x", "type": "case.allegation.added", "fields": {"allegation_id": {"column": "id"}, "officer": {"column": "o"}}}"#))
        #expect(noStream.contains("give \"stream\""), "\(noStream)")
    }

    @Test("a mapping that reads a column the file lacks is refused before anything is written")
    func missingColumn() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let mappingPath = dir.path("m.json")
        var json = String(decoding: try Data(contentsOf: URL(fileURLWithPath: njMapping)), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"agency_name\"", with: "\"agency\"")
        try write(json, to: mappingPath)
        let before = try desk.t.fileDigest()
        do {
            _ = try desk.run(mappingPath, njFile)
            Issue.record("imported with a missing column")
        } catch {
            #expect("\(error)".contains("column \"agency\"") && "\(error)".contains("does not have"), "\(error)")
        }
        #expect(try desk.t.fileDigest() == before)
        #expect(try desk.count() == 2)
    }

    @Test("a key without the importer role is refused before any row is read")
    func role() throws {
        let desk = try ImportDesk()
        let intake = try desk.t.register("ia/intake", roles: ["intake"])
        let mapping = try ImportMapping.load(path: njMapping, catalog: try #require(try desk.ledger.catalog()))
        #expect {
            try Importer(ledger: desk.ledger, mapping: mapping, key: intake)
        } throws: { error in
            // The type the mapping appends, the roles it needs, and what the key has.
            guard let error = error as? BlotterError else { return false }
            return error.code == .roleNotAllowed
                && error.message == "the mapping appends use_of_force.amended, which needs one of [officer, supervisor, importer]; ia/intake has [intake]"
        }
    }
}

/// Both real files imported once into one ledger, shared by the tests below.
final class ImportedPublicData: @unchecked Sendable {
    static let shared: Result<ImportedPublicData, any Error> = Result { try ImportedPublicData() }
    let desk: ImportDesk
    let nj: ImportReport
    let ccrb: ImportReport

    init() throws {
        desk = try ImportDesk()
        nj = try desk.run(njMapping, njFile)
        ccrb = try desk.run(ccrbMapping, ccrbFile)
    }
}

@Suite("The two public files, imported in full")
struct PublicDataImportTests {
    @Test("the public data files are in $BLOTTER_DATA, or ../shared/data next to the repository")
    func publicDataIsThere() {
        for file in [njFile, ccrbFile] {
            #expect(FileManager.default.fileExists(atPath: file),
                    "\(file) is missing: set BLOTTER_DATA to the folder of nj-use-of-force.csv and nyc-ccrb-penalties.csv (../shared/data next to the repository by default)")
        }
    }

    @Test("New Jersey use of force: every row, and figures equal to Python's from the CSV")
    func newJersey() throws {
        let data = try ImportedPublicData.shared.get()
        let figures = try pythonFigures(["nj", njFile])
        let rows = figures["rows"]?.integerValue ?? -1
        #expect(data.nj.rowsRead == Int(rows) && data.nj.rowsImported == Int(rows) && data.nj.rejected.isEmpty)
        #expect(data.nj.statements["use_of_force.reported"] == Int(rows))
        let d = data.desk
        #expect(try d.rows("SELECT COUNT(*) FROM p_uof")[0][0].integer == rows)
        let byAgency = try #require(figures["by_agency"]?.objectValue, "Python gave no by_agency")
        #expect(byAgency.count >= 2, "\(byAgency.map(\.0))")
        for (agency, n) in byAgency {
            #expect(try d.rows("SELECT COUNT(*) FROM p_uof WHERE agency = ?", [.text(agency)])[0][0].integer == n.integerValue, "\(agency)")
        }
        #expect(try d.rows("SELECT COUNT(*) FROM p_uof WHERE officer IS NULL")[0][0].integer == figures["without_officer_name"]?.integerValue)
        #expect(try d.rows("SELECT SUM(subjects_count) FROM p_uof")[0][0].integer == figures["subjects"]?.integerValue)
        #expect(try d.rows("SELECT SUM(subjects_injured) FROM p_uof")[0][0].integer == figures["subjects_injured"]?.integerValue)
        #expect(try d.rows("SELECT COUNT(*) FROM p_uof WHERE video_footage = 1")[0][0].integer == figures["with_video"]?.integerValue)
    }

    @Test("NYC CCRB penalties: cases, allegations, findings and discipline equal Python's figures; sample case views match the rows")
    func ccrb() throws {
        let data = try ImportedPublicData.shared.get()
        let samples = ["202303046", "200000045", "201707222", "202410887", "200717883", "201210869"]
        let figures = try pythonFigures(["ccrb", ccrbFile] + samples)
        let r = data.ccrb
        #expect(r.rowsRead == Int(figures["rows"]?.integerValue ?? -1) && r.rejected.isEmpty, "\(r.rejected.prefix(3))")
        #expect(r.statements["case.opened"] == Int(figures["complaints"]?.integerValue ?? -1))
        #expect(r.statements["complaint.received"] == Int(figures["complaints"]?.integerValue ?? -1))
        #expect(r.statements["case.allegation.added"] == Int(figures["rows"]?.integerValue ?? -1))
        #expect(r.statements["case.finding.approved"] == Int(figures["final_findings"]?.integerValue ?? -1))
        #expect(r.statements["case.discipline.imposed"] == Int(figures["discipline"]?.integerValue ?? -1))
        let d = data.desk
        #expect(try d.rows("SELECT COUNT(*) FROM p_allegations WHERE final = 'not_sustained'")[0][0].integer == figures["not_sustained"]?.integerValue)
        // Every value translated by a default is in the report, with its column.
        #expect(r.defaults.values.contains { $0.column == "NYPD Officer Penalty" && $0.value == "Closed Administratively" && $0.count == 142 })
        // The discipline the CCRB recommended, by penalty, as Python reads it from the file.
        let recommended = try d.rows("SELECT recommended_penalty, COUNT(*) FROM p_allegations WHERE recommended_penalty IS NOT NULL GROUP BY 1")
        let wantRecommended = try #require(figures["recommended_penalties"]?.objectValue)
        #expect(Dictionary(uniqueKeysWithValues: recommended.map { ($0[0].text ?? "", $0[1].integer ?? 0) })
                == Dictionary(uniqueKeysWithValues: wantRecommended.map { ($0.0, $0.1.integerValue ?? -1) }))
        #expect(try d.rows("SELECT COUNT(*) FROM p_allegations WHERE recommended_days IS NOT NULL")[0][0].integer == figures["recommended_with_days"]?.integerValue)
        // Penalties and final findings are in the year the file dates them (New York dates), not the
        // year of the import; only those the file leaves undated are in the year they were signed.
        let thisYear = String(Timestamp.now().rfc3339.prefix(4))
        for (table, column, figure) in [("p_discipline", "at", "discipline_by_year"), ("p_allegations", "final_at", "final_findings_by_year")] {
            let byYear = try d.rows("SELECT substr(\(column), 1, 4), COUNT(*) FROM \(table) WHERE \(column) IS NOT NULL GROUP BY 1")
            var want = Dictionary(uniqueKeysWithValues: try #require(figures[figure]?.objectValue).map { ($0.0, $0.1.integerValue ?? -1) })
            if let undated = want.removeValue(forKey: "undated") { want[thisYear, default: 0] += undated }
            #expect(Dictionary(uniqueKeysWithValues: byYear.map { ($0[0].text ?? "", $0[1].integer ?? 0) }) == want, "\(figure)")
        }
        let catalog = try #require(try d.ledger.catalog())
        let cases = try #require(figures["cases"]?.objectValue, "Python gave no cases")
        #expect(Set(cases.map(\.0)) == Set(samples.map { "CCRB-" + $0 }), "\(cases.map(\.0))")
        for (caseID, expected) in cases {
            let view = try JSONValueCoding.encode(try d.ledger.store.read { try Views($0, catalog: catalog, today: CalendarDate("2026-11-21")!).caseView(caseID) })
            let allegations = try #require(view["allegations"]?.arrayValue, "\(caseID)")
            let wanted = try #require(expected.objectValue, "\(caseID)")
            #expect(!wanted.isEmpty && allegations.count == wanted.count, "\(caseID)")
            for (id, want) in wanted {
                let a = allegations.first { $0["allegation_id"] == .string(id) }
                #expect(a?["officer"] == want["officer"], "\(caseID) \(id)")
                #expect(a?["final"] == want["final"], "\(caseID) \(id)")
                for field in ["penalty", "days", "detail"] {
                    #expect((a?["recommended_" + field] ?? .null) == (want["recommended"]?[field] ?? .null), "\(caseID) \(id) recommended \(field)")
                }
                let discipline = try #require(view["discipline"]?.arrayValue, "\(caseID)").filter { $0["allegation_id"] == .string(id) }
                if case let .string(text)? = want["penalty_text"] {
                    #expect(discipline.count == 1 && discipline.first?["detail"] == .string(text), "\(caseID) \(id)")
                } else {
                    #expect(discipline.isEmpty, "\(caseID) \(id)")
                }
            }
        }
    }

    @Test("importing the same files again adds nothing, and the ledger verifies with both verifiers")
    func idempotent() throws {
        let data = try ImportedPublicData.shared.get()
        let before = try data.desk.count()
        let again = try data.desk.run(njMapping, njFile)
        #expect(again.statementsWritten == 0 && again.rowsUnchanged == again.rowsRead)
        let ccrbAgain = try data.desk.run(ccrbMapping, ccrbFile)
        #expect(ccrbAgain.statementsWritten == 0 && ccrbAgain.rowsUnchanged == ccrbAgain.rowsRead)
        #expect(try data.desk.count() == before)
        #expect(try LedgerVerifier(store: data.desk.ledger.store).verify().entries == before)
        let python = try pythonVerifier(data.desk.t.path)
        #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
    }
}

@Suite("Import: newer exports, rejected rows, interruption")
struct ImportBehaviourTests {
    @Test("importing the same rows again adds nothing and changes nothing, on every store", arguments: StoreKind.allCases)
    func idempotentOnEveryStore(_ store: StoreKind) throws {
        let desk = try ImportDesk(store: store)
        let dir = TemporaryDirectory()
        let file = dir.path("nj-1500.csv")
        try write(try njSample(1500), to: file)
        let first = try desk.run(njMapping, file)
        #expect(first.rowsImported == 1500 && first.rejected.isEmpty, "\(first.rejected.prefix(3))")
        let before = try desk.t.fileDigest()
        let count = try desk.count()
        let again = try desk.run(njMapping, file)
        #expect(again.statementsWritten == 0 && again.rowsUnchanged == 1500)
        #expect(try desk.count() == count && desk.t.fileDigest() == before)
        #expect(try desk.rows("SELECT COUNT(*) FROM p_uof")[0][0].integer == 1500)
        #expect(try LedgerVerifier(store: desk.ledger.store).verify().entries == count)
        let python = try pythonVerifier(desk.t.path)
        #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
    }

    @Test("a newer export adds only what is new and amends what changed; the earlier statements stay")
    func newerExport() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let first = dir.path("nj-1.csv"), second = dir.path("nj-2.csv")
        try write(try njSample(200), to: first)
        // The newer export: rows 0-2 corrected, row 3 gone, 2 rows added at the end.
        try write(try njSample(202) { i, cells in
            if i < 3 { cells["type_of_force"] = "Compliance hold" }
            return i != 3
        }, to: second)
        let a = try desk.run(njMapping, first)
        #expect(a.statements["use_of_force.reported"] == 200)
        let seqBefore = try desk.count()
        let b = try desk.run(njMapping, second)
        #expect(b.statements["use_of_force.reported"] == 2, "\(b.statements)")
        #expect(b.statements["use_of_force.amended"] == 3 && b.amendments["use_of_force.amended"] == 3)
        #expect(b.rowsUnchanged == 196)
        #expect(try desk.count() == seqBefore + 5)
        // The amendment is in the case file of the report; the original report is still entry it was.
        let amended = try desk.rows("SELECT report_id, force_types FROM p_uof WHERE force_types = 'Compliance hold'")
        #expect(amended.count == 3)
        let original = try desk.rows("SELECT seq FROM p_uof WHERE report_id = ?", [amended[0][0]])[0][0].integer!
        #expect(original < seqBefore)
        // And a third run of the newer file adds nothing.
        #expect(try desk.run(njMapping, second).statementsWritten == 0)
    }

    @Test("rows refused by the schema or a lifecycle rule are reported with row and column and skipped; the fixed rejects file imports")
    func rejectedRows() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let file = dir.path("nj.csv"), rejects = dir.path("rejects.csv")
        try write(try njSample(50) { i, cells in
            if i == 4 { cells["incident_date_utc"] = "yesterday" }
            if i == 9 { cells["number_subjects_injured_in_incident"] = "two" }
            if i == 14 { cells["type_of_force"] = String(repeating: "x", count: 150) }
            return true
        }, to: file)
        let importer = try desk.importer(njMapping)
        var writer: [String] = []
        importer.onReject = { record, rejection in writer.append("\(record.number)|\(rejection.column ?? "")|\(rejection.reason)") }
        let report = try importer.run(path: file)
        #expect(report.rowsImported == 47 && report.rejected.count == 3)
        let byRow = Dictionary(uniqueKeysWithValues: report.rejected.map { ($0.row, $0) })
        #expect(byRow[5]?.column == "incident_date_utc" && byRow[5]?.reason.contains("yesterday") == true)
        #expect(byRow[10]?.column == "number_subjects_injured_in_incident" && byRow[10]?.reason.contains("whole number") == true)
        #expect(byRow[15]?.column == "type_of_force" && byRow[15]?.reason.contains("/force_types/0") == true, "\(String(describing: byRow[15]))")
        #expect(writer.count == 3)

        // Through the CLI: the rejects file carries the rows as they were plus the reason, and imports once fixed.
        let cliDesk = try ImportDesk()
        try cliDesk.t.ledger.close()
        let keyPath = dir.path("importer.pem")
        try write(cliDesk.key.pkcs8PEM, to: keyPath)
        let r = try blotter(["import", "--ledger", cliDesk.t.path, "--key", keyPath, "--mapping", njMapping, "--rejects", rejects, "--quiet", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rejected 3") && r.stdout.contains("row 5 (line 6) column incident_date_utc"), "\(r.stdout)")
        var text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: rejects)), as: UTF8.self)
        #expect(text.hasPrefix("unique_report_id,") && text.contains("blotter_reason"))
        text = text.replacingOccurrences(of: "yesterday", with: "2020-12-01T10:00:00Z").replacingOccurrences(of: ",two,", with: ",2,")
            .replacingOccurrences(of: String(repeating: "x", count: 150), with: "Compliance hold")
        try write(text, to: rejects)
        let fixed = try blotter(["import", "--ledger", cliDesk.t.path, "--key", keyPath, "--mapping", njMapping, "--quiet", "--json", rejects])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let json = try JSONParser.parse(fixed.stdout)
        #expect(json["rows_imported"] == .integer(3) && json["rows_rejected"] == .integer(0), "\(fixed.stdout)")
    }

    @Test("JSON Lines with a lifecycle refusal: that row is reported, the rest import")
    func jsonLinesLifecycle() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let mappingPath = dir.path("m.json"), file = dir.path("legacy.jsonl")
        try write(#"""
            {"mapping": "legacy-ia", "format": "jsonl", "record": ["case", "officer"],
             "events": [
               {"name": "complaint", "type": "complaint.received", "key": ["case"], "when": [{"column": "new", "in": ["true"]}],
                "fields": {"complaint_id": {"template": "L-{case}"}, "channel": {"const": "other"}, "received_at": {"column": "received", "parse": "date-time", "date_format": "DD.MM.YYYY hh:mm"}}},
               {"name": "case", "type": "case.opened", "key": ["case"], "when": [{"column": "new", "in": ["true"]}],
                "fields": {"case_id": {"column": "case"}, "complaints": {"template": "L-{case}", "split": ";"}}},
               {"name": "allegation", "type": "case.allegation.added", "stream": "case/{case}",
                "fields": {"allegation_id": {"template": "A-{officer}"}, "officer": {"column": "officer"},
                           "category": {"column": "kind", "translate": {"F": "Force", "D": "Discourtesy"}, "default": "Other Misconduct"}}}
             ]}
            """#, to: mappingPath)
        try write("""
            {"case": "IA-7", "officer": "P1", "new": true, "received": "03.02.2019 14:30", "kind": "F"}
            {"case": "IA-7", "officer": "P2", "kind": "X"}
            {"case": "IA-8", "officer": "P1", "kind": "D"}
            """, to: file)
        let report = try desk.run(mappingPath, file)
        #expect(report.rowsImported == 2 && report.rejected.count == 1)
        // The refusal names the event and the column behind the field its rule is about: here the
        // case id, which the allegation's stream is made from.
        let rejected = try #require(report.rejected.first)
        #expect(rejected.row == 3 && rejected.column == "case"
                && rejected.reason.contains("event allegation (case.allegation.added): rule case-must-exist"), "\(report.rejected)")
        #expect(report.defaults.values.contains { $0.column == "kind" && $0.value == "X" && $0.to == .string("Other Misconduct") })
        #expect(try desk.rows("SELECT received_at FROM p_complaints WHERE complaint_id = 'L-IA-7'")[0][0].text == "2019-02-03T14:30:00Z")
        #expect(try desk.rows("SELECT COUNT(*) FROM p_allegations WHERE case_id = 'IA-7'")[0][0].integer == 2)
    }

    @Test("a row whose id cannot name a stream goes to the rejects, naming its row and column; the other rows import")
    func idBreakingTheStreamPatternRejectsItsRow() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let mappingPath = dir.path("m.json"), file = dir.path("uof.jsonl")
        try write(#"""
            {"mapping": "uof-ids", "format": "jsonl", "record": ["id"],
             "events": [{"name": "report", "type": "use_of_force.reported", "key": ["id"],
                         "fields": {"report_id": {"column": "id"}, "incident_at": {"column": "t", "parse": "date-time"},
                                    "force_types": {"column": "force", "split": ","}}}]}
            """#, to: mappingPath)
        try write("""
            {"id": "U-1", "t": "2024-03-01T10:00:00Z", "force": "Takedown"}
            {"id": "U 2/ünïcode", "t": "2024-03-02T10:00:00Z", "force": "Takedown"}
            {"id": "U-3", "t": "2024-03-03T10:00:00Z", "force": "Takedown"}
            """, to: file)
        let before = try desk.count()
        let report = try desk.run(mappingPath, file)
        #expect(report.rowsImported == 2 && report.rejected.count == 1, "\(report.rejected)")
        let rejected = try #require(report.rejected.first)
        #expect(rejected.row == 2 && rejected.column == "id", "\(rejected)")
        #expect(rejected.reason.contains("stream \"uof/U 2/ünïcode\" is not a valid stream name"), "\(rejected.reason)")
        #expect(try desk.count() == before + 2)
    }

    @Test("a dry run checks every rule against the ledger and its own earlier batches, reports what a real run would, and keeps nothing", arguments: StoreKind.allCases)
    func dryRun(_ store: StoreKind) throws {
        let desk = try ImportDesk(store: store)
        let dir = TemporaryDirectory()
        let file = dir.path("nj.csv"), keyPath = dir.path("importer.pem"), rejects = dir.path("rejects.csv")
        // 30 reports in batches of 4; the 28th repeats the 3rd exactly and the 29th says another
        // thing about the 5th: each is found written by an earlier batch (a duplicate; "other values
        // ... (entry 6)"), which a dry run whose batches did not see each other would miss. The 30th
        // has a bad date.
        var rows: [[String: String]] = []
        _ = try njSample(27) { _, cells in rows.append(cells); return true }
        let text = try njSample(30) { i, cells in
            if i == 27 { cells = rows[2] }
            if i == 28 { cells = rows[4]; cells["type_of_force"] = "Compliance hold" }
            if i == 29 { cells["incident_date_utc"] = "yesterday" }
            return true
        }
        try write(text, to: file)
        try write(desk.key.pkcs8PEM, to: keyPath)
        let before = try desk.count()
        if store == .sqlite { try desk.t.ledger.close() }
        let digest = store == .sqlite ? try desk.t.fileDigest() : ""
        let args = ["import", "--ledger", desk.t.path, "--key", keyPath, "--mapping", njMapping, "--batch", "4", "--quiet", "--json", "--rejects", rejects, file]
        var dryArgs = args
        dryArgs.insert("--dry-run", at: 1)
        let dry = try blotter(dryArgs)
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        let rehearsed = try JSONParser.parse(dry.stdout)
        #expect(rehearsed["dry_run"] == .bool(true))
        #expect(rehearsed["rows_duplicate"] == .integer(1) && rehearsed["rows_rejected"] == .integer(2), "\(dry.stdout)")
        #expect(dry.stdout.contains("has other values for report in row 5 of this file (entry 6)"), "\(dry.stdout)")
        if store == .sqlite {
            #expect(try desk.t.fileDigest() == digest)
            #expect(try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: desk.t.path).deletingLastPathComponent().path)
                .allSatisfy { !$0.contains("dry-run") })
        }
        let after = store == .sqlite ? try Ledger.open(path: desk.t.path) : desk.ledger
        #expect(try after.count() == before)
        #expect(try after.store.read { try $0.rows("SELECT COUNT(*) FROM p_uof", []) }[0][0].integer == 0)
        if store == .sqlite { try after.close() }
        // The real run reports the same rows, statements and rejects.
        let real = try blotter(args)
        #expect(real.status == 0, "\(real.stderr)")
        let imported = try JSONParser.parse(real.stdout)
        for key in ["rows_read", "rows_imported", "rows_unchanged", "rows_duplicate", "rows_rejected", "statements", "rejected"] {
            #expect(imported[key] == rehearsed[key], "\(key): \(real.stdout) vs \(dry.stdout)")
        }
        #expect(imported["statements"]?["use_of_force.reported"] == .integer(27), "\(real.stdout)")
    }

    @Test("a batch prepared while the one before it is written sees what that batch wrote: duplicates and changed records across the boundary come out as in a run of one batch at a time", arguments: StoreKind.allCases)
    func overlappedBatches(_ store: StoreKind) throws {
        let dir = TemporaryDirectory()
        let file = dir.path("nj.csv")
        // Batches of 4: row 5 repeats row 4 exactly, row 9 says another thing about row 8, row 13
        // repeats row 12: each pair is split across two batches, the second prepared while the first
        // is written.
        var rows: [[String: String]] = []
        _ = try njSample(12) { _, cells in rows.append(cells); return true }
        let text = try njSample(24) { i, cells in
            if i == 4 { cells = rows[3] }
            if i == 8 { cells = rows[7]; cells["type_of_force"] = "Compliance hold" }
            if i == 12 { cells = rows[11] }
            return true
        }
        try write(text, to: file)
        func run(overlap: Bool) throws -> (report: ImportReport, added: Int64, views: [[SQLValue]]) {
            let desk = try ImportDesk(store: store)
            let before = try desk.count()
            let importer = try desk.importer(njMapping)
            importer.batchRows = 4
            importer.overlapWrites = overlap
            let report = try importer.run(path: file)
            return (report, try desk.count() - before,
                    try desk.rows("SELECT report_id, officer, incident_at, agency, force_types FROM p_uof ORDER BY report_id"))
        }
        let overlapped = try run(overlap: true), serial = try run(overlap: false)
        for r in [overlapped, serial] {
            #expect(r.report.rowsRead == 24 && r.report.rowsImported == 21 && r.report.rowsDuplicate == 2, "\(r.report)")
            #expect(r.report.rejected.map(\.row) == [9], "\(r.report.rejected)")
            #expect(r.report.rejected.first?.reason.contains("other values for report in row 8 of this file") == true, "\(r.report.rejected)")
            #expect(r.added == 21)
            #expect(r.views.count == 21)
        }
        #expect(overlapped.views == serial.views)
        #expect(overlapped.report.statements == serial.report.statements)
    }

    @Test("an import killed with SIGKILL leaves a ledger that verifies; running it again completes it without duplicates")
    func sigkill() throws {
        let desk = try ImportDesk()
        let dir = TemporaryDirectory()
        let keyPath = dir.path("importer.pem")
        try write(desk.key.pkcs8PEM, to: keyPath)
        try desk.t.ledger.close()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: blotterExecutable)
        p.arguments = ["import", "--ledger", desk.t.path, "--key", keyPath, "--mapping", njMapping, "--batch", "200", "--quiet", njFile]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill it once some batches have committed.
        var seen: Int64 = 0
        for _ in 0..<600 where seen < 800 {
            usleep(20_000)
            if let l = try? Ledger.open(path: desk.t.path) { seen = (try? l.count()) ?? 0; try? l.close() }
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the import finished before it could be killed")
        let opened = try Ledger.open(path: desk.t.path)
        let partial = try opened.count()
        #expect(partial > 2 && partial < 5515, "\(partial)")
        #expect(try LedgerVerifier(store: opened.store).verify().entries == partial)
        try opened.close()
        let r = try blotter(["import", "--ledger", desk.t.path, "--key", keyPath, "--mapping", njMapping, "--quiet", "--json", njFile])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONParser.parse(r.stdout)
        #expect(report["rows_imported"]?.integerValue == 5515 - partial && report["rows_rejected"] == .integer(0), "\(r.stdout.prefix(400))")
        let done = try Ledger.open(path: desk.t.path)
        defer { try? done.close() }
        #expect(try done.count() == 5515)
        #expect(try done.store.read { try $0.rows("SELECT COUNT(DISTINCT report_id) FROM p_uof", []) }[0][0].integer == 5513)
        #expect(try LedgerVerifier(store: done.store).verify().entries == 5515)
    }
}
