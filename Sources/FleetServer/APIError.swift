import FleetStorage
import FleetStore
public import Hummingbird
import Logging

/// An error the API answers with: a status, a stable code and a message that says what to
/// fix, sent as `{"error": {"code": ..., "message": ...}}`.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message)
    }

    public static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message)
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(ErrorBody(error: .init(code: code, message: message)), status: status)
        if status == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer realm=\"fleet\""
        }
        return response
    }

    /// The API error for anything a handler throws: storage and scoreboard errors keep their
    /// code and message; Hummingbird's own errors keep their status; anything else is a 500
    /// that does not leak internals.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as StorageError:
            switch error.code {
            case .badQuery: return APIError(.badRequest, code: error.code.rawValue, error.message)
            case .notFound: return APIError(.notFound, code: error.code.rawValue, error.message)
            case .writerBusy: return APIError(.conflict, code: error.code.rawValue, error.message)
            case .targetExists, .conflict: return APIError(.conflict, code: error.code.rawValue, error.message)
            case .incompatibleDatabase, .corruptRow, .fileSystem, .readOnly:
                return APIError(.internalServerError, code: error.code.rawValue, error.message)
            }
        case let error as ScoreboardError:
            let status: HTTPResponse.Status =
                switch error.code {
                case .notFound: .notFound
                case .conflict: .conflict
                case .badRequest: .badRequest
                }
            return APIError(status, code: error.code.rawValue, error.message)
        case let error as any HTTPResponseError:
            let status = error.status
            if status == .notFound {
                return .notFound("no such endpoint; see /api for the list and /openapi.yaml for details")
            }
            if status == .methodNotAllowed {
                return APIError(status, code: "method_not_allowed", "this endpoint does not take that method")
            }
            return APIError(status, code: "http_\(status.code)", status.reasonPhrase)
        default:
            return APIError(.internalServerError, code: "internal", "the server failed to answer: \(type(of: error))")
        }
    }
}

struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }

    var error: Detail
}

/// Catches whatever a route throws (and Hummingbird's not-found) and answers it as a JSON
/// `APIError`, so every error a client sees has the same shape.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error(
                    "request failed",
                    metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"]
                )
            }
            return try apiError.response(from: request, context: context)
        }
    }
}
