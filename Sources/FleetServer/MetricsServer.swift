import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// `GET /metrics` and nothing else, for a process that serves no API (`fleet forward`): the
/// Prometheus text is rendered from the process's own state at every scrape, so a scrape
/// never reads a number older than the request.
public struct MetricsServer: Service {
    public let host: String
    /// 0: any free port (logged as `http.port`).
    public let port: Int
    let render: @Sendable () -> String
    let logger: Logger

    public init(host: String, port: Int, logger: Logger, render: @escaping @Sendable () -> String) {
        self.host = host
        self.port = port
        self.logger = logger
        self.render = render
    }

    public func run() async throws {
        let router = Router()
        router.get("/metrics") { [render] _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: render()))
            )
        }
        router.add(middleware: MethodNotAllowedMiddleware(served: [(.get, "/metrics")]))
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "fleet"),
            onServerRunning: { [logger, port] channel in
                logger.info("http listening", metadata: ["http.port": "\(channel.localAddress?.port ?? port)"])
            },
            logger: logger
        )
        do {
            try await application.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw APIServerError(.failed, "HTTP server on \(host):\(port) failed: \(error)", cause: error)
        }
    }
}
