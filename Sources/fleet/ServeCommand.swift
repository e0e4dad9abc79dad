import ArgumentParser
import FleetCompetition
import FleetServer
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API, live feed, board and /metrics of a database, without ingesting.",
        discussion: """
            The read side on its own: runs, scoreboards, standings, robots, frames,
            metrics and events of a site's SQLite file (--db) or of the central
            PostgreSQL (--store), where ingesters and forwarders write. Point it at a
            PostgreSQL streaming-replication standby to take the reads off the primary;
            it answers with what the standby has replayed.

            Without an admin token it only reads (and opens the database read-only).
            With one it also takes run control and referee actions, written to the
            database (on a SQLite file only while no ingester holds it).

            Examples:
              fleet serve --db fleet.db --http 127.0.0.1:8080
              fleet serve --store postgres://fleet@standby.example:5432/central \\
                --http 0.0.0.0:8080
            """
    )

    @OptionGroup var options: CompetitionOptions

    @Option(help: "Serve on HOST:PORT (e.g. 127.0.0.1:8080; port 0 picks a free one).")
    var http = "127.0.0.1:8080"

    @Option(help: "Bearer token for run control and referee actions (none: read only).")
    var adminToken: String?

    @Option(help: "File holding the admin bearer token (first line).")
    var adminTokenFile: String?

    @Option(help: "Rulebook file for runs created over HTTP (default: Rulebooks/rulebook-v1.json).")
    var rulebook: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard APIServer.Configuration.address(http) != nil else {
            throw ValidationError("--http must be HOST:PORT, :PORT or PORT, got '\(http)'")
        }
        if adminToken != nil && adminTokenFile != nil {
            throw ValidationError("give --admin-token or --admin-token-file, not both")
        }
    }

    func run() async throws {
        let logger = makeLogger(label: "fleet.serve", level: logLevel)
        let (host, port) = APIServer.Configuration.address(http)!
        if port != 0 { try EndpointCheck.checkBindable(host: host, port: port, option: "--http") }
        let token = try AdminToken.load(token: adminToken, file: adminTokenFile)
        let (rules, bytes, _) = try RulebookFile.load(rulebook)
        // Before anything runs: blocking here holds up nothing.
        let (competition, telemetry) = try options.stores(writing: token != nil)
        var scoreboard = CompetitionScoreboardSource.Configuration(
            rulebook: rules,
            rulebookBytes: bytes,
            serviceKeyPath: ServiceKey.defaultPath(forDatabase: options.db)
        )
        scoreboard.logger = logger
        let server = APIServer(
            configuration: APIServer.Configuration(host: host, port: port, adminToken: token),
            database: telemetry,
            scoreboard: CompetitionScoreboardSource(store: competition, live: nil, configuration: scoreboard),
            logger: logger
        )
        logger.info("serving \(options.store.map { _ in "the central database" } ?? options.db) on \(http)")
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// The admin bearer token of `--admin-token` or the first line of `--admin-token-file`.
enum AdminToken {
    static func load(token: String?, file: String?) throws -> String? {
        guard let file else { return token }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("--admin-token-file: cannot read \(file)")
        }
        guard let first = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first,
            !first.isEmpty
        else { throw ValidationError("\(file) holds no token") }
        return String(first)
    }
}
