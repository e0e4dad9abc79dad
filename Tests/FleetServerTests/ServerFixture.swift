import FleetIngest
import FleetProtocol
import FleetScoring
import FleetServer
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import HummingbirdTesting
import Logging
import ServiceLifecycle
import ZeroMQ

/// A real ingester on 127.0.0.1 writing a real database file in a temporary folder, fed a
/// small fleet over ZeroMQ, and the API server over it with an in-memory scoreboard that
/// holds a run scored from the same frames.
///
/// The data: robot 1 (team alpha) sends 100 sanitation states at 10 Hz driving east, with
/// sequence 50 lost; robot 2 (team beta) sends 40 states and one collision event (seq 20);
/// one frame with a bad checksum and one truncated frame are rejected.
final class ServerFixture: Sendable {
    static let start: UInt64 = 1_800_000_000_000_000_000
    static let token = "s3cret-token"
    static let rulebookURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Rulebooks/rulebook-v1.json")

    let folder: URL
    let ingest: IngestService
    let group: ServiceGroup
    let running: Task<Void, any Error>
    let endpoint: String
    let scoreboard: MemoryScoreboardSource
    let server: APIServer
    let runID: UInt32
    /// Frames stored, by robot.
    let stored: [UInt32: [Frame]]

    static func make(
        configure: (inout APIServer.Configuration) -> Void = { _ in }
    ) async throws -> ServerFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var ingestConfiguration = IngestService.Configuration(
            databasePath: folder.appendingPathComponent("fleet.db").path,
            listen: "tcp://127.0.0.1:*"
        )
        ingestConfiguration.statusInterval = nil
        ingestConfiguration.batchInterval = .milliseconds(20)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let ingest = try IngestService(configuration: ingestConfiguration, logger: logger)
        let group = ServiceGroup(services: [ingest], logger: logger)
        let running = Task { try await group.run() }
        let endpoint = try await ingest.boundEndpoints()[0]

        var wire: [[UInt8]] = []
        var stored: [UInt32: [Frame]] = [:]
        for seq in UInt32(0)..<100 {
            let frame = state(robot: 1, seq: seq, x: 2 + Double(seq) * 0.1, battery: 90 - Float(seq) * 0.1)
            if seq == 50 { continue }
            wire.append(FrameEncoder.encode(frame))
            stored[1, default: []].append(frame)
        }
        for seq in UInt32(0)..<40 {
            let frame =
                seq == 20
                ? Frame(
                    header: header(.collision, robot: 2, seq: seq),
                    message: .collision(Collision(x: 5, y: 6, speed: 0.5, impulse: 3, other: .static))
                )
                : state(robot: 2, seq: seq, x: 5, y: 3 + Double(seq) * 0.05, battery: 70)
            wire.append(FrameEncoder.encode(frame))
            stored[2, default: []].append(frame)
        }
        var corrupt = FrameEncoder.encode(state(robot: 2, seq: 40, x: 5, battery: 70))
        corrupt[40] ^= 0xFF
        wire.append(corrupt)
        wire.append([0x46, 0x54, 0x01])
        try await offPool { [wire] in try publish(wire, to: endpoint) }
        let expected = stored.values.reduce(0) { $0 + $1.count }
        let deadline = ContinuousClock.now + .seconds(20)
        while ingest.metrics.snapshot.stored < expected && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard ingest.metrics.snapshot.stored == expected else {
            throw IngestError("stored \(ingest.metrics.snapshot.stored) of \(expected) frames")
        }
        // Rollups are written when their second closes (a quiet robot's: about a second
        // later), so the metric history catches up after the frames.
        let states = stored.values.joined().filter { $0.message.type.category == .state }.count
        while try ingest.sqliteDatabase(for: "the test").rollupObservations() < states && ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard try ingest.sqliteDatabase(for: "the test").rollupObservations() == states else {
            throw IngestError(
                "rollups hold \(try ingest.sqliteDatabase(for: "the test").rollupObservations()) of \(states) state frames"
            )
        }

