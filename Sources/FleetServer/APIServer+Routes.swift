import FleetIngest
import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import Foundation
import Hummingbird
import NIOCore

/// Bounds of the read endpoints: a request can ask for at most this much.
public enum APILimits {
    /// Raw frames: range and count.
    public static let maximumFrameRange: UInt64 = 3_600_000_000_000
    public static let defaultFrameWindow: UInt64 = 60_000_000_000
    public static let maximumFrames = 10_000
    public static let defaultFrames = 1000
    /// Rollups: points per answer, and the step range in seconds.
    public static let maximumPoints = 10_000
    public static let defaultPoints = 1000
    public static let maximumStep = 86_400
    public static let defaultMetricWindow: UInt64 = 3_600_000_000_000
    public static let maximumMetricRange: UInt64 = 30 * 86_400 * 1_000_000_000
    /// Events: range and count.
    public static let maximumEventRange: UInt64 = 7 * 86_400 * 1_000_000_000
    public static let defaultEventWindow: UInt64 = 3_600_000_000_000
    public static let maximumEvents = 5000
    public static let defaultEvents = 500
    /// Score events per page.
    public static let maximumScoreEvents = 5000
    public static let defaultScoreEvents = 500
    /// Admin request bodies.
    public static let maximumBodyBytes = 64 * 1024
}

