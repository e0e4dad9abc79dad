import FleetProtocol
import FleetStore

/// Frames for storage tests: real headers and checksums, bodies of a fixed pattern (bytes
/// below 0x40, so no float field reads as NaN or infinity).
struct TestFrame: Equatable {
    var robot: UInt32
    var boot: UInt32
    var sequence: UInt32
    var time: UInt64
    var type: MessageType
    var bytes: [UInt8]

    init(_ type: MessageType, robot: UInt32, boot: UInt32, sequence: UInt32, time: UInt64) {
        let body = (0..<type.bodySize).map { UInt8((Int($0) * 7 + Int(sequence) * 3 + Int(robot)) % 64) }
        let header = FrameHeader(
            messageType: type.rawValue,
            robotID: robot,
            bootEpoch: boot,
            sequence: sequence,
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: time
        )
        self.robot = robot
        self.boot = boot
        self.sequence = sequence
        self.time = time
        self.type = type
        bytes = FrameEncoder.encode(header: header, body: body)
    }

    /// `frames` in `FrameChunk`'s length-prefixed format.
    static func lengthPrefixed(_ frames: [TestFrame]) -> [UInt8] {
        var blob: [UInt8] = []
        for frame in frames { frame.bytes.withUnsafeBytes { FrameChunk.append($0, to: &blob) } }
        return blob
    }
}
