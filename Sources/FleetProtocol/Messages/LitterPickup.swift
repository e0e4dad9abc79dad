/// The robot believes it picked up a litter item.
public struct LitterPickup: Sendable, Equatable {
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Item id if the robot recognised it, else 0.
    public var itemID: UInt32
    /// Estimated mass. [kg]
    public var mass: Float
    /// Kind.
    public var litter: LitterClass

    public init(x: Double, y: Double, itemID: UInt32, mass: Float, litter: LitterClass) {
        self.x = x
        self.y = y
        self.itemID = itemID
        self.mass = mass
        self.litter = litter
    }
}

extension LitterPickup: MessageBody {
    public static var messageType: MessageType { .litterPickup }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("item_id", .u32, at: 16),
        FieldLayout("mass", .f32, at: 20, min: 0),
        FieldLayout("litter", .u8, at: 24, enum: "litter_class"),
        FieldLayout("reserved", .u8, count: 3, at: 25),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        itemID = body.u32(16)
        mass = try body.f32(20, "mass", min: 0)
        litter = try body.enumeration(24, "litter", as: LitterClass.self)
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(itemID, at: 16)
        body.write(mass, at: 20)
        body.write(litter, at: 24)
    }
}
