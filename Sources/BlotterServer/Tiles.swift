public import BlotterFormat
public import BlotterLog

/// A C2SP tlog-tiles resource named by its path: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
public struct TilePath: Sendable, Equatable {
    /// The tile level, or nil for an entry bundle.
    public let level: Int?
    public let index: Int64
    /// The width: 256 for a full tile, 1...255 for a partial one.
    public let width: Int64

    public var isFull: Bool { width == TilesExport.width }

    /// Parses the path elements after `tile/`. Only the one encoding the specification allows is
    /// taken: no leading zeroes in L or W, every N element exactly three digits, `x` on all but the
    /// last; anything else is nil (answered 404, as a static server would).
    public init?(elements: [Substring]) {
        guard let first = elements.first else { return nil }
        var rest = Array(elements.dropFirst())
        if first == "entries" {
            level = nil
        } else {
            guard let l = Self.decimal(first, max: 63) else { return nil }
            level = Int(l)
        }
        var width = TilesExport.width
        if rest.count >= 2, rest[rest.count - 2].hasSuffix(".p") {
            guard let w = Self.decimal(rest[rest.count - 1], max: 255), w >= 1 else { return nil }
            width = w
            rest.removeLast()
            rest[rest.count - 1] = rest[rest.count - 1].dropLast(2)
        }
        guard !rest.isEmpty else { return nil }
        var n: Int64 = 0
        for (i, element) in rest.enumerated() {
            var digits = element
            if i < rest.count - 1 {
                guard digits.first == "x" else { return nil }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(digits) else { return nil }
            let (m, overflow) = n.multipliedReportingOverflow(by: 1000)
            guard !overflow, m <= Int64.max - v else { return nil }
            n = m + v
        }
        // A non-canonical number of groups (x000/123 for 123) names no resource.
        guard TilesExport.path(index: n) == rest.joined(separator: "/") else { return nil }
        self.index = n
        self.width = width
    }

    private static func decimal(_ s: Substring, max: Int64) -> Int64? {
        guard !s.isEmpty, s.count <= 3, s.allSatisfy({ $0.isASCII && $0.isNumber }), s == "0" || s.first != "0", let v = Int64(s), v <= max else {
            return nil
        }
        return v
    }

    /// The resource's bytes from a tree of `size` entries, or nil if that tree does not hold it
    /// (a full tile beyond the tree, a partial tile wider than the tree's).
    public func read(_ reader: any LedgerReading, size: Int64) throws -> [UInt8]? {
        let shift = Int64(8 * (level ?? 0))
        guard shift < 63 else { return nil }
        let available = size >> shift
        let (start, overflow) = index.multipliedReportingOverflow(by: TilesExport.width)
        guard !overflow, start <= available, width <= available - start else { return nil }
        if let level {
            return try reader.completeTreeHashes(level: 8 * level, indexes: start..<(start + width)).flatMap(\.bytes)
        }
        let rows = try reader.entryBytes(from: start, limit: Int(width))
        guard rows.count == Int(width) else { throw BlotterError(.storage, "entries of bundle \(index) are missing") }
        return TilesExport.bundle(rows.map(\.bytes))
    }
}
