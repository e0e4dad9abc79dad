/// A fallen humanoid is upright again.
public struct GetUp: Sendable, Equatable {
    /// Time from fall to upright. [s]
    public var duration: Float
    /// 1 if the robot got up by itself.
    public var unaided: Bool

    public init(duration: Float, unaided: Bool) {
        self.duration = duration
        self.unaided = unaided
    }
}

extension GetUp: MessageBody {
    public static var messageType: MessageType { .getUp }

    public static let layout: [FieldLayout] = [
        FieldLayout("duration", .f32, at: 0, min: 0),
        FieldLayout("unaided", .bool, at: 4),
        FieldLayout("reserved", .u8, count: 3, at: 5),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        duration = try body.f32(0, "duration", min: 0)
        unaided = try body.bool(4, "unaided")
    }

    func write(to body: BodyWriter) {
        body.write(duration, at: 0)
        body.write(unaided, at: 4)
    }
}
