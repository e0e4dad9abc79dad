/// Everything the pipeline hands the writer for one transaction. Every row is written once
/// (append-only): sealed chunks are inserted once, the batch's not-yet-sealed frames go into
/// one segment row, rollups only for buckets that closed, ledgers and robots only when they
/// changed.
///
/// A batch is committed whole or not at all; in reliable mode the acknowledgements for its
/// frames are sent only after the commit returns.
public struct WriteBatch: Sendable {
    /// Sealed chunks, each inserted once (`ChunkRecord.encoding` says how its blob is encoded).
    public var chunks: [ChunkRecord] = []
    /// The batch's accepted frames that are not in a sealed chunk of this batch: made
    /// durable as one row, folded into their chunks when those seal.
    public var segment: SegmentRecord?
    /// Every frame of the segments with an id below this is now in a sealed chunk (committed
    /// in this batch or before): those segment rows can go.
    public var releaseSegmentsBelow: Int64?
    /// Rollup buckets that closed (written once); a late frame's partial bucket merges.
    public var rollups: [RollupRecord] = []
    public var events: [EventRecord] = []
    /// Ledgers that changed since they were last written (each at most about once a
    /// second: a lossy stream's ledger carries all its gaps).
    public var ledger: [LedgerRecord] = []
    /// Every frame in segments below this id is counted in this batch's `ledger` rows; a
    /// restart replays the frames of later segments into them (store it with each row).
    public var ledgerThroughSegment: Int64 = 0
    /// Robots whose row changed (new, new boot epoch or kind, last seen moved on).
    public var robots: [RobotRecord] = []
    /// Counter increments since the last batch, by name (e.g. `frames.rejected.bad_checksum`).
    public var counterDeltas: [(name: String, delta: Int64)] = []
    /// Frames in this batch (accepted and stored), for metrics.
    public var frameCount: Int = 0
    /// The live scorer's board rows, committed with the frames they score.
    public var provisionalScores: [ProvisionalScoreRecord] = []
    /// Results the live scorer finished (a run that stopped).
    public var runResults: [RunResultWrite] = []

    public init() {}

    public var isEmpty: Bool {
        chunks.isEmpty && segment == nil && releaseSegmentsBelow == nil && rollups.isEmpty && events.isEmpty
            && ledger.isEmpty && robots.isEmpty && counterDeltas.isEmpty && provisionalScores.isEmpty
            && runResults.isEmpty
    }
}

/// Frames made durable before their chunk sealed: one row per batch, holding frames of many
/// robots in `FrameChunk`'s length-prefixed format, in arrival order. Readers union live
/// segments with sealed chunks (a frame can be in both until its segment is released; the
/// key (robot, boot epoch, sequence) tells them apart).
public struct SegmentRecord: Sendable, Equatable {
    /// Increasing with every batch; assigned by the pipeline.
    public var segmentID: Int64
    /// Smallest and largest event time of its frames.
    public var startNanos: UInt64
    public var endNanos: UInt64
    public var frameCount: Int
    /// `FrameChunk` (length-prefixed) blob.
    public var frames: [UInt8]

    public init(segmentID: Int64, startNanos: UInt64, endNanos: UInt64, frameCount: Int, frames: [UInt8]) {
        self.segmentID = segmentID
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.frameCount = frameCount
        self.frames = frames
    }
}

/// One stored frame's identity: a stream's sequence numbers are unique in the store.
public struct FrameKey: Hashable, Sendable {
    public var stream: StreamKey
    public var sequence: UInt32

    public init(stream: StreamKey, sequence: UInt32) {
        self.stream = stream
        self.sequence = sequence
    }
}

/// How a chunk's blob is encoded; stored with the chunk (`frame_chunk.encoding`).
public enum ChunkEncoding: UInt8, Sendable, Equatable, CaseIterable {
    /// `FrameChunk`: each frame's exact bytes behind a length prefix (schema v1 rows).
    case lengthPrefixed = 0
    /// `ChunkCodec`: header fields once, sequence and time delta-of-delta, fields column by
    /// column, compressed; decodes to the exact bytes received.
    case columnar = 1
}

/// Frames of one robot and boot epoch, stored as one `frame_chunk` row.
public struct ChunkRecord: Sendable, Equatable {
    public var robotID: UInt32
    public var bootEpoch: UInt32
    public var firstSequence: UInt32
    public var lastSequence: UInt32
    public var startNanos: UInt64
    public var endNanos: UInt64
    public var frameCount: Int
    /// The frames, encoded as `encoding` says.
    public var frames: [UInt8]
    public var encoding: ChunkEncoding

    public init(
        robotID: UInt32,
        bootEpoch: UInt32,
        firstSequence: UInt32,
        lastSequence: UInt32,
        startNanos: UInt64,
        endNanos: UInt64,
        frameCount: Int,
        frames: [UInt8],
        encoding: ChunkEncoding = .lengthPrefixed
    ) {
        self.encoding = encoding
        self.robotID = robotID
        self.bootEpoch = bootEpoch
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.frameCount = frameCount
        self.frames = frames
    }
}

/// Partial statistics of one 1-second bucket; merged into the stored row on conflict.
public struct RollupRecord: Sendable, Equatable {
    public var robotID: UInt32
    public var messageType: UInt8
    /// Whole seconds since the Unix epoch.
    public var bucketSecond: Int64
    public var count: Int
    /// Timestamp of the observation `stats.last` came from.
    public var lastNanos: UInt64
    public var stats: RollupStats

