/// Division H: a bin reached the transfer point.
public struct BinDelivered: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Bin id.
    public var binID: UInt32

    public init(runID: UInt32, robotID: UInt32, binID: UInt32) {
        self.runID = runID
        self.robotID = robotID
        self.binID = binID
    }
}

extension BinDelivered: MessageBody {
    public static var messageType: MessageType { .binDelivered }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("bin_id", .u32, at: 8),
        FieldLayout("reserved", .u32, at: 12),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        binID = body.u32(8)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(binID, at: 8)
    }
}
