import FleetCompetition
import FleetIngest
import FleetProtocol
import FleetScoring
import FleetServer
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// The API over the competition store, as `fleet ingest --http` and `fleet demo` serve it:
/// a real ingester with the live scorer, a real SQLite file, run control and referee actions
/// over HTTP, and a final result equal to a recompute from the database.
extension ServerSuites {
    @Suite
    struct CompetitionAPITests {
        static let t0 = ServerFixture.start
        static let auth: HTTPFields = [.authorization: "Bearer \(ServerFixture.token)"]

        static func json(_ response: TestResponse) throws -> [String: Any] {
            try APITests.json(response)
        }

        static func post(
            _ client: some TestClientProtocol,
            _ uri: String,
            _ body: String? = nil
        ) async throws -> (HTTPResponse.Status, [String: Any]) {
            let response = try await client.execute(
                uri: uri,
                method: .post,
                headers: auth,
                body: body.map { ByteBuffer(string: $0) }
            )
            return (response.status, try json(response))
        }

        /// Polls `condition` every 50 ms for at most `seconds`.
        static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await condition()
        }

        /// A scoreboard response, decoded with the decoder that reads every digit back.
        struct Board: Decodable {
            struct Row: Decodable {
                var team: String
                var score: Double
                var penalties: Double
            }
            var provisional: Bool
            var ranking: [Row]

            /// Team → row.
            var teams: [String: Row] { Dictionary(uniqueKeysWithValues: ranking.map { ($0.team, $0) }) }
        }

        static func board(_ client: some TestClientProtocol, run: Int) async throws -> Board {
            let response = try await client.execute(uri: "/api/runs/\(run)/scoreboard", method: .get)
            return try JSONDecoder().decode(Board.self, from: Data(response.body.readableBytesView))
        }

        @Test(.timeLimit(.minutes(3)))
        func runsAreControlledOverHTTPScoredLiveAndFinalizedToTheRecompute() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "competition-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("fleet.db").path
            var quiet = Logger(label: "test")
            quiet.logLevel = .warning
            let logger = quiet
            var configuration = IngestService.Configuration(databasePath: path, listen: "tcp://127.0.0.1:*")
            configuration.statusInterval = nil
            configuration.batchInterval = .milliseconds(20)
            var tuning = LiveRun.Tuning()
            tuning.snapshotInterval = 200_000_000
            tuning.stopGrace = 300_000_000
            let settings = tuning
            configuration.observer = { LiveScoring(store: $0.competition, tuning: settings, logger: logger) }
            let ingest = try IngestService(configuration: configuration, logger: logger)
            let store = SQLiteCompetitionStore(database: try ingest.sqliteDatabase(for: "the test"))
            try store.addTeam("alpha", robots: [RegisteredRobot(robotID: 1, team: "alpha", kind: "sweeper")], at: 1)
            try store.addTeam("beta", robots: [RegisteredRobot(robotID: 2, team: "beta", kind: "sweeper")], at: 1)
            let bytes = try [UInt8](Data(contentsOf: ServerFixture.rulebookURL))
            let source = CompetitionScoreboardSource(
                store: store,
                live: try #require(ingest.observer as? LiveScoring),
                configuration: .init(
                    rulebook: try Rulebook.load(Data(bytes)),
                    rulebookBytes: bytes,
                    serviceKeyPath: ServiceKey.defaultPath(forDatabase: path)
                )
            )
            let server = APIServer(
                configuration: APIServer.Configuration(host: "127.0.0.1", port: 0, adminToken: ServerFixture.token),
                database: try ingest.sqliteDatabase(for: "the test"),
                scoreboard: source,
                live: ingest,
                logger: logger
            )
            let group = ServiceGroup(services: [ingest], logger: logger)
            let running = Task { try await group.run() }
            defer { running.cancel() }
            let endpoint = try await ingest.boundEndpoints()[0]

            try await server.makeApplication().test(.live) { client in
                // Create and start a run; errors name what to fix.
                let (created, run) = try await Self.post(
                    client,
                    "/api/runs",
                    #"{"division":"P","name":"heat A","seed":7,"teams":["alpha","beta"],"window":"wall"}"#
                )
                #expect(created == .created)
                #expect(run["id"] as? Int == 1 && run["state"] as? String == "PREPARE")
                #expect(run["teams"] as? [String] == ["alpha", "beta"])
                let (unknownTeam, error) = try await Self.post(
                    client,
                    "/api/runs",
                    #"{"division":"P","teams":["gamma"]}"#
                )
                #expect(unknownTeam == .notFound)
                let message = (error["error"] as? [String: String])?["message"] ?? ""
                #expect(message.contains("gamma"), "the error names the unknown team: \(message)")
                let (started, _) = try await Self.post(client, "/api/runs/1/start", #"{"time":\#(Self.t0)}"#)
                #expect(started == .ok)
                #expect(
                    try await Self.eventually(10) { source.live?.board(runID: 1) != nil },
                    "the live scorer took the run"
                )

                // Two robots sweep for 10 s of event time.
                var frames: [[UInt8]] = []
                for seq in UInt32(0)..<100 {
                    for robot in UInt32(1)...2 {
                        frames.append(
                            FrameEncoder.encode(
                                ServerFixture.state(
                                    robot: robot,
                                    seq: seq,
                                    x: 3 + Double(seq) * 0.1,
                                    y: 3 + Double(robot) * 2,
                                    battery: 80
                                )
                            )
                        )
                    }
                }
                try await offPool { [frames] in try ServerFixture.publish(frames, to: endpoint) }
                #expect(
                    try await Self.eventually(20) {
                        let fed = source.live?.board(runID: 1)?.result.robots.allSatisfy {
                            $0.efficiency.operatingSeconds > 5
                        }
                        return fed == true
                    },
                    "the live board has both robots' driving"
                )
                let live = try await Self.board(client, run: 1)
                #expect(live.provisional)
                #expect(Set(live.teams.keys) == ["alpha", "beta"])
                let arena = try #require(try await source.arena(runID: 1))
                let mask = try RunContext.arena(division: "P", seed: 7).mask
                #expect(arena.width == Double(mask.columns) * mask.cellSize)
                let coverage = try #require(arena.coverage, "live coverage for the heatmap")
                #expect(coverage.cells.count == coverage.columns * coverage.rows)

