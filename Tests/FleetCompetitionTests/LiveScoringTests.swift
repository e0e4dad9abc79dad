import FleetCompetition
import FleetProtocol
import FleetRunner
import FleetScoring
import FleetSimulation
import FleetStorage
import FleetStore
import Foundation
import GRDB
import Testing

extension CompetitionSuites {
    /// The live scorer against the recompute and the simulator's truth, without sockets: a
    /// simulated run with faults goes through the aggregator and the live scorer as the pipeline
    /// would feed them, into a real database file.
    @Suite(.serialized)
    struct LiveScoringTests {
        struct Scored {
            let temporary: TemporaryStore
            let runID: UInt32
            let truth: RunnerTruth
            let frames: [[UInt8]]
        }

        static func scoreLive(seed: UInt64, faults: String, duration: Double = 60) throws -> Scored {
            let temporary = try TemporaryStore()
            let store = temporary.store
            for entry in Dictionary(grouping: Fixture.entries(), by: \.team).sorted(by: { $0.key < $1.key }) {
                try store.addTeam(entry.key, robots: entry.value, at: 1)
            }
            let runID = try store.createRun(
                name: "run",
                division: "P",
                seed: seed,
                window: .referee,
                rulebook: (Fixture.rulebook.hash, Fixture.rulebook.id, Fixture.rulebookBytes),
                entries: try store.registeredRobots(),
                at: 1
            )
            let simulated = try Fixture.simulate(runID: runID, seed: seed, duration: duration, faults: faults)
            var pipeline = FakePipeline(database: temporary.database)
            let start = simulated.offsets.first!
            try store.transition(runID, to: .running, at: start)
            pipeline.observer.backgroundTick(now: start)
            try pipeline.close(now: start)  // the pipeline takes the new run at its next batch
            try pipeline.ingest(simulated.frames, at: simulated.offsets, batch: 40)
            let end = simulated.offsets.last!
            try store.transition(runID, to: .finished, at: end)
            pipeline.observer.backgroundTick(now: end)
            // The live scorer finishes once the run's senders were quiet for its grace.
            for step in 1...4 { try pipeline.close(now: end + UInt64(step) * 600_000_000) }
            return Scored(temporary: temporary, runID: runID, truth: simulated.truth, frames: simulated.frames)
        }

