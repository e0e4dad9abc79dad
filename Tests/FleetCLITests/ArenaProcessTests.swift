import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// `fleet arena` as a user runs it: the simulator's arena exported, checked and stored with
    /// a run; a bad file refused with a line per bad field; `fleet arena show` prints what a
    /// run is scored in.
    @Suite
    struct ArenaProcessTests {
        static func fleet(_ arguments: [String], in folder: TemporaryFolder) async throws -> String {
            let result = try await FleetProcess.run(arguments, in: folder.url, timeout: .seconds(60))
            guard result.status == 0 else {
                throw CLITestError(
                    "fleet \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)"
                )
            }
            return result.output
        }

        @Test(.timeLimit(.minutes(2)))
        func anExportedArenaChecksAndIsWhatARunWithoutOneShows() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            let exported = try await Self.fleet(["arena", "export", "--division", "P", "--seed", "7"], in: folder)
            #expect(exported.hasPrefix("{") && exported.contains("\"format\" : \"fleet-arena-v1\""))
            try exported.write(toFile: folder.path("arena.json"), atomically: true, encoding: .utf8)
            let checked = try await Self.fleet(["arena", "check", "arena.json"], in: folder)
            #expect(checked.contains("fleet-arena-v1, division P"), "\(checked)")

            _ = try await Self.fleet(["team", "add", "team-1", "--robot", "101:sweeper", "--db", db], in: folder)
            let plain = try await Self.fleet(
                ["run", "create", "--division", "P", "--seed", "7", "--name", "plain", "--db", db],
                in: folder
            )
            #expect(plain.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
            let shown = try await Self.fleet(["arena", "show", "1", "--db", db], in: folder)
            #expect(shown == exported)
        }

        @Test(.timeLimit(.minutes(2)))
        func aRunCreatedWithAnArenaFileShowsThatFile() async throws {
            let folder = try TemporaryFolder()
            let db = folder.path("fleet.db")
            let exported = try await Self.fleet(["arena", "export", "--division", "N", "--seed", "3"], in: folder)
            var object = try #require(JSONSerialization.jsonObject(with: Data(exported.utf8)) as? [String: Any])
            var obstacles = try #require(object["obstacles"] as? [Any])
            obstacles.append(["id": 9_999, "kind": "planter", "circle": ["center": ["x": 5, "y": 2], "radius": 0.4]])
            object["obstacles"] = obstacles
            // Another layout, the same arena: the run stores the canonical file.
            let edited = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])
            try edited.write(to: folder.url.appendingPathComponent("surveyed.json"))

            _ = try await Self.fleet(["team", "add", "team-1", "--robot", "101:sweeper", "--db", db], in: folder)
            let refused = try await FleetProcess.run(
                [
                    "run", "create", "--division", "P", "--seed", "3", "--name", "x", "--arena", "surveyed.json",
                    "--db", db,
                ],
                in: folder.url
            )
            #expect(refused.status != 0)
            #expect(refused.errors.contains("is of division N; --division is P"), "\(refused.errors)")
            _ = try await Self.fleet(
                [
                    "run", "create", "--division", "N", "--seed", "3", "--name", "surveyed", "--arena", "surveyed.json",
                    "--db", db,
                ],
                in: folder
            )
            let shown = try await Self.fleet(["arena", "show", "1", "--db", db], in: folder)
            #expect(shown != exported)
            #expect(shown.contains("\"kind\" : \"planter\"") && shown.contains("9999"))
            // What show prints checks and is the canonical form of the file given.
            try shown.write(toFile: folder.path("shown.json"), atomically: true, encoding: .utf8)
            _ = try await Self.fleet(["arena", "check", "shown.json"], in: folder)
            let again = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? NSDictionary
            #expect(again == (object as NSDictionary))
        }

        @Test(.timeLimit(.minutes(2)))
        func aBadArenaFileIsRefusedWithALinePerBadField() async throws {
            let folder = try TemporaryFolder()
            let exported = try await Self.fleet(["arena", "export", "--division", "A", "--seed", "1"], in: folder)
            var object = try #require(JSONSerialization.jsonObject(with: Data(exported.utf8)) as? [String: Any])
            object["division"] = "Z"
            object["zone"] = [["minX": 5, "minY": 1, "maxX": 3, "maxY": 4]]
            try JSONSerialization.data(withJSONObject: object).write(to: folder.url.appendingPathComponent("bad.json"))
            let result = try await FleetProcess.run(["arena", "check", "bad.json"], in: folder.url)
            #expect(result.status == 1)
            let lines = result.errors.split(separator: "\n").filter { $0.hasPrefix("bad.json: ") }
            #expect(lines.count == 2, "\(result.errors)")
            #expect(lines.first?.contains("at division: division is \"Z\"") == true, "\(result.errors)")
            #expect(lines.last?.contains("at zone[0].maxX: zone[0].maxX is 3.0") == true, "\(result.errors)")
        }
    }
}
