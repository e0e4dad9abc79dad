/// Washed stain area credited to a robot.
public struct StainWashed: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Stain id from the arena layout.
    public var stainID: UInt32
    /// Area newly washed by this event. [m2]
    public var area: Float

    public init(runID: UInt32, robotID: UInt32, stainID: UInt32, area: Float) {
        self.runID = runID
        self.robotID = robotID
        self.stainID = stainID
        self.area = area
    }
}

extension StainWashed: MessageBody {
    public static var messageType: MessageType { .stainWashed }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("stain_id", .u32, at: 8),
        FieldLayout("area", .f32, at: 12, min: 0),
        FieldLayout("reserved", .u32, at: 16),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        stainID = body.u32(8)
        area = try body.f32(12, "area", min: 0)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(stainID, at: 8)
        body.write(area, at: 12)
    }
}
