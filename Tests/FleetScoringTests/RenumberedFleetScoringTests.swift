import FleetRunner
import FleetScoring
import FleetSimulation
import Testing

/// `fleet sim --first-team N` for a second arena: the renumbered fleet scores what the fleet
/// from team 1 scores, team for team and robot for robot, under its own names and ids.
struct RenumberedFleetScoringTests {
    @Test func aFleetFromTeamFiveScoresTheSameAsFromTeamOne() throws {
        func run(firstTeam: Int) throws -> SimulatorAgreementTests.Scored {
            let roster = FleetRoster(teams: 4, robotsPerTeam: 2, duration: 90, seed: 5, firstTeam: firstTeam)
            return SimulatorAgreementTests.simulate(try roster.configuration().runs[0])
        }
        let original = try run(firstTeam: 1).result
        var renumbered = try run(firstTeam: 5).result
        #expect(
            renumbered.teams.map(\.team).sorted() == [
                "team-5-expert", "team-6-solid", "team-7-novice", "team-8-reckless",
            ]
        )
        #expect(renumbered.robots.allSatisfy { (501...802).contains($0.robot) })

        // Back to the first fleet's names and ids: every score is the same.
        func name(_ team: String) -> String {
            let parts = team.split(separator: "-")
            return "team-\(Int(parts[1])! - 4)-\(parts[2])"
        }
        for i in renumbered.teams.indices {
            renumbered.teams[i].team = name(renumbered.teams[i].team)
            renumbered.teams[i].robots = renumbered.teams[i].robots.map { $0 - 400 }
            renumbered.teams[i].disqualifiedRobots = renumbered.teams[i].disqualifiedRobots.map { $0 - 400 }
        }
        for i in renumbered.robots.indices {
            renumbered.robots[i].robot -= 400
            renumbered.robots[i].team = name(renumbered.robots[i].team)
        }
        let byName = { (result: RunResult) in Dictionary(uniqueKeysWithValues: result.teams.map { ($0.team, $0) }) }
        #expect(byName(renumbered) == byName(original))
        #expect(renumbered.robots.sorted { $0.robot < $1.robot } == original.robots.sorted { $0.robot < $1.robot })
        #expect(original.teams.contains { $0.runScore > 0 }, "a fleet that scores nothing proves nothing")
    }
}
