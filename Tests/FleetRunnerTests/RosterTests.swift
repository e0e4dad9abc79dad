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
