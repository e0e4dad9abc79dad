import FleetStore
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// The writer checkpoints only from `maintain`, between commits, and that keeps the WAL
/// bounded while readers come and go.
struct CheckpointTests {
    /// Commits a 3 KB segment per id, releasing all but the last 21; returns the most pages
    /// the WAL held after a commit.
    static func commitSegments(
        _ database: FleetDatabase,
        ids: Range<Int64>,
        maintain: Bool,
        reader: FleetDatabase
    )
        throws -> Int
    {
        var most = 0
        for id in ids {
            var batch = WriteBatch()
            batch.segment = SegmentRecord(
                segmentID: id,
                startNanos: UInt64(id),
                endNanos: UInt64(id),
                frameCount: 1,
                frames: [UInt8](repeating: UInt8(truncatingIfNeeded: id), count: 3000)
            )
            batch.releaseSegmentsBelow = id - 20
            try database.commit(batch, at: UInt64(id))
            most = max(most, database.walStatistics.pages)
            if maintain { try database.maintain(at: UInt64(id) * 1_000_000) }
            if id % 7 == 0 {
                let live = try reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM frame_segment") }
                #expect(live == min(Int(id), 21), "the reader sees every commit")
            }
        }
        return most
    }

    static func walFileSize(_ database: FleetDatabase) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: database.path + "-wal")
        return (attributes[.size] as? Int) ?? 0
    }

    @Test func theWALStaysBoundedWhenMaintainCheckpointsBetweenCommits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fleet.db").path
        let policy = CheckpointPolicy(walPages: 40, minimumIntervalNanos: 0)
        let database = try FleetDatabase(path: path, checkpointPolicy: policy)
        let reader = try FleetDatabase(path: path, readOnly: true)

        // Without maintain nothing checkpoints (SQLite's automatic checkpoint is off): the
        // WAL grows with every commit.
        _ = try Self.commitSegments(database, ids: 1..<101, maintain: false, reader: reader)
        let grown = database.walStatistics
        #expect(grown.checkpoints == 0)
        #expect(grown.pages > 100, "100 commits of a 3 KB row each")

        // With maintain after each commit it stays near the policy's bound, and the WAL file
        // stops growing once it restarts from its beginning.
        try database.maintain(at: 200_000_000)
        let sizeAfterFirstCheckpoint = try Self.walFileSize(database)
        let most = try Self.commitSegments(database, ids: 101..<1101, maintain: true, reader: reader)
        let bounded = database.walStatistics
        #expect(bounded.checkpoints > 10)
        #expect(most <= policy.walPages + 10, "at most one commit's pages past the bound")
        #expect(try Self.walFileSize(database) <= sizeAfterFirstCheckpoint, "the WAL file is reused, not grown")
        let live = try reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM frame_segment") }
        #expect(live == 21)

        try database.finishIngest()
        #expect(try Self.walFileSize(database) == 0)
        #expect(database.walStatistics.pages == 0)
    }

    @Test func maintainWaitsForTheIntervalAndThePageCount() throws {
        let temporary = try TemporaryDatabase(
            checkpointPolicy: CheckpointPolicy(walPages: 1, minimumIntervalNanos: 1_000)
        )
        var batch = WriteBatch()
        batch.counterDeltas = [("frames.received", 1)]
        try temporary.database.finishIngest()  // the migrations' pages
        try temporary.database.maintain(at: 10)
        #expect(temporary.database.walStatistics.checkpoints == 0, "an empty WAL is not checkpointed")
        try temporary.database.commit(batch, at: 0)
        try temporary.database.maintain(at: 10)
        #expect(temporary.database.walStatistics.checkpoints == 1)
        try temporary.database.commit(batch, at: 0)
        try temporary.database.maintain(at: 500)
        #expect(temporary.database.walStatistics.checkpoints == 1, "too soon after the last one")
        try temporary.database.maintain(at: 1_010)
        #expect(temporary.database.walStatistics.checkpoints == 2)
    }

    @Test func theWriterSyncsEveryCommitAndNeverCheckpointsOnItsOwn() throws {
        let temporary = try TemporaryDatabase()
        let (synchronous, autocheckpoint) = try temporary.database.pool.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint"))
        }
        #expect(synchronous == 2, "FULL")
        #expect(autocheckpoint == 0)
    }

    @Test func aReadOnlyDatabaseRefusesToMaintain() throws {
        let temporary = try TemporaryDatabase()
        let readOnly = try FleetDatabase(path: temporary.database.path, readOnly: true)
        #expect {
            try readOnly.maintain(at: 0)
        } throws: { error in
            (error as? StorageError)?.message.contains("read-only") == true
        }
    }
}
