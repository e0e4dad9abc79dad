import FleetProtocol
import FleetStore
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// The SQLite backend as the ingester drives it: segments made durable per batch, chunks
/// sealed later (either encoding), segments released once folded, restarts in between.
struct IngestStoreTests {
    static let origin: UInt64 = 1_760_000_000_000_000_000
    static let ms: UInt64 = 1_000_000
    static let everyone: @Sendable (UInt32) -> Bool = { _ in true }

    /// Robots 1 and 2, boot epoch 1, twenty frames each, 100 ms apart, robot 2 50 ms after
    /// robot 1; in arrival order.
    static let frames: [TestFrame] = {
        var frames: [TestFrame] = []
        for i in 0..<20 {
            let time: UInt64 = origin + UInt64(i) * 100 * ms
            frames.append(TestFrame(.sanitationState, robot: 1, boot: 1, sequence: UInt32(i), time: time))
            frames.append(TestFrame(.heartbeat, robot: 2, boot: 1, sequence: UInt32(i), time: time + 50 * ms))
        }
        return frames
    }()

    static func of(_ robot: UInt32, _ sequences: Range<Int>) -> [TestFrame] {
        frames.filter { $0.robot == robot && sequences.contains(Int($0.sequence)) }
    }

    static func segment(_ id: Int64, _ sequences: Range<Int>) -> SegmentRecord {
        let part = frames.filter { sequences.contains(Int($0.sequence)) }
        return SegmentRecord(
            segmentID: id,
            startNanos: part.map(\.time).min()!,
            endNanos: part.map(\.time).max()!,
            frameCount: part.count,
            frames: TestFrame.lengthPrefixed(part)
        )
    }

