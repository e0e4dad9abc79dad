/// The arena saw a robot empty its hopper at the transfer point.
public struct TransferDump: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Mass emptied. [kg]
    public var mass: Float
    /// Objects emptied.
    public var items: UInt16

    public init(runID: UInt32, robotID: UInt32, mass: Float, items: UInt16) {
        self.runID = runID
        self.robotID = robotID
        self.mass = mass
        self.items = items
    }
}

extension TransferDump: MessageBody {
    public static var messageType: MessageType { .transferDump }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("mass", .f32, at: 8, min: 0),
        FieldLayout("items", .u16, at: 12),
        FieldLayout("reserved", .u16, at: 14),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        mass = try body.f32(8, "mass", min: 0)
        items = body.u16(12)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(mass, at: 8)
        body.write(items, at: 12)
    }
}
