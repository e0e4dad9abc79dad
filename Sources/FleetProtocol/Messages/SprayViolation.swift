/// A robot sprayed inside a protected zone.
public struct SprayViolation: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Zone kind.
    public var zone: ZoneKind

    public init(runID: UInt32, robotID: UInt32, x: Double, y: Double, zone: ZoneKind) {
        self.runID = runID
        self.robotID = robotID
        self.x = x
        self.y = y
        self.zone = zone
    }
}

extension SprayViolation: MessageBody {
    public static var messageType: MessageType { .sprayViolation }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("x", .f64, at: 8),
        FieldLayout("y", .f64, at: 16),
        FieldLayout("zone", .u8, at: 24, enum: "zone_kind"),
        FieldLayout("reserved", .u8, count: 3, at: 25),
        FieldLayout("reserved", .u32, at: 28),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        x = try body.f64(8, "x")
        y = try body.f64(16, "y")
        zone = try body.enumeration(24, "zone", as: ZoneKind.self)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(x, at: 8)
        body.write(y, at: 16)
        body.write(zone, at: 24)
    }
}
