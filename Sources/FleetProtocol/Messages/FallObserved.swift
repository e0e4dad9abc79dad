/// Division H: the referee saw a robot fall.
public struct FallObserved: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// 1 once the robot got up by itself; sent again when it does.
    public var unaidedGetUp: Bool

    public init(runID: UInt32, robotID: UInt32, unaidedGetUp: Bool) {
        self.runID = runID
        self.robotID = robotID
        self.unaidedGetUp = unaidedGetUp
    }
}

extension FallObserved: MessageBody {
    public static var messageType: MessageType { .fallObserved }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("unaided_get_up", .bool, at: 8),
        FieldLayout("reserved", .u8, count: 3, at: 9),
        FieldLayout("reserved", .u32, at: 12),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        unaidedGetUp = try body.bool(8, "unaided_get_up")
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(unaidedGetUp, at: 8)
    }
}
