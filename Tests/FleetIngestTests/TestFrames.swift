import FleetProtocol
import FleetTestSupport
import Foundation

/// Frames for tests: a sanitation robot driving east at 1 m/s, one frame per 100 ms.
enum TestFrames {
    static let start: UInt64 = 1_800_000_000_000_000_000

    static func state(robot: UInt32, boot: UInt32 = 0, seq: UInt32, at t: UInt64? = nil, battery: Float = 80) -> [UInt8]
    {
        let time = t ?? start + UInt64(seq) * 100_000_000
        let state = DrivingRobot.state(step: Int(seq), battery: battery)
        return FrameEncoder.encode(
            .sanitationState(state),
            robotID: robot,
            bootEpoch: boot,
            sequence: seq,
            timestampNanoseconds: time,
            flags: FrameHeader.simulatedTimeFlag
        )
    }

    static func collision(robot: UInt32, boot: UInt32 = 0, seq: UInt32) -> [UInt8] {
        FrameEncoder.encode(
            .collision(Collision(x: 1, y: 2, speed: 0.5, impulse: 3, other: .static)),
            robotID: robot,
            bootEpoch: boot,
            sequence: seq,
            timestampNanoseconds: start + UInt64(seq) * 100_000_000,
            flags: FrameHeader.simulatedTimeFlag
        )
    }

    /// A frame with one body byte flipped: its checksum fails.
    static func corrupted(_ frame: [UInt8]) -> [UInt8] {
        var copy = frame
        copy[40] ^= 0xFF
        return copy
    }
}
