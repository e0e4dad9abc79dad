import FleetStore
import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// A database file in a fresh temporary folder, removed when the test ends.
final class TemporaryDatabase {
    let folder: URL
    let database: FleetDatabase

    init(checkpointPolicy: CheckpointPolicy = CheckpointPolicy()) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try FleetDatabase(
            path: folder.appendingPathComponent("fleet.db").path,
            checkpointPolicy: checkpointPolicy
        )
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

struct FleetDatabaseTests {
    /// Issue 10 item 15: a foreign SQLite file is refused in one line before a byte is
    /// written (before: migrated, a `grdb_migrations` table added, switched to WAL).
    @Test func refusesAForeignSQLiteFileWithoutTouchingIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-foreign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("o.db").path
        do {
            let other = try DatabaseQueue(path: path)
            try other.write { try $0.execute(sql: "CREATE TABLE robot(x)") }
            try other.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try FleetDatabase(path: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("not a fleet database") && text.contains("robot") && !text.contains("\n")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the file is unchanged")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        // A text file is refused too, and an empty file or a fleet database is not.
        let text = folder.appendingPathComponent("notes.db").path
        try Data("hello, this is not SQLite at all\n".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: StorageError.self) { _ = try FleetDatabase(path: text) }
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "hello, this is not SQLite at all\n")
        let empty = folder.appendingPathComponent("empty.db").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        let created = try FleetDatabase(path: empty)
        let applicationID = try created.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") }
        #expect(applicationID == FleetDatabase.applicationID)
    }

    @Test func opensInWALModeAndMigrates() throws {
        let temporary = try TemporaryDatabase()
        let mode = try temporary.database.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let tables = try temporary.database.read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        for table in ["event", "frame_chunk", "frame_segment", "ingest_stat", "loss_ledger", "robot", "rollup"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        #expect(try temporary.database.integrityCheck() == "ok")
    }

    @Test func reopeningKeepsDataAndDoesNotMigrateTwice() throws {
        let temporary = try TemporaryDatabase()
        var batch = WriteBatch()
        batch.counterDeltas = [("frames.received", 5)]
        try temporary.database.commit(batch, at: 1)
        let again = try FleetDatabase(path: temporary.database.path)
        try again.commit(batch, at: 2)
        let value = try again.read {
            try Int.fetchOne($0, sql: "SELECT value FROM ingest_stat WHERE name = 'frames.received'")
        }
        #expect(value == 10, "counters are cumulative across opens")
        let readOnly = try FleetDatabase(path: temporary.database.path, readOnly: true)
        #expect(try readOnly.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ingest_stat") } == 1)
    }

    @Test func readOnlyOpenOfAForeignFileSaysWhatIsWrong() throws {
        let temporary = try TemporaryDatabase()
        let other = temporary.folder.appendingPathComponent("other.db").path
        let queue = try DatabaseQueue(path: other)
        try queue.write { try $0.execute(sql: "CREATE TABLE t(x)") }
        #expect {
            _ = try FleetDatabase(path: other, readOnly: true)
        } throws: { error in
            (error as? StorageError)?.code == .incompatibleDatabase
        }
    }

    @Test func rollupBucketsWrittenByTwoBatchesMerge() throws {
        let temporary = try TemporaryDatabase()
        var first = RollupStats(metricCount: 2)
        first.add(1, metric: 0)
        first.add(5, metric: 0)
        first.add(10, metric: 1)
        var second = RollupStats(metricCount: 2)
        second.add(-2, metric: 0)
        second.add(7, metric: 1)
        for (stats, count, last) in [(first, 2, UInt64(100)), (second, 1, UInt64(200))] {
            var batch = WriteBatch()
            batch.rollups = [
                RollupRecord(robotID: 1, messageType: 1, bucketSecond: 50, count: count, lastNanos: last, stats: stats)
            ]
            try temporary.database.commit(batch, at: 0)
        }
        let row = try temporary.database.read {
            try Row.fetchOne($0, sql: "SELECT count, last_ns, stats FROM rollup")
        }
        let merged = try (row!["stats"] as Data).withUnsafeBytes { try RollupStats(bytes: $0) }
        #expect(row!["count"] as Int == 3)
        #expect(row!["last_ns"] as Int64 == 200)
        #expect(merged.min(0) == -2 && merged.max(0) == 5 && merged.sum(0) == 4 && merged.last(0) == -2)
        #expect(merged.min(1) == 7 && merged.max(1) == 10 && merged.sum(1) == 17 && merged.last(1) == 7)
    }

