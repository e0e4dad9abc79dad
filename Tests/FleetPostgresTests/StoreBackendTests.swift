import FleetProtocol
import FleetStore
import FleetTestSupport
import Foundation
import Testing

/// The ingest side of the storage boundary, one suite for every backend: what a batch
/// commits, a restart restores and a reader returns must be the same on SQLite and
/// PostgreSQL, byte for byte.
struct StoreBackendTests {
    static let origin: UInt64 = 1_760_000_000_000_000_000
    static let ms: UInt64 = 1_000_000

    /// Robots 1 and 2, boot epoch 1, twenty frames each, 100 ms apart.
    static let frames: [BackendTestFrame] = (0..<20).flatMap { i -> [BackendTestFrame] in
        let time = origin + UInt64(i) * 100 * ms
        return [
            BackendTestFrame(.sanitationState, robot: 1, sequence: UInt32(i), time: time),
            BackendTestFrame(.heartbeat, robot: 2, sequence: UInt32(i), time: time + 50 * ms),
        ]
    }

    static func part(_ sequences: Range<Int>, robot: UInt32? = nil) -> [BackendTestFrame] {
        frames.filter { sequences.contains(Int($0.sequence)) && (robot == nil || $0.robot == robot) }
    }

    static func segment(_ id: Int64, _ sequences: Range<Int>) -> SegmentRecord {
        let frames = part(sequences)
        return SegmentRecord(
            segmentID: id,
            startNanos: frames.map(\.time).min()!,
            endNanos: frames.map(\.time).max()!,
            frameCount: frames.count,
            frames: BackendTestFrame.lengthPrefixed(frames)
        )
    }

