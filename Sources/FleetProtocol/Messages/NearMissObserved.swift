/// The arena saw a robot pass closer than 0.5 m to a moving agent while faster than 0.5 m/s.
public struct NearMissObserved: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Smallest distance. [m]
    public var clearance: Float
    /// Robot speed. [m/s]
    public var speed: Float
    /// Arena id of the agent.
    public var agentID: UInt32
    /// What the agent was.
    public var other: AgentClass

    public init(
        runID: UInt32,
        robotID: UInt32,
        x: Double,
        y: Double,
        clearance: Float,
        speed: Float,
        agentID: UInt32,
        other: AgentClass
    ) {
        self.runID = runID
        self.robotID = robotID
        self.x = x
        self.y = y
        self.clearance = clearance
        self.speed = speed
        self.agentID = agentID
        self.other = other
    }
}

extension NearMissObserved: MessageBody {
    public static var messageType: MessageType { .nearMissObserved }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("x", .f64, at: 8),
        FieldLayout("y", .f64, at: 16),
        FieldLayout("clearance", .f32, at: 24, min: 0),
        FieldLayout("speed", .f32, at: 28),
        FieldLayout("agent_id", .u32, at: 32),
        FieldLayout("other", .u8, at: 36, enum: "agent_class"),
        FieldLayout("reserved", .u8, count: 3, at: 37),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        x = try body.f64(8, "x")
        y = try body.f64(16, "y")
        clearance = try body.f32(24, "clearance", min: 0)
        speed = try body.f32(28, "speed")
        agentID = body.u32(32)
        other = try body.enumeration(36, "other", as: AgentClass.self)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(x, at: 8)
        body.write(y, at: 16)
        body.write(clearance, at: 24)
        body.write(speed, at: 28)
        body.write(agentID, at: 32)
        body.write(other, at: 36)
    }
}
