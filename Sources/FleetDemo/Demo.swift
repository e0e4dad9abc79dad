import FleetCompetition
import FleetConsole
import FleetIngest
import FleetProtocol
import FleetRunner
import FleetServer
import FleetSimulation
import FleetStorage
import FleetStore
import Foundation
public import Logging
import ServiceLifecycle
import UnixSignals
import ZeroMQ

/// `fleet demo`: the ingester, the live board and a simulated competition fleet in one
/// process; shows progress and the leading robots live, then finalizes the runs and prints
/// the results. The command parses the options into a `Configuration` and calls `run()`.
public struct Demo: Sendable {
    /// The demo's options, validated by the command.
    public struct Configuration: Sendable {
        /// SQLite database file (created; an existing one is added to).
        public var db = "fleet.db"
        /// Simulated seconds of RUNNING.
        public var duration = 1200.0
        /// Simulated seconds per wall-clock second.
        public var timeScale = 20.0
        /// Teams in division P (3 sanitation robots each).
        public var teams = 4
        /// Humanoids in division H.
        public var humanoids = 2
        /// Arena and fleet seed.
        public var seed: UInt64 = 2027
        /// HOST:PORT of the API, the board and /metrics; "off" for no HTTP.
        public var http = "127.0.0.1:8080"
        /// Fresh CURVE keys for the ingester and every robot; the ingester admits only those.
        public var curve = true
        /// Keep serving the board and the API after the results, until Ctrl-C.
        public var keepServing = false

        public init() {}
    }

    /// The runs the demo created: division P's, division H's if there are humanoids, and both.
    typealias Runs = (park: UInt32, humanoid: UInt32?, all: [UInt32])

    public let configuration: Configuration
    let logger: Logger
    /// Prints a division's standings after the results (the `fleet standings` table).
    let printStandings: @Sendable (String) throws -> Void

    public init(
        configuration: Configuration,
        logger: Logger,
        printStandings: @escaping @Sendable (_ division: String) throws -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.printStandings = printStandings
    }

    /// The parts of a running demo, for the steps that drive it.
    struct Parts: Sendable {
        let ingest: IngestService
        let store: SQLiteCompetitionStore
        let runs: [UInt32]
        let park: UInt32
        let humanoid: UInt32?
        let server: APIServer?
        let stopper: FleetStopService
        let group: ServiceGroup
        let progress: DemoProgress
        let keys: Int?

        var runsTuple: Runs { (park, humanoid, runs) }
    }

    /// Runs the demo to its end (or to Ctrl-C / SIGTERM, which stops the fleet after its step
    /// and then the ingester after it), then prints the results.
    public func run() async throws {
        let c = configuration
        var roster = FleetRoster(
            division: .park,
            teams: c.teams,
            robotsPerTeam: 3,
            humanoids: c.humanoids,
            stateRate: 10,
            humanoidRate: 50,
            duration: c.duration,
            seed: c.seed,
            runID: 1
        )
        // Secure by default, as a real deployment runs: fresh CURVE keys for the ingester
        // and for every robot and the referee; the ingester admits only those keys.
        if c.curve && !Context.supportsCurve {
            print("fleet demo: this libzmq has no CURVE (built without libsodium): robots connect unauthenticated")
        }
        let keys = try c.curve && Context.supportsCurve ? Self.makeKeys(for: try roster.configuration()) : nil

        // Reliable mode: every frame is acknowledged once committed, so the results are whole.
        var ingestConfiguration = IngestService.Configuration(databasePath: c.db, reliable: "tcp://127.0.0.1:*")
        ingestConfiguration.statusInterval = nil
        ingestConfiguration.observer = { [logger] store in LiveScoring(ingest: store, logger: logger) }
        ingestConfiguration.authentication = keys?.ingest
        let ingest = try IngestService(configuration: ingestConfiguration, logger: logger)
        // The competition tables go through the ingester's own pool: one writer connection.
        let store = SQLiteCompetitionStore(database: try ingest.sqliteDatabase(for: "the demo"))

        let runs = try Self.prepareCompetition(store: store, roster: roster, db: c.db)
        roster.runID = runs.park
        var runnerConfiguration = FleetRunner.Configuration(simulation: try roster.configuration())
        runnerConfiguration.timeScale = c.timeScale
        runnerConfiguration.mode = .reliable
        runnerConfiguration.curve = keys?.fleet

        let parts = try makeParts(ingest: ingest, store: store, runs: runs, keys: keys?.ingest.allowlist.count)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            let group = parts.group
            tasks.addTask { try await group.run() }
            try await drive(parts, runnerConfiguration, tasks: &tasks)
        }
    }

    /// The services in their group: the ingester, the board, and last the fleet's stopper, so a
    /// graceful shutdown reaches the fleet first and the ingester stops after it.
    private func makeParts(
        ingest: IngestService,
        store: SQLiteCompetitionStore,
        runs: Runs,
        keys: Int?
    ) throws -> Parts {
        let progress = DemoProgress(
            ingest: ingest,
            store: store,
            runID: runs.park,
            duration: configuration.duration,
            timeScale: configuration.timeScale
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ingest)]
        let server = try makeServer(ingest: ingest, featured: runs.park)
        if let server { services.append(.init(service: server)) }
        let stopper = FleetStopService()
        services.append(.init(service: stopper))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        return Parts(
            ingest: ingest,
            store: store,
            runs: runs.all,
            park: runs.park,
            humanoid: runs.humanoid,
            server: server,
            stopper: stopper,
            group: group,
            progress: progress,
            keys: keys
        )
    }

    /// Host the board's URL is shown with: a wildcard address is reached on loopback.
    var displayHost: String {
        let host = APIServer.Configuration.address(configuration.http)?.host ?? "127.0.0.1"
        return host == "0.0.0.0" ? "127.0.0.1" : host
    }
}
