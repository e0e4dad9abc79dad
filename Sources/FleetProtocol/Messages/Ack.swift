/// Reliable mode, ingester to robot: every frame of this boot epoch up to and including acked_through is committed.
public struct Ack: Sendable, Equatable {
    /// Boot epoch the acknowledgement is for.
    public var ackedBootEpoch: UInt32
    /// Highest sequence number such that it and all before it are committed.
    public var ackedThrough: UInt32
    /// Frames the robot may send beyond acked_through.
    public var credit: UInt32

    public init(ackedBootEpoch: UInt32, ackedThrough: UInt32, credit: UInt32) {
        self.ackedBootEpoch = ackedBootEpoch
        self.ackedThrough = ackedThrough
        self.credit = credit
    }
}

extension Ack: MessageBody {
    public static var messageType: MessageType { .ack }

    public static let layout: [FieldLayout] = [
        FieldLayout("acked_boot_epoch", .u32, at: 0),
        FieldLayout("acked_through", .u32, at: 4),
        FieldLayout("credit", .u32, at: 8),
        FieldLayout("reserved", .u32, at: 12),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        ackedBootEpoch = body.u32(0)
        ackedThrough = body.u32(4)
        credit = body.u32(8)
    }

    func write(to body: BodyWriter) {
        body.write(ackedBootEpoch, at: 0)
        body.write(ackedThrough, at: 4)
        body.write(credit, at: 8)
    }
}
