import FleetProtocol
import Testing

@testable import FleetCompetition

/// The recompute's frame order: sorting small keys must give exactly what sorting the frames
/// with `canonicalPrecedes` gave (a stable sort), equal keys included.
struct CanonicalOrderTests {
    @Test func sortingKeysGivesTheCanonicalOrderOfSortingFrames() throws {
        var generator = SystemRandomNumberGenerator()
        var frames: [Frame] = []
        for index in 0..<3000 {
            // Few distinct values, so equal times, robots and whole keys (duplicates) are common.
            let time = 1_000 + UInt64.random(in: 0..<40, using: &generator)
            let robot = UInt32.random(in: 1...4, using: &generator)
            let boot = UInt32.random(in: 1...2, using: &generator)
            let sequence = UInt32.random(in: 0..<5, using: &generator)
            let message: Message =
                Bool.random(using: &generator)
                ? .runState(
                    RunState(runID: 1, robotID: 0, state: .running, division: .P, arenaSeed: 7, duration: 60)
                )
                : .heartbeat(
                    Heartbeat(
                        framesSent: UInt64(index),
                        uptime: 1,
                        stateFrames: 0,
                        eventFrames: 0,
                        queueDrops: 0,
                        stateRate: 10
                    )
                )
            let bytes = FrameEncoder.encode(
                message,
                robotID: robot,
                bootEpoch: boot,
                sequence: sequence,
                timestampNanoseconds: time
            )
            frames.append(try FrameDecoder.decode(bytes))
        }
        let expected = frames.sorted { canonicalPrecedes($0.header, $1.header) }
        let sorted = Recompute.canonicallySorted(frames)
        #expect(sorted.map(\.header) == expected.map(\.header))
        // Equal keys keep their order: the heartbeats' frames_sent (their index) tells.
        #expect(sorted.map(\.message) == expected.map(\.message))
    }
}
