/// The robot passed closer than 0.5 m to a moving agent while faster than 0.5 m/s (its own detection).
public struct NearMiss: Sendable, Equatable {
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Smallest distance to the agent. [m]
    public var clearance: Float
    /// Robot speed. [m/s]
    public var speed: Float
    /// What the agent was.
    public var other: AgentClass

    public init(x: Double, y: Double, clearance: Float, speed: Float, other: AgentClass) {
        self.x = x
        self.y = y
        self.clearance = clearance
        self.speed = speed
        self.other = other
    }
}

extension NearMiss: MessageBody {
    public static var messageType: MessageType { .nearMiss }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("clearance", .f32, at: 16, min: 0),
        FieldLayout("speed", .f32, at: 20),
        FieldLayout("other", .u8, at: 24, enum: "agent_class"),
        FieldLayout("reserved", .u8, count: 3, at: 25),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        clearance = try body.f32(16, "clearance", min: 0)
        speed = try body.f32(20, "speed")
        other = try body.enumeration(24, "other", as: AgentClass.self)
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(clearance, at: 16)
        body.write(speed, at: 20)
        body.write(other, at: 24)
    }
}