        @Test func liveResultEqualsTheRecomputeAndASecondRecomputeToTheLastDigit() throws {
            let scored = try Self.scoreLive(seed: 5, faults: "drop=0.01,dup=0.01,reorder=0.02,corrupt=0.002,reboot=1")
            let store = scored.temporary.store
            let live = try CanonicalJSON.string(
                try #require(try store.runResult(runID: scored.runID, source: .live), "the live result was stored")
            )
            let first = try CanonicalJSON.string(Recompute.result(store: store, runID: scored.runID))
            let second = try CanonicalJSON.string(Recompute.result(store: store, runID: scored.runID))
            #expect(live == first, "live and recompute differ")
            #expect(first == second, "two recomputes differ")
            let result = try CanonicalJSON.decode(RunResult.self, from: Array(live.utf8))
            #expect(result.teams.count == 4 && result.robots.count == 12)
            #expect(result.teams.contains { $0.runScore > 0 }, "a vacuous comparison otherwise")
            #expect(result.events.count > 100)
            #expect(try store.scoreEventCount(runID: scored.runID, source: .live) == result.events.count)
            let board = try #require(try store.latestProvisional(runID: scored.runID))
            let summary = try CanonicalJSON.decode(BoardSummary.self, from: Array(board.summary.utf8))
            #expect(summary.lateFrames == 0)
            #expect(
                summary.robots.count == 12 && summary.robots.allSatisfy { $0.completeness < 1 && $0.completeness > 0.9 }
            )
            // At least one board snapshot per second of the run (the fake clock is simulated time),
            // each replacing the one before: one row per run.
            #expect(try store.provisionalCount(runID: scored.runID) >= 61)
            let rows = try scored.temporary.database.read { db in
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM provisional_score WHERE run_id = ?",
                    arguments: [scored.runID]
                )
            }
            #expect(rows == 1)
        }

        @Test func liveResultAgreesWithTheSimulatorsTruth() throws {
            let scored = try Self.scoreLive(seed: 9, faults: "drop=0.01,dup=0.005,reorder=0.01,reboot=1,disconnect=1")
            let store = scored.temporary.store
            let result = try Recompute.result(store: store, runID: scored.runID)
            let truth = try #require(scored.truth.simulation.runs.first)
            for robot in truth.robots {
                let scoredRobot = try #require(result.robots.first { $0.robot == robot.robotID })
                // Referee events are never faulted: Q, A and S counts are exact.
                #expect(scoredRobot.quality.objects == robot.litter.objects, "robot \(robot.robotID)")
                #expect(scoredRobot.quality.ratingSum == robot.litter.ratingSum, "robot \(robot.robotID)")
                #expect(abs(scoredRobot.quality.dustKg - robot.litter.dustKg) < 1e-3, "float32 masses on the wire")
                #expect(abs(scoredRobot.quality.gravelKg - robot.litter.gravelKg) < 1e-3)
                #expect(scoredRobot.interventionsByKind.values.reduce(0, +) == robot.interventions.total)
                #expect(scoredRobot.safety.staticContacts == robot.contacts.static)
                #expect(scoredRobot.safety.seriousContacts == robot.contacts.total - robot.contacts.static)
                #expect(scoredRobot.safety.nearMisses == robot.nearMisses)
                #expect(scoredRobot.safety.geofenceExits == robot.geofenceExits)
                let c = try #require(robot.telemetryCoverage).c
                #expect(
                    abs(scoredRobot.coverage.c - c) <= 0.02,
                    "robot \(robot.robotID): c \(scoredRobot.coverage.c) vs \(c)"
                )
            }
            #expect(
                result.robots.contains { $0.coverage.counts.coveredCells > 0 },
                "a vacuous coverage check otherwise"
            )
            #expect(result.flags.contains { $0.kind == .telemetryGap }, "the 2 s disconnect is a gap over 2 s")
            #expect(try store.run(scored.runID).review, "and the run goes to review")
        }

        /// Same event times, different arrival order of different robots' frames: every score the same.
        @Test(arguments: [1, 2, 3] as [UInt64])
        func arrivalOrderOfDifferentRobotsDoesNotChangeAnyScore(_ shuffleSeed: UInt64) throws {
            let simulated = try Fixture.simulate(runID: 1, seed: 3, duration: 45, faults: "none")
            let run = RunRecord(
                id: 1,
                name: "run",
                division: "P",
                seed: 3,
                state: .running,
                window: .referee,
                rulebookHash: Fixture.rulebook.hash,
                createdNanos: 0
            )
            let context = try RunContext(run: run, rulebook: Fixture.rulebook, entries: Fixture.entries())
            func score(_ frames: [[UInt8]], _ times: [UInt64]) throws -> RunResult {
                var live = try LiveRun(context: context)
                for (i, bytes) in frames.enumerated() {
                    if i % 50 == 0 { live.advance(now: times[i]) }
                    live.observe(try FrameDecoder.decode(bytes))
                }
                return try live.finish(now: times.last! + 10_000_000_000)
            }
            let reference = try score(simulated.frames, simulated.offsets)
            // Shuffle each group of frames with one event time (different senders), seeded.
            var generator = SplitMix(seed: shuffleSeed)
            var shuffled: [[UInt8]] = []
            var group: [[UInt8]] = []
            var groupTime: UInt64?
            for bytes in simulated.frames {
                let t = bytes.withUnsafeBytes { FrameHeader.unverified($0)!.timestampNanoseconds }
                if t != groupTime {
                    shuffled += group.shuffled(using: &generator)
                    group = []
                    groupTime = t
                }
                group.append(bytes)
            }
            shuffled += group.shuffled(using: &generator)
            #expect(shuffled != simulated.frames)
            let again = try score(shuffled, simulated.offsets)
            #expect(again == reference)
            #expect(reference.teams.filter { $0.runScore > 0 }.count >= 3)
        }
    }
}

/// A small seeded generator for shuffles.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
