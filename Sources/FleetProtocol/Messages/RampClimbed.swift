/// A robot climbed the ramp (division P bonus).
public struct RampClimbed: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Ramp id from the arena layout.
    public var rampID: UInt32

    public init(runID: UInt32, robotID: UInt32, rampID: UInt32) {
        self.runID = runID
        self.robotID = robotID
        self.rampID = rampID
    }
}

extension RampClimbed: MessageBody {
    public static var messageType: MessageType { .rampClimbed }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("ramp_id", .u32, at: 8),
        FieldLayout("reserved", .u32, at: 12),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        rampID = body.u32(8)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(rampID, at: 8)
    }
}
