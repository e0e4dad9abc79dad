/// The blob format of a `frame_chunk` row: many frames of one robot and boot epoch, each as
/// the exact bytes received, so any frame can be returned byte for byte.
///
/// Layout: repeated `[u32 little-endian length][frame bytes]`. The frames carry their own
/// header (robot, boot epoch, sequence, timestamp), so the chunk needs nothing else; the
/// row's columns (time bounds, sequence bounds, count) exist only for indexing.
public enum FrameChunk {
    /// Appends one frame to a chunk blob under construction.
    @inlinable
    public static func append(_ frame: UnsafeRawBufferPointer, to blob: inout [UInt8]) {
        let length = UInt32(frame.count)
        withUnsafeBytes(of: length.littleEndian) { blob.append(contentsOf: $0) }
        blob.append(contentsOf: frame)
    }

    /// Calls `body` with every frame of a chunk blob, in stored order. Throws if the blob is
    /// malformed (a length running past the end).
    public static func forEachFrame(
        in blob: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var offset = 0
        while offset < blob.count {
            guard blob.count - offset >= 4 else {
                throw StorageError(.corruptRow, "frame chunk ends inside a length prefix at byte \(offset)")
            }
            let length = Int(UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard blob.count - offset >= length else {
                throw StorageError(
                    .corruptRow,
                    "frame chunk declares a \(length)-byte frame at byte \(offset - 4) but has \(blob.count - offset) left"
                )
            }
            try body(UnsafeRawBufferPointer(rebasing: blob[offset..<offset + length]))
            offset += length
        }
    }
}
