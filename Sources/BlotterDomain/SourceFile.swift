public import BlotterFormat
public import BlotterLog
internal import Foundation
internal import BlotterCrypto
internal import CZlib

/// One record of a source file: its number (1 = the first record after a CSV header, or the first
/// non-blank line of a JSON Lines file), the line it starts on, and its cells by column name.
public struct SourceRecord: Sendable {
    public let number: Int
    public let line: Int
    /// The cells in column order (CSV), for writing a rejected row back out as it was.
    public let raw: [String]
    /// Column name to value: strings for CSV; any JSON value for JSON Lines.
    public let cells: [String: JSONValue]
}

/// The formats `blotter import` reads.
public enum SourceFormat: String, Sendable {
    case csv
    case jsonl
}

/// Reads a CSV (RFC 4180) or JSON Lines file one record at a time, in constant memory; the file may
/// be gzip-compressed (read through zlib, which reads an uncompressed file as it is).
///
/// CSV: comma-separated (or another one-byte delimiter), fields optionally in double quotes, `""`
/// for a quote inside quotes, quoted fields may hold delimiters and line breaks, CRLF or LF line
/// ends, a UTF-8 byte-order mark is skipped, the first record is the header, every record must have
/// as many fields as the header, and blank lines are skipped. JSON Lines: one JSON object per
/// non-blank line. Both must be UTF-8. Every error names the line.
public struct SourceReader {
    public let path: String
    public let format: SourceFormat
    /// CSV: the header's column names. JSON Lines: empty.
    public private(set) var header: [String] = []
    private let file: gzFile
    private var buffer: [UInt8]
    private var position = 0
    private var end = 0
    private var atEOF = false
    /// The line the reader is on (1-based).
    private var line = 1
    private var records = 0
    private let delimiter: UInt8
    /// True if the file is gzip-compressed.
    public let compressed: Bool
    /// SHA-256 of every byte read so far (after decompression).
    private var hasher = SHA256.Hasher()
    private var bytesRead = 0

