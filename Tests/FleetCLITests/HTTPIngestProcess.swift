import FleetRunner
import FleetTestSupport
import Foundation

/// `fleet ingest --listen … --http … --admin-token …` as an operator starts it, for the process
/// tests that drive a run over the HTTP API: started, waited for until the API answers, and
/// called with the admin token.
struct HTTPIngestProcess {
    static let token = "t0ken-for-tests"

    let process: FleetProcess
    /// The pub-mode endpoint robots connect to.
    let endpoint: String
    let port: Int

    static func start(db: String, in folder: TemporaryFolder) async throws -> HTTPIngestProcess {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let port = try freePort()
        let process = try FleetProcess(
            [
                "ingest", "--db", db, "--listen", endpoint, "--http", "127.0.0.1:\(port)", "--admin-token", token,
                "--status-every", "0",
            ],
            in: folder.url
        )
        let started = HTTPIngestProcess(process: process, endpoint: endpoint, port: port)
        do {
            try await waitUntil(timeout: .seconds(30)) {
                (try? HTTPRequest.send("GET", port: port, "/api/runs").status) == 200
            }
        } catch {
            started.kill()
            throw error
        }
        return started
    }

    /// A call with the admin token, off the cooperative pool.
    func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPRequest.Response {
        let port = port
        return try await offPool {
            try HTTPRequest.send(
                method,
                port: port,
                path,
                headers: ["Authorization": "Bearer \(Self.token)"],
                body: body
            )
        }
    }

    /// Registers `teams` teams (FleetRoster's names) of robots of `kinds` with `fleet team add
    /// --heat`: team N's robots are N01, N02, ….
    static func registerTeams(_ teams: Int, kinds: [String], db: String, in folder: TemporaryFolder) async throws {
        try await registerTeams(1...teams, kinds: kinds, into: ["--db", db], in: folder)
    }

    /// Registers the teams numbered `numbers` of one fleet (`fleet sim --first-team` the first
    /// of them) in the database `into` names (`--db FILE` or `--store URL`).
    static func registerTeams(
        _ numbers: ClosedRange<Int>,
        kinds: [String],
        into database: [String],
        in folder: TemporaryFolder
    ) async throws {
        var teams: [String] = []
        for team in numbers {
            let name = FleetRoster.teamName(team, position: team - numbers.lowerBound + 1)
            let robots = kinds.enumerated().map { i, kind in "{\"id\": \(team * 100 + i + 1), \"kind\": \"\(kind)\"}" }
            teams.append("{\"name\": \"\(name)\", \"robots\": [\(robots.joined(separator: ", "))]}")
        }
        let heat = "{\"teams\": [\(teams.joined(separator: ", "))]}"
        let file = "heat-\(numbers.lowerBound).json"
        try heat.write(toFile: folder.path(file), atomically: true, encoding: .utf8)
        let added = try await FleetProcess.run(["team", "add", "--heat", file] + database, in: folder.url)
        guard added.status == 0 else { throw TeamsNotAdded(errors: added.errors) }
    }

    struct TeamsNotAdded: Error { let errors: String }

    /// SIGKILL if it still runs (for `defer`: a failed test must not leave it behind).
    func kill() {
        if process.process.isRunning { process.signal(SIGKILL) }
    }
}
