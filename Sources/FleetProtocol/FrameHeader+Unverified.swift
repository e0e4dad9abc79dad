extension FrameHeader {
    /// The header fields of a frame that failed validation, read as they stand: for
    /// attributing a rejected frame to the robot and sequence number it claims. Nil when
    /// the bytes are too short or do not start like a v1 frame at all.
    ///
    /// The values are not verified (the checksum failed or was not reached), so use them
    /// only to account for a loss, never to store data under.
    public static func unverified(_ bytes: UnsafeRawBufferPointer) -> FrameHeader? {
        guard bytes.count >= FrameHeader.size,
            UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self)) == FrameHeader.magic
        else { return nil }
        let header = FrameDecoder.readHeader(bytes)
        guard header.versionMajor == FrameHeader.currentVersionMajor else { return nil }
        return header
    }
}
