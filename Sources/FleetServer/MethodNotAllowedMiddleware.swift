import Hummingbird

/// Answers a request whose path is served but whose method is not with 405 and an `Allow`
/// header naming the methods that are (RFC 9110 §15.5.6), instead of the router's 404.
///
/// Added to the router after every route: Hummingbird wraps a route's handler in the
/// middleware added before it, so this one runs only where the router found no handler (the
/// not-found path), and never on a handler's own 404 ("no robot 5").
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// One served path: its components (nil for a `{parameter}`) and the methods it answers.
    struct Route {
        var components: [Substring?]
        var methods: [HTTPRequest.Method]
    }

    let routes: [Route]

    /// `served`: `(method, path)` pairs, paths as Hummingbird writes them (`/api/runs/{run}`).
    init(served: [(method: HTTPRequest.Method, path: String)]) {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        for route in served { byPath[route.path, default: []].append(route.method) }
        routes = byPath.sorted { $0.key < $1.key }.map { path, methods in
            Route(
                components: path.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 },
                methods: methods.sorted { $0.rawValue < $1.rawValue }
            )
        }
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let components = request.uri.path.split(separator: "/")
        guard
            let route = routes.first(where: { Self.matches($0.components, components) }),
            !route.methods.contains(request.method)
        else {
            return try await next(request, context)
        }
        let allowed = route.methods.map(\.rawValue).joined(separator: ", ")
        var response = try APIError(
            .methodNotAllowed,
            code: "method_not_allowed",
            "\(request.method.rawValue) is not served on \(request.uri.path); allowed: \(allowed)"
        ).response(from: request, context: context)
        response.headers[.allow] = allowed
        return response
    }

    static func matches(_ pattern: [Substring?], _ components: [Substring]) -> Bool {
        guard pattern.count == components.count else { return false }
        return zip(pattern, components).allSatisfy { literal, component in literal.map { $0 == component } ?? true }
    }
}