    static func chunk(_ robot: UInt32, _ sequences: Range<Int>, columnar: Bool) -> ChunkRecord {
        let frames = part(sequences, robot: robot)
        let plain = BackendTestFrame.lengthPrefixed(frames)
        return ChunkRecord(
            robotID: robot,
            bootEpoch: 1,
            firstSequence: frames.first!.sequence,
            lastSequence: frames.last!.sequence,
            startNanos: frames.first!.time,
            endNanos: frames.last!.time,
            frameCount: frames.count,
            frames: columnar ? plain.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) } : plain,
            encoding: columnar ? ChunkCodec.encoding : .lengthPrefixed
        )
    }

    static func ledger(_ robot: UInt32, through last: Int, gaps: [SequenceRange] = []) -> LedgerRecord {
        LedgerRecord(
            robotID: robot,
            bootEpoch: 1,
            received: last + 1,
            duplicates: 1,
            outOfOrder: 2,
            rejected: 3,
            dropped: 0,
            highestSequence: UInt32(last),
            firstNanos: origin,
            lastNanos: origin + UInt64(last) * 100 * ms,
            gaps: gaps,
            rejectedSequences: [SequenceRange(40, 41)]
        )
    }

    /// Every frame the store returns, by key; a frame returned twice fails the test.
    static func stored(_ reader: any TelemetryReader, robot: UInt32? = nil) throws -> [FrameKey: [UInt8]] {
        var out: [FrameKey: [UInt8]] = [:]
        try reader.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: robot) { header, bytes in
            let key = FrameKey(
                stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                sequence: header.sequence
            )
            #expect(out[key] == nil, "\(key) returned twice")
            out[key] = Array(bytes)
        }
        return out
    }

    static func expected(_ frames: [BackendTestFrame]) -> [FrameKey: [UInt8]] {
        Dictionary(
            uniqueKeysWithValues: frames.map {
                (FrameKey(stream: StreamKey(robotID: $0.robot, bootEpoch: 1), sequence: $0.sequence), $0.bytes)
            }
        )
    }

    @Test(arguments: Backend.available)
    func segmentsThenChunksRestoreAfterARestartAndReadBackByteForByte(backend: Backend) throws {
        let place = try backend.makePlace()
        defer { place.remove() }
        do {
            let store = try place.open()
            var first = WriteBatch()
            first.segment = Self.segment(1, 0..<10)
            first.ledger = [Self.ledger(1, through: 9), Self.ledger(2, through: 9, gaps: [SequenceRange(3, 4)])]
            first.ledgerThroughSegment = 2
            first.robots = [
                RobotRecord(robotID: 1, kind: "sanitation", bootEpoch: 1, lastSeenNanos: Self.origin),
                RobotRecord(robotID: 2, kind: nil, bootEpoch: 1, lastSeenNanos: Self.origin),
            ]
            first.counterDeltas = [("frames.accepted", 20), ("frames.rejected.bad_checksum", 3)]
            first.events = [
                EventRecord(
                    robotID: 1,
                    senderID: 1,
                    bootEpoch: 1,
                    sequence: 99,
                    runID: nil,
                    timestampNanos: Self.origin,
                    messageType: MessageType.heartbeat.rawValue,
                    frame: Self.frames[1].bytes
                )
            ]
            first.frameCount = 20
            try store.commit(first, at: 1)

            var second = WriteBatch()
            second.chunks = [Self.chunk(1, 0..<10, columnar: true), Self.chunk(2, 0..<10, columnar: false)]
            second.segment = Self.segment(2, 10..<20)
            second.counterDeltas = [("frames.accepted", 20)]
            second.frameCount = 20
            try store.commit(second, at: 2)
            #expect(try Self.stored(store) == Self.expected(Self.frames), "chunks and segments, each frame once")
        }

        // A restart: the live segments, which of their frames a chunk holds, the ledgers.
        let store = try place.open()
        let restored = try store.restoreIngestState()
        #expect(restored.segments.map(\.segmentID) == [1, 2])
        #expect(restored.segments.map(\.frames) == [Self.segment(1, 0..<10).frames, Self.segment(2, 10..<20).frames])
        #expect(restored.sealedFrames == Set(Self.expected(Self.part(0..<10)).keys))
        #expect(restored.nextSegmentID == 3)
        #expect(
            restored.ledgers == [Self.ledger(1, through: 9), Self.ledger(2, through: 9, gaps: [SequenceRange(3, 4)])]
        )
        #expect(restored.ledgerThroughSegment[StreamKey(robotID: 2, bootEpoch: 1)] == 2)

        var third = WriteBatch()
        third.chunks = [Self.chunk(1, 10..<20, columnar: true), Self.chunk(2, 10..<20, columnar: true)]
        third.releaseSegmentsBelow = 3
        third.ledger = [Self.ledger(1, through: 19), Self.ledger(2, through: 19)]
        third.ledgerThroughSegment = 3
        try store.commit(third, at: 3)

        #expect(try Self.stored(store) == Self.expected(Self.frames))
        #expect(try Self.stored(store, robot: 2) == Self.expected(Self.part(0..<20, robot: 2)))
        #expect(try store.restoreIngestState().segments.isEmpty, "every segment released")
        #expect(try store.lossLedger(robotID: nil) == [Self.ledger(1, through: 19), Self.ledger(2, through: 19)])
        #expect(try store.lossLedger(robotID: 2) == [Self.ledger(2, through: 19)])
        let counters = try store.ingestStatistics()
        #expect(counters["frames.accepted"] == 40 && counters["frames.rejected.bad_checksum"] == 3)
    }

    @Test(arguments: Backend.available)
    func rollupBucketsWrittenTwiceMergeInsteadOfFailing(backend: Backend) throws {
        let place = try backend.makePlace()
        defer { place.remove() }
        let store = try place.open()
        func rollup(_ value: Double, count: Int, last: UInt64) -> RollupRecord {
            var stats = RollupStats(metricCount: 2)
            stats.add(value, metric: 0)
            stats.add(value * 2, metric: 1)
            return RollupRecord(
                robotID: 1,
                messageType: 1,
                bucketSecond: 1_760_000_000,
                count: count,
                lastNanos: last,
                stats: stats
            )
        }
        var batch = WriteBatch()
        // The same bucket twice in one batch, then again in the next (a late frame).
        batch.rollups = [rollup(1, count: 1, last: 10), rollup(5, count: 1, last: 20)]
        try store.commit(batch, at: 1)
        batch.rollups = [rollup(3, count: 1, last: 15)]
        try store.commit(batch, at: 2)
        let stored = try place.open().rollups(
            robotID: 1,
            messageType: 1,
            fromSecond: 1_760_000_000,
            toSecond: 1_760_000_000
        )
        #expect(stored.count == 1)
        let bucket = try #require(stored.first)
        #expect(bucket.count == 3 && bucket.lastNanos == 20)
        #expect(bucket.stats.min(0) == 1 && bucket.stats.max(0) == 5 && bucket.stats.sum(0) == 9)
        #expect(bucket.stats.last(0) == 5 && bucket.stats.last(1) == 10, "last from the newest observation")
    }
}

/// A frame with a real header and checksum and a fixed body pattern.
struct BackendTestFrame: Equatable, Sendable {
    var robot: UInt32
    var sequence: UInt32
    var time: UInt64
    var bytes: [UInt8]

    init(_ type: MessageType, robot: UInt32, sequence: UInt32, time: UInt64) {
        let body = (0..<type.bodySize).map { UInt8((Int($0) * 7 + Int(sequence) * 3 + Int(robot)) % 64) }
        let header = FrameHeader(
            messageType: type.rawValue,
            robotID: robot,
            bootEpoch: 1,
            sequence: sequence,
            bodyLength: UInt32(type.bodySize),
            timestampNanoseconds: time
        )
        self.robot = robot
        self.sequence = sequence
        self.time = time
        bytes = FrameEncoder.encode(header: header, body: body)
    }

    static func lengthPrefixed(_ frames: [BackendTestFrame]) -> [UInt8] {
        var blob: [UInt8] = []
        for frame in frames { frame.bytes.withUnsafeBytes { FrameChunk.append($0, to: &blob) } }
        return blob
    }
}
