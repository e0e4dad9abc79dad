/// A robot left the arena boundary.
public struct GeofenceExit: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// How far outside. [m]
    public var distanceOut: Float

    public init(runID: UInt32, robotID: UInt32, x: Double, y: Double, distanceOut: Float) {
        self.runID = runID
        self.robotID = robotID
        self.x = x
        self.y = y
        self.distanceOut = distanceOut
    }
}

extension GeofenceExit: MessageBody {
    public static var messageType: MessageType { .geofenceExit }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("x", .f64, at: 8),
        FieldLayout("y", .f64, at: 16),
        FieldLayout("distance_out", .f32, at: 24, min: 0),
        FieldLayout("reserved", .u32, at: 28),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        x = try body.f64(8, "x")
        y = try body.f64(16, "y")
        distanceOut = try body.f32(24, "distance_out", min: 0)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(x, at: 8)
        body.write(y, at: 16)
        body.write(distanceOut, at: 24)
    }
}
