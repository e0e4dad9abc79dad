import FleetProtocol
import FleetRunner
import FleetSimulation
import Testing

/// Every simulation output becomes exactly one valid frame, numbered per sender.
struct MappingTests {
    @Test(.timeLimit(.minutes(1)))
    func everyOutputBecomesOneValidFrameNumberedPerSenderAndStampedFromTheStart() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let simulation = try smallFleet(duration: 15)
        var configuration = FleetRunner.Configuration(simulation: simulation)
        configuration.timeScale = 0
        configuration.startUnixNanos = 1_800_000_000_000_000_000
        let run = try await FleetRun.run(configuration, in: folder)

        var world = FleetSimulation(simulation)
        var sink = CollectingSink()
        world.runToEnd(into: &sink)
        let outputs = sink.outputs

        #expect(run.frames.count == outputs.count)
        #expect(run.report.framesNumbered == outputs.count && run.report.transmissions == outputs.count)
        var next: [UInt32: UInt32] = [:]
        var mismatches = 0
        for (output, recorded) in zip(outputs, run.frames) {
            let frame = try #require(recorded.frame, "every frame is valid")
            let sender = output.isRefereeEvent ? configuration.refereeID : output.robotID
            let sequence = next[sender, default: 0]
            next[sender] = sequence + 1
            let header = frame.header
            if header.robotID != sender || header.sequence != sequence || header.bootEpoch != 1_800_000_000
                || header.timestampNanoseconds != configuration.startUnixNanos + output.time || !header.hasSimulatedTime
                || recorded.offsetNanos != output.time || frame.message != output.message
            {
                mismatches += 1
            }
            if case .heartbeat(let heartbeat) = frame.message {
                #expect(heartbeat.framesSent == UInt64(sequence), "a heartbeat counts the frames before it")
            }
            if case .runState(let state) = frame.message { #expect(state.runID == 1 || state.runID == 2) }
        }
        #expect(mismatches == 0)
        let types = Set(run.frames.compactMap { $0.frame?.message.type })
        #expect(types.isSuperset(of: [.sanitationState, .humanoidState, .heartbeat, .runState]))
        #expect(run.truth.senders.count == 12 && run.truth.senders.last?.kind == "referee")
        #expect(run.truth.simulation == world.groundTruth())
    }

    @Test func parsesFaultSpecsAndNamesWhatIsWrong() throws {
        let spec = try FaultSpec(parsing: "drop=0.01,dup=0.005,reorder=0.01,corrupt=0.001,reboot=1,disconnect=2")
        #expect(spec.drop == 0.01 && spec.duplicate == 0.005 && spec.reorder == 0.01 && spec.corrupt == 0.001)
        #expect(spec.reboots == 1 && spec.disconnects == 2)
        #expect(try FaultSpec(parsing: spec.description) == spec)
        #expect(try FaultSpec(parsing: "none") == .none)
        for (text, mention) in [
            ("drop=2", "drop"), ("dup=x", "dup"), ("explode=1", "explode"), ("reboot=-1", "reboot"),
            ("drop", "drop"), ("drop=0.6,dup=0.6", "at most 1"), ("drop=0.1,drop=0.2", "twice"),
        ] {
            #expect {
                try FaultSpec(parsing: text)
            } throws: { error in
                "\(error)".contains(mention)
            }
        }
    }

    @Test func refusesDropAndReorderInReliableMode() throws {
        var configuration = FleetRunner.Configuration(simulation: try smallFleet())
        configuration.mode = .reliable
        configuration.faults = try FaultSpec(parsing: "drop=0.01")
        #expect(throws: RunnerError.self) { try FleetRunner(configuration: configuration) }
        configuration.faults = try FaultSpec(parsing: "dup=0.01,corrupt=0.01,reboot=1,disconnect=1")
        _ = try FleetRunner(configuration: configuration)
    }
}
