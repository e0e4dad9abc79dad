/// A robot touched something.
public struct Contact: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Robot speed at contact. [m/s]
    public var speed: Float
    /// Arena id of what was touched (0 for fixed obstacles).
    public var agentID: UInt32
    /// What was touched.
    public var contact: ContactClass

    public init(
        runID: UInt32,
        robotID: UInt32,
        x: Double,
        y: Double,
        speed: Float,
        agentID: UInt32,
        contact: ContactClass
    ) {
        self.runID = runID
        self.robotID = robotID
        self.x = x
        self.y = y
        self.speed = speed
        self.agentID = agentID
        self.contact = contact
    }
}

extension Contact: MessageBody {
    public static var messageType: MessageType { .contact }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("x", .f64, at: 8),
        FieldLayout("y", .f64, at: 16),
        FieldLayout("speed", .f32, at: 24),
        FieldLayout("agent_id", .u32, at: 28),
        FieldLayout("contact", .u8, at: 32, enum: "contact_class"),
        FieldLayout("reserved", .u8, count: 3, at: 33),
        FieldLayout("reserved", .u32, at: 36),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        x = try body.f64(8, "x")
        y = try body.f64(16, "y")
        speed = try body.f32(24, "speed")
        agentID = body.u32(28)
        contact = try body.enumeration(32, "contact", as: ContactClass.self)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(x, at: 8)
        body.write(y, at: 16)
        body.write(speed, at: 24)
        body.write(agentID, at: 28)
        body.write(contact, at: 32)
    }
}
