import FleetProtocol

/// Who a sender is and which number its next frame gets: the (robot, boot epoch, sequence)
/// triple that identifies every frame, shared by both clients.
struct FrameNumbering: Sendable, Equatable {
    let robotID: UInt32
    private(set) var bootEpoch: UInt32
    private(set) var nextSequence: UInt32

    init(robotID: UInt32, bootEpoch: UInt32, nextSequence: UInt32 = 0) {
        self.robotID = robotID
        self.bootEpoch = bootEpoch
        self.nextSequence = nextSequence
    }

    /// Numbers the next frame. The protocol forbids wrapping, so after sequence 0xFFFF_FFFF
    /// the sender moves on to a new boot epoch by itself.
    mutating func take() -> (bootEpoch: UInt32, sequence: UInt32) {
        let taken = (bootEpoch: bootEpoch, sequence: nextSequence)
        if nextSequence == .max {
            reboot()
        } else {
            nextSequence += 1
        }
        return taken
    }

    /// A restart: the next boot epoch, counting from sequence 0 again.
    mutating func reboot() {
        bootEpoch &+= 1
        nextSequence = 0
    }
}

/// One frame's worth of memory, allocated once per client and reused for every frame, so
/// encoding allocates nothing.
final class FrameScratch {
    private let storage: UnsafeMutableRawBufferPointer
    /// Bytes of the last frame encoded (0 before the first).
    private(set) var count = 0

    init() {
        storage = .allocate(byteCount: MessageType.maximumFrameSize, alignment: 8)
    }

    deinit {
        storage.deallocate()
    }

    /// Numbers `message` with the next sequence number of `numbering` and encodes it into the
    /// scratch space; the frame is valid until the next call.
    func encodeNext(
        _ message: FleetProtocol.Message,
        numbering: inout FrameNumbering,
        at timestampNanos: UInt64,
        flags: UInt8
    ) -> (bootEpoch: UInt32, sequence: UInt32, frame: UnsafeRawBufferPointer) {
        let (bootEpoch, sequence) = numbering.take()
        let frame = encode(
            message,
            robotID: numbering.robotID,
            bootEpoch: bootEpoch,
            sequence: sequence,
            timestampNanos: timestampNanos,
            flags: flags
        )
        return (bootEpoch, sequence, frame)
    }

    /// Encodes `message` into the scratch space and returns the frame; valid until the next call.
    func encode(
        _ message: FleetProtocol.Message,
        robotID: UInt32,
        bootEpoch: UInt32,
        sequence: UInt32,
        timestampNanos: UInt64,
        flags: UInt8
    ) -> UnsafeRawBufferPointer {
        count = FrameEncoder.encode(
            message,
            robotID: robotID,
            bootEpoch: bootEpoch,
            sequence: sequence,
            timestampNanoseconds: timestampNanos,
            flags: flags,
            into: storage
        )
        return last
    }

    /// The last frame encoded.
    var last: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[..<count])
    }
}
