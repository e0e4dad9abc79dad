/// Per-metric statistics of one rollup bucket, stored as one blob per (robot, message type,
/// second) instead of one row per metric: a sanitation frame has 17 numeric fields, and a
/// row each would make rollups the largest table and the slowest insert.
///
/// Blob layout (compact, `0xC5 0x01`, metric count as u16): for each metric in the message
/// type's metric order a tag byte, then nothing (no observation), one value and the sum
/// (min == max == last), or min, max, last and the sum. Values are f32 when that is exact
/// (the fields are mostly f32) else f64; sums are always f64. About half the legacy layout,
/// which was four little-endian f64 per metric (min, max, sum, last) and is still read.
/// The `count` and the time of `last` are columns of the row.
public struct RollupStats: Sendable, Equatable {
    public static let valuesPerMetric = 4
    public static let bytesPerMetric = valuesPerMetric * 8

    /// min, max, sum, last for each metric, flattened.
    public var values: [Double]

    public var metricCount: Int { values.count / Self.valuesPerMetric }

    /// An empty bucket for `metricCount` metrics: min +inf, max -inf, sum 0, last NaN.
    public init(metricCount: Int) {
        values = [Double](repeating: 0, count: metricCount * Self.valuesPerMetric)
        for m in 0..<metricCount {
            values[m * 4] = .infinity
            values[m * 4 + 1] = -.infinity
            values[m * 4 + 3] = .nan
        }
    }

    public init(values: [Double]) {
        precondition(values.count % Self.valuesPerMetric == 0)
        self.values = values
    }

    /// Adds one observation of metric `m`; observations arrive in time order per robot.
    /// NaN means "not measured" (the schema allows it for a few sensors) and is skipped.
    @inlinable
    public mutating func add(_ value: Double, metric m: Int) {
        guard !value.isNaN else { return }
        let base = m * 4
        values[base] = Swift.min(values[base], value)
        values[base + 1] = Swift.max(values[base + 1], value)
        values[base + 2] += value
        values[base + 3] = value
    }

    public func min(_ m: Int) -> Double { values[m * 4] }
    public func max(_ m: Int) -> Double { values[m * 4 + 1] }
    public func sum(_ m: Int) -> Double { values[m * 4 + 2] }
    public func last(_ m: Int) -> Double { values[m * 4 + 3] }

    /// Merges `other` into this; `otherIsNewer` decides whose `last` wins.
    public mutating func merge(_ other: RollupStats, otherIsNewer: Bool) {
        precondition(other.values.count == values.count, "merging rollups of different metric sets")
        for m in 0..<metricCount {
            let base = m * 4
            values[base] = Swift.min(values[base], other.values[base])
            values[base + 1] = Swift.max(values[base + 1], other.values[base + 1])
            values[base + 2] += other.values[base + 2]
            if otherIsNewer { values[base + 3] = other.values[base + 3] }
        }
    }

    static let magic: (UInt8, UInt8) = (0xC5, 0x01)

    private enum Tag {
        static let empty: UInt8 = 0
        static let constant: UInt8 = 1
        static let general: UInt8 = 2
        static let wide: UInt8 = 4
        /// The sum is the value times a count, stored as a u16 instead of an f64.
        static let countedSum: UInt8 = 8
    }

    /// The compact blob.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(4 + metricCount * 21)
        out.append(Self.magic.0)
        out.append(Self.magic.1)
        withUnsafeBytes(of: UInt16(metricCount).littleEndian) { out.append(contentsOf: $0) }
        func append(_ value: Double, wide: Bool, to out: inout [UInt8]) {
            if wide {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        for m in 0..<metricCount {
            let (low, high, sum, last) = (min(m), max(m), self.sum(m), self.last(m))
            if low == .infinity && high == -.infinity && sum == 0 && last.isNaN {
                out.append(Tag.empty)
                continue
            }
            let exact = { (v: Double) in Double(Float(v)) == v }
            if low == high && last == low {
                let wide = !exact(low)
                // A constant's sum is usually the value times the observations: 2 bytes.
                let n = low == 0 ? 0 : (sum / low).rounded()
                if n >= 0 && n <= Double(UInt16.max) && n * low == sum {
                    out.append(Tag.constant | Tag.countedSum | (wide ? Tag.wide : 0))
                    append(low, wide: wide, to: &out)
                    withUnsafeBytes(of: UInt16(n).littleEndian) { out.append(contentsOf: $0) }
                    continue
                }
                out.append(Tag.constant | (wide ? Tag.wide : 0))
                append(low, wide: wide, to: &out)
            } else {
                let wide = !(exact(low) && exact(high) && exact(last))
                out.append(Tag.general | (wide ? Tag.wide : 0))
                append(low, wide: wide, to: &out)
                append(high, wide: wide, to: &out)
                append(last, wide: wide, to: &out)
            }
            withUnsafeBytes(of: sum.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Reads a compact blob, or a legacy one (four f64 per metric).
    public init(bytes: UnsafeRawBufferPointer) throws {
        if let compact = Self.compact(bytes) {
            self = compact
            return
        }
        guard bytes.count % Self.bytesPerMetric == 0 else {
            throw StorageError(
                .corruptRow,
                "rollup stats blob of \(bytes.count) bytes is neither the compact layout nor a multiple of 32"
            )
        }
        values = (0..<bytes.count / 8).map {
            Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
        }
    }

    /// The compact layout read back, or nil if `bytes` is not exactly one.
    private static func compact(_ bytes: UnsafeRawBufferPointer) -> RollupStats? {
        guard bytes.count >= 4, bytes[0] == magic.0, bytes[1] == magic.1 else { return nil }
        let count = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        var stats = RollupStats(metricCount: count)
        var offset = 4
        func read(wide: Bool) -> Double? {
            let size = wide ? 8 : 4
            guard bytes.count - offset >= size else { return nil }
            defer { offset += size }
            if wide {
                return Double(
                    bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                )
            }
            return Double(
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            )
        }
        for m in 0..<count {
            guard offset < bytes.count else { return nil }
            let tag = bytes[offset]
            offset += 1
            let wide = tag & Tag.wide != 0
            let counted = tag & Tag.countedSum != 0
            let base = m * valuesPerMetric
            switch tag & ~(Tag.wide | Tag.countedSum) {
            case Tag.empty where !counted:
                continue
            case Tag.constant:
                guard let value = read(wide: wide) else { return nil }
                let sum: Double
                if counted {
                    guard bytes.count - offset >= 2 else { return nil }
                    sum =
                        value
                        * Double(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                    offset += 2
                } else {
                    guard let stored = read(wide: true) else { return nil }
                    sum = stored
                }
                stats.values[base] = value
                stats.values[base + 1] = value
                stats.values[base + 2] = sum
                stats.values[base + 3] = value
            case Tag.general where !counted:
                guard let low = read(wide: wide), let high = read(wide: wide), let last = read(wide: wide),
                    let sum = read(wide: true)
                else { return nil }
                stats.values[base] = low
                stats.values[base + 1] = high
                stats.values[base + 2] = sum
                stats.values[base + 3] = last
            default:
                return nil
            }
        }
        return offset == bytes.count ? stats : nil
    }
}
