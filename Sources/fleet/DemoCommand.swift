import ArgumentParser
import FleetCompetition
import FleetConsole
import FleetDemo
import FleetServer
import FleetStorage
import Logging

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
        var configuration = Demo.Configuration()
        configuration.db = db
        configuration.duration = duration
        configuration.timeScale = timeScale
        configuration.teams = teams
        configuration.humanoids = humanoids
        configuration.seed = seed
        configuration.http = http
        configuration.curve = curve
        configuration.keepServing = keepServing
        let db = db
        let demo = Demo(configuration: configuration, logger: makeLogger(label: "fleet.demo", level: .warning)) {
            division in
            // What `fleet standings --division D --db DB` prints, read as that command reads.
            try StandingsCommand.show(
                store: try CompetitionOptions.readingStore(db: db),
                anchor: try TrustAnchor.resolve(given: nil, keyPath: ServiceKey.defaultPath(forDatabase: db)),
                division: division,
                format: .table
            )
        }
        try await demo.run()
    }
}
