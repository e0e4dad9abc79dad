import ArgumentParser
import FleetCompetition
import FleetIngest
import FleetKeys
import FleetProtocol
import FleetRunner
import FleetScoring
import FleetServer
import FleetSimulation
import FleetStorage
import FleetStore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import ZeroMQ

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole thing in one process: a simulated competition fleet into the ingester and SQLite.",
        discussion: """
            Starts the ingester on a free local port, runs 4 teams × 3 sanitation robots in
            division P and 2 humanoids in division H through a 20-minute run at 20× speed
            (about a minute), shows progress and the leading robots live, then prints the
            results and leaves the database for `fleet query`.

            The HTTP API and the live board run in the same process (--http, default
            127.0.0.1:8080, a free port if that one is taken; `--http off` for none). With
            --keep-serving the board, the API and /metrics stay up after the results until
            Ctrl-C.

            Examples:
              fleet demo
              fleet demo --http 127.0.0.1:8080 --keep-serving
              fleet demo --duration 300 --time-scale 60 --teams 6 --db /tmp/demo.db
            """
    )

    @Option(help: "SQLite database file (created; an existing one is added to).")
    var db = "fleet.db"

    @Option(help: "Simulated seconds of RUNNING.")
    var duration = 1200.0

    @Option(help: "Simulated seconds per wall-clock second.")
    var timeScale = 20.0

    @Option(help: "Teams in division P (3 sanitation robots each).")
    var teams = 4

    @Option(help: "Humanoids in division H.")
    var humanoids = 2

    @Option(help: "Arena and fleet seed.")
    var seed: UInt64 = 2027

    @Option(help: "Serve the API, the live board and /metrics on HOST:PORT (`off`: no HTTP).")
    var http = "127.0.0.1:8080"

    @Flag(
        inversion: .prefixedNo,
        help: "Encrypt every robot's connection and admit only the fleet's keys (CURVE, fresh keys each run)."
    )
    var curve = true

    @Flag(help: "Keep serving the board and the API after the results, until Ctrl-C.")
    var keepServing = false

    func validate() throws {
        if !(duration > 0 && duration <= 7200) {
            throw ValidationError("--duration must be 0...7200 s, got \(duration)")
        }
        if !(timeScale > 0) { throw ValidationError("--time-scale must be positive, got \(timeScale)") }
        if !(1...26).contains(teams) { throw ValidationError("--teams must be 1...26, got \(teams)") }
        if !(0...10).contains(humanoids) { throw ValidationError("--humanoids must be 0...10, got \(humanoids)") }
        if http != "off" && APIServer.Configuration.address(http) == nil {
            throw ValidationError("--http must be HOST:PORT, :PORT, PORT or off, got '\(http)'")
        }
        if keepServing && http == "off" { throw ValidationError("--keep-serving needs --http") }
    }

    func run() async throws {
        let logger = makeLogger(label: "fleet.demo", level: .warning)
        var roster = FleetRoster(
            division: .park,
            teams: teams,
            robotsPerTeam: 3,
            humanoids: humanoids,
            stateRate: 10,
            humanoidRate: 50,
            duration: duration,
            seed: seed,
            runID: 1
        )
        // Secure by default, as a real deployment runs: fresh CURVE keys for the ingester
        // and for every robot and the referee; the ingester admits only those keys.
        if curve && !Context.supportsCurve {
            print("fleet demo: this libzmq has no CURVE (built without libsodium): robots connect unauthenticated")
        }
        let keys = try curve && Context.supportsCurve ? Self.makeKeys(for: try roster.configuration()) : nil

        // Reliable mode: every frame is acknowledged once committed, so the results are whole.
        var ingestConfiguration = IngestService.Configuration(databasePath: db, reliable: "tcp://127.0.0.1:*")
        ingestConfiguration.statusInterval = nil
        ingestConfiguration.observer = { store in LiveScoring(ingest: store, logger: logger) }
        ingestConfiguration.authentication = keys?.ingest
        let ingest = try IngestService(configuration: ingestConfiguration, logger: logger)
        // The competition tables go through the ingester's own pool: one writer connection.
        let store = SQLiteCompetitionStore(database: try ingest.sqliteDatabase(for: "the demo"))

        let runs = try Self.prepareCompetition(store: store, roster: roster, db: db)
        roster.runID = runs.park
        var runnerConfiguration = FleetRunner.Configuration(simulation: try roster.configuration())
        runnerConfiguration.timeScale = timeScale
        runnerConfiguration.mode = .reliable
        runnerConfiguration.curve = keys?.fleet

        let progress = DemoProgress(
            ingest: ingest,
            store: store,
            runID: runs.park,
            duration: duration,
            timeScale: timeScale
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ingest)]
        let server = try makeServer(ingest: ingest, featured: runs.park, logger: logger)
        if let server { services.append(.init(service: server)) }
        // Last, so a graceful shutdown reaches the fleet first and the ingester stops after it.
        let stopper = FleetStopService()
        services.append(.init(service: stopper))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let endpoint = try await ingest.boundEndpoints()[0]
            runnerConfiguration.endpoint = endpoint
            let runner = try FleetRunner(configuration: runnerConfiguration)
            print(
                "fleet demo: \(teams) teams × 3 sanitation robots in division P (run \(runs.park)), \(humanoids) humanoids in H\(runs.humanoid.map { " (run \($0))" } ?? "")"
            )
            print(
                "ingesting on \(endpoint) into \(db); \(Int(duration)) s of simulated run at \(Int(timeScale))× speed"
            )
            if let keys {
                print("robots authenticated with CURVE: \(keys.ingest.allowlist.count) keys on the allowlist")
            }
            if let server {
                print("live board: http://\(displayHost):\(try await server.boundPort())/")
            }
            print("")
            flushOutput()
            for run in runs.all { _ = try store.transition(run, to: .running, at: nowNanos()) }
            // The live scorer picks up new RUNNING runs on its background tick (every ¼ s).
            try await Task.sleep(for: .milliseconds(600))
            let watcher = Task { await progress.watch() }
            let report: FleetRunner.Report
            do {
                guard stopper.attach(runner) else { throw CancellationError() }
                // Reliable mode: the runner returns once every frame is acknowledged, i.e. committed.
                report = try await runner.run()
                stopper.finished()
            } catch {
                stopper.finished()
                watcher.cancel()
                await group.triggerGracefulShutdown()
                if stopper.stopWasRequested {
                    try await tasks.waitForAll()
                    let stored = ingest.currentMetrics().stored
                    print("\nstopped before the fleet started: \(stored) frames stored in \(db)")
                    return
                }
                throw error
            }
            if report.stoppedEarly || stopper.stopWasRequested {
                // Ctrl-C: the fleet stopped after its step and flushed; the group stops the rest.
                watcher.cancel()
                await watcher.value
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                let simulated = String(format: "%.1f", report.simulatedSeconds)
                let stored = ingest.currentMetrics().stored
                print("\nstopped after \(simulated) s of simulated run: \(stored) frames stored in \(db)")
                print("(runs left RUNNING; try: fleet query robots --db \(db))")
                return
            }
            for run in runs.all { _ = try store.transition(run, to: .finished, at: nowNanos()) }
            // The live scorer stores each run's result once the run has stopped.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(20)
            while clock.now < deadline,
                try runs.all.contains(where: { try store.storedResult(runID: $0, source: .live) == nil })
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            watcher.cancel()
            await watcher.value
            do {
                try await finish(store: store, runs: runs, report: report, server: server)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            if keepServing, let server {
                await server.publishNow()
                let port = try await server.boundPort()
                print(
                    "\nserving the board at http://\(displayHost):\(port)/ (API: /api/runs, /api/standings/P; /metrics) — Ctrl-C to stop"
                )
                flushOutput()
                try await tasks.waitForAll()
            } else {
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    var displayHost: String {
        let host = APIServer.Configuration.address(http)?.host ?? "127.0.0.1"
        return host == "0.0.0.0" ? "127.0.0.1" : host
    }

    /// Referee review done: finalize (recompute from the database, compare with live, sign),
    /// then print the results. The ingester is still running: its pool has the one writer.
    func finish(
        store: SQLiteCompetitionStore,
        runs: (park: UInt32, humanoid: UInt32?, all: [UInt32]),
        report: FleetRunner.Report,
        server: APIServer?
    ) async throws {
        let key = try ServiceKey(path: ServiceKey.defaultPath(forDatabase: db), create: true)
        var disagreements: [UInt32] = []
        for run in runs.all {
            let outcome = try Finalizer.finalize(store: store, runID: run, key: key, now: nowNanos())
            if outcome.document.liveAgrees == false { disagreements.append(run) }
        }
        try DemoSummary(database: store.database, report: report).print(db: db)
        for division in runs.humanoid == nil ? ["P"] : ["P", "H"] {
            print("")
            try StandingsCommand.parse(["--division", division, "--db", db]).run()
        }
        print("")
        for run in runs.all {
            print("run \(run): FINAL, signed with \(key.path); check it with: fleet verify \(run) --db \(db)")
        }
        if !disagreements.isEmpty {
            print("note: the live result of run(s) \(disagreements) differed from the recompute (flagged for review)")
        }
        if server != nil && !keepServing {
            // The board stops with this process: do not point at it.
            print(
                "the board stopped with the demo; to see it again: fleet demo --keep-serving, or serve this database with fleet ingest --db \(db) --listen tcp://127.0.0.1:5556 --http \(displayHost):8080"
            )
        }
        print("database: \(db)  — try: fleet score \(runs.park) --db \(db); fleet query robots --db \(db)")
    }

    /// The API server over the ingester's database and live scorer, showing the park run.
    func makeServer(ingest: IngestService, featured: UInt32, logger: Logger) throws -> APIServer? {
        guard http != "off", let (host, requested) = APIServer.Configuration.address(http) else { return nil }
        var port = requested
        if port != 0 && !Self.portIsFree(host: host, port: port) {
            print("note: \(host):\(port) is taken; serving on a free port instead")
            port = 0
        }
        let (rulebook, bytes, _) = try RulebookFile.load(nil)
        let scoreboard = try CompetitionScoreboardSource(
            serving: ingest,
            rulebook: rulebook,
            rulebookBytes: bytes,
            logger: logger
        )
        scoreboard.feature(runID: featured)
        return APIServer(
            configuration: APIServer.Configuration(host: host, port: port),
            database: try ingest.sqliteDatabase(for: "the demo's board"),
            scoreboard: scoreboard,
            live: ingest,
            logger: logger
        )
    }

    /// Whether a TCP port can be bound on `host` right now.
    static func portIsFree(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return true }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Registers the roster's teams (once per database) and creates the run of each division.
    static func prepareCompetition(
        store: any CompetitionStore,
        roster: FleetRoster,
        db: String
    ) throws
        -> (park: UInt32, humanoid: UInt32?, all: [UInt32])
    {
        let simulation = try roster.configuration()
        let registered = Set(try store.registeredRobots().map(\.robotID))
        var teams: [String: [RegisteredRobot]] = [:]
        var park: [RegisteredRobot] = []
        var humanoid: [RegisteredRobot] = []
        for run in simulation.runs {
            for robot in run.robots {
                let entry = RegisteredRobot(robotID: UInt32(robot.id), team: robot.team, kind: robot.kind.rawValue)
                teams[robot.team, default: []].append(entry)
                if robot.kind == .humanoid { humanoid.append(entry) } else { park.append(entry) }
            }
        }
        for (team, robots) in teams.sorted(by: { $0.key < $1.key })
        where robots.contains(where: { !registered.contains($0.robotID) }) {
            try store.addTeam(team, robots: robots.filter { !registered.contains($0.robotID) }, at: nowNanos())
        }
        let (book, bytes, _) = try RulebookFile.load(nil)
        let name = "demo seed \(roster.seed)"
        let parkRun = try store.createRun(
            name: name,
            division: "P",
            seed: roster.seed,
            window: .referee,
            rulebook: (book.hash, book.id, bytes),
            entries: park,
            at: nowNanos()
        )
        var humanoidRun: UInt32?
        if !humanoid.isEmpty {
            // The simulator gives the humanoids' run the next id.
            let id = try store.createRun(
                name: name,
                division: "H",
                seed: roster.seed,
                window: .referee,
                rulebook: (book.hash, book.id, bytes),
                entries: humanoid,
                at: nowNanos()
            )
            guard id == parkRun + 1 else {
                throw ValidationError("run ids \(parkRun) and \(id) are not consecutive; use a fresh --db")
            }
            humanoidRun = id
        }
        return (parkRun, humanoidRun, [parkRun] + (humanoidRun.map { [$0] } ?? []))
    }
}

/// The live view while the demo runs: a progress bar and the leading robots.
struct DemoProgress: Sendable {
    let ingest: IngestService
    let store: any CompetitionStore
    let runID: UInt32
    let duration: Double
    let timeScale: Double

    func watch() async {
        let interactive = isatty(STDOUT_FILENO) != 0
        let clock = ContinuousClock()
        let started = clock.now
        var lastPlain = clock.now - .seconds(10)
        var drawnLines = 0
        while !Task.isCancelled {
            let elapsed = (clock.now - started).seconds * timeScale
            let fraction = min(1, elapsed / (duration + 1))
            let snapshot = ingest.liveSnapshot
            let metrics = ingest.currentMetrics()
            let leaders = Self.leaders(snapshot)
            let bar =
                String(repeating: "█", count: Int(fraction * 30))
                + String(repeating: "░", count: 30 - Int(fraction * 30))
            let status = String(
                format: "%@ %3.0f%%  sim %4.0f/%0.f s  frames %d  robots %d  ring %.0f%%",
                bar,
                fraction * 100,
                min(elapsed, duration),
                duration,
                metrics.stored,
                snapshot.robots.count,
                metrics.ringOccupancy * 100
            )
            if interactive {
                let lines = [status, ""] + leaders
                if drawnLines > 0 { Swift.print("\u{1B}[\(drawnLines)A", terminator: "") }
                for line in lines { Swift.print("\u{1B}[2K" + line) }
                drawnLines = lines.count
            } else if clock.now - lastPlain >= .seconds(5) {
                Swift.print(status)
                flushOutput()
                lastPlain = clock.now
            }
            try? await Task.sleep(for: .milliseconds(interactive ? 250 : 1000))
        }
    }

    /// The `limit` sanitation robots that cleaned most, as table lines under a header; the
    /// team column is as wide as the longest name shown, so long names keep the columns aligned.
    static func leaders(_ snapshot: LiveSnapshot, limit: Int = 6) -> [String] {
        var rows: [(area: Double, robot: UInt32, team: String, state: SanitationState)] = []
        for robot in snapshot.robots {
            guard case .sanitationState(let state) = robot.state else { continue }
            let team = FleetRoster.teamName(max(1, Int(robot.robotID / 100)))
            rows.append((state.areaCleaned, robot.robotID, team, state))
        }
        let shown = rows.sorted { $0.area > $1.area }.prefix(limit)
        let width = max(4, shown.map(\.team.count).max() ?? 0)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        return ["  robot  \(pad("team"))  status     area m²  battery  hopper"]
            + shown.map { row in
                String(format: "  %5d  ", row.robot) + pad(row.team)
                    + String(
                        format: "  %-9@  %7.0f  %6.0f%%  %5.0f%%",
                        row.state.status.schemaName as NSString,
                        row.area,
                        row.state.batterySOC,
                        row.state.hopperFill
                    )
            }
    }
}

/// What the demo prints at the end.
struct DemoSummary {
    let database: FleetDatabase
    let report: FleetRunner.Report

    func print(db: String) throws {
        let ledger = try database.lossLedger()
        let stats = try database.ingestStatistics()
        var rows: [[DataTable.Cell]] = []
        for robot in try database.robots() where robot.robotID < 0xF000_0000 {
            guard let stored = try database.latestState(robotID: robot.robotID), let frame = stored.frame else {
                continue
            }
            let completeness = ledger.filter { $0.robotID == robot.robotID }.reduce(into: (0, 0)) {
                $0.0 += $1.received
                $0.1 += $1.expected
            }
            let team = report.truth.senders.first { $0.robotID == robot.robotID }?.team ?? "?"
            switch frame.message {
            case .sanitationState(let state):
                rows.append([
                    .integer(Int64(robot.robotID)), .text(team), .text("sanitation"),
                    .number((state.areaCleaned * 10).rounded() / 10),
                    .number((state.energyUsed * 10).rounded() / 10), .number(Double(state.batterySOC).rounded()),
                    .number(
                        completeness.1 == 0
                            ? 1 : (Double(completeness.0) / Double(completeness.1) * 1000).rounded() / 1000
                    ),
                ])
            case .humanoidState(let state):
                rows.append([
                    .integer(Int64(robot.robotID)), .text(team), .text("humanoid (placed \(state.itemsPlaced))"), .null,
                    .number((state.energyUsed * 10).rounded() / 10), .number(Double(state.batterySOC).rounded()),
                    .number(
                        completeness.1 == 0
                            ? 1 : (Double(completeness.0) / Double(completeness.1) * 1000).rounded() / 1000
                    ),
                ])
            default:
                break
            }
        }
        Swift.print("\nrobots at the end of the run")
        Swift.print(
            DataTable(
                columns: ["robot", "team", "kind", "area_m2", "energy_wh", "battery_%", "completeness"],
                rows: rows
            ).render(.table)
        )
        let rejected = stats.filter { $0.key.hasPrefix("frames.rejected.") }.values.reduce(0, +)
        Swift.print(
            "frames stored \(stats["frames.accepted"] ?? 0), duplicates \(stats["frames.duplicate"] ?? 0), rejected \(rejected); simulated \(Int(report.simulatedSeconds)) s in \(String(format: "%.1f", report.wallSeconds)) s"
        )
    }
}

extension DemoCommand {
    /// Fresh CURVE keys for a demo: the ingester's pair, and a pair for every robot of
    /// `simulation` and for the referee, their public halves on the ingester's allowlist.
    static func makeKeys(
        for simulation: SimulationConfiguration
    ) throws -> (ingest: IngestService.Authentication, fleet: FleetRunner.Curve) {
        let server = try CurveKeyPair.generate()
        let (allowlist, secrets) = try RobotKeyring.generatePairs(
            for: FleetRunner.Configuration(simulation: simulation).senderIDs
        )
        return (
            IngestService.Authentication(serverKeys: server, allowlist: allowlist),
            FleetRunner.Curve(serverKey: server.publicKey, secretKeys: secrets)
        )
    }
}
