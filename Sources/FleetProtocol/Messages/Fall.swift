/// A humanoid fell (|roll| or |pitch| > 60 deg, or base below 50% of nominal height).
public struct Fall: Sendable, Equatable {
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Roll at detection. [rad]
    public var roll: Float
    /// Pitch at detection. [rad]
    public var pitch: Float
    /// Pelvis height at detection. [m]
    public var baseHeight: Float

    public init(x: Double, y: Double, roll: Float, pitch: Float, baseHeight: Float) {
        self.x = x
        self.y = y
        self.roll = roll
        self.pitch = pitch
        self.baseHeight = baseHeight
    }
}

extension Fall: MessageBody {
    public static var messageType: MessageType { .fall }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("roll", .f32, at: 16),
        FieldLayout("pitch", .f32, at: 20),
        FieldLayout("base_height", .f32, at: 24),
        FieldLayout("reserved", .u32, at: 28),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        roll = try body.f32(16, "roll")
        pitch = try body.f32(20, "pitch")
        baseHeight = try body.f32(24, "base_height")
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(roll, at: 16)
        body.write(pitch, at: 20)
        body.write(baseHeight, at: 24)
    }
}
