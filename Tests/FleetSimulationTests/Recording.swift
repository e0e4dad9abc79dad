@testable import FleetSimulation

/// A recorded simulation shared by the plausibility tests (computed once per process).
struct Recording: Sendable {
    let configuration: SimulationConfiguration
    let outputs: [SimulationOutput]
    let truth: GroundTruth
    let arenas: [Arena]
    /// Truth snapshots every 10 s, for monotonicity checks.
    let snapshots: [GroundTruth]

    init(_ configuration: SimulationConfiguration, snapshotEvery: Double = 10) {
        self.configuration = configuration
        var sim = FleetSimulation(configuration)
        var sink = CollectingSink()
        var snaps: [GroundTruth] = []
        var t = snapshotEvery
        while !sim.isFinished {
            sim.run(until: t, into: &sink)
            snaps.append(sim.groundTruth())
            t += snapshotEvery
        }
        outputs = sink.outputs
        truth = sim.groundTruth()
        arenas = configuration.runs.indices.map { sim.arena(ofRun: $0) }
        snapshots = snaps
    }

    static let tinyHopper: SanitationParameters = {
        var p = SanitationParameters.sweeper
        p.hopperVolume = 2
        p.hopperMassLimit = 1.2
        return p
    }()

    /// Sanitation robots of every kind and skill in P, N and A.
    static let sanitation = Recording(
        SimulationConfiguration(runs: [
            RunSetup(
                runID: 1,
                division: .park,
                arenaSeed: 11,
                duration: 240,
                robots: [
                    RobotSetup(id: 1, team: "expert", kind: .sweeper, skill: .expert),
                    RobotSetup(id: 2, team: "novice", kind: .washer, skill: .novice),
                ]
            ),
            RunSetup(
                runID: 2,
                division: .park,
                arenaSeed: 11,
                duration: 240,
                robots: [
                    RobotSetup(id: 3, team: "reckless", kind: .litterPicker, skill: .reckless),
                    RobotSetup(id: 8, team: "tiny", kind: .sweeper, skill: .solid, parameters: tinyHopper),
                ]
            ),
            RunSetup(
                runID: 3,
                division: .sidewalk,
                arenaSeed: 12,
                duration: 240,
                robots: [
                    RobotSetup(id: 4, team: "solid", kind: .sweeper, skill: .solid),
                    RobotSetup(id: 5, team: "reckless", kind: .washer, skill: .reckless),
                ]
            ),
            RunSetup(
                runID: 4,
                division: .auxiliaryRoad,
                arenaSeed: 13,
                duration: 240,
                robots: [
                    RobotSetup(id: 6, team: "expert", kind: .washer, skill: .expert),
                    RobotSetup(id: 7, team: "novice", kind: .sweeper, skill: .novice),
                ]
            ),
        ])
    )

    static let humanoids = Recording(
        SimulationConfiguration(runs: [
            RunSetup(
                runID: 1,
                division: .humanoid,
                arenaSeed: 21,
                duration: 400,
                robots: [
                    RobotSetup(id: 1, team: "expert", kind: .humanoid, skill: .expert)
                ]
            ),
            RunSetup(
                runID: 2,
                division: .humanoid,
                arenaSeed: 21,
                duration: 400,
                robots: [
                    // Falls a lot, so falls and get-ups are exercised.
                    RobotSetup(
                        id: 2,
                        team: "clumsy",
                        kind: .humanoid,
                        skill: SkillProfile(planner: 0.5, avoidance: 0.5, faultsPerHour: 150, speed: 1)
                    )
                ]
            ),
        ])
    )

    var sanitationSamples: [SanitationSample] {
        outputs.compactMap { if case let .sanitation(s) = $0 { s } else { nil } }
    }

    var humanoidSamples: [HumanoidSample] {
        outputs.compactMap { if case let .humanoid(s) = $0 { s } else { nil } }
    }

    var robotEvents: [RobotEvent] {
        outputs.compactMap { if case let .robotEvent(e) = $0 { e } else { nil } }
    }

    var refereeEvents: [RefereeEvent] {
        outputs.compactMap { if case let .refereeEvent(e) = $0 { e } else { nil } }
    }

    func robot(_ id: UInt32) -> RobotTruth {
        truth.runs.flatMap(\.robots).first { $0.robotID == id }!
    }

    func run(of robot: UInt32) -> Int {
        configuration.runs.firstIndex { $0.robots.contains { $0.id == robot } }!
    }

    func setup(_ id: UInt32) -> RobotSetup {
        configuration.runs.flatMap(\.robots).first { $0.id == id }!
    }
}
