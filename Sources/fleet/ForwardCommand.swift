import ArgumentParser
import FleetForward
import FleetPostgres
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

            Examples:
              fleet forward --db site.db --to postgres://fleet@db.example:5432/central \\
                --site arena-3
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
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no database at \(db): the site's fleet ingest --db file")
        }
        let logger = makeLogger(label: "fleet.forward", level: logLevel)
        var configuration = Forwarder.Configuration(
            sitePath: db,
            site: site,
            central: try StoreOption.location(to, option: "--to")
        )
        configuration.once = once
        configuration.chunksPerBatch = chunksPerBatch
        let forwarder = Forwarder(configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: forwarder, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
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
