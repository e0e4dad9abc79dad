import FleetPostgres
import FleetProtocol
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

extension ProcessSuites {
    /// Two `fleet ingest --store postgres://…` processes on one database, one per arena, each
    /// fed its own robots by `fleet replay`: every frame is stored once, and each robot is
    /// held by the ingester it sent to.
    @Suite(.serialized)
    struct SharedStoreProcessTests {
        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(3)))
        func twoIngesterProcessesStoreTheirOwnRobotsOnceInOneDatabase() async throws {
            let folder = try TemporaryFolder()
            let postgres = try PostgresFixture.database()
            let arenas: [(recording: String, firstRobot: UInt32)] = [
                (folder.path("east.ftrec"), 1), (folder.path("west.ftrec"), 101),
            ]
            var sent: [[UInt8]] = []
            for arena in arenas {
                sent += try writeRecording(
                    to: arena.recording,
                    robots: 4,
                    framesPerRobot: 1000,
                    firstRobot: arena.firstRobot
                )
            }
            let endpoints = try arenas.map { _ in "tcp://127.0.0.1:\(try freePort())" }
            let ingesters = try endpoints.map { endpoint in
                try FleetProcess(
                    [
                        "ingest", "--store", "\(postgres)", "--listen", endpoint, "--status-every", "0",
                        "--no-live-scoring",
                    ],
                    in: folder.url
                )
            }
            defer { for ingest in ingesters where ingest.process.isRunning { ingest.signal(SIGKILL) } }
            // Both arenas at once.
            let replays = try zip(arenas, endpoints).map { arena, endpoint in
                try FleetProcess(
                    ["replay", arena.recording, "--connect", endpoint, "--wait-timeout", "90", "--pace", "4000"],
                    in: folder.url
                )
            }
            for replay in replays {
                #expect(await replay.wait(timeout: .seconds(90)))
                #expect(replay.exitStatus == 0, "\(replay.standardError)")
            }
            let reader = try PostgresStore.open(location: postgres, readOnly: true, logger: Logger(label: "test"))
            defer { reader.close() }
            try await waitUntil(timeout: .seconds(60)) {
                try reader.ingestStatistics()["frames.accepted"] == Int64(sent.count)
            }
            for ingest in ingesters {
                ingest.signal(SIGTERM)
                #expect(await ingest.wait(timeout: .seconds(30)))
                #expect(ingest.exitStatus == 0, "\(ingest.standardError)")
            }

            var stored: [FrameKey: [UInt8]] = [:]
            try reader.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { header, bytes in
                let key = FrameKey(
                    stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                    sequence: header.sequence
                )
                #expect(stored[key] == nil, "\(key) stored twice")
                stored[key] = Array(bytes)
            }
            #expect(stored.count == sent.count)
            for frame in sent {
                let header = try #require(frame.withUnsafeBytes { FrameHeader.unverified($0) })
                let key = FrameKey(
                    stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                    sequence: header.sequence
                )
                guard stored[key] == frame else {
                    Issue.record("\(key) missing or different")
                    return
                }
            }
            let statistics = try reader.ingestStatistics()
            #expect(statistics["frames.refused.owned_elsewhere"] == nil)
            // Each robot is held by the ingester of its arena, named after its endpoint.
            let owners = try reader.robotOwners()
            #expect(owners.count == 8)
            for owner in owners {
                let endpoint = owner.robotID < 100 ? endpoints[0] : endpoints[1]
                #expect(owner.ingester.hasSuffix(":\(endpoint)"), "robot \(owner.robotID) held by \(owner.ingester)")
            }
            let query = try await FleetProcess.run(
                ["query", "stats", "--store", "\(postgres)", "--format", "csv"],
                in: folder.url
            )
            #expect(query.status == 0, "\(query.errors)")
            #expect(query.output.contains("frames.accepted,\(sent.count)"), "\(query.output)")
        }

        @Test(.enabled(if: PostgresFixture.enabled), .timeLimit(.minutes(2)))
        func aSecondIngesterUnderANameInUseIsRefusedInOneLine() async throws {
            let folder = try TemporaryFolder()
            let postgres = try PostgresFixture.database()
            let first = try FleetProcess(
                [
                    "ingest", "--store", "\(postgres)", "--ingester-id", "arena-1", "--listen",
                    "tcp://127.0.0.1:\(try freePort())", "--status-every", "0", "--no-live-scoring",
                ],
                in: folder.url
            )
            defer { if first.process.isRunning { first.signal(SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) { first.standardError.contains("ingesting") }
            let second = try await FleetProcess.run(
                [
                    "ingest", "--store", "\(postgres)", "--ingester-id", "arena-1", "--listen",
                    "tcp://127.0.0.1:\(try freePort())", "--status-every", "0", "--no-live-scoring",
                ],
                in: folder.url,
                timeout: .seconds(60)
            )
            #expect(second.status != 0)
            #expect(
                second.errors.contains("another ingester named 'arena-1' is writing to"),
                "\(second.errors)"
            )
            first.signal(SIGTERM)
            #expect(await first.wait(timeout: .seconds(30)))
            #expect(first.exitStatus == 0, "\(first.standardError)")
        }

        @Test(arguments: [
            (["--robot-lease", "0"], "--robot-lease must be 0.1...86400 seconds, got 0.0"),
            (["--robot-lease", "5", "--no-store"], "--robot-lease applies to --store postgres://"),
            (["--ingester-id", "a", "--no-store"], "--ingester-id names an ingester sharing --store postgres://"),
        ])
        func ownershipOptionsAreCheckedInOneLine(arguments: [String], message: String) async throws {
            let folder = try TemporaryFolder()
            let withStore = !arguments.contains("--no-store")
            let store = withStore ? ["--store", "postgres://fleet@127.0.0.1:1/fleet"] : []
            let result = try await FleetProcess.run(
                ["ingest", "--listen", "tcp://127.0.0.1:\(try freePort())"] + store
                    + arguments.filter { $0 != "--no-store" },
                in: folder.url,
                timeout: .seconds(30)
            )
            #expect(result.status != 0)
            #expect(result.errors.split(separator: "\n").filter { $0.contains(message) }.count == 1, "\(result.errors)")
        }
    }
}