extension APIServer {
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: HTTPRequestMetrics(registry: registry)))
        router.add(middleware: JSONErrorMiddleware())

        router.get("/") { [feed, reader] _, _ in
            // A board that cannot read the past still shows the present.
            let history = (try? reader.sparklineHistory()).map { String(decoding: JSONBody.encode($0), as: UTF8.self) }
            return BoardAssets.response(.html, feed: feed, history: history)
        }
        router.get("/board.css") { _, _ in BoardAssets.response(.css) }
        router.get("/board.js") { _, _ in BoardAssets.response(.js) }
        router.get("/metrics") { [self] _, _ in metricsResponse() }
        router.get("/api") { _, _ in JSONBody.response(APIIndex.current) }
        router.get("/api/live") { [self] request, _ in liveResponse(request) }

        router.get("/api/robots") { [self] _, _ in
            JSONBody.response(["robots": try reader.robots()])
        }
        router.get("/api/robots/:robot") { [self] _, context in
            let id = try QueryParameters.robotID(try context.pathParameter("robot"))
            guard let robot = try reader.robots().first(where: { $0.robot == id }) else {
                throw APIError.notFound("no robot \(id); GET /api/robots lists the robots there are")
            }
            return JSONBody.response(robot)
        }
        router.get("/api/robots/:robot/telemetry") { [self] request, context in
            try telemetry(request, robotID: try QueryParameters.robotID(try context.pathParameter("robot")))
        }
        router.get("/api/events") { [self] request, _ in try events(request) }
        router.get("/api/loss") { [self] request, _ in
            let robot = try QueryParameters(request: request).robotID("robot")
            return JSONBody.response(["ledger": try reader.ledgers(robotID: robot).map(LedgerJSON.init)])
        }
        router.get("/api/stats") { [self] _, _ in JSONBody.response(try statistics()) }

        router.get("/api/runs") { [self] _, _ in JSONBody.response(["runs": try await scoreboard.runs()]) }
        router.get("/api/runs/:run") { [self] _, context in
            JSONBody.response(try await scoreboard.run(id: try runID(context)))
        }
        router.get("/api/runs/:run/scoreboard") { [self] _, context in
            let run = try await scoreboard.run(id: try runID(context))
            let result = try await scoreboard.scoreboard(runID: run.id)
            return JSONBody.response(
                Scoreboard.make(
                    run: run,
                    result: result,
                    ledgers: try reader.ledgers(),
                    completeness: try await scoreboard.completeness(runID: run.id),
                    integrity: try await scoreboard.integrity(runID: run.id),
                    progress: try await scoreboard.liveProgress(runID: run.id)
                )
            )
        }
        router.get("/api/runs/:run/events") { [self] request, context in
            let run = try await scoreboard.run(id: try runID(context))
            let query = QueryParameters(request: request)
            let after = try query.int("after", default: 0, in: 0...Int(Int32.max))
            let limit = try query.int(
                "limit",
                default: APILimits.defaultScoreEvents,
                in: 1...APILimits.maximumScoreEvents
            )
            let events = try await scoreboard.scoreEvents(runID: run.id, after: after, limit: limit)
            return JSONBody.response(
                ScoreEventsJSON(
                    run: run.id,
                    after: after,
                    next: events.count == limit ? after + limit : nil,
                    events: events
                )
            )
        }
        router.get("/api/standings/:division") { [self] _, context in
            JSONBody.response(try await scoreboard.standings(division: try context.pathParameter("division")))
        }

        let admin = router.group("/api/runs").add(middleware: BearerTokenMiddleware(token: configuration.adminToken))
        admin.post("/") { [self] request, _ in
            guard
                let new = try await decodeBody(
                    NewRun.self,
                    from: request,
                    example: #"{"division":"P","name":"heat 1"}"#
                )
            else { throw APIError.badRequest("a body is required") }
            return JSONBody.response(try await scoreboard.perform(.create(new)), status: .created)
        }
        admin.post("/:run/start") { [self] request, context in
            let body = try await decodeBody(
                TimeBody.self,
                from: request,
                example: #"{"time":1800000000000000000}"#,
                optional: true
            )
            return JSONBody.response(
                try await scoreboard.perform(.start(runID: try runID(context), time: try body?.validTime()))
            )
        }
        admin.post("/:run/stop") { [self] request, context in
            let body = try await decodeBody(
                TimeBody.self,
                from: request,
                example: #"{"time":1800000000000000000}"#,
                optional: true
            )
            return JSONBody.response(
                try await scoreboard.perform(.stop(runID: try runID(context), time: try body?.validTime()))
            )
        }
        admin.post("/:run/finalize") { [self] _, context in
            JSONBody.response(try await scoreboard.perform(.finalize(runID: try runID(context))))
        }
        admin.post("/:run/award") { [self] request, context in
            let body = try await decodeBody(
                AwardBody.self,
                from: request,
                example: #"{"team":"alpha","fraction":0.05}"#
            )
            guard let award = body else { throw APIError.badRequest("a body is required") }
            return JSONBody.response(
                try await scoreboard.perform(
                    .award(runID: try runID(context), team: award.team, fraction: award.fraction)
                )
            )
        }
        admin.post("/:run/penalties") { [self] request, context in
            let body = try await decodeBody(
                NewPenalty.self,
                from: request,
                example: #"{"team":"alpha","points":5,"reason":"unsafe manoeuvre","robot":101}"#
            )
            guard let penalty = body else { throw APIError.badRequest("a body is required") }
            return JSONBody.response(try await scoreboard.perform(.penalty(runID: try runID(context), penalty)))
        }
        admin.post("/:run/penalties/:penalty/remove") { [self] request, context in
            let text = try context.pathParameter("penalty")
            guard let penaltyID = Int64(text) else {
                throw APIError.badRequest("penalty must be a penalty id (an integer); got '\(text)'")
            }
            let body = try await decodeBody(
                ReasonBody.self,
                from: request,
                example: #"{"reason":"video review"}"#
            )
            guard let reason = body?.reason, !reason.isEmpty else {
                throw APIError.badRequest("a reason is required: {\"reason\":\"video review\"}")
            }
            return JSONBody.response(
                try await scoreboard.perform(
                    .removePenalty(runID: try runID(context), penaltyID: penaltyID, reason: reason)
                )
            )
        }
        // Last, so it only sees requests no handler took (see the type).
        router.add(
            middleware: MethodNotAllowedMiddleware(served: router.routes.map { ($0.method, $0.path.description) })
        )
        return router
    }

    /// Every route this server answers, as `METHOD /path/{parameter}` (OpenAPI's spelling),
    /// read from the router itself: what a description of the API must cover.
    public var servedRoutes: [String] {
        makeRouter().routes.map { "\($0.method.rawValue) \($0.path.description)" }.sorted()
    }

    var reader: RobotStateReader { RobotStateReader(database: database, live: live) }

    private func runID(_ context: some RequestContext) throws -> UInt32 {
        let text = try context.pathParameter("run")
        guard let id = UInt32(text) else {
            throw APIError.badRequest("run must be a run id (an unsigned integer); got '\(text)'")
        }
        return id
    }

    private func decodeBody<T: Decodable>(
        _ type: T.Type,
        from request: Request,
        example: String,
        optional: Bool = false
    ) async throws -> T? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: APILimits.maximumBodyBytes)
        } catch {
            throw APIError(
                .contentTooLarge,
                code: "body_too_large",
                "the body must be at most \(APILimits.maximumBodyBytes) bytes"
            )
        }
        if buffer.readableBytes == 0 {
            if optional { return nil }
            throw APIError.badRequest("the body must be JSON like \(example)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.badRequest("the body lacks '\(key.stringValue)'; send JSON like \(example)")
        } catch let DecodingError.typeMismatch(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("'\(path)' has the wrong type; send JSON like \(example)")
        } catch {
            throw APIError.badRequest("the body is not valid JSON for this call; send JSON like \(example)")
        }
    }

    private func telemetry(_ request: Request, robotID: UInt32) throws -> Response {
        let query = QueryParameters(request: request)
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

    private func events(_ request: Request) throws -> Response {
        let query = QueryParameters(request: request)
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

    private func statistics() throws -> StatisticsJSON {
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

struct TimeBody: Decodable {
    var time: UInt64?

    /// `time`, refused past 2^63 - 1 ns (the year 2262), which the store cannot hold.
    func validTime() throws -> UInt64? {
        guard let time else { return nil }
        guard time <= UInt64(Int64.max) else {
            throw APIError.badRequest("time must be ns since the Unix epoch, at most \(Int64.max); got \(time)")
        }
        return time
    }
}

struct ReasonBody: Decodable {
    var reason: String
}

struct AwardBody: Decodable {
    var team: String
    var fraction: Double
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

struct ScoreEventsJSON: Encodable {
    var run: UInt32
    var after: Int
    /// `after` for the next page; nil when this was the last.
    var next: Int?
    var events: [ScoreEvent]
}
