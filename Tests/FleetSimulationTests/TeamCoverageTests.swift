import Testing

@testable import FleetSimulation

struct TeamCoverageTests {
    /// Team coverage as the rulebook counts it: covered cells are the union over the team's
    /// robots, visits (passes) the sum.
    struct TeamCoverage {
        var c: Double
        var r: Double
        var covered: Int
        var coveredSum: Int
    }

    static func teamCoverage(_ sim: FleetSimulation, team: String) -> TeamCoverage {
        let robots = sim.sanitation.filter { $0.truth.team == team }
        let map = sim.runs[0].arena.map
        var covered = 0
        for i in map.flags.indices where map.flags[i] & CoverageMask.targetBit != 0 {
            if robots.contains(where: { $0.grid.cellVisits[i] > 0 }) { covered += 1 }
        }
        let passes = robots.map(\.grid.passes).reduce(0, +)
        return TeamCoverage(
            c: Double(covered) / Double(map.targetCellCount),
            r: covered == 0 ? 0 : Double(passes - covered) / Double(covered),
            covered: covered,
            coveredSum: robots.map(\.grid.coveredCells).reduce(0, +)
        )
    }

    static func demoTeams(seed: UInt64, duration: Double, presets: [(String, SkillProfile)]) -> RunSetup {
        let kinds: [RobotKind] = [.sweeper, .litterPicker, .washer]
        var robots: [RobotSetup] = []
        for (t, preset) in presets.enumerated() {
            for (k, kind) in kinds.enumerated() {
                let id = UInt32((t + 1) * 100 + k + 1)
                robots.append(RobotSetup(id: id, team: preset.0, kind: kind, skill: preset.1, seed: UInt64(id) &* 7919))
            }
        }
        return RunSetup(runID: 1, division: .park, arenaSeed: seed, duration: duration, prepare: 1, robots: robots)
    }

    @Test func aTeamSplitsTheZoneSoItsRepeatRatioIsLow() {
        let run = Self.demoTeams(seed: 1, duration: 300, presets: [("expert", .expert), ("novice", .novice)])
        var sim = FleetSimulation(SimulationConfiguration(telemetryCoverage: false, runs: [run]))
        var sink = CountingSink()
        sim.runToEnd(into: &sink)
        let expert = Self.teamCoverage(sim, team: "expert")
        let novice = Self.teamCoverage(sim, team: "novice")
        // The robots sweep their own bands: little ground is swept by two of them.
        #expect(Double(expert.covered) > 0.9 * Double(expert.coveredSum))
        #expect(expert.c > 0.15 && novice.c > 0.15)
        #expect(expert.r < 0.5)
        #expect(expert.r < novice.r)
    }

    /// Every robot of the demo line-up starts clear of obstacles (and so can drive away).
    @Test(arguments: [UInt64(2027), 1, 7, 42])
    func everyRobotStartsClearOfObstacles(seed: UInt64) {
        let run = Self.demoTeams(
            seed: seed,
            duration: 10,
            presets: [("expert", .expert), ("solid", .solid), ("novice", .novice), ("reckless", .reckless)]
        )
        let sim = FleetSimulation(SimulationConfiguration(telemetryCoverage: false, runs: [run]))
        let arena = sim.runs[0].arena
        for robot in sim.sanitation {
            #expect(arena.isFree(robot.position, radius: robot.params.radius, margin: 0.1), "robot \(robot.id)")
        }
    }

    /// Each robot of a team gets its own band of the zone, in proportion to how fast it sweeps.
    @Test func sectorsSplitTheZoneByTeam() {
        let robots = [
            RobotSetup(id: 1, team: "a", kind: .sweeper, skill: .expert),
            RobotSetup(id: 2, team: "b", kind: .sweeper, skill: .expert),
            RobotSetup(id: 3, team: "a", kind: .litterPicker, skill: .expert),
        ]
        let sectors = FleetSimulation.sectors(robots)
        #expect(sectors[0].lowerBound == 0 && sectors[0].upperBound == sectors[2].lowerBound)
        #expect(sectors[2].upperBound == 1)
        #expect(sectors[1] == 0...1)
        #expect(sectors[0].upperBound > 0.5)
    }
}