        let rulebook = try Rulebook.load(try Data(contentsOf: rulebookURL))
        let scoreboard = MemoryScoreboardSource(rulebook: rulebook)
        let run = try await scoreboard.perform(
            .create(NewRun(division: "P", name: "heat 1", seed: 7, teams: ["alpha", "beta"]))
        )
        _ = try await scoreboard.perform(.start(runID: run.id, time: start))
        var scorer = try RunScorer(
            rulebook: rulebook,
            run: RunScorer.Run(id: run.id, division: .P, runningStart: start, runningEnd: start + 1_200_000_000_000),
            arena: RunScorer.Arena(
                mask: CoverageMask(
                    cellSize: 0.25,
                    columns: 80,
                    rows: 60,
                    flags: [UInt8](repeating: CoverageMask.targetBit, count: 80 * 60)
                ),
                totals: ArenaTotals(dustMass: 10, gravelMass: 4, ratingSum: 20, stainArea: 8, items: 10)
            ),
            robots: [
                RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper", brushWidth: 0.8),
                RunScorer.Robot(id: 2, team: "beta", kind: "sweeper", brushWidth: 0.8),
            ]
        )
        let all = stored.values.flatMap { $0 }.sorted {
            ($0.header.timestampNanoseconds, $0.header.robotID) < ($1.header.timestampNanoseconds, $1.header.robotID)
        }
        for frame in all { scorer.consume(frame) }
        try scoreboard.publish(runID: run.id, result: scorer.score())
        try scoreboard.publish(
            runID: run.id,
            arena: ArenaView(
                width: 20,
                height: 15,
                coverage: CoverageView(cellSize: 1, columns: 20, rows: 15, cells: [UInt8](repeating: 0, count: 300))
            )
        )

        var configuration = APIServer.Configuration(host: "127.0.0.1", port: 0, adminToken: token)
        configuration.publishInterval = .milliseconds(100)
        configure(&configuration)
        let server = APIServer(
            configuration: configuration,
            database: try ingest.sqliteDatabase(for: "the test"),
            scoreboard: scoreboard,
            live: ingest,
            logger: logger
        )
        return ServerFixture(
            folder: folder,
            ingest: ingest,
            group: group,
            running: running,
            endpoint: endpoint,
            scoreboard: scoreboard,
            server: server,
            runID: run.id,
            stored: stored
        )
    }

    private init(
        folder: URL,
        ingest: IngestService,
        group: ServiceGroup,
        running: Task<Void, any Error>,
        endpoint: String,
        scoreboard: MemoryScoreboardSource,
        server: APIServer,
        runID: UInt32,
        stored: [UInt32: [Frame]]
    ) {
        self.folder = folder
        self.ingest = ingest
        self.group = group
        self.running = running
        self.endpoint = endpoint
        self.scoreboard = scoreboard
        self.server = server
        self.runID = runID
        self.stored = stored
    }

    /// Runs `body` against the live server on a free port, then stops everything (also when
    /// `body` throws).
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        do {
            try await server.makeApplication().test(.live, body)
        } catch {
            await close()
            throw error
        }
        await close()
    }

    /// Runs the server as the service it is (`APIServer.run()` in a `ServiceGroup`, on
    /// 127.0.0.1 and a free port), runs `body` with the port, then shuts down gracefully.
    func serve(_ body: @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let group = ServiceGroup(services: [server], logger: logger)
        let running = Task { try await group.run() }
        let port = try await server.boundPort()
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            await close()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        await close()
    }

    /// Stops the ingester and removes the folder.
    func close() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        try? FileManager.default.removeItem(at: folder)
    }

    /// Sends more frames to the running ingester (robots moving while a test watches).
    func send(_ frames: [Frame]) async throws {
        let wire = frames.map { FrameEncoder.encode($0) }
        let endpoint = self.endpoint
        try await offPool { try Self.publish(wire, to: endpoint) }
    }

    static func header(_ type: MessageType, robot: UInt32, seq: UInt32, at time: UInt64? = nil) -> FrameHeader {
        FrameHeader(
            messageType: type.rawValue,
            flags: FrameHeader.simulatedTimeFlag,
            robotID: robot,
            bootEpoch: 0,
            sequence: seq,
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: time ?? start + UInt64(seq) * 100_000_000
        )
    }

    static func state(
        robot: UInt32,
        seq: UInt32,
        x: Double,
        y: Double = 2,
        battery: Float,
        at time: UInt64? = nil
    ) -> Frame {
        Frame(
            header: header(.sanitationState, robot: robot, seq: seq, at: time),
            message: .sanitationState(DrivingRobot.state(step: Int(seq), x: x, y: y, battery: battery))
        )
    }

    /// Sends frames from an XPUB once the ingester's SUB has subscribed (no slow-joiner loss).
    static func publish(_ frames: [[UInt8]], to endpoint: String) throws {
        let context = try Context()
        defer { context.terminate() }
        let socket = try Socket(
            context,
            type: .extendedPublisher,
            options: [.sendHighWaterMark(0), .linger(.seconds(5)), .receiveTimeout(.seconds(5))]
        )
        try socket.connect(endpoint)
        guard try socket.receive() != nil else { throw IngestError("no subscription arrived from \(endpoint)") }
        for frame in frames { _ = try socket.send(frame) }
        socket.close()
    }
}

extension FrameEncoder {
    static func encode(_ frame: Frame) -> [UInt8] {
        encode(
            frame.message,
            robotID: frame.header.robotID,
            bootEpoch: frame.header.bootEpoch,
            sequence: frame.header.sequence,
            timestampNanoseconds: frame.header.timestampNanoseconds,
            flags: frame.header.flags
        )
    }
}
