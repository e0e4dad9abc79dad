public import ArgumentParser
import FleetCompetition
import FleetIngest
import FleetPostgres
import FleetScoring
import FleetServer
import FleetStorage
import FleetStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import ZeroMQ

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Receive telemetry over ZeroMQ and store it in SQLite until SIGINT/SIGTERM.",
        discussion: """
            Pub mode: robots' PUB sockets connect to --listen (a SUB that binds). Reliable
            mode: robots' DEALER sockets connect to --reliable (a ROUTER); frames are
            acknowledged only after they are committed.

            Examples:
              fleet ingest --db fleet.db --listen tcp://0.0.0.0:5556
              fleet ingest --listen tcp://127.0.0.1:5556 --reliable tcp://127.0.0.1:5557
              fleet ingest --listen tcp://127.0.0.1:5556 --http 127.0.0.1:8080 \\
                  --admin-token-file token.txt
              fleet ingest --listen tcp://0.0.0.0:5556 \\
                --curve-secret ingester.key --allowlist robots.allow
              fleet ingest --listen tcp://127.0.0.1:5556 \\
                --retain-raw 30d --retain-rollups 400d
              fleet ingest --store postgres://fleet@db:5432/central \\
                --ingester-id arena-1 --reliable tcp://0.0.0.0:5557

            With --curve-secret and --allowlist, every connection is encrypted (CURVE),
            only robots whose public key is on the allowlist are admitted, and each robot's
            id is taken from its key: frames claiming another id are refused and counted
            (fleet keys makes the files). SIGHUP reloads the allowlist: added robots
            connect at once; a robot whose key was removed or replaced is refused from its
            next frame; a file with an error changes nothing (kill -HUP PID).

            Runs in PREPARE or RUNNING (fleet run create/start) are scored live: frames are
            fed in event-time order behind a watermark, provisional scores are stored about
            twice a second, and the live result when the run stops (fleet score ID).

            With --retain-raw / --retain-rollups the writer thread prunes older chunks and
            rollups between commits, one small transaction at a time, never the frames of a
            run's window, and hands the space back (fleet prune does the same offline).

            With --store postgres://, several ingesters share one database, each robot
            written by the ingester holding its lease (--robot-lease, renewed as its frames
            come): frames of a robot another ingester holds are refused, not acknowledged,
            and counted (owned elsewhere); once the lease runs out the robot moves, and its
            new ingester continues its ledger.
            """
    )

    @Option(help: "SQLite database file (created if missing).")
    var db = "fleet.db"

    @Option(
        help:
            "Store in PostgreSQL instead: postgres://USER@HOST:PORT/DB (password in the URL or PGPASSWORD). Several ingesters may share one."
    )
    var store: String?

    @Option(
        help:
            "With --store postgres://: this ingester's name, unique among the ingesters sharing the database and kept across restarts (default: HOST:ENDPOINTS)."
    )
    var ingesterID: String?

    @Option(
        help:
            "With --store postgres://: seconds a claim on a robot holds without its frames renewing it; another ingester may take the robot over after that."
    )
    var robotLease: Double?

    @Option(help: "Pub mode endpoint to bind a SUB socket on, e.g. tcp://127.0.0.1:5556.")
    var listen: String?

    @Option(help: "Reliable mode endpoint to bind a ROUTER socket on, e.g. tcp://127.0.0.1:5557.")
    var reliable: String?

    @Option(help: "CURVE: the ingester's secret key file (fleet keys server); needs --allowlist.")
    var curveSecret: String?

    @Option(help: "CURVE: robots' public keys, 'ID KEY' per line (fleet keys robots); only they are admitted.")
    var allowlist: String?

    @Option(help: "Ring buffer slots (a power of two).")
    var ringCapacity = 1 << 14

    @Option(help: "Seconds between status lines on stderr (0: none).")
    var statusEvery = 5.0

    @Option(
        help:
            "Status lines as text on stderr, or json: an object per line on stdout (endpoints, counters, ring, publish→commit percentiles, memory), and a last one after stopping."
    )
    var statusFormat: StatusFormat = .text

    @Flag(inversion: .prefixedNo, help: "Score runs in PREPARE or RUNNING live (provisional rows, the live result).")
    var liveScoring = true

    @Option(help: "Live scoring: event-time seconds a sender's frames may trail its newest one.")
    var watermarkSlack = 2.0

    @Option(help: "Serve the HTTP API, live feed, board and /metrics on HOST:PORT (e.g. 127.0.0.1:8080).")
    var http: String?

    @Option(help: "Bearer token for run control and referee actions over HTTP.")
    var adminToken: String?

    @Option(help: "File holding the admin bearer token (first line).")
    var adminTokenFile: String?

    @Option(help: "ZeroMQ endpoint to publish the live feed on (PUB), e.g. tcp://127.0.0.1:5560.")
    var livePub: String?

    @Option(help: "Rulebook file for runs created over HTTP (default: the repository's Rulebooks/rulebook-v1.json).")
    var rulebook: String?

    @Option(help: "Drop raw frames older than this (30d, 12h, 90m), except inside runs' windows; checked every minute.")
    var retainRaw: DurationArgument?

    @Option(help: "Drop 1 s rollups older than this (e.g. 400d).")
    var retainRollups: DurationArgument?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if listen == nil && reliable == nil {
            throw ValidationError("give --listen ENDPOINT (pub mode) and/or --reliable ENDPOINT (reliable mode)")
        }
        if let listen { try EndpointCheck.validateZeroMQ(listen, option: "--listen") }
        if let reliable { try EndpointCheck.validateZeroMQ(reliable, option: "--reliable") }
        if let livePub { try EndpointCheck.validateZeroMQ(livePub, option: "--live-pub") }
        if ringCapacity < 2 || ringCapacity > 1 << 24 {
            throw ValidationError("--ring-capacity must be 2...\(1 << 24), got \(ringCapacity)")
        }
        if let http, APIServer.Configuration.address(http) == nil {
            throw ValidationError("--http must be HOST:PORT, :PORT or PORT, got '\(http)'")
        }
        if adminToken != nil && adminTokenFile != nil {
            throw ValidationError("give --admin-token or --admin-token-file, not both")
        }
        if store == nil {
            if ingesterID != nil {
                throw ValidationError("--ingester-id names an ingester sharing --store postgres://; give --store")
            }
            if robotLease != nil {
                throw ValidationError(
                    "--robot-lease applies to --store postgres:// (a SQLite file has one writer); give --store"
                )
            }
        }
        if let ingesterID, ingesterID.isEmpty || ingesterID.utf8.count > 200 {
            throw ValidationError("--ingester-id must be 1...200 bytes, got '\(ingesterID)'")
        }
        if let robotLease, !(robotLease >= 0.1 && robotLease <= 86_400) {
            throw ValidationError("--robot-lease must be 0.1...86400 seconds, got \(robotLease)")
        }
        if let store { _ = try StoreOption.location(store) }
        if (curveSecret == nil) != (allowlist == nil) {
            throw ValidationError(
                "CURVE needs both --curve-secret FILE (the ingester's key) and --allowlist FILE (the robots' keys)"
            )
        }
    }

    /// The CURVE set-up from --curve-secret and --allowlist, if given.
    func authentication() throws -> IngestService.Authentication? {
        guard let curveSecret, let allowlist else { return nil }
        guard Context.supportsCurve else {
            throw ValidationError(
                "--curve-secret: this libzmq has no CURVE (built without libsodium); install one that has"
            )
        }
        let secret = try KeyFiles.readKey(curveSecret, option: "--curve-secret")
        let keys: CurveKeyPair
        do { keys = try CurveKeyPair(secretKey: secret) } catch {
            throw ValidationError("--curve-secret: \(curveSecret) does not hold a usable secret key")
        }
        return IngestService.Authentication(
            serverKeys: keys,
            allowlist: try KeyFiles.keyring(allowlist, option: "--allowlist")
        )
    }

    func run() async throws {
        let logger = makeLogger(label: "fleet.ingest", level: logLevel)
        // Every address, before the database is created or anything starts.
        try EndpointCheck.checkBindable(
            [("--listen", listen), ("--reliable", reliable), ("--live-pub", livePub)].compactMap { option, endpoint in
                endpoint.map { (option, $0) }
            }
        )
        if let http, let (host, port) = APIServer.Configuration.address(http), port != 0 {
            try EndpointCheck.checkBindable(host: host, port: port, option: "--http")
        }
        var configuration = IngestService.Configuration(databasePath: db, listen: listen, reliable: reliable)
        if let store {
            let postgres = try await PostgresStore.connect(
                location: try PostgresLocation(url: store),
                ingesterID: ingesterID ?? defaultIngesterID,
                logger: logger
            )
            do { try await postgres.holdIngesterName() } catch {
                postgres.close()
                throw error
            }
            configuration.store = postgres
            if let robotLease { configuration.robotLease = .milliseconds(Int64(robotLease * 1000)) }
        }
        configuration.ringCapacity = ringCapacity
        configuration.authentication = try authentication()
        if retainRaw != nil || retainRollups != nil {
            configuration.retention = RetentionPolicy(
                rawNanos: retainRaw?.nanoseconds,
                rollupNanos: retainRollups?.nanoseconds,
                keep: { try RetainedWindows.windows(in: $0) }
            )
        }
        let statusInterval: Duration? = statusEvery > 0 ? .milliseconds(Int(statusEvery * 1000)) : nil
        configuration.statusInterval = statusFormat == .text ? statusInterval : nil
        if liveScoring {
            var tuning = LiveRun.Tuning()
            tuning.slack = UInt64(max(0, watermarkSlack) * 1e9)
            let settings = tuning
            configuration.observer = { store in
                LiveScoring(ingest: store, tuning: settings, logger: logger)
            }
        }
        // Trapped before anything starts, so a SIGHUP never meets the default (ending the process).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let service = try IngestService(configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if statusFormat == .json, let statusInterval {
            // Before the ingester: stopped after it, so its last line has the drained counts.
            services.append(.init(service: IngestStatusReporter(ingest: service, interval: statusInterval)))
        }
        services.append(.init(service: service))
        services.append(
            .init(service: AllowlistReloader(hangups: hangups, ingest: service, path: allowlist, logger: logger))
        )
        if let http, let (host, port) = APIServer.Configuration.address(http) {
            services.append(.init(service: try makeServer(host: host, port: port, ingest: service, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

extension IngestCommand {
    /// This host and the endpoints bound: different for every ingester running at once
    /// (two cannot bind one endpoint on one host), the same after a restart, so a restarted
    /// ingester continues its own segments and robots at once. An endpoint with a port
    /// chosen at bind time (`*`) names no ingester: the process id is added.
    var defaultIngesterID: String {
        let endpoints = [listen, reliable].compactMap { $0 }
        var parts = [ProcessInfo.processInfo.hostName] + endpoints
        if endpoints.contains(where: { $0.hasSuffix(":*") }) {
            parts.append("pid\(ProcessInfo.processInfo.processIdentifier)")
        }
        return parts.joined(separator: ":")
    }

    func makeServer(host: String, port: Int, ingest: IngestService, logger: Logger) throws -> APIServer {
        let token = try AdminToken.load(token: adminToken, file: adminTokenFile)
        let (rules, bytes, _) = try RulebookFile.load(rulebook)
        var configuration = APIServer.Configuration(host: host, port: port, adminToken: token)
        configuration.publishEndpoint = livePub
        let scoreboard = try CompetitionScoreboardSource(
            serving: ingest,
            rulebook: rules,
            rulebookBytes: bytes,
            logger: logger
        )
        return APIServer(
            configuration: configuration,
            database: try Self.telemetry(of: ingest),
            scoreboard: scoreboard,
            live: ingest,
            logger: logger
        )
    }
}

extension IngestCommand {
    /// What the API reads stored telemetry through: the ingester's own store.
    static func telemetry(of ingest: IngestService) throws -> any TelemetryQueries {
        guard let telemetry = ingest.store as? any TelemetryQueries else {
            throw ValidationError("--http: \(ingest.configuration.storeName) answers no telemetry queries")
        }
        return telemetry
    }
}

extension IngestCommand {
    enum StatusFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

func makeLogger(label: String, level: Logger.Level) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}