    public init(
        robotID: UInt32,
        messageType: UInt8,
        bucketSecond: Int64,
        count: Int,
        lastNanos: UInt64,
        stats: RollupStats
    ) {
        self.robotID = robotID
        self.messageType = messageType
        self.bucketSecond = bucketSecond
        self.count = count
        self.lastNanos = lastNanos
        self.stats = stats
    }
}

/// One event frame (robot or referee event), kept whole.
public struct EventRecord: Sendable, Equatable {
    /// The robot the event is about: the sender for robot events, the body's robot for
    /// referee events (0 for run-wide referee events).
    public var robotID: UInt32
    public var senderID: UInt32
    public var bootEpoch: UInt32
    public var sequence: UInt32
    /// For referee events, the run they name.
    public var runID: UInt32?
    public var timestampNanos: UInt64
    public var messageType: UInt8
    public var frame: [UInt8]

    public init(
        robotID: UInt32,
        senderID: UInt32,
        bootEpoch: UInt32,
        sequence: UInt32,
        runID: UInt32?,
        timestampNanos: UInt64,
        messageType: UInt8,
        frame: [UInt8]
    ) {
        self.robotID = robotID
        self.senderID = senderID
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.runID = runID
        self.timestampNanos = timestampNanos
        self.messageType = messageType
        self.frame = frame
    }
}

/// An inclusive range of sequence numbers.
public struct SequenceRange: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var first: UInt32
    public var last: UInt32

    public init(_ first: UInt32, _ last: UInt32) {
        precondition(first <= last)
        self.first = first
        self.last = last
    }

    public var count: Int { Int(last - first) + 1 }
    public func contains(_ s: UInt32) -> Bool { s >= first && s <= last }
    public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }
}

/// The loss ledger of one robot and boot epoch.
public struct LedgerRecord: Sendable, Equatable {
    public var robotID: UInt32
    public var bootEpoch: UInt32
    /// Distinct frames accepted.
    public var received: Int
    /// Frames that repeated a sequence number already accepted (not stored again).
    public var duplicates: Int
    /// Frames that arrived after a later sequence number had (they filled a gap).
    public var outOfOrder: Int
    /// Frames that claimed this robot and epoch but failed validation.
    public var rejected: Int
    /// Frames the sender dropped in pub mode because the ring was full.
    public var dropped: Int
    /// Highest sequence number accepted, nil before the first.
    public var highestSequence: UInt32?
    public var firstNanos: UInt64
    public var lastNanos: UInt64
    /// Sequence numbers below `highestSequence` never received in any form, as ranges.
    public var gaps: [SequenceRange]
    /// Sequence numbers received but rejected (and not received valid later).
    public var rejectedSequences: [SequenceRange]

    public init(
        robotID: UInt32,
        bootEpoch: UInt32,
        received: Int = 0,
        duplicates: Int = 0,
        outOfOrder: Int = 0,
        rejected: Int = 0,
        dropped: Int = 0,
        highestSequence: UInt32? = nil,
        firstNanos: UInt64 = 0,
        lastNanos: UInt64 = 0,
        gaps: [SequenceRange] = [],
        rejectedSequences: [SequenceRange] = []
    ) {
        self.robotID = robotID
        self.bootEpoch = bootEpoch
        self.received = received
        self.duplicates = duplicates
        self.outOfOrder = outOfOrder
        self.rejected = rejected
        self.dropped = dropped
        self.highestSequence = highestSequence
        self.firstNanos = firstNanos
        self.lastNanos = lastNanos
        self.gaps = gaps
        self.rejectedSequences = rejectedSequences
    }

    /// Frames the sender sent, as far as this side can tell: every sequence number up to the
    /// highest seen, or more if frames were dropped after it (a full ring drops the newest
    /// frames, whose numbers may never be followed by a stored one).
    public var expected: Int {
        let bySequence = highestSequence.map { Int($0) + 1 } ?? 0
        let byCount = received + dropped + rejectedSequences.reduce(0) { $0 + $1.count }
        return max(bySequence, byCount)
    }
    /// Frames missing from the store: gaps plus rejected.
    public var missing: Int { gaps.reduce(0) { $0 + $1.count } + rejectedSequences.reduce(0) { $0 + $1.count } }
    /// received / expected, 1 when nothing was expected.
    public var completeness: Double { expected == 0 ? 1 : Double(received) / Double(expected) }
}

/// Liveness of a robot (its latest state is the newest state frame in its chunks).
public struct RobotRecord: Sendable, Equatable {
    public var robotID: UInt32
    /// `sanitation`, `humanoid` or `referee`, from the frames it sends; nil if not known yet.
    public var kind: String?
    public var bootEpoch: UInt32
    /// Event time of the oldest frame this writer has seen from the robot (the store keeps
    /// the oldest of all it was given).
    public var firstSeenNanos: UInt64
    public var lastSeenNanos: UInt64

    public init(robotID: UInt32, kind: String?, bootEpoch: UInt32, firstSeenNanos: UInt64? = nil, lastSeenNanos: UInt64)
    {
        self.robotID = robotID
        self.kind = kind
        self.bootEpoch = bootEpoch
        self.firstSeenNanos = firstSeenNanos ?? lastSeenNanos
        self.lastSeenNanos = lastSeenNanos
    }
}