    static func chunk(_ robot: UInt32, _ sequences: Range<Int>, encoding: ChunkEncoding) -> ChunkRecord {
        let part = of(robot, sequences)
        let lengthPrefixed = TestFrame.lengthPrefixed(part)
        return ChunkRecord(
            robotID: robot,
            bootEpoch: 1,
            firstSequence: part.first!.sequence,
            lastSequence: part.last!.sequence,
            startNanos: part.first!.time,
            endNanos: part.last!.time,
            frameCount: part.count,
            frames: encoding == .lengthPrefixed
                ? lengthPrefixed : lengthPrefixed.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) },
            encoding: encoding == .lengthPrefixed ? .lengthPrefixed : ChunkCodec.encoding
        )
    }

    /// Every reader returns each of `robot`'s frames with a sequence in `sequences` exactly
    /// once, in time order.
    static func expectFrames(
        _ database: FleetDatabase,
        through last: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for robot: UInt32 in [1, 2] {
            let stored = try database.frames(robotID: robot, from: 0, to: origin + 10_000 * ms)
            #expect(
                stored.map(\.bytes) == of(robot, 0..<last + 1).map(\.bytes),
                "robot \(robot)",
                sourceLocation: sourceLocation
            )
        }
        var passed: [[UInt8]] = []
        let store = SQLiteCompetitionStore(database: database)
        try store.forEachFrame(from: 0, to: origin + 10_000 * ms, senders: everyone) { sender, header, bytes in
            #expect(header?.robotID == sender, sourceLocation: sourceLocation)
            passed.append(Array(bytes))
        }
        let expected = (of(1, 0..<last + 1) + of(2, 0..<last + 1)).map(\.bytes)
        #expect(passed.count == expected.count, "forEachFrame passes every frame once", sourceLocation: sourceLocation)
        #expect(Set(passed) == Set(expected), sourceLocation: sourceLocation)
        let latest = try database.latestState(robotID: 1)
        #expect(latest?.bytes == of(1, last..<last + 1).first?.bytes, "latest state", sourceLocation: sourceLocation)
    }

    /// The files as a power cut would leave them after the last commit (synchronous FULL:
    /// the WAL holds every committed batch), opened as a new process would.
    static func reopenAfterCrash(_ temporary: TemporaryDatabase, name: String) throws -> FleetDatabase {
        let folder = temporary.folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(
                atPath: temporary.database.path + suffix,
                toPath: folder.appendingPathComponent("fleet.db" + suffix).path
            )
        }
        return try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path)
    }

    static func expectRestore(
        _ database: FleetDatabase,
        segments: [SegmentRecord],
        next: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let state = try database.restoreIngestState()
        #expect(state.segments == segments, sourceLocation: sourceLocation)
        #expect(state.nextSegmentID == next, sourceLocation: sourceLocation)
        #expect(state.ledgers.map(\.robotID) == [1, 2], sourceLocation: sourceLocation)
    }

    @Test func segmentsChunksAndReleasesReadAsOneStreamWithEveryFrameOnce() throws {
        let temporary = try TemporaryDatabase()
        let database = temporary.database
        let empty = try database.restoreIngestState()
        #expect(empty.segments.isEmpty && empty.ledgers.isEmpty && empty.nextSegmentID == 1)

        // Batch 1: frames 0-9 of both robots, durable as segment 1 only.
        var batch = WriteBatch()
        batch.segment = Self.segment(1, 0..<10)
        batch.ledger = [
            LedgerRecord(robotID: 1, bootEpoch: 1, received: 10, highestSequence: 9, gaps: [SequenceRange(3, 4)]),
            LedgerRecord(robotID: 2, bootEpoch: 1, received: 10, highestSequence: 9),
        ]
        batch.frameCount = 20
        try database.commit(batch, at: Self.origin)
        try Self.expectFrames(database, through: 9)
        try Self.expectRestore(database, segments: [Self.segment(1, 0..<10)], next: 2)

        // Batch 2: frames 10-14 as segment 2; robot 1's frames 0-9 seal (length-prefixed).
        // Segment 1 still holds robot 2's unsealed frames: nothing is released.
        batch = WriteBatch()
        batch.segment = Self.segment(2, 10..<15)
        batch.chunks = [Self.chunk(1, 0..<10, encoding: .lengthPrefixed)]
        try database.commit(batch, at: Self.origin + 1)
        try Self.expectFrames(database, through: 14)
        try Self.expectRestore(database, segments: [Self.segment(1, 0..<10), Self.segment(2, 10..<15)], next: 3)
        let crashed = try Self.reopenAfterCrash(temporary, name: "crash-1")
        try Self.expectFrames(crashed, through: 14)
        try Self.expectRestore(crashed, segments: [Self.segment(1, 0..<10), Self.segment(2, 10..<15)], next: 3)

        // Batch 3: frames 15-19 as segment 3; robot 2's 0-14 and robot 1's 10-14 seal with
        // the codec's encoding, so segments 1 and 2 are folded and go.
        batch = WriteBatch()
        batch.segment = Self.segment(3, 15..<20)
        batch.chunks = [
            Self.chunk(2, 0..<15, encoding: ChunkCodec.encoding), Self.chunk(1, 10..<15, encoding: ChunkCodec.encoding),
        ]
        batch.releaseSegmentsBelow = 3
        try database.commit(batch, at: Self.origin + 2)
        try Self.expectFrames(database, through: 19)
        try Self.expectRestore(database, segments: [Self.segment(3, 15..<20)], next: 4)
        let crashedAgain = try Self.reopenAfterCrash(temporary, name: "crash-2")
        try Self.expectFrames(crashedAgain, through: 19)
        try Self.expectRestore(crashedAgain, segments: [Self.segment(3, 15..<20)], next: 4)

        // Batch 4: the rest seals; no segment is live.
        batch = WriteBatch()
        batch.chunks = [
            Self.chunk(1, 15..<20, encoding: .lengthPrefixed), Self.chunk(2, 15..<20, encoding: ChunkCodec.encoding),
        ]
        batch.releaseSegmentsBelow = 4
        try database.commit(batch, at: Self.origin + 3)
        try Self.expectFrames(database, through: 19)
        try Self.expectRestore(database, segments: [], next: 1)
        let encodings = try database.read {
            try Int.fetchAll($0, sql: "SELECT encoding FROM frame_chunk ORDER BY chunk_id")
        }
        #expect(encodings.count == 5)
        #expect(Set(encodings).isSubset(of: [0, Int(ChunkCodec.encoding.rawValue)]))
        try database.finishIngest()
        #expect(try database.integrityCheck() == "ok")
    }

    @Test func aFrameInBothAChunkAndASegmentIsReturnedOnceInEveryQueryWindow() throws {
        let temporary = try TemporaryDatabase()
        var batch = WriteBatch()
        batch.segment = Self.segment(7, 0..<20)
        batch.chunks = [Self.chunk(1, 0..<12, encoding: .lengthPrefixed)]
        try temporary.database.commit(batch, at: 0)
        for (from, to) in [(0, 5), (5, 15), (11, 12), (19, 30)] {
            let stored = try temporary.database.frames(
                robotID: 1,
                from: Self.origin + UInt64(from) * 100 * Self.ms,
                to: Self.origin + UInt64(to) * 100 * Self.ms
            )
            #expect(stored.map(\.bytes) == Self.of(1, from..<min(to, 19) + 1).map(\.bytes), "\(from)-\(to)")
        }
        let limited = try temporary.database.frames(robotID: 1, from: 0, to: Self.origin * 2, limit: 13)
        #expect(limited.map(\.header.sequence) == Array(0..<13))
        let typed = try temporary.database.frames(robotID: 2, from: 0, to: Self.origin * 2, types: [.sanitationState])
        #expect(typed.isEmpty, "robot 2 sends heartbeats only")
        #expect(try temporary.database.latestState(robotID: 2) == nil)
    }

    @Test(arguments: [ChunkEncoding.lengthPrefixed, ChunkCodec.encoding])
    func aChunkLongerThanTheSpanBoundIsSplitAndReadBackWhole(encoding: ChunkEncoding) throws {
        let temporary = try TemporaryDatabase()
        let second: UInt64 = 1_000_000_000
        let frames = (0..<50).map {
            TestFrame(
                .sanitationState,
                robot: 9,
                boot: 2,
                sequence: UInt32($0),
                time: Self.origin + UInt64($0) * 3 * second
            )
        }
        let lengthPrefixed = TestFrame.lengthPrefixed(frames)
        var batch = WriteBatch()
        batch.chunks = [
            ChunkRecord(
                robotID: 9,
                bootEpoch: 2,
                firstSequence: 0,
                lastSequence: 49,
                startNanos: frames.first!.time,
                endNanos: frames.last!.time,
                frameCount: 50,
                frames: encoding == .lengthPrefixed
                    ? lengthPrefixed : lengthPrefixed.withUnsafeBytes { ChunkCodec.encode(lengthPrefixed: $0) },
                encoding: encoding
            )
        ]
        try temporary.database.commit(batch, at: 0)
        let spans = try temporary.database.read {
            try Row.fetchAll(
                $0,
                sql: "SELECT start_ns, end_ns, frame_count, encoding FROM frame_chunk ORDER BY start_ns"
            )
        }
        #expect(spans.count == 3)
        for row in spans {
            #expect(UInt64(bitPattern: row[1]) - UInt64(bitPattern: row[0]) <= ChunkLimits.maximumSpanNanos)
            #expect(row[3] as Int == Int(encoding.rawValue))
        }
        #expect(spans.map { $0[2] as Int }.reduce(0, +) == 50)
        let stored = try temporary.database.frames(robotID: 9, from: 0, to: Self.origin * 2)
        #expect(stored.map(\.bytes) == frames.map(\.bytes))
        let window = try temporary.database.frames(
            robotID: 9,
            from: Self.origin + 62 * second,
            to: Self.origin + 70 * second
        )
        #expect(window.map(\.header.sequence) == [21, 22, 23])
    }

    @Test func aDamagedSegmentIsReportedByItsID() throws {
        let temporary = try TemporaryDatabase()
        var batch = WriteBatch()
        var segment = Self.segment(4, 0..<3)
        segment.frames.removeLast()
        batch.segment = segment
        try temporary.database.commit(batch, at: 0)
        #expect {
            _ = try temporary.database.frames(robotID: 1, from: 0, to: Self.origin * 2)
        } throws: { error in
            let error = error as? StorageError
            return error?.code == .corruptRow && error?.message.contains("frame_segment 4") == true
        }
    }

    @Test func anUnknownChunkEncodingIsReportedWithTheChunk() throws {
        let temporary = try TemporaryDatabase()
        var batch = WriteBatch()
        batch.chunks = [Self.chunk(1, 0..<3, encoding: .lengthPrefixed)]
        try temporary.database.commit(batch, at: 0)
        try temporary.database.write { try $0.execute(sql: "UPDATE frame_chunk SET encoding = 77") }
        #expect {
            try SQLiteCompetitionStore(database: temporary.database).forEachFrame(
                from: 0,
                to: Self.origin * 2,
                senders: Self.everyone
            ) { _, _, _ in }
        } throws: { error in
            let error = error as? StorageError
            return error?.code == .corruptRow && error?.message.contains("unknown chunk encoding 77") == true
                && error?.message.contains("frame_chunk 1") == true
        }
    }
}
