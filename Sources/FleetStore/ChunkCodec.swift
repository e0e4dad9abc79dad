/// Encodes the frames of one robot and boot epoch into a compact chunk blob and back, byte
/// for byte.
///
/// SKELETON: the columnar format is being written (issue 9); until then `encode` returns
/// the length-prefixed form and is tagged `.lengthPrefixed`, so every reader already goes
/// through `forEachFrame(in:encoding:_:)` and nothing else changes when the format lands.
public enum ChunkCodec {
    /// The encoding `encode` produces.
    public static let encoding: ChunkEncoding = .lengthPrefixed

    /// Encodes the frames of a `FrameChunk` (length-prefixed) blob, all of one robot and boot
    /// epoch, in their order, as `encoding`.
    public static func encode(lengthPrefixed frames: UnsafeRawBufferPointer) -> [UInt8] {
        Array(frames)
    }

    /// Calls `body` with every frame of a chunk blob encoded as `encoding`, in stored order,
    /// each exactly as it was received. Throws `StorageError(.corruptRow)` on a damaged blob.
    public static func forEachFrame(
        in blob: UnsafeRawBufferPointer,
        encoding: ChunkEncoding,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        switch encoding {
        case .lengthPrefixed:
            try FrameChunk.forEachFrame(in: blob, body)
        case .columnar:
            throw StorageError(.corruptRow, "columnar chunks are not readable by this build")
        }
    }
}
