public import FleetProtocol
public import FleetStore

/// What a forger with the codec does to a stored chunk: change one frame's body, fix its
/// checksum, encode the chunk again as it was stored. Tamper tests use it to show that
/// `fleet verify` names the frame, not just a damaged row.
public enum ChunkForgery {
    /// Flips a body byte of `frames[index]` and recomputes its CRC-32.
    public static func editBody(of frames: inout [[UInt8]], at index: Int) {
        let header = frames[index].withUnsafeBytes { FrameHeader.unverified($0)! }
        frames[index][Int(header.headerLength) + 3] ^= 0xFF
        let crcAt = frames[index].count - FrameHeader.trailerSize
        let crc = frames[index].withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[..<crcAt])) }
        withUnsafeBytes(of: crc.littleEndian) { frames[index].replaceSubrange(crcAt..., with: $0) }
    }

    /// `frames` as a chunk blob in `encoding`.
    public static func blob(_ frames: [[UInt8]], encoding: ChunkEncoding) -> [UInt8] {
        var raw: [UInt8] = []
        for frame in frames { frame.withUnsafeBytes { FrameChunk.append($0, to: &raw) } }
        return encoding == .columnar ? raw.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) } : raw
    }
}
