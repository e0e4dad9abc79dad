import FleetProtocol
import FleetRunner
import FleetScoring
import FleetSimulation
import Testing

/// The simulator's ground truth is the answer key: scoring its telemetry and referee events must give
/// the truth's counts (coverage exactly, from the same state samples; referee counts exactly).
struct SimulatorAgreementTests {
    static let referee: UInt32 = 0xF000_0001

    /// A simulated run turned into protocol frames, in the simulator's (time) order.
    struct Scored {
        let truth: RunTruth
        let result: RunResult
    }

    static func simulate(_ setup: RunSetup) -> Scored {
        let configuration = SimulationConfiguration(runs: [setup])
        var sim = FleetSimulation(configuration)
        var sink = CollectingSink()
        sim.runToEnd(into: &sink)
        let arena = sim.arena(ofRun: 0)
        let map = arena.map
        let mask = CoverageMask(
            origin: Point(map.origin.x, map.origin.y),
            cellSize: map.cellSize,
            columns: map.columns,
            rows: map.rows,
            flags: map.flags
        )
        let truth = sim.groundTruth().runs[0]
        let totals = FleetScoring.ArenaTotals(
            dustMass: truth.totals.dustMass,
            gravelMass: truth.totals.gravelMass,
            ratingSum: truth.totals.ratingSum,
            stainArea: truth.totals.stainArea,
            items: truth.totals.items
        )
        var scorer = try! RunScorer(
            rulebook: Fixture.rulebook,
            run: RunScorer.Run(id: setup.runID, division: FleetProtocol.Division(rawValue: setup.division.rawValue)!),
            arena: RunScorer.Arena(mask: mask, totals: totals),
            robots: setup.robots.map { robot in
                RunScorer.Robot(id: robot.id, team: robot.team, kind: robot.kind.rawValue)
            }
        )
        var sequence: [UInt32: UInt32] = [:]
        func header(_ type: MessageType, _ sender: UInt32, _ time: UInt64) -> FrameHeader {
            let seq = sequence[sender, default: 0]
            sequence[sender] = seq + 1
            return FrameHeader(
                messageType: type.rawValue,
                flags: FrameHeader.simulatedTimeFlag,
                robotID: sender,
                bootEpoch: 1,
                sequence: seq,
                bodyLength: UInt32(type.bodySize),
                timestampNanoseconds: time
            )
        }
        // Each output as the fleet runner puts it on the wire: the scorer sees what robots send.
        for output in sink.outputs {
            let sender: UInt32
            let time: UInt64
            switch output {
            case .sanitation(let s): (sender, time) = (s.robotID, s.time)
            case .humanoid(let s): (sender, time) = (s.robotID, s.time)
            case .refereeEvent(let e): (sender, time) = (Self.referee, e.time)
            case .heartbeat, .robotEvent: continue
            }
            let message = output.message
            scorer.consume(Frame(header: header(message.type, sender, time), message: message))
        }
        return Scored(truth: truth, result: scorer.finish())
    }

    static let sanitationRuns: [RunSetup] = [
        RunSetup(
            runID: 1,
            division: .park,
            arenaSeed: 11,
            duration: 180,
            robots: [
                RobotSetup(id: 1, team: "expert", kind: .sweeper, skill: .expert),
                RobotSetup(id: 2, team: "novice", kind: .washer, skill: .novice),
                RobotSetup(id: 3, team: "reckless", kind: .litterPicker, skill: .reckless),
            ]
        ),
        RunSetup(
            runID: 2,
            division: .sidewalk,
            arenaSeed: 12,
            duration: 180,
            robots: [
                RobotSetup(id: 4, team: "solid", kind: .sweeper, skill: .solid),
                RobotSetup(id: 5, team: "reckless", kind: .washer, skill: .reckless),
            ]
        ),
    ]

    @Test(arguments: sanitationRuns)
    func sanitationRunAgreesWithGroundTruth(_ setup: RunSetup) {
        let scored = Self.simulate(setup)
        #expect(scored.result.runningStart != nil && scored.result.runningEnd != nil)
        for truth in scored.truth.robots {
            let robot = scored.result.robots.first { $0.robot == truth.robotID }!
            let telemetry = truth.telemetryCoverage!
            let counts = robot.coverage.counts
            // Coverage from the same state samples: exactly the simulator's telemetry grid, pass visits.
            #expect(counts.targetCells == telemetry.targetCells && counts.edgeCells == telemetry.edgeCells)
            #expect(counts.coveredCells == telemetry.coveredCells, "robot \(truth.robotID)")
            #expect(counts.coveredEdgeCells == telemetry.coveredEdgeCells, "robot \(truth.robotID)")
            #expect(counts.passes == telemetry.passes, "robot \(truth.robotID)")
            #expect(counts.coveredCells > 0, "robot \(truth.robotID) covered nothing: a vacuous check")
            // Referee counts.
            #expect(robot.quality.objects == truth.litter.objects, "robot \(truth.robotID)")
            #expect(robot.quality.ratingSum == truth.litter.ratingSum, "robot \(truth.robotID)")
            #expect(abs(robot.quality.dustKg - truth.litter.dustKg) < 1e-3, "robot \(truth.robotID)")
            #expect(abs(robot.quality.gravelKg - truth.litter.gravelKg) < 1e-3, "robot \(truth.robotID)")
            #expect(robot.penalties.overflowObjects == truth.litter.spilledObjects)
            #expect(robot.safety.staticContacts == truth.contacts.static)
            #expect(robot.safety.seriousContacts == truth.contacts.total - truth.contacts.static)
            #expect(robot.safety.nearMisses == truth.nearMisses && robot.safety.geofenceExits == truth.geofenceExits)
            #expect(robot.penalties.sprayEvents == truth.sprayViolations)
            #expect(robot.interventionsByKind.values.reduce(0, +) == truth.interventions.total)
            #expect(robot.docked == truth.docked && robot.rampClimbed == truth.rampClimbed)
            #expect(robot.transferDumps == truth.dumps)
            // Sampled at 10 Hz: over-speed and operating time agree to within a sample per transition.
            #expect(abs(robot.safety.overSpeedSeconds - truth.overSpeedSeconds) <= 2, "robot \(truth.robotID)")
            #expect(abs(robot.efficiency.operatingSeconds - truth.operatingSeconds) <= 1, "robot \(truth.robotID)")
        }
    }

    @Test func humanoidRunAgreesWithGroundTruth() {
        // A clumsy humanoid falls often, so falls, get-ups and the third-fall end are exercised.
        let setup = RunSetup(
            runID: 3,
            division: .humanoid,
            arenaSeed: 21,
            duration: 300,
            robots: [
                RobotSetup(
                    id: 9,
                    team: "clumsy",
                    kind: .humanoid,
                    skill: SkillProfile(planner: 0.5, avoidance: 0.5, faultsPerHour: 150, speed: 1)
                )
            ]
        )
        let scored = Self.simulate(setup)
        let truth = scored.truth.robots[0]
        let robot = scored.result.robots[0]
        #expect(truth.falls > 0)
        #expect(robot.falls == truth.falls)
        #expect(robot.unaidedGetUps == truth.unaidedGetUps)
        #expect(robot.itemsPlaced == truth.itemsPlaced)
        #expect(robot.binDelivered == truth.binDelivered)
    }
}
