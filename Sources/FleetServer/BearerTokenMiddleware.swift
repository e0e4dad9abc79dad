import Hummingbird

/// Admin endpoints: `Authorization: Bearer TOKEN` with the configured token, compared in
/// constant time; anything else is a 401 JSON error that says what is missing.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]?

    init(token: String?) {
        self.token = token.map { Array($0.utf8) }
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token else {
            throw APIError.unauthorized(
                "this server has no admin token; start it with --admin-token to allow run control"
            )
        }
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("run control needs 'Authorization: Bearer TOKEN'")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix.lowercased()) else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        guard Self.constantTimeEquals(Array(header.utf8.dropFirst(prefix.utf8.count)), token) else {
            throw APIError.unauthorized("the bearer token is wrong")
        }
        return try await next(request, context)
    }

    /// Equal bytes, in time that depends only on the lengths (never on where they differ).
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { difference |= 1 }
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
