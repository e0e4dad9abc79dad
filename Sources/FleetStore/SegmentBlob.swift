/// How a segment row stores its frames: the `FrameChunk` (length-prefixed) bytes behind a
/// format byte, compressed with zstd at a fast level. Segments are written once per batch
/// and live until their frames' chunks seal, so they are most of what the store writes and
/// most of its churn; compressed they take about a third.
///
/// Layout: `[0x01][u32 LE length of the frames][one zstd frame]`, or `[0x00][frames]` when
/// zstd would not make them smaller.
public enum SegmentBlob {
    static let stored: UInt8 = 0
    static let zstd: UInt8 = 1
    static let level: Int32 = 1

    /// The stored form of `frames` (a `FrameChunk` blob).
    public static func encode(_ frames: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 5 + Zstd.compressBound(frames.count))
        let written = frames.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { destination in
                Zstd.compress(source, into: UnsafeMutableRawBufferPointer(rebasing: destination[5...]), level: level)
            }
        }
        guard let written, written < frames.count else { return [stored] + frames }
        out[0] = zstd
        withUnsafeBytes(of: UInt32(frames.count).littleEndian) { out.replaceSubrange(1..<5, with: $0) }
        out.removeLast(out.count - 5 - written)
        return out
    }

    /// The frames of a stored segment, as `encode` was given them.
    public static func decode(_ blob: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let format = blob.first else { throw StorageError(.corruptRow, "segment blob is empty") }
        switch format {
        case stored:
            return Array(blob[1...])
        case zstd:
            guard blob.count >= 5 else { throw StorageError(.corruptRow, "segment blob ends inside its header") }
            let length = Int(UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
            // Frames are at most 64 KiB each; a batch is bounded; 1 GiB is a corrupt length.
            guard length < 1 << 30 else { throw StorageError(.corruptRow, "segment blob declares \(length) bytes") }
            var frames = [UInt8](repeating: 0, count: length)
            try frames.withUnsafeMutableBytes { destination in
                try Zstd.decompress(UnsafeRawBufferPointer(rebasing: blob[5...]), into: destination)
            }
            return frames
        default:
            throw StorageError(.corruptRow, "segment blob has unknown format \(format)")
        }
    }
}
