import Hummingbird
import Prometheus
import Synchronization

/// HTTP requests by route, method and status, in the server's Prometheus registry.
final class HTTPRequestMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[String: Counter]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The registry's text appended to `bytes`.
    static func emit(_ registry: PrometheusCollectorRegistry, into bytes: inout [UInt8]) {
        registry.emit(into: &bytes)
    }

    func count(route: String, method: String, status: Int) {
        let key = "\(route) \(method) \(status)"
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "fleet",
                    metricName: "http_requests",
                    unitName: "total",
                    helpText: "HTTP requests answered, by route pattern, method and status."
                ),
                labels: [("route", route), ("method", method), ("status", String(status))]
            )
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}

/// Counts every answered request (after errors became JSON responses) under its route
/// pattern (`/api/robots/{robot}`), so ids do not explode the label set.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPRequestMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.count(
                route: context.endpointPath ?? "unmatched",
                method: request.method.rawValue,
                status: response.status.code
            )
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.count(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status)
            throw error
        }
    }
}
