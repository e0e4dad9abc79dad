public import FleetBlocking
public import FleetProtocol
public import FleetStorage
public import FleetStore
import Foundation
public import Hummingbird
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// The HTTP side of the service as one `Service`: the JSON API, the SSE live feed, the web
/// scoreboard and `/metrics`, plus the live publisher that feeds SSE clients and the
/// optional ZeroMQ PUB socket. Graceful shutdown stops the feed, then the HTTP server.
public final class APIServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0: any free port (see `boundPort()`).
        public var port: Int
        /// Bearer token for run control and referee actions; nil refuses every admin call.
        public var adminToken: String?
        public var live = LiveFeed.Configuration()
        /// How often the publisher reads live state and the scoreboard.
        public var publishInterval: Duration = .milliseconds(250)
        /// ZeroMQ endpoint to bind a PUB socket on for the same updates (`tcp://*:5560`).
        public var publishEndpoint: String?
        public var serverName = "fleet"

        public init(host: String = "127.0.0.1", port: Int = 8080, adminToken: String? = nil) {
            self.host = host
            self.port = port
            self.adminToken = adminToken
        }

        /// Parses `HOST:PORT`, `:PORT` or `PORT` (host defaults to 127.0.0.1).
        public static func address(_ text: String) -> (host: String, port: Int)? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            switch parts.count {
            case 1:
                guard let port = Int(parts[0]), (0...65535).contains(port) else { return nil }
                return ("127.0.0.1", port)
            case 2:
                guard let port = Int(parts[1]), (0...65535).contains(port) else { return nil }
                return (parts[0].isEmpty ? "127.0.0.1" : String(parts[0]), port)
            default:
                return nil
            }
        }
    }

    public let configuration: Configuration
    /// The stored telemetry the API reads: a SQLite file or a PostgreSQL (primary or standby).
    public let database: any TelemetryQueries
    public let scoreboard: any ScoreboardSource
    public let live: (any LiveTelemetry)?
    public let feed: LiveFeed
    /// HTTP request counters; a process may also bootstrap swift-metrics with a
    /// `PrometheusMetricsFactory` over it so other libraries' metrics land in `/metrics`.
    public let registry: PrometheusCollectorRegistry
    /// Where handlers and the live publisher run their blocking reads (SQLite, or PostgreSQL
    /// through the synchronous store protocols), so two slow queries never stall every task.
    public let blockingPool: BlockingPool
    let logger: Logger
    /// Where the listener is: one state behind one lock, so that a caller of `boundPort()`
    /// is answered on every path, a failed run included.
    private let listener = Mutex(ListenerState.waiting([]))

    enum ListenerState {
        case waiting([CheckedContinuation<Int, any Error>])
        case listening(Int)
        case failed(APIServerError)

        /// The port is bound: the waiters to resume.
        mutating func listening(on port: Int) -> [CheckedContinuation<Int, any Error>] {
            guard case .waiting(let waiters) = self else { return [] }
            self = .listening(port)
            return waiters
        }

        /// `run()` ended without (or after) listening: the waiters to fail.
        mutating func failed(_ error: APIServerError) -> [CheckedContinuation<Int, any Error>] {
            guard case .waiting(let waiters) = self else { return [] }
            self = .failed(error)
            return waiters
        }
    }

    public init(
        configuration: Configuration,
        database: any TelemetryQueries,
        scoreboard: any ScoreboardSource,
        live: (any LiveTelemetry)? = nil,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        blockingPool: BlockingPool = .shared,
        logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.scoreboard = scoreboard
        self.live = live
        self.feed = LiveFeed(configuration: configuration.live)
        self.registry = registry
        self.blockingPool = blockingPool
        self.logger = logger
    }

    /// Runs a handler's blocking reads on `blockingPool` and returns their result.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await blockingPool.run(body)
    }

    /// Publishes every live topic now instead of at the next tick: for a caller about to
    /// announce a change (a run finalized), so that a board loaded right after the
    /// announcement already shows it.
    public func publishNow() async {
        await LivePublisher(server: self).publish(tick: 0)
    }

    /// The port the server listens on, once it does; throws if `run()` ended without
    /// listening (the address in use, a shutdown first).
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let answer = listener.withLock { state -> Result<Int, APIServerError>? in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                case .listening(let port): return .success(port)
                case .failed(let error): return .failure(error)
                }
            }
            if let answer { continuation.resume(with: answer) }
        }
    }

    /// The Hummingbird application with the live publisher (and the ZeroMQ PUB socket) as its
    /// services: what `run()` runs, and what tests drive with `HummingbirdTesting`.
    public func makeApplication() throws -> some ApplicationProtocol {
        var services: [any Service] = [LivePublisher(server: self)]
        if let endpoint = configuration.publishEndpoint {
            services.append(
                try LivePubSocket(endpoint: endpoint, feed: feed, blockingPool: blockingPool, logger: logger)
            )
        }
        return Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName
            ),
            services: services,
            onServerRunning: { [self] channel in
                let bound = channel.localAddress?.port ?? configuration.port
                for waiter in listener.withLock({ $0.listening(on: bound) }) { waiter.resume(returning: bound) }
                logger.info("http listening", metadata: ["http.port": "\(bound)"])
            },
            logger: logger
        )
    }

    public func run() async throws {
        do {
            let application = try makeApplication()
            // SSE streams never end on their own: close the feed as soon as shutdown begins so
            // they finish and the HTTP server can drain.
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: { [feed] in
                feed.close()
            }
            feed.close()
        } catch {
            feed.close()
            let failure = APIServerError(
                .failed,
                "HTTP server on \(configuration.host):\(configuration.port) failed: \(error)",
                cause: error
            )
            for waiter in listener.withLock({ $0.failed(failure) }) { waiter.resume(throwing: failure) }
            // A cancellation stays one (the group decides what it means); anything else names
            // the address.
            if error is CancellationError { throw error }
            throw failure
        }
        let ended = APIServerError(
            .stoppedBeforeListening,
            "HTTP server on \(configuration.host):\(configuration.port) stopped before listening"
        )
        for waiter in listener.withLock({ $0.failed(ended) }) { waiter.resume(throwing: ended) }
    }
}

/// Why the HTTP server could not serve: names the address.
public struct APIServerError: FleetError, Sendable {
    public enum Code: String, Sendable {
        /// The server could not bind or stopped with an error.
        case failed
        /// The server ended before it was listening.
        case stoppedBeforeListening = "stopped_before_listening"
    }

    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message alone, which names the address.
    public var description: String { message }
}
