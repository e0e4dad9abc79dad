import Testing

@testable import FleetSimulation

struct SkillTests {
    /// Expert and novice sweepers on the same five arenas each, in their own runs.
    @Test(arguments: [SimDivision.park])
    func aBetterTeamCoversMoreAndCollidesLess(division: SimDivision) {
        var runs: [RunSetup] = []
        for seed in UInt64(1)...5 {
            runs.append(
                RunSetup(
                    runID: UInt32(seed * 2),
                    division: division,
                    arenaSeed: seed,
                    duration: 300,
                    robots: [
                        RobotSetup(id: UInt32(seed * 2), team: "expert", kind: .sweeper, skill: .expert)
                    ]
                )
            )
            runs.append(
                RunSetup(
                    runID: UInt32(seed * 2 + 1),
                    division: division,
                    arenaSeed: seed,
                    duration: 300,
                    robots: [
                        RobotSetup(id: UInt32(seed * 2 + 1), team: "novice", kind: .sweeper, skill: .novice)
                    ]
                )
            )
        }
        var sim = FleetSimulation(SimulationConfiguration(telemetryCoverage: false, runs: runs))
        var sink = CountingSink()
        sim.runToEnd(into: &sink)
        let robots = sim.groundTruth().runs.flatMap(\.robots)
        func total(_ team: String, _ f: (RobotTruth) -> Double) -> Double {
            robots.filter { $0.team == team }.reduce(0) { $0 + f($1) }
        }
        let coveredExpert = total("expert") { $0.coverage!.c + $0.coverage!.e }
        let coveredNovice = total("novice") { $0.coverage!.c + $0.coverage!.e }
        // Safety incidents as the rulebook's S criterion and penalties count them.
        func incidents(_ t: RobotTruth) -> Double {
            Double(t.contacts.total + t.nearMisses + t.geofenceExits + t.sprayViolations) + t.overSpeedSeconds / 10
        }
        let troubleExpert = total("expert", incidents)
        let troubleNovice = total("novice", incidents)
        #expect(coveredExpert > coveredNovice)
        #expect(troubleExpert < troubleNovice)
    }
}
