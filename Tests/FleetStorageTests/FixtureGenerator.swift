import FleetProtocol
import FleetStore
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// Writes `Fixtures/v2-telemetry.db` and its expected answers with the schema v2 writer
/// (`commit(_:openChunks:at:)`, chunks appended with UPDATE, text ledgers), the way
/// `fleet ingest` wrote databases before storage engine v2. Run once, at the commit that
/// still had that writer:
///
///     FLEET_WRITE_STORAGE_FIXTURE=1 swift test --filter FixtureGenerator
struct FixtureGenerator {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures"
    )

    @Test(.enabled(if: ProcessInfo.processInfo.environment["FLEET_WRITE_STORAGE_FIXTURE"] != nil))
    func writesTheSchemaV2Fixture() throws {
        let temporary = try TemporaryDatabase()
        let database = temporary.database
        try Self.write(into: database)
        try database.pool.writeWithoutTransaction { try $0.execute(sql: "VACUUM") }
        try database.checkpoint()
        let fixture = Self.fixtures.appendingPathComponent("v2-telemetry.db").path
        try FileManager.default.createDirectory(at: Self.fixtures, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: fixture)
        try FileManager.default.copyItem(atPath: database.path, toPath: fixture)
        let answers = try FixtureAnswers.collect(from: database)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(answers).write(to: Self.fixtures.appendingPathComponent("v2-telemetry.expected.json"))
        #expect(answers.answers["frames robot 1 all"]?.isEmpty == false)
    }

    typealias Sent = TestFrame

    static func frame(_ type: MessageType, robot: UInt32, boot: UInt32, sequence: UInt32, time: UInt64) -> Sent {
        TestFrame(type, robot: robot, boot: boot, sequence: sequence, time: time)
    }

    /// Robot 1 (sanitation) reboots at 40 s; robot 2 (sanitation, heartbeats too) loses and
    /// rejects a few frames and sends one late; robot 3 (humanoid) uploads 70 s of frames
    /// in one batch at the end (a chunk longer than the span bound, split on insert).
    static func write(into database: FleetDatabase) throws {
        let origin = FixtureAnswers.origin
        let ms: UInt64 = 1_000_000
        var live: [Sent] = []
        var sequence: [UInt32: UInt32] = [1: 0, 2: 0]
        for step in 0..<400 {
            let t = origin + UInt64(step) * 200 * ms
            let boot1: UInt32 = step < 200 ? 1 : 2
            if step == 200 { sequence[1] = 0 }
            live.append(frame(.sanitationState, robot: 1, boot: boot1, sequence: sequence[1]!, time: t + 3 * ms))
            sequence[1]! += 1
            live.append(frame(.sanitationState, robot: 2, boot: 7, sequence: sequence[2]!, time: t + 11 * ms))
            sequence[2]! += 1
            if step % 5 == 0 {
                live.append(frame(.heartbeat, robot: 2, boot: 7, sequence: sequence[2]!, time: t + 12 * ms))
                sequence[2]! += 1
            }
        }
        // Robot 2: sequences 50-52 and 130 never arrive, 200 is rejected, 100 arrives late.
        let lost: Set<UInt32> = [50, 51, 52, 130, 200]
        let late = live.first { $0.robot == 2 && $0.sequence == 100 }!
        live.removeAll { $0.robot == 2 && (lost.contains($0.sequence) || $0.sequence == 100) }

        var open = OpenChunks()
        var ledgers: [StreamKey: LedgerRecord] = [:]
        var buckets: [String: RollupRecord] = [:]
        var pending: [Sent] = []
        var batchNumber = 0
        var eventID: UInt32 = 0

        func commit(_ frames: [Sent], now: UInt64, closeBucketsBefore second: Int64) throws {
            var batch = WriteBatch()
            var byStream: [StreamKey: [Sent]] = [:]
            var order: [StreamKey] = []
            for sent in frames {
                let key = StreamKey(robotID: sent.robot, bootEpoch: sent.boot)
                if byStream[key] == nil { order.append(key) }
                byStream[key, default: []].append(sent)
                var ledger =
                    ledgers[key] ?? LedgerRecord(robotID: sent.robot, bootEpoch: sent.boot, firstNanos: sent.time)
                ledger.received += 1
                if let highest = ledger.highestSequence, sent.sequence < highest { ledger.outOfOrder += 1 }
                ledger.highestSequence = max(ledger.highestSequence ?? 0, sent.sequence)
                ledger.lastNanos = max(ledger.lastNanos, sent.time)
                ledgers[key] = ledger
                if let metrics = Optional(RollupCatalog.shared.metrics(of: sent.type)), !metrics.isEmpty {
                    let bucketSecond = Int64(sent.time / FixtureAnswers.second)
                    let name = "\(sent.robot) \(sent.type.rawValue) \(bucketSecond)"
                    var record =
                        buckets[name]
                        ?? RollupRecord(
                            robotID: sent.robot,
                            messageType: sent.type.rawValue,
                            bucketSecond: bucketSecond,
                            count: 0,
                            lastNanos: 0,
                            stats: RollupStats(metricCount: metrics.count)
                        )
                    sent.bytes.withUnsafeBytes { bytes in
                        RollupCatalog.shared.accumulate(
                            sent.type,
                            body: UnsafeRawBufferPointer(rebasing: bytes[FrameHeader.size...]),
                            into: &record.stats
                        )
                    }
                    record.count += 1
                    record.lastNanos = max(record.lastNanos, sent.time)
                    buckets[name] = record
                }
                if (sent.type == .heartbeat && sent.sequence % 60 == 1) || (sent.robot == 1 && sent.sequence % 50 == 7)
                {
                    eventID += 1
                    batch.events.append(
                        EventRecord(
                            robotID: sent.robot,
                            senderID: sent.robot,
                            bootEpoch: sent.boot,
                            sequence: sent.sequence,
                            runID: nil,
                            timestampNanos: sent.time,
                            messageType: MessageType.collision.rawValue,
                            frame: frame(
                                .collision,
                                robot: sent.robot,
                                boot: sent.boot,
                                sequence: eventID,
                                time: sent.time
                            )
                            .bytes
                        )
                    )
                }
            }
            for key in order {
                let frames = byStream[key]!
                let blob = TestFrame.lengthPrefixed(frames)
                batch.chunks.append(
                    ChunkRecord(
                        robotID: key.robotID,
                        bootEpoch: key.bootEpoch,
                        firstSequence: frames.map(\.sequence).min()!,
                        lastSequence: frames.map(\.sequence).max()!,
                        startNanos: frames.map(\.time).min()!,
                        endNanos: frames.map(\.time).max()!,
                        frameCount: frames.count,
                        frames: blob
                    )
                )
                batch.ledger.append(ledgers[key]!)
                let kind = frames.contains { $0.type == .humanoidState } ? "humanoid" : "sanitation"
                batch.robots.append(
                    RobotRecord(
                        robotID: key.robotID,
                        kind: kind,
                        bootEpoch: key.bootEpoch,
                        lastSeenNanos: frames.map(\.time).max()!
                    )
                )
            }
            for (name, record) in buckets where record.bucketSecond < second {
                batch.rollups.append(record)
                buckets[name] = nil
            }
            batch.rollups.sort { ($0.robotID, $0.bucketSecond) < ($1.robotID, $1.bucketSecond) }
            batch.counterDeltas = [("frames.received", Int64(frames.count)), ("batches", 1)]
            batch.frameCount = frames.count
            try database.commit(batch, openChunks: &open, at: now)
            batchNumber += 1
        }

        // Live batches of 600 ms (three frames of each sanitation robot).
        for sent in live {
            pending.append(sent)
            if pending.count >= 7 {
                let now = pending.last!.time + 5 * ms
                try commit(pending, now: now, closeBucketsBefore: Int64(now / FixtureAnswers.second))
                pending = []
                if batchNumber == 40 {
                    // The late frame, alone in a batch: its rollup bucket closed long ago,
                    // so it is written as a partial bucket that merges.
                    try commit([late], now: now, closeBucketsBefore: Int64.max)
                }
            }
        }
        try commit(pending, now: pending.last!.time + 5 * ms, closeBucketsBefore: Int64.max)

        // Robot 2's ledger: the gaps it never closed and the frame it rejected.
        var ledger2 = ledgers[StreamKey(robotID: 2, bootEpoch: 7)]!
        ledger2.gaps = [SequenceRange(50, 52), SequenceRange(130, 130)]
        ledger2.rejected = 1
        ledger2.rejectedSequences = [SequenceRange(200, 200)]
        ledger2.duplicates = 2
        var ledger1 = ledgers[StreamKey(robotID: 1, bootEpoch: 1)]!
        ledger1.dropped = 3
        ledger1.gaps = [SequenceRange(4_000_000_000, 4_000_000_002)]
        var closing = WriteBatch()
        closing.ledger = [ledger1, ledger2]
        closing.counterDeltas = [("frames.rejected.bad_checksum", 1)]
        closing.events = [
            EventRecord(
                robotID: 0,
                senderID: 0xF000_0001,
                bootEpoch: 1,
                sequence: 0,
                runID: 5,
                timestampNanos: origin + 1 * FixtureAnswers.second,
                messageType: MessageType.runState.rawValue,
                frame: frame(.runState, robot: 0xF000_0001, boot: 1, sequence: 0, time: origin + FixtureAnswers.second)
                    .bytes
            )
        ]
        try database.commit(closing, openChunks: &open, at: origin + 90 * FixtureAnswers.second)

        // Robot 3 uploads 70 s of humanoid frames at 2 Hz in one batch.
        var upload: [Sent] = []
        for i in 0..<140 {
            upload.append(
                frame(
                    .humanoidState,
                    robot: 3,
                    boot: 1,
                    sequence: UInt32(i),
                    time: origin + UInt64(i) * 500 * ms + 7 * ms
                )
            )
        }
        try commit(upload, now: origin + 95 * FixtureAnswers.second, closeBucketsBefore: Int64.max)
    }
}
