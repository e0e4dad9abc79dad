import FleetProtocol
import FleetStorage
import FleetStore
import Foundation
import Testing

@testable import FleetIngest

/// The append-only chain through a real SQLite file: batches committed by the pipeline's
/// aggregator, a crash (no final batch), a restart from what is stored.
struct CrashRecoveryTests {
    private func temporaryDatabase() throws -> (FleetDatabase, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path), folder)
    }

    private func ingest(_ aggregator: inout Aggregator, _ frame: [UInt8], at receivedAt: UInt64) {
        frame.withUnsafeBytes { aggregator.ingest(RingFrame(bytes: $0, source: 0, receivedAt: receivedAt)) }
    }

    @Test func aCrashLosesNoCommittedFrameAndResendsAreDuplicates() throws {
        let (database, folder) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        var policy = ChunkPolicy()
        policy.maximumFrames = 16
        var aggregator = Aggregator(chunkPolicy: policy)
        var sent: [UInt32: [[UInt8]]] = [:]
        // Five robots, 40 frames each, a batch every 7 frames of each robot; robot 5 quiet
        // after 3 frames (its open chunk pins the segments).
        var now: UInt64 = 1_000
        for seq in 0..<40 {
            for robot: UInt32 in 1...5 where robot != 5 || seq < 3 {
                let frame = TestFrames.state(robot: robot, seq: UInt32(seq))
                sent[robot, default: []].append(frame)
                ingest(&aggregator, frame, at: now)
            }
            now += 100_000_000
            if seq % 7 == 6 { try database.commit(aggregator.takeBatch(now: now).batch, at: now) }
        }
        try database.commit(aggregator.takeBatch(now: now).batch, at: now)
        // Crash: no final batch. Everything committed must come back.
        let restored = try database.restoreIngestState()
        #expect(!restored.segments.isEmpty)
        var restarted = Aggregator(restoring: restored.ledgers, chunkPolicy: policy)
        restarted.restore(restored)
        // Robots resend their last 5 frames after the restart: all duplicates.
        for robot: UInt32 in 1...4 {
            for frame in sent[robot]!.suffix(5) { ingest(&restarted, frame, at: now) }
        }
        #expect(restarted.totals.duplicates == 20)
        try database.commit(restarted.takeBatch(now: now, final: true).batch, at: now)
        #expect(try database.restoreIngestState().segments.isEmpty, "a clean stop leaves no segment")
        for robot: UInt32 in 1...5 {
            let stored = try database.frames(robotID: robot, from: 0, to: UInt64(Int64.max)).map(\.bytes)
            #expect(stored == sent[robot]!, "robot \(robot)")
        }
        let ledgers = try database.lossLedger()
        #expect(ledgers.map(\.received).sorted() == [3, 40, 40, 40, 40])
        #expect(ledgers.allSatisfy { $0.gaps.isEmpty })
    }

    @Test func segmentIdsNeverRepeatAcrossRestarts() throws {
        let (database, folder) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        var aggregator = Aggregator()
        aggregator.ledgerRowIntervalNanos = 0
        for seq in 0..<3 { ingest(&aggregator, TestFrames.state(robot: 1, seq: UInt32(seq)), at: 10) }
        let first = aggregator.takeBatch(now: 10, final: true).batch
        try database.commit(first, at: 10)
        let restored = try database.restoreIngestState()
        #expect(restored.segments.isEmpty)
        #expect(restored.nextSegmentID >= first.ledgerThroughSegment, "ids continue above the ledger's")
    }
}
