import Testing

@testable import FleetSimulation

struct PeopleSafetyTests {
    /// The park run `fleet demo` shows: four teams (expert, solid, novice, reckless) of a
    /// sweeper, a litter picker and a washer each, seeded the way `FleetRoster` seeds them.
    func demoRun(seed: UInt64, duration: Double) -> SimulationConfiguration {
        let skills: [(String, SkillProfile)] = [
            ("expert", .expert), ("solid", .solid), ("novice", .novice), ("reckless", .reckless),
        ]
        let kinds: [RobotKind] = [.sweeper, .litterPicker, .washer]
        let root = SeededGenerator(seed: seed)
        var robots: [RobotSetup] = []
        for (t, (name, skill)) in skills.enumerated() {
            for (k, kind) in kinds.enumerated() {
                let id = (t + 1) * 100 + k + 1
                var stream = root.derived(UInt64(id))
                robots.append(
                    RobotSetup(
                        id: UInt32(id),
                        team: "team-\(t + 1)-\(name)",
                        kind: kind,
                        skill: skill,
                        stateRate: 10,
                        seed: stream.next()
                    )
                )
            }
        }
        return SimulationConfiguration(
            telemetryCoverage: false,
            runs: [RunSetup(runID: 1, division: .park, arenaSeed: seed, duration: duration, robots: robots)]
        )
    }

    /// A contact with a person or vehicle zeroes the run and a second one disqualifies the
    /// team, so most teams must touch nobody. Five minutes of the demo's park run (the full
    /// twenty take half a minute in a debug build); before people and robots gave way to each
    /// other properly, three of the four teams had touched someone by then.
    @Test(arguments: [UInt64(2027), 42])
    func theDemoParkRunRarelyTouchesPeople(seed: UInt64) {
        var sim = FleetSimulation(demoRun(seed: seed, duration: 300))
        var sink = CountingSink()
        sim.runToEnd(into: &sink)
        let robots = sim.groundTruth().runs[0].robots
        var touches: [String: Int] = [:]
        var covered: [String: Double] = [:]
        for r in robots {
            touches[r.team, default: 0] += r.contacts.pedestrian + r.contacts.cyclist + r.contacts.vehicle
            covered[r.team, default: 0] += r.coverage!.c
        }
        #expect(touches.count == 4)
        #expect(touches.values.filter { $0 == 0 }.count >= 3, "contacts with people by team: \(touches)")
        #expect(touches.values.allSatisfy { $0 <= 1 }, "contacts with people by team: \(touches)")
        // Giving way is not standing still: every team keeps cleaning.
        #expect(covered.values.allSatisfy { $0 > 0.2 }, "coverage by team: \(covered)")
    }
}
