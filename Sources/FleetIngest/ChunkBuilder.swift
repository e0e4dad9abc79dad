public import FleetStore

/// When an open chunk seals: the first limit it reaches.
public struct ChunkPolicy: Sendable {
    /// Frames in one chunk.
    public var maximumFrames = 1024
    /// Bytes of raw frames in one chunk.
    public var maximumBytes = 256 * 1024
    /// Event time one chunk may span (queries rely on `ChunkLimits.maximumSpanNanos`).
    public var maximumSpanNanos: UInt64 = ChunkLimits.maximumSpanNanos
    /// Receive time a chunk may stay open. Bounds how long its frames live only in segments,
    /// and so the segments kept: a quiet sender's open chunk keeps every later segment too.
    /// 20 s of a 10 Hz robot is 200 frames, a chunk that still compresses well.
    public var maximumAgeNanos: UInt64 = 20_000_000_000
    /// Raw bytes all open chunks may hold together; past it the oldest seal first. This is
    /// what keeps memory flat with 10,000 robots (their chunks get smaller instead).
    public var openBytesBudget = 32 * 1024 * 1024

    public init() {}
}

/// The open chunk of one stream: its frames as received (`FrameChunk` layout) until it
/// seals, then encoded once by `ChunkCodec` and inserted once.
struct ChunkBuilder {
    var frames: [UInt8] = []
    var count = 0
    var firstSequence: UInt32 = 0
    var lastSequence: UInt32 = 0
    var startNanos: UInt64 = 0
    var endNanos: UInt64 = 0
    /// Receive time of the first frame.
    var openedAt: UInt64 = 0
    /// The oldest segment holding one of its frames: kept until this chunk seals.
    var pinnedSegment: Int64 = 0
    /// Bumped at every seal, so stale entries of the open-order queue can be told apart.
    var generation: UInt32 = 0
    /// Bytes of the chunk this stream sealed last: the next one reserves as much up front.
    var lastSealedBytes = 0

    var isOpen: Bool { count > 0 }

    /// Whether adding a frame of `length` bytes at `timestamp` would break a limit.
    func wouldOverflow(adding length: Int, at timestamp: UInt64, policy: ChunkPolicy) -> Bool {
        guard isOpen else { return false }
        if count + 1 > policy.maximumFrames || frames.count + 4 + length > policy.maximumBytes { return true }
        return max(endNanos, timestamp) - min(startNanos, timestamp) > policy.maximumSpanNanos
    }

    mutating func open(receivedAt: UInt64, segment: Int64) {
        openedAt = receivedAt
        pinnedSegment = segment
        if frames.capacity == 0 && lastSealedBytes > 0 {
            frames.reserveCapacity(lastSealedBytes + lastSealedBytes / 8)
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer, sequence: UInt32, at timestamp: UInt64) {
        if count == 0 {
            firstSequence = sequence
            lastSequence = sequence
            startNanos = timestamp
            endNanos = timestamp
        } else {
            firstSequence = min(firstSequence, sequence)
            lastSequence = max(lastSequence, sequence)
            startNanos = min(startNanos, timestamp)
            endNanos = max(endNanos, timestamp)
        }
        count += 1
        FrameChunk.append(bytes, to: &frames)
    }

    /// Encodes the chunk and empties the builder (its buffer is given back: a stream that
    /// goes quiet holds no memory).
    mutating func seal(_ key: StreamKey) -> ChunkRecord {
        let blob = frames.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) }
        let record = ChunkRecord(
            robotID: key.robotID,
            bootEpoch: key.bootEpoch,
            firstSequence: firstSequence,
            lastSequence: lastSequence,
            startNanos: startNanos,
            endNanos: endNanos,
            frameCount: count,
            frames: blob,
            encoding: ChunkCodec.encoding
        )
        lastSealedBytes = frames.count
        frames = []
        count = 0
        generation &+= 1
        return record
    }
}
