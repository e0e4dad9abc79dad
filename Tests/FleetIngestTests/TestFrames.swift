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

    /// `frame` with header bytes patched (offset, little-endian value of `size` bytes) and
    /// its checksum recomputed: a frame whose checksum holds but whose header says
    /// something else.
    static func patched(_ frame: [UInt8], at offset: Int, size: Int, value: UInt64) -> [UInt8] {
        var copy = frame
        for i in 0..<size { copy[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        let end = copy.count - 4
        let crc = CRC32.checksum(Array(copy[..<end]))
        for i in 0..<4 { copy[end + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return copy
    }

    /// A sanitation_state frame whose battery_soc (body offset 76) is 150: its checksum
    /// holds, its value does not (`invalid_value`).
    static func invalidValue(robot: UInt32, boot: UInt32 = 0, seq: UInt32) -> [UInt8] {
        patched(state(robot: robot, boot: boot, seq: seq), at: 32 + 76, size: 4, value: UInt64(Float(150).bitPattern))
    }

    /// A valid frame of message type 0x7f, which this version does not know.
    static func unknownType(robot: UInt32, boot: UInt32 = 0, seq: UInt32) -> [UInt8] {
        patched(state(robot: robot, boot: boot, seq: seq), at: 3, size: 1, value: 0x7F)
    }
}
