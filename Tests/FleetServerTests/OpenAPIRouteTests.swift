import FleetScoring
import FleetServer
import FleetStorage
import Foundation
import Logging
import Testing

extension ServerSuites {
    /// Protocols/openapi.yaml against the routes the server registers (read from its router,
    /// not from a copy): every served route is described and every described route is served.
    struct OpenAPIRouteTests {
        static let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        /// `METHOD /path` of every operation in the description. The file keeps paths at two
        /// spaces and methods at four under `paths:`, as OpenAPI files written by hand do.
        static func describedRoutes() throws -> [String] {
            let text = try String(contentsOf: root.appendingPathComponent("Protocols/openapi.yaml"), encoding: .utf8)
            let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
            var routes: [String] = []
            var inPaths = false
            var path: String?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if !line.hasPrefix(" ") && !line.isEmpty {
                    inPaths = line == "paths:"
                    continue
                }
                guard inPaths else { continue }
                if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                    path = String(line.dropFirst(2).dropLast())
                } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                    let key = line.dropFirst(4).prefix { $0 != ":" }
                    if methods.contains(String(key)) { routes.append("\(key.uppercased()) \(path)") }
                }
            }
            return routes.sorted()
        }

        static func servedRoutes() throws -> [String] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let rulebook = try Rulebook.load(
                try Data(contentsOf: root.appendingPathComponent("Rulebooks/rulebook-v1.json"))
            )
            let server = APIServer(
                configuration: APIServer.Configuration(adminToken: "token"),
                database: try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path),
                scoreboard: MemoryScoreboardSource(rulebook: rulebook, clock: { 0 }),
                logger: Logger(label: "test")
            )
            return server.servedRoutes
        }

        @Test func everyServedRouteIsDescribedAndEveryDescribedRouteIsServed() throws {
            let served = try Self.servedRoutes()
            let described = try Self.describedRoutes()
            #expect(served.count >= 20, "the router lists \(served)")
            #expect(
                Set(served).subtracting(described).sorted() == [],
                "served but not in Protocols/openapi.yaml"
            )
            #expect(
                Set(described).subtracting(served).sorted() == [],
                "in Protocols/openapi.yaml but not served"
            )
            #expect(served.count == Set(served).count && described.count == Set(described).count)
        }

        @Test func everyRouteThatChangesStateNeedsTheAdminTokenInTheDescription() throws {
            let text = try String(
                contentsOf: Self.root.appendingPathComponent("Protocols/openapi.yaml"),
                encoding: .utf8
            )
            // Every POST is run control or a referee action; each says it needs the token.
            let posts = try Self.describedRoutes().filter { $0.hasPrefix("POST ") }
            #expect(!posts.isEmpty)
            let operations = text.components(separatedBy: "\n    post:\n").dropFirst()
            #expect(operations.count == posts.count)
            for operation in operations {
                let body = operation.components(separatedBy: "\n  /").first ?? ""
                #expect(body.contains("security: [{ admin: [] }]"), "a POST without security: \(body.prefix(80))")
                #expect(body.contains("'401'"), "a POST without its 401: \(body.prefix(80))")
            }
        }
    }
}
