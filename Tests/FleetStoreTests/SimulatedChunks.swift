import FleetProtocol
import FleetRunner
import FleetSimulation
import FleetStore

/// Chunks of frames exactly as the project's simulator sends them: one robot's outputs
/// numbered per frame, simulated time, cut into chunks of `framesPerChunk`.
enum SimulatedChunks {
    /// Robot ids of the simulated fleet, by kind.
    struct Fleet {
        var sanitation: [[UInt8]]
        var humanoid: [[UInt8]]
    }

    static let startUnixNanos: UInt64 = 1_780_000_000_000_000_000

    /// The default fleet, simulated once per test process (it takes a few seconds).
    static func standard() throws -> Fleet { try cached.get() }
    private static let cached = Result { try fleet() }

    /// One run of a small park fleet (a sweeper, a litter picker, a washer and a humanoid),
    /// the same every time.
    static func fleet(duration: Double = 300, framesPerChunk: Int = 600, seed: UInt64 = 7) throws -> Fleet {
        let configuration = try FleetRoster(
            division: .park,
            teams: 1,
            robotsPerTeam: 3,
            humanoids: 1,
            duration: duration,
            seed: seed
        ).configuration()
        var simulation = FleetSimulation(configuration)
        var sink = CollectingSink()
        simulation.runToEnd(into: &sink)
        var byRobot: [UInt32: [SimulationOutput]] = [:]
        var order: [UInt32] = []
        for output in sink.outputs where !output.isRefereeEvent {
            if byRobot[output.robotID] == nil { order.append(output.robotID) }
            byRobot[output.robotID, default: []].append(output)
        }
        var fleet = Fleet(sanitation: [], humanoid: [])
        for robot in order {
            let outputs = byRobot[robot]!
            let isHumanoid = outputs.contains { if case .humanoid = $0 { true } else { false } }
            var chunk: [UInt8] = []
            var inChunk = 0
            for (sequence, output) in outputs.enumerated() {
                let frame = FrameEncoder.encode(
                    output.message,
                    robotID: robot,
                    bootEpoch: 1,
                    sequence: UInt32(sequence),
                    timestampNanoseconds: startUnixNanos + output.time,
                    flags: FrameHeader.simulatedTimeFlag
                )
                frame.withUnsafeBytes { FrameChunk.append($0, to: &chunk) }
                inChunk += 1
                if inChunk == framesPerChunk {
                    if isHumanoid { fleet.humanoid.append(chunk) } else { fleet.sanitation.append(chunk) }
                    chunk = []
                    inChunk = 0
                }
            }
            if inChunk > 0 {
                if isHumanoid { fleet.humanoid.append(chunk) } else { fleet.sanitation.append(chunk) }
            }
        }
        return fleet
    }
}
