/// The fixed 32-byte header in front of every body: enough for a receiver to check,
/// route and account for a frame (robot, boot epoch, sequence) before decoding fields.
public struct FrameHeader: Sendable, Equatable {
    /// Bytes in a v1.0 header; bodies start here unless `headerLength` says otherwise.
    public static let size = 32
    /// Bytes in the CRC-32 trailer after the body.
    public static let trailerSize = 4
    /// Largest frame, header to trailer, a receiver accepts.
    public static let maximumFrameSize = 65536
    /// "FT" as the first two bytes, read as a little-endian `UInt16`.
    public static let magic: UInt16 = 0x5446
    /// The major version this codec speaks; frames with another one are rejected.
    public static let currentVersionMajor: UInt8 = 1
    /// The minor version this codec writes.
    public static let currentVersionMinor: UInt8 = 0
    /// Bit 0 of `flags`: timestamps are simulated time.
    public static let simulatedTimeFlag: UInt8 = 0x01
    /// Robot id of the ingester, the sender of `ack` frames; no other frame carries it.
    public static let ingesterRobotID: UInt32 = 0xFFFF_FFFF
    /// Largest valid `timestamp_ns` (2^63 - 1, year 2262): every timestamp fits a signed
    /// 64-bit integer, as SQLite and most languages store them.
    public static let maximumTimestamp = UInt64(Int64.max)

    public var versionMajor: UInt8
    public var messageType: UInt8
    public var versionMinor: UInt8
    public var flags: UInt8
    /// Bodies start at this offset; 32 in v1.0.
    public var headerLength: UInt16
    /// Robots use 1...0xEFFF_FFFF; 0xF000_0000 and up are infrastructure (referees).
    public var robotID: UInt32
    /// Increments every time the sender restarts; `sequence` restarts at 0 with it.
    public var bootEpoch: UInt32
    /// Per (robot, boot epoch) counter over all message types, +1 per frame.
    public var sequence: UInt32
    public var bodyLength: UInt32
    /// Event time, nanoseconds since the Unix epoch (UTC), or simulated time when
    /// `flags` has `simulatedTimeFlag`.
    public var timestampNanoseconds: UInt64

    public init(
        versionMajor: UInt8 = FrameHeader.currentVersionMajor,
        messageType: UInt8,
        versionMinor: UInt8 = FrameHeader.currentVersionMinor,
        flags: UInt8 = 0,
        headerLength: UInt16 = UInt16(FrameHeader.size),
        robotID: UInt32,
        bootEpoch: UInt32,
        sequence: UInt32,
        bodyLength: UInt32,
        timestampNanoseconds: UInt64
    ) {
        self.versionMajor = versionMajor
        self.messageType = messageType
        self.versionMinor = versionMinor
        self.flags = flags
        self.headerLength = headerLength
        self.robotID = robotID
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.bodyLength = bodyLength
        self.timestampNanoseconds = timestampNanoseconds
    }

    /// The known message type, or nil for a type this version does not know.
    public var knownMessageType: MessageType? { MessageType(rawValue: messageType) }

    /// Header, body and trailer: the whole frame's length in bytes.
    public var frameLength: Int { Int(headerLength) + Int(bodyLength) + FrameHeader.trailerSize }

    /// Whether `timestampNanoseconds` is simulated time rather than wall-clock time.
    public var hasSimulatedTime: Bool { flags & FrameHeader.simulatedTimeFlag != 0 }

    /// The header's fields as the schema lists them; tests check it against the schema.
    public static let layout: [FieldLayout] = [
        FieldLayout("magic", .u8, count: 2, at: 0),
        FieldLayout("version_major", .u8, at: 2),
        FieldLayout("message_type", .u8, at: 3),
        FieldLayout("version_minor", .u8, at: 4),
        FieldLayout("flags", .u8, at: 5),
        FieldLayout("header_length", .u16, at: 6),
        FieldLayout("robot_id", .u32, at: 8),
        FieldLayout("boot_epoch", .u32, at: 12),
        FieldLayout("sequence", .u32, at: 16),
        FieldLayout("body_length", .u32, at: 20),
        FieldLayout("timestamp_ns", .u64, at: 24),
    ]
}
