import FleetProtocol
import Foundation
import Testing

@testable import FleetSimulation

struct DeterminismTests {
    func configuration(seed: UInt64) -> SimulationConfiguration {
        SimulationConfiguration(runs: [
            RunSetup(
                runID: 1,
                division: .park,
                arenaSeed: seed,
                duration: 40,
                robots: [
                    RobotSetup(id: 2, team: "a", kind: .sweeper, skill: .reckless),
                    RobotSetup(id: 1, team: "b", kind: .washer, skill: .novice),
                ]
            ),
            RunSetup(
                runID: 2,
                division: .humanoid,
                arenaSeed: seed,
                duration: 40,
                robots: [
                    RobotSetup(id: 3, team: "c", kind: .humanoid, skill: .solid)
                ]
            ),
        ])
    }

    func record(_ c: SimulationConfiguration) -> ([SimulationOutput], Data) {
        var sim = FleetSimulation(c)
        var sink = CollectingSink()
        sim.runToEnd(into: &sink)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (sink.outputs, try! encoder.encode(sim.groundTruth()))
    }

    @Test func theSameConfigurationGivesIdenticalOutputsAndTruth() {
        let a = record(configuration(seed: 5))
        let b = record(configuration(seed: 5))
        #expect(a.0.count == b.0.count)
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
    }

    @Test func aDifferentArenaSeedGivesADifferentRun() {
        let a = record(configuration(seed: 5))
        let b = record(configuration(seed: 6))
        #expect(a.0 != b.0)
        #expect(a.1 != b.1)
    }

    @Test func outputsComeInOrderOfTimeThenRobot() {
        let (outputs, _) = record(configuration(seed: 5))
        for k in 1..<outputs.count {
            let p = outputs[k - 1]
            let q = outputs[k]
            #expect(p.time < q.time || (p.time == q.time && p.robotID <= q.robotID), "\(p) before \(q)")
        }
        #expect(outputs.contains { if case .humanoid = $0 { true } else { false } })
    }

    @Test func samplesComeAtEachRobotsRate() {
        let (outputs, _) = record(configuration(seed: 5))
        func times(_ id: UInt32, _ pick: (SimulationOutput) -> Bool) -> [UInt64] {
            outputs.filter { $0.robotID == id && pick($0) }.map(\.time)
        }
        let sweeper = times(2) { if case .sanitation = $0 { true } else { false } }
        let humanoid = times(3) { if case .humanoid = $0 { true } else { false } }
        let beats = times(2) { if case .heartbeat = $0 { true } else { false } }
        #expect(zip(sweeper, sweeper.dropFirst()).allSatisfy { $1 - $0 == 100_000_000 })
        #expect(zip(humanoid, humanoid.dropFirst()).allSatisfy { $1 - $0 == 20_000_000 })
        #expect(zip(beats, beats.dropFirst()).allSatisfy { $1 - $0 == 1_000_000_000 })
        #expect(sweeper.count == 411 && beats.count == 42)
    }

    @Test func heartbeatsCountTheFramesSentBeforeThem() {
        let (outputs, _) = record(configuration(seed: 5))
        for id: UInt32 in [1, 2, 3] {
            var frames: UInt64 = 0
            for o in outputs where o.robotID == id {
                switch o {
                case let .heartbeat(h):
                    #expect(h.framesSent == frames)
                    frames += 1
                case .sanitation, .humanoid, .robotEvent: frames += 1
                case .refereeEvent: break
                }
            }
        }
    }

    @Test func groundTruthRoundTripsThroughSortedJSON() throws {
        let (_, data) = record(configuration(seed: 5))
        let decoded = try JSONDecoder().decode(GroundTruth.self, from: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try encoder.encode(decoded) == data)
    }

    @Test func runStatesGoPrepareRunningFinished() {
        let (outputs, _) = record(configuration(seed: 5))
        let states = outputs.compactMap { o -> (UInt32, RunStateValue, UInt64)? in
            if case let .refereeEvent(e) = o, case let .runState(s, _, _, _) = e.kind { return (e.runID, s, e.time) }
            return nil
        }
        #expect(states.filter { $0.0 == 1 }.map(\.1) == [.prepare, .running, .finished])
        #expect(states.filter { $0.0 == 1 }.map(\.2) == [0, 1_000_000_000, 41_000_000_000])
    }
}
