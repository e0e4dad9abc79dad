/// The arena saw a litter item enter a robot's hopper or hand.
public struct LitterCollected: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Item id from the arena layout.
    public var itemID: UInt32
    /// Item mass. [kg]
    public var mass: Float
    /// Where. [m]
    public var x: Double
    /// Where. [m]
    public var y: Double
    /// Kind.
    public var litter: LitterClass
    /// Object rating 1-5; 0 for dust and gravel.
    public var rating: UInt8

    public init(
        runID: UInt32,
        robotID: UInt32,
        itemID: UInt32,
        mass: Float,
        x: Double,
        y: Double,
        litter: LitterClass,
        rating: UInt8
    ) {
        self.runID = runID
        self.robotID = robotID
        self.itemID = itemID
        self.mass = mass
        self.x = x
        self.y = y
        self.litter = litter
        self.rating = rating
    }
}

extension LitterCollected: MessageBody {
    public static var messageType: MessageType { .litterCollected }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("item_id", .u32, at: 8),
        FieldLayout("mass", .f32, at: 12, min: 0),
        FieldLayout("x", .f64, at: 16),
        FieldLayout("y", .f64, at: 24),
        FieldLayout("litter", .u8, at: 32, enum: "litter_class"),
        FieldLayout("rating", .u8, at: 33, max: 5),
        FieldLayout("reserved", .u16, at: 34),
        FieldLayout("reserved", .u32, at: 36),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        itemID = body.u32(8)
        mass = try body.f32(12, "mass", min: 0)
        x = try body.f64(16, "x")
        y = try body.f64(24, "y")
        litter = try body.enumeration(32, "litter", as: LitterClass.self)
        rating = try body.u8(33, "rating", max: 5)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(itemID, at: 8)
        body.write(mass, at: 12)
        body.write(x, at: 16)
        body.write(y, at: 24)
        body.write(litter, at: 32)
        body.write(rating, at: 33)
    }
}
