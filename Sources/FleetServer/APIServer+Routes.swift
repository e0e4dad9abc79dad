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
        addBoardRoutes(to: router)
        addTelemetryRoutes(to: router)
        addRunRoutes(to: router)
        addAdminRoutes(
            to: router.group("/api/runs").add(middleware: BearerTokenMiddleware(token: configuration.adminToken))
        )
        // Last, so it only sees requests no handler took (see the type).
        router.add(
            middleware: MethodNotAllowedMiddleware(served: router.routes.map { ($0.method, $0.path.description) })
        )
        return router
    }

    /// The board's page and files, `/metrics`, the API index and the live feed.
    private func addBoardRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { [self] _, _ in
            // A board that cannot read the past still shows the present.
            let reader = self.reader
            let history = (try? await blocking { try reader.sparklineHistory() })
                .map { String(decoding: JSONBody.encode($0), as: UTF8.self) }
            return BoardAssets.response(.html, feed: feed, history: history)
        }
        router.get("/board.css") { _, _ in BoardAssets.response(.css) }
        router.get("/board.js") { _, _ in BoardAssets.response(.js) }
        router.get("/metrics") { [self] _, _ in metricsResponse() }
        router.get("/api") { _, _ in JSONBody.response(APIIndex.current) }
        router.get("/api/live") { [self] request, _ in liveResponse(request) }
    }

    /// Robots, their telemetry and events, loss ledgers and statistics: database reads, each
    /// on the blocking pool.
    private func addTelemetryRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/robots") { [self] _, _ in
            let reader = self.reader
            return JSONBody.response(["robots": try await blocking { try reader.robots() }])
        }
        router.get("/api/robots/:robot") { [self] _, context in
            let id = try QueryParameters.robotID(try context.pathParameter("robot"))
            let reader = self.reader
            guard let robot = try await blocking({ try reader.robots().first(where: { $0.robot == id }) }) else {
                throw APIError.notFound("no robot \(id); GET /api/robots lists the robots there are")
            }
            return JSONBody.response(robot)
        }
        router.get("/api/robots/:robot/telemetry") { [self] request, context in
            let robotID = try QueryParameters.robotID(try context.pathParameter("robot"))
            let query = QueryParameters(request: request)
            return try await blocking { [self] in try telemetry(query, robotID: robotID) }
        }
        router.get("/api/events") { [self] request, _ in
            let query = QueryParameters(request: request)
            return try await blocking { [self] in try events(query) }
        }
        router.get("/api/loss") { [self] request, _ in
            let robot = try QueryParameters(request: request).robotID("robot")
            let reader = self.reader
            let ledger = try await blocking { try reader.ledgers(robotID: robot).map(LedgerJSON.init) }
            return JSONBody.response(["ledger": ledger])
        }
        router.get("/api/stats") { [self] _, _ in
            JSONBody.response(try await blocking { [self] in try statistics() })
        }
    }

    /// Every route this server answers, as `METHOD /path/{parameter}` (OpenAPI's spelling),
    /// read from the router itself: what a description of the API must cover.
    public var servedRoutes: [String] {
        makeRouter().routes.map { "\($0.method.rawValue) \($0.path.description)" }.sorted()
    }

    var reader: RobotStateReader { RobotStateReader(database: database, live: live) }

    func runID(_ context: some RequestContext) throws -> UInt32 {
        let text = try context.pathParameter("run")
        guard let id = UInt32(text) else {
            throw APIError.badRequest("run must be a run id (an unsigned integer); got '\(text)'")
        }
        return id
    }

    func decodeBody<T: Decodable>(
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
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("the body lacks '\(path)'; send JSON like \(example)")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // A value the type refuses (an arena with bad fields): its own words.
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("'\(path)': \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("'\(path)' has the wrong type; send JSON like \(example)")
        } catch {
            throw APIError.badRequest("the body is not valid JSON for this call; send JSON like \(example)")
        }
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

struct ScoreEventsJSON: Encodable {
    var run: UInt32
    var after: Int
    /// `after` for the next page; nil when this was the last.
    var next: Int?
    var events: [ScoreEvent]
}
