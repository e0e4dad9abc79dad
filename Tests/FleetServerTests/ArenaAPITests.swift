import FleetArena
import FleetCompetition
import FleetScoring
import FleetServer
import FleetStorage
import FleetStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A run created over HTTP in an arena surveyed on site, as `fleet run create --arena FILE`
/// creates one: the arena travels in the body, is stored under the hash of its canonical
/// file, and comes back byte for byte from `GET /api/runs/{run}/arena`. A bad arena is
/// refused in one message naming the field, and stores nothing.
extension ServerSuites {
    @Suite
    struct ArenaAPITests {
        /// The body of `POST /api/runs` with `arena` (a JSON object) in it.
        static func body(division: String, seed: Int, arena: [String: Any]?) throws -> String {
            var object: [String: Any] = ["division": division, "name": "surveyed heat", "seed": seed]
            if let arena { object["arena"] = arena }
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }

        static func object(_ arena: FleetArena) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(arena.fileBytes)) as? [String: Any])
        }

        static func message(_ body: [String: Any]) -> String {
            (body["error"] as? [String: Any])?["message"] as? String ?? ""
        }

        @Test(.timeLimit(.minutes(2)))
        func aRunIsCreatedInASurveyedArenaAndItsFileComesBackByteForByte() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arena-api-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path)
            let store = SQLiteCompetitionStore(database: database)
            try store.addTeam("alpha", robots: [RegisteredRobot(robotID: 1, team: "alpha", kind: "sweeper")], at: 1)
            try store.addTeam("beta", robots: [RegisteredRobot(robotID: 2, team: "beta", kind: "sweeper")], at: 1)
            let rulebookBytes = try [UInt8](Data(contentsOf: ServerFixture.rulebookURL))
            let source = CompetitionScoreboardSource(
                store: store,
                live: nil,
                configuration: .init(
                    rulebook: try Rulebook.load(Data(rulebookBytes)),
                    rulebookBytes: rulebookBytes,
                    serviceKeyPath: folder.appendingPathComponent("service.key").path
                )
            )
            let server = APIServer(
                configuration: .init(host: "127.0.0.1", port: 0, adminToken: ServerFixture.token),
                database: database,
                scoreboard: source,
                logger: Logger(label: "arena-api-test")
            )
            // The simulator's arena for P/7, surveyed: the dock is elsewhere and a bin is gone.
            var changed = try RunContext.generatedArena(division: "P", seed: 7)
            changed.dock = Vec2(changed.dock.x + 1.5, changed.dock.y)
            changed.obstacles.removeLast()
            let surveyed = changed
            let generated = try RunContext.generatedArena(division: "P", seed: 7)
            #expect(surveyed != generated)

            try await server.makeApplication().test(.live) { client in
                let post = { (body: String) in try await CompetitionAPITests.post(client, "/api/runs", body) }
                let (created, run) = try await post(
                    try Self.body(division: "P", seed: 7, arena: try Self.object(surveyed))
                )
                #expect(created == .created, "\(run)")
                #expect(run["arenaHash"] as? String == surveyed.stored.hash)
                let file = try await client.execute(uri: "/api/runs/1/arena", method: .get)
                #expect(file.status == .ok)
                #expect(Array(file.body.readableBytesView) == surveyed.fileBytes)
                #expect(try store.arenaBytes(hash: surveyed.stored.hash) == surveyed.fileBytes)

                // Without an arena: the generated one, and no hash on the run.
                let (plain, plainRun) = try await post(try Self.body(division: "P", seed: 7, arena: nil))
                #expect(plain == .created)
                #expect(plainRun["arenaHash"] == nil)
                let generatedFile = try await client.execute(uri: "/api/runs/2/arena", method: .get)
                #expect(Array(generatedFile.body.readableBytesView) == generated.fileBytes)

                // Refusals, each naming what is wrong; none stores a run.
                var negative = try Self.object(surveyed)
                negative["width"] = -5
                let (badWidth, badWidthBody) = try await post(try Self.body(division: "P", seed: 7, arena: negative))
                #expect(badWidth == .badRequest)
                #expect(Self.message(badWidthBody).contains("arena"), "\(badWidthBody)")
                #expect(Self.message(badWidthBody).contains("width"), "\(badWidthBody)")
                var missing = try Self.object(surveyed)
                missing["totals"] = nil
                let (noTotals, noTotalsBody) = try await post(try Self.body(division: "P", seed: 7, arena: missing))
                #expect(noTotals == .badRequest)
                #expect(Self.message(noTotalsBody).contains("arena.totals"), "\(noTotalsBody)")
                let other = try Self.object(try RunContext.generatedArena(division: "N", seed: 7))
                let (otherDivision, otherBody) = try await post(try Self.body(division: "P", seed: 7, arena: other))
                #expect(otherDivision == .badRequest)
                #expect(Self.message(otherBody).contains("arena.division is N"), "\(otherBody)")
                var coarse = try Self.object(surveyed)
                coarse["grid"] = ["cellSize": 0.5, "edgeDistance": surveyed.edgeDistance]
                let (coarseGrid, coarseBody) = try await post(try Self.body(division: "P", seed: 7, arena: coarse))
                #expect(coarseGrid == .badRequest)
                #expect(Self.message(coarseBody).contains("cellSize"), "\(coarseBody)")
                #expect(try store.runs().count == 2)

                let absent = try await client.execute(uri: "/api/runs/9/arena", method: .get)
                #expect(absent.status == .notFound)
            }
        }
    }
}