    public init(path: String, format: SourceFormat, delimiter: UInt8 = UInt8(ascii: ",")) throws {
        guard let probe = fopen(path, "rb") else {
            throw BlotterError(.invalidInput, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var magic: [UInt8] = [0, 0]
        let read = fread(&magic, 1, 2, probe)
        fclose(probe)
        guard let file = gzopen(path, "rb") else {
            throw BlotterError(.invalidInput, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        gzbuffer(file, 1 << 18)
        self.path = path
        self.format = format
        self.file = file
        self.compressed = read == 2 && magic == [0x1F, 0x8B]
        self.delimiter = delimiter
        self.buffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            try start()
        } catch {
            gzclose(file)  // a refused file is closed here: the caller gets no reader to close
            throw error
        }
    }

    /// Reads the first bytes: refuses UTF-16, skips a UTF-8 byte-order mark, reads a CSV header.
    private mutating func start() throws {
        try fill()
        if end >= 2 && ((buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF)) {
            throw fail("the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8 and import it again")
        }
        if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
        if format == .csv {
            guard let names = try nextFields() else { throw fail("the file is empty: a CSV file needs a header line") }
            var seen: Set<String> = []
            for (i, name) in names.enumerated() {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { throw BlotterError(.invalidInput, "\(path) line 1: column \(i + 1) of the header has no name") }
                guard seen.insert(trimmed).inserted else { throw BlotterError(.invalidInput, "\(path) line 1: column \"\(trimmed)\" appears twice in the header") }
                header.append(trimmed)
            }
        }
    }

    /// Closes the file.
    public func close() { gzclose(file) }

    /// One CSV record as this reader reads it back: a field holding the delimiter, a quote or a line
    /// break is quoted, with its quotes doubled. No line end.
    public static func csvLine(_ cells: [String], delimiter: UInt8 = UInt8(ascii: ",")) -> String {
        let d = Character(UnicodeScalar(delimiter))
        return cells.map { c in
            c.contains(where: { $0 == d || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + c.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : c
        }.joined(separator: String(d))
    }

    /// SHA-256 (hex) of the whole file; reads to the end first if needed. Call after the last record.
    public mutating func digest() throws -> String {
        while !atEOF || position < end {
            position = end
            try fill()
        }
        return Hex.encode(hasher.finalize())
    }

    /// The next record, or nil at the end of the file.
    public mutating func next() throws -> SourceRecord? {
        switch format {
        case .csv:
            guard let (fields, start) = try nextRecordFields() else { return nil }
            var cells: [String: JSONValue] = [:]
            cells.reserveCapacity(header.count)
            for (name, value) in zip(header, fields) { cells[name] = .string(value) }
            return SourceRecord(number: records, line: start, raw: fields, cells: cells)
        case .jsonl:
            while true {
                guard let (bytes, number) = try nextLine() else { return nil }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                try checkUTF8(bytes, line: number)
                let value: JSONValue
                do {
                    value = try JSONParser.parse(bytes)
                } catch {
                    throw BlotterError(.invalidInput, "\(path) line \(number): \(error.message)\(atEOF && position >= end ? " (is the file cut off?)" : "")")
                }
                guard let members = value.objectValue else {
                    throw BlotterError(.invalidInput, "\(path) line \(number): each line must be a JSON object")
                }
                records += 1
                var cells: [String: JSONValue] = [:]
                for (k, v) in members { cells[k] = v }
                return SourceRecord(number: records, line: number, raw: [String(decoding: bytes, as: UTF8.self)], cells: cells)
            }
        }
    }

    /// Reads past the next record, checking it as ``next()`` does, without making its cells (for a
    /// CSV file; a JSON Lines record is parsed whole). False at the end of the file.
    public mutating func skip() throws -> Bool {
        switch format {
        case .csv: return try nextRecordFields() != nil
        case .jsonl: return try next() != nil
        }
    }

    /// The next CSV record's fields and the line it starts on, with as many fields as the header.
    private mutating func nextRecordFields() throws -> ([String], Int)? {
        let start = try skipBlankLines()
        guard let fields = try nextFields() else { return nil }
        guard fields.count == header.count else {
            throw BlotterError(.invalidInput, "\(path) line \(start): the record has \(fields.count) field\(fields.count == 1 ? "" : "s"), the header has \(header.count) (a delimiter too many or too few, or an unquoted line break?)")
        }
        records += 1
        return (fields, start)
    }

    // MARK: bytes

    private func fail(_ message: String) -> BlotterError { BlotterError(.invalidInput, "\(path): \(message)") }

    /// Moves unread bytes to the front and reads more; sets `atEOF` when the file has no more.
    private mutating func fill() throws {
        if position > 0 {
            let remaining = end - position
            if remaining > 0 { buffer.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress!, b.baseAddress! + position, remaining) } }
            end = remaining
            position = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        let wanted = buffer.count - end
        let result = buffer.withUnsafeMutableBufferPointer { b in gzread(file, b.baseAddress! + end, UInt32(min(wanted, 1 << 30))) }
        guard result >= 0 else {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
            throw fail(compressed ? "the gzip data cannot be read (\(message)): the file is damaged or cut off" : "read error: \(message)")
        }
        let got = Int(result)
        if got > 0 {
            hasher.update(buffer[end..<(end + got)])
            bytesRead += got
        }
        if got < wanted {
            // A compressed file that ends inside its data reads as an end of file with an error set.
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
            if code != Z_OK { throw fail("the gzip data cannot be read (\(message)): the file is damaged or cut off") }
            atEOF = true
        }
        end += got
    }

    /// The next byte without consuming it, or nil at the end of the file.
    private mutating func peek() throws -> UInt8? {
        if position == end {
            if atEOF { return nil }
            try fill()
            if position == end { return nil }
        }
        return buffer[position]
    }

    private static func checkUTF8(_ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int) throws {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): offset += UTF8.width(s)
            case .emptyInput: break loop
            case .error:
                throw BlotterError(.invalidInput, "\(path) line \(line): bytes that are not UTF-8 (near byte \(offset + 1) of the line); the file may be in Windows-1252 or Latin-1 — convert it to UTF-8 and import it again")
            }
        }
    }

    private func checkUTF8(_ bytes: [UInt8], line: Int) throws {
        try bytes.withUnsafeBufferPointer { try SourceReader.checkUTF8($0, path: path, line: line) }
    }

    /// Skips empty lines between records; returns the line the next record starts on.
    private mutating func skipBlankLines() throws -> Int {
        while let b = try peek() {
            if b == 0x0A { line += 1; position += 1 } else if b == 0x0D { position += 1 } else { break }
        }
        return line
    }

    /// One CSV record's fields, or nil at the end of the file.
    private mutating func nextFields() throws -> [String]? {
        guard try peek() != nil else { return nil }
        while true {
            if let fields = try parseRecord() { return fields }
            try fill()  // the record goes on past the bytes read: read more (keeping it) and parse it again
        }
    }

    /// Parses the record at `position` if the bytes read hold all of it (or the file ends in it):
    /// moves `position` and `line` past it and returns its fields. Returns nil, moving nothing, if
    /// the record may go on past `end`. Scans the buffer in place: a field is made into a `String`
    /// straight from its bytes (copied only to undouble quotes), and checked as UTF-8 only if it
    /// holds a byte outside ASCII.
    private mutating func parseRecord() throws -> [String]? {
        let (path, delimiter, eof) = (self.path, self.delimiter, atEOF)
        var line = self.line
        let startLine = line
        var fields: [String] = []
        fields.reserveCapacity(header.count)
        var consumed = 0
        try buffer.withUnsafeBufferPointer { all in
            let b = UnsafeBufferPointer(rebasing: all[position..<end])
            let n = b.count
            var i = 0
            func make(_ from: Int, _ to: Int, undouble: Bool, high: UInt8) throws -> String {
                let bytes = UnsafeBufferPointer(rebasing: b[from..<to])
                guard undouble else {
                    if high & 0x80 != 0 { try SourceReader.checkUTF8(bytes, path: path, line: startLine) }
                    return String(decoding: bytes, as: UTF8.self)
                }
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count)
                var j = 0
                while j < bytes.count {
                    out.append(bytes[j])
                    j += bytes[j] == 0x22 ? 2 : 1
                }
                if high & 0x80 != 0 { try out.withUnsafeBufferPointer { try SourceReader.checkUTF8($0, path: path, line: startLine) } }
                return String(decoding: out, as: UTF8.self)
            }
            // The end of the record whose line end (LF, CRLF, or a CR alone, which starts no new line
            // number) is at i, counting the line; nil if a CR is the last byte read and the file goes on.
            func endOfLine(_ i: Int) -> Int? {
                if b[i] == 0x0A { line += 1; return i + 1 }
                guard i + 1 < n || eof else { return nil }
                if i + 1 < n && b[i + 1] == 0x0A { line += 1; return i + 2 }
                return i + 1
            }
            fieldLoop: while true {
                // One field starting at i.
                if i < n && b[i] == 0x22 {
                    let quoteLine = line
                    let from = i + 1
                    var j = from
                    var high: UInt8 = 0
                    var doubled = false
                    while true {
                        guard j < n else {
                            guard eof else { return }
                            throw BlotterError(.invalidInput, "\(path) line \(line): the quoted field opened on line \(quoteLine) is never closed: the file is cut off or a quote is missing")
                        }
                        let c = b[j]
                        if c == 0x22 {
                            guard j + 1 < n || eof else { return }  // a doubled quote or the end of the field: see the next byte
                            if j + 1 < n && b[j + 1] == 0x22 { doubled = true; j += 2; continue }
                            break
                        }
                        if c == 0x0A { line += 1 }
                        high |= c
                        j += 1
                    }
                    i = j + 1
                    // After the closing quote: a delimiter, a line end or the end of the file (checked
                    // before the field's UTF-8, so that a record with both faults names this one).
                    guard i < n else {
                        guard eof else { return }
                        fields.append(try make(from, j, undouble: doubled, high: high))
                        consumed = i
                        break fieldLoop
                    }
                    let c = b[i]
                    guard c == delimiter || c == 0x0A || c == 0x0D else {
                        throw BlotterError(.invalidInput, "\(path) line \(line): a character follows the closing quote of field \(fields.count + 1); quote the whole field and double any quote inside it")
                    }
                    fields.append(try make(from, j, undouble: doubled, high: high))
                    if c == delimiter { i += 1; continue fieldLoop }
                    guard let end = endOfLine(i) else { return }
                    consumed = end
                    break fieldLoop
                }
                let from = i
                var high: UInt8 = 0
                while i < n {
                    let c = b[i]
                    if c == delimiter || c == 0x0A || c == 0x0D { break }
                    high |= c
                    i += 1
                }
                guard i < n else {
                    guard eof else { return }
                    fields.append(try make(from, i, undouble: false, high: high))
                    consumed = i
                    break fieldLoop
                }
                fields.append(try make(from, i, undouble: false, high: high))
                if b[i] == delimiter { i += 1; continue fieldLoop }
                guard let end = endOfLine(i) else { return }
                consumed = end
                break fieldLoop
            }
        }
        guard consumed > 0 else { return nil }
        position += consumed
        self.line = line
        return fields
    }

    /// One line of a JSON Lines file, without its line end, and its number.
    private mutating func nextLine() throws -> ([UInt8], Int)? {
        guard try peek() != nil else { return nil }
        var bytes: [UInt8] = []
        let number = line
        while let b = try peek() {
            position += 1
            if b == 0x0A { line += 1; break }
            bytes.append(b)
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return (bytes, number)
    }
}
