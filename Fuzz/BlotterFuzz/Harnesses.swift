// libFuzzer harnesses for every decoder of outside input. Built two ways:
// - with `-sanitize=fuzzer,address -DFUZZING` (Tools/fuzz.sh): libFuzzer's own main drives the
//   harness named by $BLOTTER_FUZZ_TARGET;
// - plainly (every `swift build`): `blotter-fuzz TARGET FILE...` runs the harness on each file, which
//   is how the test suite replays every input a fuzzing run ever crashed on (Tests/BlotterTests/Fixtures/fuzz).
// A harness may refuse its input (that is what decoders are for); it must never crash, hang or leak,
// and what it accepts must survive the round trips checked below.
import BlotterDisclosure
import BlotterDomain
import BlotterFormat
import BlotterImport
import BlotterLog
import Foundation

enum Harness: String, CaseIterable {
    case json, statement, submission, entry, disclosure, csv, jsonl, note, checkpoint, noteKey = "note-key", tlogProof = "tlog-proof",
         consistencyProof = "consistency-proof", roles, schema, mapping, policy

    static let catalog: EventCatalog = try! EventCatalog.bundled()

    func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .json:
            guard let value = try? JSONParser.parse(bytes) else { return }
            // What parses and encodes canonically parses back, and encodes to the same bytes again.
            guard let canonical = try? CanonicalJSON.encode(value) else { return }
            let again = try! JSONParser.parse(canonical)
            precondition((try? CanonicalJSON.encode(again)) == canonical, "canonical encoding is not stable")
        case .statement:
            guard let json = try? JSONParser.parse(bytes), let statement = try? Statement(json: json) else { return }
            let back = try! Statement(json: statement.json())
            precondition(back.json() == statement.json(), "a statement does not survive its own JSON")
            _ = try? statement.signingInput()
        case .submission:
            guard let json = try? JSONParser.parse(bytes), let submission = try? Submission(json: json) else { return }
            _ = try? submission.checkDisclosures()
        case .entry:
            guard let (entry, _) = try? Entry.parse(stored: bytes) else { return }
            // An entry that parses was stored canonically: its bytes are exactly its canonical form.
            precondition(Entry.canonicalBytes(seq: entry.seq, prev: entry.prev, recorded: entry.recorded,
                                              statementBytes: try! CanonicalJSON.encode(entry.statement.json())) == bytes,
                         "an accepted entry is not in canonical form")
        case .disclosure:
            guard let d = try? Disclosure(encoded: text) else { return }
            precondition(Disclosure.digest(of: d.encoded) == d.digest)
        case .csv, .jsonl:
            let path = NSTemporaryDirectory() + "blotter-fuzz-\(getpid()).\(self == .csv ? "csv" : "jsonl")"
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            defer { unlink(path) }
            guard var reader = try? SourceReader(path: path, format: self == .csv ? .csv : .jsonl) else { return }
            defer { reader.close() }
            while let record = try? reader.next() { _ = record }
        case .note:
            guard let note = try? SignedNote(parsing: text) else { return }
            _ = try? Checkpoint(text: note.text)
        case .checkpoint:
            guard let checkpoint = try? Checkpoint(text: text) else { return }
            precondition((try? Checkpoint(text: checkpoint.text))?.text == checkpoint.text, "a checkpoint does not survive its own text")
        case .noteKey:
            _ = try? NoteVerifierKey(parsing: text)
        case .tlogProof:
            _ = try? TlogProof(parsing: text)
        case .consistencyProof:
            guard let json = try? JSONParser.parse(bytes) else { return }
            _ = try? ConsistencyProof(json: json)
        case .roles:
            guard let json = try? JSONParser.parse(bytes) else { return }
            _ = try? RoleTable(json: json)
        case .schema:
            // A schema that compiles validates any instance without trapping (the input is used as both).
            guard let json = try? JSONParser.parse(bytes), let schema = try? JSONSchema(json: json, assertFormats: true) else { return }
            _ = schema.validate(json)
        case .mapping:
            _ = try? ImportMapping(bytes: bytes, catalog: Self.catalog)
        case .policy:
            _ = try? DisclosurePolicy(bytes: bytes, catalog: Self.catalog)
        }
    }
}

#if FUZZING
private let harness: Harness = {
    let name = ProcessInfo.processInfo.environment["BLOTTER_FUZZ_TARGET"] ?? ""
    guard let h = Harness(rawValue: name) else {
        fatalError("set BLOTTER_FUZZ_TARGET to one of \(Harness.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return h
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    harness.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

// SwiftPM links an executable's entry point under its own name, so libFuzzer's `main` is not used:
// this one hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
    }
}
#else
@main
struct Replay {
    static func main() throws {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let harness = Harness(rawValue: name) else {
            print("usage: blotter-fuzz TARGET FILE|DIR...   (TARGET: \(Harness.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(64)
        }
        var files: [String] = []
        for path in args.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                files += (try FileManager.default.contentsOfDirectory(atPath: path)).sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        for file in files { harness.run(Array(try Data(contentsOf: URL(fileURLWithPath: file)))) }
        print("\(harness.rawValue): \(files.count) inputs, no crash")
    }
}
#endif
