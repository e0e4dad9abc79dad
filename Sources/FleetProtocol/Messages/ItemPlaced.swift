/// Division H: the arena saw a litter item placed in a bin.
public struct ItemPlaced: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Item id.
    public var itemID: UInt32
    /// Bin id.
    public var binID: UInt32

    public init(runID: UInt32, robotID: UInt32, itemID: UInt32, binID: UInt32) {
        self.runID = runID
        self.robotID = robotID
        self.itemID = itemID
        self.binID = binID
    }
}

extension ItemPlaced: MessageBody {
    public static var messageType: MessageType { .itemPlaced }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("item_id", .u32, at: 8),
        FieldLayout("bin_id", .u32, at: 12),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        itemID = body.u32(8)
        binID = body.u32(12)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(itemID, at: 8)
        body.write(binID, at: 12)
    }
}
