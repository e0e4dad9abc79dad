import FleetIngest
import FleetPostgres
import FleetProtocol
import FleetRobotClient
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing
import ZeroMQ

/// `fleet query` reads a central PostgreSQL as it reads a SQLite file: the same robots
/// through the whole ingester into each backend give the same answers to every query
/// (robots, frames, latest state, metric, events, loss ledger), row for row.
struct QueryBackendTests {
    static let start: UInt64 = 1_800_000_000_000_000_000
    static let robots: [UInt32] = [21, 22]
    static let perRobot = 400

    /// What every query answers, as text to compare.
    struct Answers: Equatable, CustomStringConvertible {
        var lines: [String] = []
        var description: String { lines.joined(separator: "\n") }
    }

    /// Two reliable robots, a state frame every 100 ms and a litter pickup every 50th.
    static func ingest(into place: Place) async throws {
        let ingester = try await RunningIngester.start(
            databasePath: place.path,
            reliable: "tcp://127.0.0.1:*",
            store: try place.ingestStore()
        )
        let endpoint = ingester.endpoint
        let flushed = try await offPool { () -> Bool in
            let context = try Context()
            defer { context.terminate() }
            let clients = try robots.map { robot in
                try ReliableRobotClient(
                    context: context,
                    configuration: .init(endpoint: endpoint, robotID: robot, bootEpoch: 1)
                )
            }
            defer { for client in clients { client.close() } }
            for step in 0..<perRobot {
                for (index, client) in clients.enumerated() {
                    let time = start + UInt64(step) * 100_000_000 + UInt64(index) * 1_000_000
                    let message: FleetProtocol.Message =
                        step % 50 == 49
                        ? .litterPickup(
                            LitterPickup(x: Double(step), y: 2, itemID: UInt32(step), mass: 0.1, litter: .object)
                        )
                        : .sanitationState(DrivingRobot.state(step: step))
                    _ = try client.publish(
                        message,
                        at: time,
                        flags: FrameHeader.simulatedTimeFlag,
                        waitingAtMost: .seconds(30)
                    )
                    try client.service()
                }
            }
            return try clients.allSatisfy { try $0.flush(timeout: .seconds(60)) }
        }
        #expect(flushed, "every frame acknowledged")
        try await ingester.stop()
    }

    static func answers(_ store: any TelemetryQueries) throws -> Answers {
        var out = Answers()
        let everything = (from: UInt64(0), to: UInt64(Int64.max))
        for robot in try store.robots() {
            out.lines.append(
                "robot \(robot.robotID) \(robot.kind ?? "-") boot \(robot.bootEpoch) \(robot.firstSeenNanos)...\(robot.lastSeenNanos)"
            )
        }
        for robot in robots {
            let frames = try store.frames(
                robotID: robot,
                from: everything.from,
                to: everything.to,
                types: nil,
                limit: 100_000
            )
            out.lines.append(
                "frames \(robot): \(frames.count), digest \(frames.map { $0.bytes.hashValue }.reduce(0, &+))"
            )
            let window = try store.frames(
                robotID: robot,
                from: start + 10_000_000_000,
                to: start + 12_000_000_000,
                types: [.sanitationState],
                limit: 7
            )
            out.lines.append("window \(robot): \(window.map { "\($0.header.sequence)" }.joined(separator: ","))")
            out.lines.append(
                "latest \(robot): \(try store.latestState(robotID: robot).map { "\($0.header.sequence)" } ?? "none")"
            )
            for point in try store.metric(
                robotID: robot,
                name: "speed",
                from: everything.from,
                to: everything.to,
                step: 5
            ) {
                out.lines.append("metric \(robot) \(point)")
            }
            for ledger in try store.lossLedger(robotID: robot) {
                out.lines.append("ledger \(robot) \(ledger.received) \(ledger.expected) \(ledger.gaps)")
            }
        }
        for event in try store.events(
            robotID: nil,
            from: everything.from,
            to: everything.to,
            types: [.litterPickup],
            limit: 1000
        ) {
            out.lines.append("event \(event.robotID) \(event.timestampNanos) \(event.messageType) \(event.bytes.count)")
        }
        return out
    }

    @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(3)))
    func everyQueryAnswersTheSameOnPostgreSQLAsOnSQLite() async throws {
        var results: [Backend: Answers] = [:]
        for backend in Backend.allCases {
            let place = try backend.makePlace()
            defer { place.remove() }
            try await Self.ingest(into: place)
            let store: any TelemetryQueries =
                switch place {
                case .sqlite: try FleetDatabase(path: place.path, readOnly: true)
                case .postgres(let location):
                    try PostgresStore.open(location: location, readOnly: true, logger: Place.logger)
                }
            results[backend] = try Self.answers(store)
        }
        let sqlite = try #require(results[.sqlite])
        let postgres = try #require(results[.postgres])
        #expect(sqlite.lines.count > 30, "the answers hold every kind of row:\n\(sqlite)")
        #expect(sqlite.lines.contains { $0.hasPrefix("event ") } && sqlite.lines.contains { $0.hasPrefix("metric ") })
        #expect(sqlite.lines.contains { $0.hasPrefix("frames 21: \(Self.perRobot),") }, "every frame read back")
        // First and last seen are the event times of the robot's first and last frames.
        let last = Self.start + UInt64(Self.perRobot - 1) * 100_000_000
        #expect(sqlite.lines.first == "robot 21 sanitation boot 1 \(Self.start)...\(last)")
        #expect(postgres == sqlite, "PostgreSQL:\n\(postgres)\nSQLite:\n\(sqlite)")
    }

    @Test(.enabled(if: PostgresFixture.enabled))
    func aReaderRefusesADatabaseWithoutTheFleetSchemaAndCreatesNothing() throws {
        let location = try PostgresFixture.database()
        #expect {
            _ = try PostgresStore.open(location: location, readOnly: true, logger: Place.logger)
        } throws: { error in
            "\(error)".contains("holds no fleet data (no fleet schema)") && !"\(error)".contains("\n")
        }
        // Nothing was created: a writer still finds an empty database and migrates it.
        let writer = try PostgresStore.open(location: location, logger: Place.logger)
        #expect(try !writer.appliedMigrations().isEmpty)
        writer.close()
        _ = try PostgresStore.open(location: location, readOnly: true, logger: Place.logger)
    }
}
