/// The robot emptied its hopper or delivered a bin.
public struct Dump: Sendable, Equatable {
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Mass dumped. [kg]
    public var mass: Float
    /// Objects dumped.
    public var items: UInt16
    /// 1 if at the transfer point.
    public var atTransferPoint: Bool

    public init(x: Double, y: Double, mass: Float, items: UInt16, atTransferPoint: Bool) {
        self.x = x
        self.y = y
        self.mass = mass
        self.items = items
        self.atTransferPoint = atTransferPoint
    }
}

extension Dump: MessageBody {
    public static var messageType: MessageType { .dump }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("mass", .f32, at: 16, min: 0),
        FieldLayout("items", .u16, at: 20),
        FieldLayout("at_transfer_point", .bool, at: 22),
        FieldLayout("reserved", .u8, at: 23),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        mass = try body.f32(16, "mass", min: 0)
        items = body.u16(20)
        atTransferPoint = try body.bool(22, "at_transfer_point")
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(mass, at: 16)
        body.write(items, at: 20)
        body.write(atTransferPoint, at: 22)
    }
}
