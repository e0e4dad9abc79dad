/// A robot docked at its station before the end of the run.
public struct Docked: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32

    public init(runID: UInt32, robotID: UInt32) {
        self.runID = runID
        self.robotID = robotID
    }
}

extension Docked: MessageBody {
    public static var messageType: MessageType { .docked }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
    }
}
