/// Encodes the frames of one robot and boot epoch into a compact chunk blob and back, byte
/// for byte, so stored telemetry costs about a byte per numeric sample instead of six.
///
/// The columnar format (`ChunkEncoding.columnar`, format version 1):
///
/// ```
/// blob    = u8 format (1) · u8 compression (0 stored, 1 zstd) · u32 payload length · data
/// payload = u32 robot id · u32 boot epoch · u8 version major · u8 version minor   (once)
///           u32 frames · u32 sequence bytes · u32 timestamp bytes · u32 raw bytes
///           kinds      one byte per frame: its message type id, or 0 for a raw frame
///           flags      one byte per columnar frame
///           sequence   zigzag varints: delta-of-delta over the columnar frames
///           timestamps zigzag varints: delta-of-delta per message type
///           raw        per raw frame: varint length · the frame's bytes
///           columns    per message type present (ascending id): one transform byte per
///                      schema column (XOR or delta), then every column's transformed
///                      values as byte planes
/// ```
///
/// A frame is columnar only when the columns rebuild it exactly: a known type, header
/// length 32, the schema's body length, the chunk's robot, boot epoch and version, zero
/// reserved bytes and a valid CRC. Every other frame is kept raw in its place, so decoding
/// always returns the bytes received. The payload is compressed by zstd with a content
/// checksum; integers in all headers are little-endian.
public enum ChunkCodec {
    /// The encoding `encode` produces.
    public static let encoding: ChunkEncoding = .columnar

    /// The format byte that starts every columnar blob.
    static let formatVersion: UInt8 = 1
    /// Kind byte of a frame kept raw (no message type has id 0).
    static let rawKind: UInt8 = 0
    /// Fixed bytes at the start of the payload: template, frame count, three section lengths.
    static let payloadHeaderSize = 4 + 4 + 1 + 1 + 4 + 4 + 4 + 4
    /// Fixed bytes in front of the (compressed) payload.
    static let blobHeaderSize = 1 + 1 + 4
    /// The largest payload a blob may declare; chunks are a few hundred kilobytes at most.
    static let maximumPayloadSize = 1 << 30
    /// zstd cannot expand data by more than this (an RLE block of 128 KiB takes 4 bytes),
    /// so a declared payload larger than this times the blob is a lie.
    static let maximumExpansion = 1 << 15

    enum Compression: UInt8 {
        case stored = 0
        case zstd = 1
    }

    /// Encodes the frames of a `FrameChunk` (length-prefixed) blob, all of one robot and boot
    /// epoch, in their order, as `encoding`.
    public static func encode(lengthPrefixed frames: UnsafeRawBufferPointer) -> [UInt8] {
        encode(lengthPrefixed: frames, options: .standard)
    }

    static func encode(lengthPrefixed frames: UnsafeRawBufferPointer, options: Options) -> [UInt8] {
        let inventory = inventory(of: frames)
        let payload = payload(of: frames, inventory, options: options)
        return payload.withUnsafeBytes { payload in
            let bound = blobHeaderSize + max(payload.count, Zstd.compressBound(payload.count))
            return [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
                let out = UnsafeMutableRawBufferPointer(buffer)
                out[0] = formatVersion
                out.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 2, as: UInt32.self)
                let data = UnsafeMutableRawBufferPointer(rebasing: out[blobHeaderSize...])
                if let compressed = Zstd.compress(payload, into: data, level: options.level),
                    compressed < payload.count
                {
                    out[1] = Compression.zstd.rawValue
                    initialized = blobHeaderSize + compressed
                } else {
                    out[1] = Compression.stored.rawValue
                    data.copyMemory(from: payload)
                    initialized = blobHeaderSize + payload.count
                }
            }
        }
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
            try forEachColumnarFrame(in: blob, body)
        }
    }
}
