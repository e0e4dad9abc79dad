import FleetIngest
import Histogram
import Hummingbird
import NIOCore
import ServiceLifecycle

extension APIServer {
    /// `GET /api/live`: server-sent events, one `event: TOPIC` per update with the topic's
    /// whole current value as `data`. Each topic reaches a client at most once per
    /// `minimumInterval`; a client that reads slowly gets the latest value of each topic and
    /// nothing in between. While the connection cannot take more (the client does not read),
    /// the writer waits and the client's slot keeps at most one update per topic, so a stalled
    /// client costs the server a bounded amount of memory.
    func liveResponse(_ request: Request) -> Response {
        let feed = self.feed
        let configuration = feed.configuration
        let topics = QueryParameters(request: request).string("topics").map {
            Set($0.split(separator: ",").map(String.init))
        }
        guard let subscriber = feed.subscribe(kind: "sse", minimumInterval: configuration.minimumInterval) else {
            let error =
                feed.isClosed
                ? APIError(.serviceUnavailable, code: "shutting_down", "the server is shutting down")
                : APIError(
                    .serviceUnavailable,
                    code: "too_many_clients",
                    "the live feed has its maximum of \(configuration.maximumClients) clients; try again later"
                )
            return JSONBody.response(
                ErrorBody(error: .init(code: error.code, message: error.message)),
                status: error.status
            )
        }
        let body = ResponseBody { writer in
            defer { feed.unsubscribe(subscriber) }
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            var lastWrite = ContinuousClock.now
            while !feed.isClosed && !Task.isCancelled && !Task.isShuttingDownGracefully {
                let now = ContinuousClock.now
                var due = subscriber.takeDue(now: now)
                if let topics { due.removeAll { !topics.contains($0.topic) } }
                if due.isEmpty {
                    if now - lastWrite >= configuration.heartbeatInterval {
                        try await writer.write(ByteBuffer(string: ": ping\n\n"))
                        lastWrite = now
                    }
                    try await Task.sleep(for: configuration.pollInterval)
                    continue
                }
                var buffer = ByteBuffer()
                for update in due {
                    buffer.writeString("event: \(update.topic)\nid: \(update.version)\ndata: ")
                    buffer.writeBytes(update.data)
                    buffer.writeString("\n\n")
                }
                let bytes = buffer.readableBytes
                subscriber.willWrite(bytes: bytes)
                // Suspends while the connection is not writable: back pressure, not buffering.
                try await writer.write(buffer)
                subscriber.didWrite(updates: due.count, bytes: bytes)
                lastWrite = .now
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-store",
            ],
            body: body
        )
    }

