import ArgumentParser
import FleetForward
import FleetPostgres
import FleetServer
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

struct ForwardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Copy a site's SQLite file to the central PostgreSQL, and keep copying.",
        discussion: """
            Store-and-forward: the site's ingester writes its own file (fleet ingest --db),
            and this copies what the file holds (sealed chunks, events, loss ledgers,
            robots, counters) to the central database, one transaction a batch with the
            site's cursor in the same transaction. Killed, restarted or cut off from the
            central database, it resumes where it stopped and copies nothing twice; while
            the central database is unreachable the data waits in the site's file and the
            forwarder retries by itself. Frames appear once their chunk is sealed (a few
            seconds behind the site); the status line says how far behind it is.

            The forwarder claims the robots it copies on the central database as an
            ingester does (owner site:NAME, a lease of --robot-lease seconds). A robot that
            a live ingester or another site holds there is held back: the batch stops
            before its first row, the cursor waits, the status line and the log name the
            robot and its holder, and copying goes on once the lease ends or is released.

            --http serves /metrics (Prometheus text): fleet_forward_lag_seconds (event
            time of the oldest frame not yet copied, behind now), the backlog in chunks,
            frames and events, the totals copied, batches, failures, held-back robots and
            the time of the last copy.

            Examples:
              fleet forward --db site.db --to postgres://fleet@db.example:5432/central \\
                --site arena-3
              fleet forward --db site.db --to postgres://fleet@127.0.0.1:5432/central \\
                --site arena-3 --http 127.0.0.1:9464
              fleet forward --db site.db --to postgres://fleet@127.0.0.1:5432/central \\
                --site arena-3 --once
            """
    )

    @Option(help: "The site's SQLite file (what its fleet ingest --db writes).")
    var db = "fleet.db"

    @Option(help: "The central database: postgres://USER@HOST:PORT/DB.")
    var to: String

    @Option(help: "The site's name in the central database (letters, digits, - and _).")
    var site: String

    @Flag(help: "Copy what the file holds now, then exit (0 when everything was copied).")
    var once = false

    @Option(help: "Sealed chunks copied per transaction.")
    var chunksPerBatch = 512

    @Option(help: "Seconds between status lines on stderr (0: none).")
    var statusEvery = 5.0

    @Option(help: "Serve /metrics (Prometheus text: lag, backlog, copied totals) on HOST:PORT.")
    var http: String?

    @Option(help: "Seconds the claim on a robot copied holds on the central database.")
    var robotLease = 10.0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        _ = try StoreOption.location(to, option: "--to")
        guard !site.isEmpty, site.utf8.count <= 100,
            site.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" })
        else {
            throw ValidationError("--site must be 1-100 letters, digits, '-' or '_', got '\(site)'")
        }
        guard (1...100_000).contains(chunksPerBatch) else {
            throw ValidationError("--chunks-per-batch must be 1...100000, got \(chunksPerBatch)")
        }
        guard statusEvery >= 0 else { throw ValidationError("--status-every must be 0 or more, got \(statusEvery)") }
        if let http, APIServer.Configuration.address(http) == nil {
            throw ValidationError("--http must be HOST:PORT, :PORT or PORT, got '\(http)'")
        }
        guard robotLease >= 0.1 && robotLease <= 86_400 else {
            throw ValidationError("--robot-lease must be 0.1...86400 seconds, got \(robotLease)")
        }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no database at \(db): the site's fleet ingest --db file")
        }
        if let http, let (host, port) = APIServer.Configuration.address(http), port != 0 {
            try EndpointCheck.checkBindable(host: host, port: port, option: "--http")
        }
        let logger = makeLogger(label: "fleet.forward", level: logLevel)
        var configuration = Forwarder.Configuration(
            sitePath: db,
            site: site,
            central: try StoreOption.location(to, option: "--to")
        )
        configuration.once = once
        configuration.chunksPerBatch = chunksPerBatch
        configuration.robotLease = .milliseconds(Int64(robotLease * 1000))
        let forwarder = Forwarder(configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: forwarder, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let http, let (host, port) = APIServer.Configuration.address(http) {
            services.append(.init(service: MetricsServer(forwarder: forwarder, host: host, port: port, logger: logger)))
        }
        if statusEvery > 0 {
            services.append(
                .init(
                    service: ForwardStatusReporter(
                        forwarder: forwarder,
                        interval: .milliseconds(Int(statusEvery * 1000))
                    )
                )
            )
        }
        try await ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
        FileHandle.standardError.write(Data("\(forwarder.statusLine())\n".utf8))
    }
}

/// Prints the forwarder's status line every interval.
struct ForwardStatusReporter: Service {
    let forwarder: Forwarder
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            guard !Task.isShuttingDownGracefully else { break }
            FileHandle.standardError.write(Data("\(forwarder.statusLine())\n".utf8))
        }
    }
}
