import AllocationCounter
import FleetProtocol
import FleetStore
import Testing

@testable import FleetIngest

/// The pipeline's batches are append-only: every row is written once.
struct AppendOnlyBatchTests {
    private func ingest(_ aggregator: inout Aggregator, _ frame: [UInt8], at receivedAt: UInt64 = 0) {
        frame.withUnsafeBytes { aggregator.ingest(RingFrame(bytes: $0, source: 0, receivedAt: receivedAt)) }
    }

    private func frames(of segment: SegmentRecord?) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try segment?.frames.withUnsafeBytes { try FrameChunk.forEachFrame(in: $0) { out.append(Array($0)) } }
        return out
    }

    private func frames(of chunks: [ChunkRecord]) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for chunk in chunks {
            try chunk.frames.withUnsafeBytes {
                try ChunkCodec.forEachFrame(in: $0, encoding: chunk.encoding) { out.append(Array($0)) }
            }
        }
        return out
    }

    @Test func framesOfOpenChunksAreMadeDurableAsOneSegmentPerBatch() throws {
        var aggregator = Aggregator()
        let sent = (0..<3).map { TestFrames.state(robot: 1, seq: UInt32($0)) } + [TestFrames.state(robot: 2, seq: 0)]
        for frame in sent { ingest(&aggregator, frame) }
        let batch = aggregator.takeBatch().batch
        #expect(batch.chunks.isEmpty, "no chunk is full yet")
        #expect(try frames(of: batch.segment) == sent)
        #expect(batch.segment?.segmentID == 1)
        #expect(batch.releaseSegmentsBelow == nil)
    }

    @Test func aChunkSealsOnceAtItsLimitAndItsSegmentsAreReleased() throws {
        var policy = ChunkPolicy()
        policy.maximumFrames = 4
        var aggregator = Aggregator(chunkPolicy: policy)
        aggregator.ledgerRowIntervalNanos = 0  // ledger rows pin no segment past their batch
        let sent = (0..<6).map { TestFrames.state(robot: 1, seq: UInt32($0)) }
        for frame in sent[0..<3] { ingest(&aggregator, frame) }
        let first = aggregator.takeBatch().batch
        for frame in sent[3...] { ingest(&aggregator, frame) }
        let second = aggregator.takeBatch().batch
        #expect(first.chunks.isEmpty)
        #expect(second.chunks.map(\.frameCount) == [4], "sealed when the fifth frame came")
        #expect(try frames(of: second.chunks) == Array(sent[0..<4]))
        // Frames 4 and 5 are in a new open chunk that pinned segment 2: segment 1 can go.
        #expect(second.segment?.segmentID == 2)
        #expect(second.releaseSegmentsBelow == 2)
        let last = aggregator.takeBatch(final: true).batch
        #expect(try frames(of: last.chunks) == Array(sent[4...]))
        #expect(last.segment == nil)
        #expect(last.releaseSegmentsBelow == 3, "after the final batch no segment is needed")
    }

    @Test func everyFrameEndsUpInExactlyOneSealedChunk() throws {
        var policy = ChunkPolicy()
        policy.maximumFrames = 7
        var aggregator = Aggregator(chunkPolicy: policy)
        var sent: [UInt32: [[UInt8]]] = [:]
        var sealed: [ChunkRecord] = []
        for seq in 0..<100 {
            for robot: UInt32 in 1...5 where (seq + Int(robot)) % 3 != 0 {
                let frame = TestFrames.state(robot: robot, seq: UInt32(seq))
                sent[robot, default: []].append(frame)
                ingest(&aggregator, frame)
            }
            if seq % 9 == 0 { sealed += aggregator.takeBatch().batch.chunks }
        }
        sealed += aggregator.takeBatch(final: true).batch.chunks
        for robot: UInt32 in 1...5 {
            #expect(try frames(of: sealed.filter { $0.robotID == robot }) == sent[robot]!)
        }
    }

    @Test func openChunksStayWithinTheMemoryBudget() {
        var policy = ChunkPolicy()
        policy.openBytesBudget = 64 * 1024
        var aggregator = Aggregator(chunkPolicy: policy)
        var sealedFrames = 0
        for seq in 0..<20 {
            for robot: UInt32 in 1...1000 { ingest(&aggregator, TestFrames.state(robot: robot, seq: UInt32(seq))) }
            #expect(aggregator.openChunkStatistics.bytes <= policy.openBytesBudget)
            sealedFrames += aggregator.takeBatch().batch.chunks.reduce(0) { $0 + $1.frameCount }
        }
        sealedFrames += aggregator.takeBatch(final: true).batch.chunks.reduce(0) { $0 + $1.frameCount }
        #expect(sealedFrames == 20 * 1000)
    }

    @Test func aChunkOpenLongerThanItsAgeSeals() {
        var policy = ChunkPolicy()
        policy.maximumAgeNanos = 5_000_000_000
        var aggregator = Aggregator(chunkPolicy: policy)
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 0), at: 1_000_000_000)
        #expect(aggregator.takeBatch(now: 5_000_000_000).batch.chunks.isEmpty)
        let batch = aggregator.takeBatch(now: 6_000_000_000).batch
        #expect(batch.chunks.map(\.frameCount) == [1])
        #expect(batch.releaseSegmentsBelow == 2)
    }

    @Test func aRollupIsWrittenOnceWhenItsSecondCloses() {
        var aggregator = Aggregator()
        // Frames every 100 ms: seconds 0 and 1 of robot 1, split over three batches.
        for seq in 0..<5 { ingest(&aggregator, TestFrames.state(robot: 1, seq: UInt32(seq))) }
        #expect(aggregator.takeBatch().batch.rollups.isEmpty, "second 0 is still open")
        for seq in 5..<12 { ingest(&aggregator, TestFrames.state(robot: 1, seq: UInt32(seq))) }
        let second = aggregator.takeBatch().batch.rollups
        #expect(second.map(\.count) == [10], "second 0 closed when second 1 began")
        let last = aggregator.takeBatch(final: true).batch.rollups
        #expect(last.map(\.count) == [2])
        #expect(last.first?.bucketSecond == (second.first?.bucketSecond ?? 0) + 1)
    }

    @Test func aQuietRobotsBucketClosesAfterItsWait() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 0), at: 1_000_000_000)
        #expect(aggregator.takeBatch(now: 1_900_000_000).batch.rollups.isEmpty)
        #expect(aggregator.takeBatch(now: 2_000_000_000).batch.rollups.map(\.count) == [1])
    }

    @Test func aLateFrameForAClosedSecondIsAPartialBucket() {
        var aggregator = Aggregator()
        let base = TestFrames.start
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 0, at: base))
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 2, at: base + 1_200_000_000))
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 1, at: base + 500_000_000))
        let rollups = aggregator.takeBatch(final: true).batch.rollups
        let first = Int64(base / 1_000_000_000)
        #expect(rollups.map(\.bucketSecond) == [first, first + 1, first])
        #expect(rollups.map(\.count) == [1, 1, 1])
    }

    @Test func ledgersAndRobotsAreWrittenOnlyWhenTheyChangeAtMostOnceASecond() {
        var aggregator = Aggregator()
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 0), at: 100)
        ingest(&aggregator, TestFrames.state(robot: 2, seq: 0), at: 100)
        let first = aggregator.takeBatch(now: 100).batch
        #expect(first.robots.map(\.robotID) == [1, 2], "a new robot is written at once")
        #expect(first.ledger.isEmpty, "ledgers wait: their frames stay in the segment")
        #expect(first.releaseSegmentsBelow == nil)
        ingest(&aggregator, TestFrames.state(robot: 1, seq: 1), at: 200)
        let second = aggregator.takeBatch(now: 200).batch
        #expect(second.robots.isEmpty, "liveness is written at most once a second")
        #expect(second.ledger.isEmpty)
        let later = aggregator.takeBatch(now: 1_000_000_200).batch
        #expect(later.robots.map(\.robotID) == [1])
        #expect(later.ledger.map(\.robotID) == [1, 2])
        #expect(later.ledger.map(\.received) == [2, 1])
        #expect(later.ledgerThroughSegment == 3, "counts the frames of segments 1 and 2")
        let quiet = aggregator.takeBatch(now: 3_000_000_000).batch
        #expect(quiet.ledger.isEmpty && quiet.robots.isEmpty, "nothing changed")
    }

    @Test func aCrashAfterUnwrittenLedgerChangesIsReplayedFromTheSegments() throws {
        var aggregator = Aggregator()
        let sent = (0..<6).map { TestFrames.state(robot: 4, seq: UInt32($0)) }
        for frame in sent[0..<3] { ingest(&aggregator, frame, at: 10) }
        let first = aggregator.takeBatch(now: 10).batch
        let written = aggregator.takeBatch(now: 2_000_000_000).batch  // the ledger row: 3 frames
        for frame in sent[3...] { ingest(&aggregator, frame, at: 2_000_000_001) }
        let last = aggregator.takeBatch(now: 2_000_000_001).batch  // crash: its ledger change unwritten
        let stored = try #require(written.ledger.first)
        #expect(stored.received == 3)
        #expect(written.releaseSegmentsBelow == nil, "segment 1 is still the only copy of open frames")

        var restarted = Aggregator(restoring: [stored])
        restarted.restore(
            IngestRestoreState(
                ledgers: [stored],
                ledgerThroughSegment: [StreamKey(robotID: 4, bootEpoch: 0): written.ledgerThroughSegment],
                segments: [first.segment!, last.segment!],
                nextSegmentID: 3
            )
        )
        ingest(&restarted, sent[5])  // a resend: recognised although the crash lost its ledger row
        let after = restarted.takeBatch(final: true).batch
        #expect(restarted.totals.duplicates == 1)
        #expect(after.ledger.first?.received == 6)
        #expect(try frames(of: after.chunks) == sent)
    }

    @Test(.enabled(if: fleet_allocation_counter_available() == 1))
    func aFrameInSteadyStateAllocatesNothing() {
        // Chunks of 8 frames: a frame that seals one chunk and opens the next pays for that
        // (the encoded blob, the next buffer sized like the last); every other frame
        // allocates nothing.
        var policy = ChunkPolicy()
        policy.maximumFrames = 8
        var aggregator = Aggregator(verifiesFrames: false, chunkPolicy: policy)
        let robots: [UInt32] = Array(1...50)
        // Frames 1 ms apart in event time, so no rollup bucket closes while measuring.
        func frame(_ robot: UInt32, _ seq: Int) -> [UInt8] {
            TestFrames.state(robot: robot, seq: UInt32(seq), at: TestFrames.start + UInt64(seq) * 1_000_000)
        }
        for seq in 0..<24 {
            for robot in robots { ingest(&aggregator, frame(robot, seq)) }
            if seq % 5 == 4 { _ = aggregator.takeBatch() }
        }
        _ = aggregator.takeBatch()
        var steady = 0
        var boundary = 0
        for seq in 24..<40 {
            for robot in robots {
                frame(robot, seq).withUnsafeBytes { bytes in
                    let ringFrame = RingFrame(bytes: bytes, source: 0, receivedAt: 0)
                    fleet_allocation_counter_start()
                    aggregator.ingest(ringFrame)
                    let count = fleet_allocation_counter_stop()
                    if seq % 8 == 0 { boundary += count } else { steady += count }
                }
            }
            // The batch buffers keep their capacity from batch to batch.
            if seq % 5 == 4 { _ = aggregator.takeBatch() }
        }
        #expect(steady == 0, "\(steady) allocations in \(14 * robots.count) frames inside chunks")
        // Sealing encodes the chunk (zstd, column buffers): a bounded number per chunk,
        // whatever its size, so per frame it vanishes with real chunk sizes (hundreds).
        #expect(boundary <= 2 * robots.count * 64, "\(boundary) allocations for \(2 * robots.count) chunk boundaries")
    }
}