    @Test func anOlderBatchDoesNotOverwriteTheNewerLast() throws {
        let temporary = try TemporaryDatabase()
        var newer = RollupStats(metricCount: 1)
        newer.add(9, metric: 0)
        var older = RollupStats(metricCount: 1)
        older.add(3, metric: 0)
        for (stats, last) in [(newer, UInt64(900)), (older, UInt64(300))] {
            var batch = WriteBatch()
            batch.rollups = [
                RollupRecord(robotID: 1, messageType: 1, bucketSecond: 0, count: 1, lastNanos: last, stats: stats)
            ]
            try temporary.database.commit(batch, at: 0)
        }
        let data = try temporary.database.read { try Data.fetchOne($0, sql: "SELECT stats FROM rollup") }!
        let merged = try data.withUnsafeBytes { try RollupStats(bytes: $0) }
        #expect(merged.last(0) == 9)
    }

    @Test func chunksKeepFramesByteForByte() throws {
        let frames: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 0xAB, count: 600)]
        var blob: [UInt8] = []
        for frame in frames { frame.withUnsafeBytes { FrameChunk.append($0, to: &blob) } }
        var back: [[UInt8]] = []
        try blob.withUnsafeBytes { try FrameChunk.forEachFrame(in: $0) { back.append(Array($0)) } }
        #expect(back == frames)

        let truncated = Array(blob.dropLast())
        #expect(throws: StorageError.self) {
            try truncated.withUnsafeBytes { try FrameChunk.forEachFrame(in: $0) { _ in } }
        }
    }

    @Test(arguments: [
        ([SequenceRange](), ""),
        ([SequenceRange(3, 3)], "3"),
        ([SequenceRange(3, 7), SequenceRange(9, 9), SequenceRange(12, 4_000_000_000)], "3-7,9,12-4000000000"),
    ])
    func sequenceRangesRoundTripThroughText(ranges: [SequenceRange], text: String) throws {
        #expect(SequenceRange.text(ranges) == text)
        #expect(try SequenceRange.parse(text) == ranges)
    }

    @Test(arguments: ["x", "5-3", "1-2-3", "-4"])
    func badSequenceRangeTextIsRefused(text: String) {
        #expect(throws: StorageError.self) { try SequenceRange.parse(text) }
    }

    @Test(arguments: [
        [SequenceRange](), [SequenceRange(3, 3)],
        [SequenceRange(0, 7), SequenceRange(9, 9), SequenceRange(12, UInt32.max)],
    ])
    func sequenceRangesRoundTripThroughTheirBlob(ranges: [SequenceRange]) throws {
        let blob = SequenceRange.blob(ranges)
        #expect(blob.count == ranges.count * 8)
        #expect(try blob.withUnsafeBytes { try SequenceRange.ranges(blob: $0) } == ranges)
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 7), "not a whole number"),
        ([5, 0, 0, 0, 3, 0, 0, 0], "5-3"),
    ])
    func aBadSequenceRangeBlobIsRefused(blob: [UInt8], says: String) {
        #expect {
            try blob.withUnsafeBytes { _ = try SequenceRange.ranges(blob: $0) }
        } throws: { error in
            (error as? StorageError)?.code == .corruptRow && (error as? StorageError)?.message.contains(says) == true
        }
    }

    @Test func theLossLedgerIsStoredAsRangeBlobsAndReadBack() throws {
        let temporary = try TemporaryDatabase()
        let ledger = LedgerRecord(
            robotID: 4,
            bootEpoch: 2,
            received: 90,
            duplicates: 1,
            outOfOrder: 2,
            rejected: 3,
            dropped: 4,
            highestSequence: 99,
            firstNanos: 10,
            lastNanos: 20,
            gaps: [SequenceRange(5, 6), SequenceRange(40, 40)],
            rejectedSequences: [SequenceRange(70, 72)]
        )
        var batch = WriteBatch()
        batch.ledger = [ledger]
        try temporary.database.commit(batch, at: 0)
        #expect(try temporary.database.lossLedger() == [ledger])
        #expect(try temporary.database.lossLedger(robotID: 5) == [])
        let types = try temporary.database.read {
            try String.fetchOne($0, sql: "SELECT typeof(gaps) || ' ' || length(gaps) FROM loss_ledger")
        }
        #expect(types == "blob 16")

        try temporary.database.write { try $0.execute(sql: "UPDATE loss_ledger SET gaps = x'0102'") }
        #expect {
            _ = try temporary.database.lossLedger()
        } throws: { error in
            (error as? StorageError)?.message.contains("loss_ledger robot 4 boot 2 gaps") == true
        }
    }
}
