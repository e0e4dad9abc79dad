import FleetRunner
import FleetSimulation
import Testing

struct RosterTests {
    @Test func numbersTeamsByHundredsAndCyclesKindsAndSkills() throws {
        let configuration = try FleetRoster(teams: 3, robotsPerTeam: 4, humanoids: 2).configuration()
        #expect(configuration.runs.count == 2)
        let sanitation = configuration.runs[0].robots
        #expect(sanitation.map(\.id) == [101, 102, 103, 104, 201, 202, 203, 204, 301, 302, 303, 304])
        #expect(sanitation.prefix(4).map(\.kind) == [.sweeper, .litterPicker, .washer, .sweeper])
        #expect(sanitation[0].skill == .expert && sanitation[4].skill == .solid && sanitation[8].skill == .novice)
        #expect(configuration.runs[1].division == .humanoid && configuration.runs[1].runID == 2)
        #expect(configuration.runs[1].robots.map(\.id) == [105, 205])
    }
}

/// Two arenas at once: a fleet numbered from another first team shares no sender id with the
/// first fleet, and is otherwise the same fleet.
struct RenumberedRosterTests {
    @Test func aFleetFromTeamFiveSharesNoSenderWithTeamsOneToFour() throws {
        let first = try FleetRoster(teams: 4, robotsPerTeam: 3, humanoids: 2).runnerConfiguration()
        let second = try FleetRoster(teams: 4, robotsPerTeam: 3, humanoids: 2, firstTeam: 5).runnerConfiguration()
        #expect(first.refereeID == 0xF000_0001 && second.refereeID == 0xF000_0005)
        #expect(Set(first.senderIDs).isDisjoint(with: second.senderIDs))
        let robots = second.simulation.runs.flatMap(\.robots)
        #expect(robots.map(\.id).sorted().prefix(4) == [501, 502, 503, 504])
        #expect(second.simulation.runs[1].robots.map(\.id) == [504, 604])
        #expect(Set(robots.map(\.team)) == ["team-5-expert", "team-6-solid", "team-7-novice", "team-8-reckless"])
    }

    @Test func aRenumberedFleetIsTheSameFleetUnderOtherNumbers() throws {
        let first = try FleetRoster(teams: 3, robotsPerTeam: 4, humanoids: 3).configuration()
        let second = try FleetRoster(teams: 3, robotsPerTeam: 4, humanoids: 3, firstTeam: 12).configuration()
        #expect(first.runs.count == second.runs.count)
        for (a, b) in zip(first.runs, second.runs) {
            #expect(a.runID == b.runID && a.division == b.division && a.arenaSeed == b.arenaSeed)
            #expect(b.robots.map(\.id) == a.robots.map { $0.id + 1100 })
            #expect(b.robots.map(\.seed) == a.robots.map(\.seed))
            #expect(b.robots.map(\.skill) == a.robots.map(\.skill) && b.robots.map(\.kind) == a.robots.map(\.kind))
            #expect(b.robots.map(\.team).first == "team-12-expert")
        }
    }

    @Test(arguments: [0, -3, FleetRoster.maximumFirstTeam + 1])
    func aFirstTeamOutOfRangeIsRefusedNamingIt(_ firstTeam: Int) {
        #expect {
            try FleetRoster(firstTeam: firstTeam).configuration()
        } throws: { error in
            "\(error)".contains("the first team's number must be 1...\(FleetRoster.maximumFirstTeam), got \(firstTeam)")
        }
    }

    @Test func teamsPastTheRobotIdRangeAreRefused() {
        #expect {
            try FleetRoster(teams: 2, robotsPerTeam: 3, firstTeam: 0x0FFF_0000).configuration()
        } throws: { error in
            "\(error)".contains("do not fit the robot id range")
        }
    }
}
