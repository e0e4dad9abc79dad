import FleetProtocol
import FleetStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// Retention on a real database file: ten days of four robots' frames, pruned to the last
/// five, in small transactions, with a kept window; what stays is byte for byte what was
/// written, what is older is gone, and the file gives the space back.
@Suite(.serialized)
struct RetentionTests {
    static let hour: UInt64 = 3_600_000_000_000
    /// 2026-01-01T00:00:00Z.
    static let start: UInt64 = 1_767_225_600_000_000_000

    struct Fixture {
        var folder: URL
        var database: FleetDatabase
        var history: StoredHistory

        init(chunksPerRobot: Int = 240, framesPerChunk: Int = 100) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-retention-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            database = try FleetDatabase(path: folder.appendingPathComponent("fleet.db").path)
            history = try StoredHistory.write(
                to: database,
                robots: [1, 2, 3, 4],
                start: RetentionTests.start,
                chunksPerRobot: chunksPerRobot,
                chunkEvery: RetentionTests.hour,
                framesPerChunk: framesPerChunk
            )
            try database.checkpoint()
        }

        var size: Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: database.path))?[.size] as? NSNumber)?.int64Value ?? 0
        }

        /// Every stored frame, byte for byte, by robot and time.
        func storedFrames() throws -> [[UInt8]] {
            var frames: [(UInt32, UInt64, [UInt8])] = []
            let everyone: (UInt32) -> Bool = { _ in true }
            try SQLiteCompetitionStore(database: database).forEachFrame(
                from: 0,
                to: UInt64(Int64.max),
                senders: everyone
            ) {
                sender,
                header,
                bytes in
                frames.append((sender, header?.timestampNanoseconds ?? 0, Array(bytes)))
            }
            return frames.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }

        func rollupSeconds() throws -> [Int64] {
            try database.read { try Int64.fetchAll($0, sql: "SELECT bucket_s FROM rollup ORDER BY bucket_s") }
        }
    }

    @Test func pruningKeepsWhatIsNewerByteForByteDropsWhatIsOlderAndShrinksTheFile() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        #expect(try fixture.database.retentionStatistics().incrementalVacuum, "new files have incremental vacuum")
        let sizeBefore = fixture.size
        // Five days kept, and a window (a run) on day one that stays whatever its age.
        let cutoff = Self.start + 120 * Self.hour
        let window = (Self.start + 10 * Self.hour + 1)...(Self.start + 12 * Self.hour - 1)
        var budget = PruneBudget()
        budget.chunks = 16
        budget.rollups = 50
        var transactions = 0
        let counts = try fixture.database.prune(
            PruneLimits(rawBefore: cutoff, rollupsBefore: cutoff),
            budget: budget,
            keep: { _ in [window] },
            progress: { _ in transactions += 1 }
        )

        let inWindow = fixture.history.chunks.filter {
            $0.startNanos <= window.upperBound && $0.endNanos >= window.lowerBound
        }
        let kept = fixture.history.frames.filter { frame in
            frame.time >= cutoff
                || inWindow.contains {
                    $0.robotID == frame.robot && $0.startNanos <= frame.time && $0.endNanos >= frame.time
                }
        }
        #expect(kept.count == 4 * 122 * 100, "five days of four robots, and two chunks each in the window")
        let expected = kept.sorted { ($0.robot, $0.time) < ($1.robot, $1.time) }.map(\.bytes)
        #expect(try fixture.storedFrames() == expected, "what is kept is exactly what was written")
        #expect(counts.chunks == 4 * 118 && counts.frames == 4 * 118 * 100 && counts.keptChunks == 8)
        #expect(counts.rollups == 4 * 120, "rollups are not kept for runs")
        #expect(try fixture.rollupSeconds().allSatisfy { $0 >= Int64(cutoff / 1_000_000_000) })
        #expect(try fixture.rollupSeconds().count == 4 * 120)
        #expect(transactions > 4 * 118 / 16, "small transactions: \(transactions)")

        let statistics = try fixture.database.retentionStatistics()
        #expect(statistics.prunedChunks == 4 * 118 && statistics.prunedFrames == 4 * 118 * 100)
        #expect(statistics.prunedRollups == 4 * 120)
        #expect(statistics.rawPrunedBeforeNanos == cutoff)
        #expect(statistics.rollupsPrunedBeforeSecond == Int64(cutoff / 1_000_000_000))
        #expect(statistics.oldestRawNanos == Self.start + 10 * Self.hour, "the kept window's first chunk")
        #expect(statistics.oldestRollupSecond == Int64(cutoff / 1_000_000_000))
        #expect(try fixture.database.integrityCheck() == "ok")
        let sizeAfter = fixture.size
        #expect(sizeAfter < sizeBefore * 3 / 5, "the file shrank: \(sizeBefore) → \(sizeAfter) bytes")
        #expect(counts.vacuumedPages > 0)

        // Pruning again to the same limits finds nothing more.
        let limits = PruneLimits(rawBefore: cutoff, rollupsBefore: cutoff)
        let again = try fixture.database.prune(limits, keep: { _ in [window] })
        #expect(again.chunks == 0 && again.rollups == 0 && again.keptChunks == 8)
        #expect(try fixture.storedFrames() == expected)
    }

    @Test func onlyRawOrOnlyRollupsLeavesTheOtherKind() throws {
        let fixture = try Fixture(chunksPerRobot: 48, framesPerChunk: 10)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let cutoff = Self.start + 24 * Self.hour
        let raw = try fixture.database.prune(PruneLimits(rawBefore: cutoff, rollupsBefore: nil), keep: { _ in [] })
        #expect(raw.chunks == 4 * 24 && raw.rollups == 0)
        #expect(try fixture.rollupSeconds().count == 4 * 48)
        let rollups = try fixture.database.prune(PruneLimits(rawBefore: nil, rollupsBefore: cutoff), keep: { _ in [] })
        #expect(rollups.chunks == 0 && rollups.rollups == 4 * 24)
        #expect(try fixture.storedFrames().count == 4 * 24 * 10)
    }

    /// The ingester's path: `maintain(at:)` between commits runs one small prune transaction
    /// at a time, while new batches keep arriving; none of the new frames is lost.
    @Test func maintainPrunesOneSmallTransactionAtATimeBetweenCommits() throws {
        let fixture = try Fixture(chunksPerRobot: 96, framesPerChunk: 20)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let now = Self.start + 200 * Self.hour
        var policy = RetentionPolicy(rawNanos: 150 * Self.hour, rollupNanos: 150 * Self.hour, keep: { _ in [] })
        policy.budget.chunks = 8
        policy.budget.rollups = 8
        fixture.database.retain(policy)
        var newer: [StoredHistory] = []
        var steps = 0
        var previous = PruneCounts()
        while steps < 1000 {
            // A batch of new frames (robot 9, later times), then housekeeping.
            newer.append(
                try StoredHistory.write(
                    to: fixture.database,
                    robots: [9],
                    start: now + UInt64(steps) * 10_000_000_000,
                    chunksPerRobot: 1,
                    chunkEvery: Self.hour,
                    framesPerChunk: 5
                )
            )
            try fixture.database.maintain(at: now)
            steps += 1
            let totals = fixture.database.retentionTotals
            #expect(totals.chunks - previous.chunks <= 8 && totals.rollups - previous.rollups <= 8)
            previous = totals
            if totals.chunks == 4 * 50 && totals.rollups == 4 * 50 && totals.vacuumedPages > 0 { break }
        }
        #expect(previous.chunks == 4 * 50 && previous.rollups == 4 * 50, "\(previous) after \(steps) steps")
        #expect(steps >= 2 * 4 * 50 / 8, "one small transaction per maintain call: \(steps)")
        let stored = try fixture.storedFrames()
        let recent = fixture.history.frames.filter { $0.time >= now - 150 * Self.hour }
        let expected =
            recent.sorted { ($0.robot, $0.time) < ($1.robot, $1.time) }.map(\.bytes)
            + newer.flatMap(\.frames).map(\.bytes)
        #expect(stored == expected, "every new frame is stored, every old one within the limit too")
    }
}
