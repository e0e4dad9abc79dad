/// An item left a robot's hopper again (overflow or spill): it no longer counts.
public struct LitterSpilled: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Item id.
    public var itemID: UInt32
    /// Item mass. [kg]
    public var mass: Float
    /// Kind.
    public var litter: LitterClass
    /// Object rating 1-5; 0 for dust and gravel.
    public var rating: UInt8
    /// 1 if the hopper overflowed (penalised per object).
    public var overflow: Bool

    public init(
        runID: UInt32,
        robotID: UInt32,
        itemID: UInt32,
        mass: Float,
        litter: LitterClass,
        rating: UInt8,
        overflow: Bool
    ) {
        self.runID = runID
        self.robotID = robotID
        self.itemID = itemID
        self.mass = mass
        self.litter = litter
        self.rating = rating
        self.overflow = overflow
    }
}

extension LitterSpilled: MessageBody {
    public static var messageType: MessageType { .litterSpilled }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("item_id", .u32, at: 8),
        FieldLayout("mass", .f32, at: 12, min: 0),
        FieldLayout("litter", .u8, at: 16, enum: "litter_class"),
        FieldLayout("rating", .u8, at: 17, max: 5),
        FieldLayout("overflow", .bool, at: 18),
        FieldLayout("reserved", .u8, at: 19),
        FieldLayout("reserved", .u32, at: 20),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        itemID = body.u32(8)
        mass = try body.f32(12, "mass", min: 0)
        litter = try body.enumeration(16, "litter", as: LitterClass.self)
        rating = try body.u8(17, "rating", max: 5)
        overflow = try body.bool(18, "overflow")
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(itemID, at: 8)
        body.write(mass, at: 12)
        body.write(litter, at: 16)
        body.write(rating, at: 17)
        body.write(overflow, at: 18)
    }
}
