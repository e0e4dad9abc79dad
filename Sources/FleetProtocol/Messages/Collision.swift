/// The robot detected a collision.
public struct Collision: Sendable, Equatable {
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Robot speed at impact. [m/s]
    public var speed: Float
    /// Measured impulse; NaN when not measured. [N*s]
    public var impulse: Float
    /// What was hit, as the robot classifies it.
    public var other: AgentClass

    public init(x: Double, y: Double, speed: Float, impulse: Float, other: AgentClass) {
        self.x = x
        self.y = y
        self.speed = speed
        self.impulse = impulse
        self.other = other
    }
}

extension Collision: MessageBody {
    public static var messageType: MessageType { .collision }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("speed", .f32, at: 16),
        FieldLayout("impulse", .f32, at: 20, nanAllowed: true),
        FieldLayout("other", .u8, at: 24, enum: "agent_class"),
        FieldLayout("reserved", .u8, count: 3, at: 25),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        speed = try body.f32(16, "speed")
        impulse = try body.f32(20, "impulse", nanAllowed: true)
        other = try body.enumeration(24, "other", as: AgentClass.self)
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(speed, at: 16)
        body.write(impulse, at: 20)
        body.write(other, at: 24)
    }
}