    /// `GET /metrics`: the ingester's metrics (when this process ingests), the live feed, and
    /// HTTP requests, in the Prometheus text format.
    func metricsResponse() -> Response {
        var text = PrometheusText()
        if let live { text.ingest(live.currentMetrics()) }
        text.feed(feed)
        var bytes = Array(text.text.utf8)
        HTTPRequestMetrics.emit(registry, into: &bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

/// `GET /api/stats`.
struct StatisticsJSON: Encodable {
    struct Live: Encodable {
        var received: Int
        var accepted: Int
        var duplicates: Int
        var skippedUnknownType: Int
        var dropped: Int
        var rejected: [String: Int]
        /// Frames refused for claiming another robot than their sender's CURVE key.
        var refusedRobotID: Int
        /// Frames refused because an allowlist reload removed or replaced their sender's key.
        var refusedKeyRevoked: Int
        /// Frames refused because another ingester sharing the store holds their robot.
        var refusedOwnedElsewhere: Int
        /// Keys on the allowlist now, and its reloads (SIGHUP) applied and failed.
        var allowlistKeys: Int
        var allowlistReloads: Int
        var allowlistReloadsFailed: Int
        /// CURVE connections admitted and refused by the allowlist.
        var peersAdmitted: Int
        var peersRefused: Int
        /// CURVE handshakes that failed (no CURVE, wrong server key).
        var handshakesFailed: Int
        var stored: Int
        var batchesCommitted: Int
        var ringOccupancy: Double
        var ringCapacity: Int
        var robotsOnline: Int
        var commitLatencyMicros: Latency
        var publishToCommitMicros: Latency
    }

    struct Latency: Encodable {
        var count: UInt64
        var p50: UInt64
        var p99: UInt64
        var max: UInt64

        init(_ histogram: Histogram<UInt64>) {
            count = histogram.totalCount
            p50 = count == 0 ? 0 : histogram.valueAtPercentile(50)
            p99 = count == 0 ? 0 : histogram.valueAtPercentile(99)
            max = count == 0 ? 0 : histogram.max
        }
    }

    /// The database's cumulative counters (`ingest_stat`), across restarts.
    var stored: [String: Int64]
    /// This process's ingester, when there is one.
    var live: Live?
}

/// `GET /api`: what there is to call.
struct APIIndex: Encodable {
    struct Endpoint: Encodable {
        var method: String
        var path: String
        var summary: String
        var admin: Bool = false
    }

    var description: String
    var endpoints: [Endpoint]

    static let current = APIIndex(
        description:
            "Fleet telemetry API. Times: ns since the epoch, '123.5s', or ISO 8601. Errors: {\"error\":{\"code\",\"message\"}}. The OpenAPI description is Protocols/openapi.yaml in the repository.",
        endpoints: [
            .init(method: "GET", path: "/api/robots", summary: "robots and their latest state"),
            .init(method: "GET", path: "/api/robots/{robot}", summary: "one robot and its latest state"),
            .init(
                method: "GET",
                path: "/api/robots/{robot}/telemetry",
                summary: "metric=NAME&from&to&step: rollups; without metric: raw frames (from, to, type, limit)"
            ),
            .init(method: "GET", path: "/api/events", summary: "events: from, to, robot, type (comma list), limit"),
            .init(method: "GET", path: "/api/loss", summary: "loss ledger with completeness; robot"),
            .init(method: "GET", path: "/api/stats", summary: "ingest statistics"),
            .init(method: "GET", path: "/api/runs", summary: "runs"),
            .init(method: "GET", path: "/api/runs/{run}", summary: "one run"),
            .init(method: "GET", path: "/api/runs/{run}/arena", summary: "the arena file the run is scored in"),
            .init(
                method: "GET",
                path: "/api/runs/{run}/scoreboard",
                summary: "ranking, components, completeness, breakdown"
            ),
            .init(method: "GET", path: "/api/runs/{run}/events", summary: "score events: after, limit"),
            .init(method: "GET", path: "/api/standings/{division}", summary: "division standings"),
            .init(
                method: "GET",
                path: "/api/live",
                summary: "server-sent events: robots, scoreboard, arena, events, clock"
            ),
            .init(method: "POST", path: "/api/runs", summary: "create a run", admin: true),
            .init(method: "POST", path: "/api/runs/{run}/start", summary: "PREPARE → RUNNING", admin: true),
            .init(method: "POST", path: "/api/runs/{run}/stop", summary: "RUNNING → FINISHED", admin: true),
            .init(method: "POST", path: "/api/runs/{run}/finalize", summary: "FINISHED → FINAL", admin: true),
            .init(
                method: "POST",
                path: "/api/runs/{run}/award",
                summary: "referee award {team, fraction}",
                admin: true
            ),
            .init(
                method: "POST",
                path: "/api/runs/{run}/penalties",
                summary: "referee penalty {team, points, reason, robot?}",
                admin: true
            ),
            .init(
                method: "POST",
                path: "/api/runs/{run}/penalties/{penalty}/remove",
                summary: "take a penalty back {reason}",
                admin: true
            ),
            .init(method: "GET", path: "/metrics", summary: "Prometheus metrics"),
            .init(method: "GET", path: "/", summary: "the live web scoreboard"),
        ]
    )
}