                // A referee's penalty shows on the board.
                let (penalized, _) = try await Self.post(
                    client,
                    "/api/runs/1/penalties",
                    #"{"team":"beta","robot":2,"points":5,"reason":"unsafe pass"}"#
                )
                #expect(penalized == .ok)
                #expect(
                    try await Self.eventually(10) {
                        try await Self.board(client, run: 1).teams["beta"]?.penalties == 5
                    },
                    "beta's penalty is on the board"
                )
                let (badPenalty, _) = try await Self.post(
                    client,
                    "/api/runs/1/penalties",
                    #"{"team":"beta","points":-1,"reason":"x"}"#
                )
                #expect(badPenalty == .badRequest)

                // Stop; the live result is stored; an award; finalize.
                let (stopped, _) = try await Self.post(
                    client,
                    "/api/runs/1/stop",
                    #"{"time":\#(Self.t0 + 20_000_000_000)}"#
                )
                #expect(stopped == .ok)
                #expect(try await Self.eventually(20) { try store.storedResult(runID: 1, source: .live) != nil })
                let (tooMuch, _) = try await Self.post(client, "/api/runs/1/award", #"{"team":"alpha","fraction":0.5}"#)
                #expect(tooMuch == .conflict)  // above the rulebook's maximum (0.05)
                let (awarded, _) = try await Self.post(
                    client,
                    "/api/runs/1/award",
                    #"{"team":"alpha","fraction":0.05}"#
                )
                #expect(awarded == .ok)
                let (finalized, final) = try await Self.post(client, "/api/runs/1/finalize")
                #expect(finalized == .ok && final["state"] as? String == "FINAL")
                let (again, _) = try await Self.post(client, "/api/runs/1/finalize")
                #expect(again == .conflict, "a FINAL run stays as it is")
                let (late, _) = try await Self.post(
                    client,
                    "/api/runs/1/penalties",
                    #"{"team":"alpha","points":1,"reason":"late"}"#
                )
                #expect(late == .conflict, "no penalty on a FINAL result")

                // The board's final numbers are the recompute's, from the database alone.
                let board = try await Self.board(client, run: 1)
                #expect(!board.provisional)
                let recomputed = try Recompute.result(
                    store: SQLiteCompetitionStore(database: FleetDatabase(path: path)),
                    runID: 1
                )
                for team in recomputed.teams {
                    #expect(board.teams[team.team]?.score == team.runScore, "\(team.team)")
                }
                #expect(recomputed.teams.first { $0.team == "beta" }?.penalties.points == 5)
                #expect(recomputed.teams.first { $0.team == "alpha" }?.bonuses.points ?? 0 > 0, "the award counts")
                let events = try Self.json(
                    try await client.execute(uri: "/api/runs/1/events?limit=1000", method: .get)
                )
                #expect((events["events"] as? [Any])?.count == min(1000, recomputed.events.count))
                // A server started later (no live scorer) shows the same map, from the database.
                let cold = CompetitionScoreboardSource(store: store, live: nil, configuration: source.configuration)
                #expect(try await cold.run(id: 1).runningStart == Self.t0)
                #expect(
                    try await Self.eventually(60) { try await cold.arena(runID: 1)?.coverage != nil },
                    "the coverage of a FINAL run is recomputed for the map"
                )
                let liveMap = try await source.arena(runID: 1)?.coverage
                let coldMap = try await cold.arena(runID: 1)?.coverage
                #expect(
                    liveMap != nil && coldMap == liveMap,
                    "live map = recomputed map: \(liveMap?.cells.filter { $0 > 0 }.count ?? -1) vs \(coldMap?.cells.filter { $0 > 0 }.count ?? -1) cells, \(liveMap?.cells.reduce(0) { $0 + Int($1) } ?? -1) vs \(coldMap?.cells.reduce(0) { $0 + Int($1) } ?? -1)"
                )
                let standings = try Self.json(try await client.execute(uri: "/api/standings/P", method: .get))
                let entries = standings["entries"] as? [[String: Any]] ?? []
                #expect(Set(entries.compactMap { $0["team"] as? String }) == ["alpha", "beta"], "\(standings)")
            }
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }
}
