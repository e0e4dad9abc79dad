import FleetIngest
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation
import Hummingbird

/// The telemetry endpoints' handlers: synchronous database reads, called on the blocking
/// pool.
extension APIServer {
    /// A robot's frames, or one metric's rollups with `metric=`: blocking reads.
    func telemetry(_ query: QueryParameters, robotID: UInt32) throws -> Response {
        guard let robot = try database.robots().first(where: { $0.robotID == robotID }) else {
            throw APIError.notFound("no robot \(robotID); GET /api/robots lists the robots there are")
        }
        // Every parameter is checked whichever form is asked for: one the form does not use is
        // still refused when it is out of bounds, never silently ignored.
        let types = try query.messageTypes("type")
        let limit = try query.int("limit", default: APILimits.defaultFrames, in: 1...APILimits.maximumFrames)
        if query.string("metric") == nil {
            _ = try query.int("step", default: 1, in: 1...APILimits.maximumStep)
        }
        if let metric = query.string("metric") {
            let range = try query.range(
                defaultEnd: robot.lastSeenNanos,
                window: APILimits.defaultMetricWindow,
                maximum: APILimits.maximumMetricRange
            )
            let seconds = Int((range.upperBound - range.lowerBound) / 1_000_000_000) + 1
            let automatic = max(1, (seconds + APILimits.defaultPoints - 1) / APILimits.defaultPoints)
            let step = try query.int("step", default: automatic, in: 1...APILimits.maximumStep)
            guard seconds / step <= APILimits.maximumPoints else {
                throw APIError.badRequest(
                    "\(seconds / step) points requested (\(seconds) s at step \(step) s); at most \(APILimits.maximumPoints): use step=\((seconds + APILimits.maximumPoints - 1) / APILimits.maximumPoints) or more, or a shorter range"
                )
            }
            let points = try database.metric(
                robotID: robotID,
                name: metric,
                from: range.lowerBound,
                to: range.upperBound,
                step: Int64(step)
            )
            return JSONBody.response(
                MetricJSON(
                    robot: robotID,
                    metric: metric,
                    from: range.lowerBound,
                    to: range.upperBound,
                    step: step,
                    points: points
                )
            )
        }
        let range = try query.range(
            defaultEnd: robot.lastSeenNanos,
            window: APILimits.defaultFrameWindow,
            maximum: APILimits.maximumFrameRange
        )
        let frames = try database.frames(
            robotID: robotID,
            from: range.lowerBound,
            to: range.upperBound,
            types: types,
            limit: limit + 1
        )
        return JSONBody.response(
            FramesJSON(
                robot: robotID,
                from: range.lowerBound,
                to: range.upperBound,
                truncated: frames.count > limit,
                frames: frames.prefix(limit).map { FrameJSON(header: $0.header, bytes: $0.bytes) }
            )
        )
    }

    /// Events of every robot or one, in a time range: blocking reads.
    func events(_ query: QueryParameters) throws -> Response {
        let robot = try query.robotID("robot")
        let latest = try database.robots().map(\.lastSeenNanos).max() ?? RobotStateReader.wallClock()
        let range = try query.range(
            defaultEnd: latest,
            window: APILimits.defaultEventWindow,
            maximum: APILimits.maximumEventRange
        )
        let limit = try query.int("limit", default: APILimits.defaultEvents, in: 1...APILimits.maximumEvents)
        let events = try database.events(
            robotID: robot,
            from: range.lowerBound,
            to: range.upperBound,
            types: try query.messageTypes("type"),
            limit: limit + 1
        )
        return JSONBody.response(
            EventsJSON(
                from: range.lowerBound,
                to: range.upperBound,
                truncated: events.count > limit,
                events: events.prefix(limit).map(EventJSON.init)
            )
        )
    }

    /// What the database holds and the live ingester counted: a blocking read.
    func statistics() throws -> StatisticsJSON {
        let stored = try database.ingestStatistics()
        guard let live else { return StatisticsJSON(stored: stored, live: nil) }
        let m = live.currentMetrics()
        var rejected: [String: Int] = [:]
        for (code, n) in m.counters.rejected { rejected[code.rawValue] = n }
        return StatisticsJSON(
            stored: stored,
            live: .init(
                received: m.received,
                accepted: m.counters.accepted,
                duplicates: m.counters.duplicates,
                skippedUnknownType: m.counters.skippedUnknownType,
                dropped: m.counters.dropped,
                rejected: rejected,
                refusedRobotID: m.counters.refusedRobotID,
                refusedKeyRevoked: m.counters.refusedKeyRevoked,
                refusedOwnedElsewhere: m.counters.refusedOwnedElsewhere,
                allowlistKeys: m.allowlistKeys,
                allowlistReloads: m.allowlistReloads,
                allowlistReloadsFailed: m.allowlistReloadsFailed,
                peersAdmitted: m.peersAdmitted,
                peersRefused: m.peersRefused,
                handshakesFailed: m.handshakesFailed,
                stored: m.stored,
                batchesCommitted: m.batchesCommitted,
                ringOccupancy: m.ringOccupancy,
                ringCapacity: m.ringCapacity,
                robotsOnline: m.robotsOnline,
                commitLatencyMicros: .init(m.commitLatency),
                publishToCommitMicros: .init(m.publishToCommit)
            )
        )
    }
}

struct MetricJSON: Encodable {
    var robot: UInt32
    var metric: String
    var from: UInt64
    var to: UInt64
    var step: Int
    var points: [MetricPoint]
}

struct FramesJSON: Encodable {
    var robot: UInt32
    var from: UInt64
    var to: UInt64
    /// More frames matched than `limit`; ask again from the last frame's time.
    var truncated: Bool
    var frames: [FrameJSON]
}

struct EventsJSON: Encodable {
    var from: UInt64
    var to: UInt64
    var truncated: Bool
    var events: [EventJSON]
}
