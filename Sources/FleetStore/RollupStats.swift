/// Per-metric statistics of one rollup bucket, stored as one blob per (robot, message type,
/// second) instead of one row per metric: a sanitation frame has 17 numeric fields, and a
/// row each would make rollups the largest table and the slowest insert.
///
/// Blob layout: for each metric, in the message type's metric order, four little-endian
/// f64: min, max, sum, last. The `count` and the time of `last` are columns of the row.
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

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    public init(bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count % Self.bytesPerMetric == 0 else {
            throw StorageError(.corruptRow, "rollup stats blob of \(bytes.count) bytes is not a multiple of 32")
        }
        values = (0..<bytes.count / 8).map {
            Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
        }
    }
}
