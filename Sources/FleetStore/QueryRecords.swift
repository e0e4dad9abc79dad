public import FleetProtocol

/// A frame as stored: its exact bytes and the header read from them.
public struct StoredFrame: Sendable, Equatable {
    public var header: FrameHeader
    public var bytes: [UInt8]

    /// The frame decoded (it was valid when stored; a nil result means the row was
    /// damaged after the fact).
    public var frame: Frame? { try? FrameDecoder.decode(bytes) }

    public init(header: FrameHeader, bytes: [UInt8]) {
        self.header = header
        self.bytes = bytes
    }
}

/// One point of a metric series: the statistics of one step-long bucket.
public struct MetricPoint: Sendable, Equatable, Codable {
    /// Bucket start, seconds since the Unix epoch.
    public var second: Int64
    public var count: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    public var last: Double

    public init(second: Int64, count: Int, min: Double, max: Double, mean: Double, last: Double) {
        self.second = second
        self.count = count
        self.min = min
        self.max = max
        self.mean = mean
        self.last = last
    }
}

public struct StoredEvent: Sendable, Equatable {
    public var eventID: Int64
    public var robotID: UInt32
    public var senderID: UInt32
    public var runID: UInt32?
    public var timestampNanos: UInt64
    public var messageType: UInt8
    public var bytes: [UInt8]

    public var frame: Frame? { try? FrameDecoder.decode(bytes) }

    public init(
        eventID: Int64,
        robotID: UInt32,
        senderID: UInt32,
        runID: UInt32?,
        timestampNanos: UInt64,
        messageType: UInt8,
        bytes: [UInt8]
    ) {
        self.eventID = eventID
        self.robotID = robotID
        self.senderID = senderID
        self.runID = runID
        self.timestampNanos = timestampNanos
        self.messageType = messageType
        self.bytes = bytes
    }
}

public struct RobotSummary: Sendable, Equatable {
    public var robotID: UInt32
    public var kind: String?
    public var name: String?
    public var team: String?
    public var bootEpoch: UInt32
    public var firstSeenNanos: UInt64
    public var lastSeenNanos: UInt64

    public init(
        robotID: UInt32,
        kind: String?,
        name: String?,
        team: String?,
        bootEpoch: UInt32,
        firstSeenNanos: UInt64,
        lastSeenNanos: UInt64
    ) {
        self.robotID = robotID
        self.kind = kind
        self.name = name
        self.team = team
        self.bootEpoch = bootEpoch
        self.firstSeenNanos = firstSeenNanos
        self.lastSeenNanos = lastSeenNanos
    }
}

/// Limits that keep one query from reading the whole database into memory.
public enum QueryLimits {
    /// Refuses a range that starts after it ends or reaches past what a store holds (2^63-1 ns).
    public static func checkRange(_ from: UInt64, _ to: UInt64) throws(StorageError) {
        guard from <= to else {
            throw StorageError(.badQuery, "the range starts (\(from) ns) after it ends (\(to) ns)")
        }
        guard to <= UInt64(Int64.max) else {
            throw StorageError(.badQuery, "time \(to) ns is beyond what the store can hold")
        }
    }

    public static let maximumFrames = 200_000
    public static let maximumPoints = 100_000
    public static let maximumEvents = 100_000
}

/// What `fleet query stats` says about retention: what was pruned, what the oldest kept data is.
public struct RetentionStatistics: Sendable, Equatable {
    public var prunedChunks: Int64
    public var prunedFrames: Int64
    public var prunedRollups: Int64
    /// Raw frames before this (ns) were pruned, except in kept run windows; nil: never pruned.
    public var rawPrunedBeforeNanos: UInt64?
    /// Rollups of seconds before this were pruned; nil: never pruned.
    public var rollupsPrunedBeforeSecond: Int64?
    /// The first event time of the oldest stored chunk or segment; nil when there is none.
    public var oldestRawNanos: UInt64?
    /// The oldest stored rollup second; nil when there is none.
    public var oldestRollupSecond: Int64?
    /// `PRAGMA auto_vacuum` is INCREMENTAL: pruning can shrink the file.
    public var incrementalVacuum: Bool
    /// Pages free inside the file (reused by later writes, or handed back by vacuum).
    public var freePages: Int

    public init(
        prunedChunks: Int64,
        prunedFrames: Int64,
        prunedRollups: Int64,
        rawPrunedBeforeNanos: UInt64?,
        rollupsPrunedBeforeSecond: Int64?,
        oldestRawNanos: UInt64?,
        oldestRollupSecond: Int64?,
        incrementalVacuum: Bool,
        freePages: Int
    ) {
        self.prunedChunks = prunedChunks
        self.prunedFrames = prunedFrames
        self.prunedRollups = prunedRollups
        self.rawPrunedBeforeNanos = rawPrunedBeforeNanos
        self.rollupsPrunedBeforeSecond = rollupsPrunedBeforeSecond
        self.oldestRawNanos = oldestRawNanos
        self.oldestRollupSecond = oldestRollupSecond
        self.incrementalVacuum = incrementalVacuum
        self.freePages = freePages
    }
}
