public import BlotterFormat
internal import Foundation

/// Writes a ledger as a static C2SP tlog-tiles mirror: `checkpoint`, `tile/<L>/<N>[.p/<W>]` and
/// `tile/entries/<N>[.p/<W>]`, servable by any static web server and checkable by any tlog-tiles
/// client. Entries hold only digests of field values, so the mirror can be public.
///
/// Incremental: full tiles and bundles are immutable and skipped when already present; partial ones
/// are written for the checkpoint's size; every file is written to a temporary name and renamed, and
/// the checkpoint last, so a reader never sees a checkpoint whose tiles are missing.
public enum TilesExport {
    /// Hashes per tile and entries per bundle.
    public static let width: Int64 = 256

    /// What an export did.
    public struct Result: Sendable {
        public let size: Int64
        public let written: Int
        public let skipped: Int
        public let bytesWritten: Int64
    }

    /// The path element of tile index `n`: zero-padded 3-digit groups, all but the last prefixed with x.
    public static func path(index n: Int64) -> String {
        var groups: [String] = []
        var v = n
        repeat {
            let g = String(v % 1000)
            groups.insert(String(repeating: "0", count: 3 - g.count) + g, at: 0)
            v /= 1000
        } while v > 0
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    /// An entry bundle: each entry as a big-endian uint16 length, then its bytes.
    public static func bundle(_ entries: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + $1.count + 2 })
        for bytes in entries {
            out.append(UInt8(bytes.count >> 8))
            out.append(UInt8(bytes.count & 0xFF))
            out.append(contentsOf: bytes)
        }
        return out
    }

    /// Exports the tree of `checkpoint`'s size into `directory`.
    public static func export(_ ledger: Ledger, checkpoint note: SignedNote, to directory: String) throws -> Result {
        let checkpoint = try Checkpoint(text: note.text)
        let size = checkpoint.size
        var written = 0, skipped = 0
        var bytes: Int64 = 0
        func put(_ relative: String, _ make: () throws -> [UInt8]) throws {
            let path = directory + "/" + relative
            if FileManager.default.fileExists(atPath: path) { skipped += 1; return }
            let data = try make()
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let temporary = path + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(data)) else {
                throw BlotterError(.invalidInput, "cannot write \(temporary)")
            }
            guard rename(temporary, path) == 0 else { throw BlotterError(.invalidInput, "cannot rename \(temporary)") }
            written += 1
            bytes += Int64(data.count)
        }
        try ledger.store.read { reader in
            // Hash tiles: level L holds the subtrees of 256^L leaves, i.e. tree level 8L.
            var level = 0
            while size >> Int64(8 * level) > 0 {
                let count = size >> Int64(8 * level)
                for n in 0..<(count / width + (count % width == 0 ? 0 : 1)) {
                    let w = min(width, count - n * width)
                    let name = "tile/\(level)/\(path(index: n))" + (w < width ? ".p/\(w)" : "")
                    try put(name) {
                        try reader.completeTreeHashes(level: 8 * level, indexes: (n * width)..<(n * width + w)).flatMap(\.bytes)
                    }
                }
                level += 1
            }
            // Entry bundles: big-endian uint16 length, then the entry bytes, for each entry.
            for n in 0..<(size / width + (size % width == 0 ? 0 : 1)) {
                let w = min(width, size - n * width)
                let name = "tile/entries/\(path(index: n))" + (w < width ? ".p/\(w)" : "")
                try put(name) {
                    let rows = try reader.entryBytes(from: n * width, limit: Int(w))
                    guard rows.count == Int(w) else { throw BlotterError(.storage, "entries of bundle \(name) are missing") }
                    return bundle(rows.map(\.bytes))
                }
            }
        }
        // The checkpoint last: it is the one mutable file.
        let checkpointPath = directory + "/checkpoint"
        try? FileManager.default.removeItem(atPath: checkpointPath + ".tmp")
        guard FileManager.default.createFile(atPath: checkpointPath + ".tmp", contents: Data(note.serialized.utf8)),
              rename(checkpointPath + ".tmp", checkpointPath) == 0 else {
            throw BlotterError(.invalidInput, "cannot write \(checkpointPath)")
        }
        return Result(size: size, written: written + 1, skipped: skipped, bytesWritten: bytes + Int64(note.serialized.utf8.count))
    }
}
