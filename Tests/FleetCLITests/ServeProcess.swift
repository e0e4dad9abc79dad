import FleetTestSupport
import Foundation
import Testing

/// `fleet serve` processes, one per database, for the tests that compare what the HTTP API
/// answers over different stores (a site's file and the central database, a primary and its
/// standby).
enum ServeProcess {
    /// Serves each of `databases` (`--db FILE` or `--store URL`), asks each the same `paths`,
    /// and expects every answer 200 and the same bytes from every server.
    /// `normalizing` takes out what may differ between the databases (their own row ids).
    /// `normalizing` takes out what may differ between the databases (their own row ids).
    static func expectAnsweredAlike(
        _ databases: [[String]],
        paths: [String],
        normalizing: @escaping @Sendable (String) -> String = { $0 },
        in folder: TemporaryFolder
    ) async throws {
        let ports = try databases.map { _ in try freePort() }
        let servers = try zip(databases, ports).map { database, port in
            try FleetProcess(
                ["serve", "--http", "127.0.0.1:\(port)", "--log-level", "warning"] + database,
                in: folder.url
            )
        }
        defer { for server in servers where server.process.isRunning { server.signal(SIGKILL) } }
        for (server, port) in zip(servers, ports) {
            try await waitUntil(timeout: .seconds(60)) {
                guard server.process.isRunning else {
                    throw CLITestError("fleet serve ended: \(server.standardError)")
                }
                return (try? HTTPRequest.send("GET", port: port, "/api/runs").status) == 200
            }
        }
        for path in paths {
            let answers = try await offPool { try ports.map { try HTTPRequest.send("GET", port: $0, path) } }
            #expect(answers[0].status == 200, "\(path): \(answers[0].body.prefix(500))")
            for answer in answers.dropFirst() {
                #expect(answer.status == answers[0].status, "\(path): \(answer.body.prefix(500))")
                #expect(
                    normalizing(answer.body) == normalizing(answers[0].body),
                    "\(path):\n\(answers[0].body.prefix(1000))\n\(answer.body.prefix(1000))"
                )
            }
        }
        for server in servers {
            server.signal(SIGTERM)
            #expect(await server.wait(timeout: .seconds(30)))
            #expect(server.exitStatus == 0, "\(server.standardError)")
        }
    }
}
