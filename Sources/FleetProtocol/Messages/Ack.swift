/// Reliable mode, ingester to robot: every frame of this boot epoch from acked_from up to and including acked_through is settled: committed, or rejected for good (the robot stops resending it either way).
public struct Ack: Sendable, Equatable {
    /// Boot epoch the acknowledgement is for.
    public var ackedBootEpoch: UInt32
    /// Highest sequence number of the acknowledged run.
    public var ackedThrough: UInt32
    /// Frames the robot may send beyond acked_through.
    public var credit: UInt32
    /// Lowest sequence number of the acknowledged run: every frame of this boot epoch from acked_from through acked_through is settled (committed, or rejected for good). 0 in an ack that covers the epoch from its start.
    public var ackedFrom: UInt32

    public init(ackedBootEpoch: UInt32, ackedThrough: UInt32, credit: UInt32, ackedFrom: UInt32 = 0) {
        self.ackedBootEpoch = ackedBootEpoch
        self.ackedThrough = ackedThrough
        self.credit = credit
        self.ackedFrom = ackedFrom
    }

    /// Whether this ack settles frame `sequence` of `bootEpoch`.
    public func covers(bootEpoch: UInt32, sequence: UInt32) -> Bool {
        bootEpoch == ackedBootEpoch && sequence >= ackedFrom && sequence <= ackedThrough
    }
}

extension Ack: MessageBody {
    public static var messageType: MessageType { .ack }

    public static let layout: [FieldLayout] = [
        FieldLayout("acked_boot_epoch", .u32, at: 0),
        FieldLayout("acked_through", .u32, at: 4),
        FieldLayout("credit", .u32, at: 8),
        FieldLayout("acked_from", .u32, at: 12),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        ackedBootEpoch = body.u32(0)
        ackedThrough = body.u32(4)
        credit = body.u32(8)
        ackedFrom = body.u32(12)
    }

    func write(to body: BodyWriter) {
        body.write(ackedBootEpoch, at: 0)
        body.write(ackedThrough, at: 4)
        body.write(credit, at: 8)
        body.write(ackedFrom, at: 12)
    }
}
