import FleetRunner
import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// `fleet sim --first-team N`: a second arena's fleet beside the first, as two processes.
    @Suite
    struct TwoArenaSimProcessTests {
        /// The truth file's senders: robot ids and team names, the referee's id.
        static func senders(_ path: String) throws -> (robots: [UInt32: String], referee: UInt32) {
            let truth = try JSONDecoder().decode(RunnerTruth.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            var robots: [UInt32: String] = [:]
            var referee: UInt32 = 0
            for sender in truth.senders {
                if sender.kind == "referee" { referee = sender.robotID } else { robots[sender.robotID] = sender.team }
            }
            return (robots, referee)
        }

        @Test(.timeLimit(.minutes(2)))
        func twoFleetsNumberedApartShareNoSenderId() async throws {
            let folder = try TemporaryFolder()
            let common = [
                "sim", "--no-send", "--teams", "3", "--robots-per-team", "2", "--humanoids", "3", "--duration", "2",
                "--time-scale", "0",
            ]
            let first = try await FleetProcess.run(common + ["--truth", "a.json"], in: folder.url)
            let second = try await FleetProcess.run(
                common + ["--first-team", "4", "--run-id", "11", "--truth", "b.json"],
                in: folder.url
            )
            #expect(first.status == 0 && second.status == 0, "\(first.errors) \(second.errors)")
            let a = try Self.senders(folder.path("a.json"))
            let b = try Self.senders(folder.path("b.json"))
            #expect(a.referee == 0xF000_0001 && b.referee == 0xF000_0004)
            #expect(Set(a.robots.keys).isDisjoint(with: b.robots.keys))
            #expect(b.robots.keys.sorted() == a.robots.keys.sorted().map { $0 + 300 })
            #expect(Set(b.robots.values) == ["team-4-expert", "team-5-solid", "team-6-novice"])
        }

        @Test(arguments: ["0", "x", "300000000"])
        func aBadFirstTeamIsRefusedInOneLine(_ value: String) async throws {
            let folder = try TemporaryFolder()
            let result = try await FleetProcess.run(
                ["sim", "--no-send", "--duration", "1", "--first-team", value],
                in: folder.url
            )
            #expect(result.status != 0)
            let error = result.errors.split(separator: "\n").first { $0.hasPrefix("Error:") } ?? ""
            #expect(
                error.contains("--first-team") && (error.contains("'\(value)'") || error.contains("got \(value)")),
                "\(result.errors)"
            )
        }
    }
}
