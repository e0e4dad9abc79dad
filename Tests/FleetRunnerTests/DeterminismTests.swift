import FleetRunner
import Testing

/// The same flags and seed give the same files, byte for byte.
struct DeterminismTests {
    static func configuration(faultSeed: UInt64 = 99) throws -> FleetRunner.Configuration {
        var configuration = FleetRunner.Configuration(simulation: try smallFleet(duration: 20))
        configuration.timeScale = 0
        configuration.faults = try FaultSpec(
            parsing: "drop=0.02,dup=0.02,reorder=0.02,corrupt=0.02,reboot=2,disconnect=2"
        )
        configuration.faultSeed = faultSeed
        return configuration
    }

    @Test(.timeLimit(.minutes(1)))
    func twoRunsWithTheSameSeedWriteIdenticalRecordingsAndTruth() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try await FleetRun.run(Self.configuration(), in: folder, name: "a")
        let second = try await FleetRun.run(Self.configuration(), in: folder, name: "b")
        #expect(first.recording.count > 100_000)
        #expect(first.recording == second.recording)
        #expect(try first.truth.jsonData() == second.truth.jsonData())
    }

    @Test(.timeLimit(.minutes(1)))
    func anotherFaultSeedChangesTheFaultsButNeverTheSimulation() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try await FleetRun.run(Self.configuration(faultSeed: 1), in: folder, name: "a")
        let second = try await FleetRun.run(Self.configuration(faultSeed: 2), in: folder, name: "b")
        #expect(first.truth.simulation == second.truth.simulation)
        #expect(first.truth.senders != second.truth.senders)
        #expect(first.recording != second.recording)
    }
}
