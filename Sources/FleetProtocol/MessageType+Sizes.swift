extension MessageType {
    /// The type the schema calls `schemaName` (`sanitation_state`), or nil.
    public init?(schemaName: String) {
        guard let type = MessageType.allCases.first(where: { $0.schemaName == schemaName }) else { return nil }
        self = type
    }

    /// Bytes of a whole v1.0 frame of this type: header, body and trailer.
    public var frameSize: Int { FrameHeader.size + bodySize + FrameHeader.trailerSize }

    /// The largest `frameSize` of any type: a sender buffer this big fits every message.
    public static let maximumFrameSize: Int = allCases.map(\.frameSize).max() ?? FrameHeader.maximumFrameSize
}
