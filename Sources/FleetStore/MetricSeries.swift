public import FleetProtocol

/// A metric of one robot as `fleet query metric` and the HTTP API give it: its 1 s rollups
/// folded into `step`-second points. Every backend reads the rollups its own way and folds
/// them here, so the points are the same whatever they were stored in.
public struct MetricSeries: Sendable {
    private let robotID: UInt32
    private let index: Int
    private let firstSecond: Int64
    private let step: Int64
    private var points: [MetricPoint] = []
    private var sums: [Double] = []

    /// The message type and metric index of `name` among the types the robot has rollups of;
    /// throws naming what the robot has when it has no such metric.
    public static func locate(
        _ name: String,
        robotID: UInt32,
        among types: [MessageType]
    ) throws(StorageError) -> (type: MessageType, index: Int) {
        guard !types.isEmpty else {
            throw StorageError(.notFound, "robot \(robotID) has no rolled-up telemetry")
        }
        guard let (type, index) = RollupCatalog.shared.find(name, among: types) else {
            let known = types.flatMap { RollupCatalog.shared.metrics(of: $0).map(\.name) }
            throw StorageError(
                .notFound,
                "robot \(robotID) has no metric '\(name)'; it has: \(known.joined(separator: ", "))"
            )
        }
        return (type, index)
    }

    /// The seconds to read: [from, to] (ns) clamped to the stored buckets (`stored`: the
    /// first and last), so "everything" means what is stored; nil when nothing is left.
    /// Throws when the range at `step` would give more than `QueryLimits.maximumPoints`.
    public static func seconds(
        from: UInt64,
        to: UInt64,
        stored: (first: Int64, last: Int64)?,
        step: Int64
    ) throws(StorageError) -> ClosedRange<Int64>? {
        guard step >= 1 else { throw StorageError(.badQuery, "step must be at least 1 second, got \(step)") }
        let first = max(Int64(from / 1_000_000_000), stored?.first ?? 0)
        let last = min(Int64(to / 1_000_000_000), stored?.last ?? 0)
        guard first <= last else { return nil }
        guard (last - first) / step < Int64(QueryLimits.maximumPoints) else {
            throw StorageError(
                .badQuery,
                "\((last - first) / step) points requested; at most \(QueryLimits.maximumPoints): use a larger step or a shorter range"
            )
        }
        return first...last
    }

    public init(robotID: UInt32, index: Int, firstSecond: Int64, step: Int64) {
        self.robotID = robotID
        self.index = index
        self.firstSecond = firstSecond
        self.step = step
    }

    /// Adds one 1 s bucket; buckets come oldest first.
    public mutating func add(second: Int64, count: Int, stats: RollupStats) throws(StorageError) {
        guard index < stats.metricCount else {
            throw StorageError(.corruptRow, "rollup of robot \(robotID) at \(second) has \(stats.metricCount) metrics")
        }
        let bucket = second - ((second - firstSecond) % step)
        if let last = points.last, last.second == bucket {
            var point = last
            point.count += count
            point.min = Swift.min(point.min, stats.min(index))
            point.max = Swift.max(point.max, stats.max(index))
            point.last = stats.last(index)
            points[points.count - 1] = point
            sums[sums.count - 1] += stats.sum(index)
        } else {
            points.append(
                MetricPoint(
                    second: bucket,
                    count: count,
                    min: stats.min(index),
                    max: stats.max(index),
                    mean: 0,
                    last: stats.last(index)
                )
            )
            sums.append(stats.sum(index))
        }
    }

    /// The points so far, means computed.
    public var result: [MetricPoint] {
        var out = points
        for i in out.indices { out[i].mean = sums[i] / Double(out[i].count) }
        return out
    }
}
