import Foundation
import GRDB
import Testing

@testable import FleetStorage

/// `WriteAheadLog` reads a WAL as SQLite's recovery does: SQLite itself is the oracle. A copy
/// of a live database and its WAL is opened by SQLite (in a writable folder, where it can
/// build the `-shm` index) and must show exactly the transactions the reader counts.
struct WriteAheadLogTests {
    /// A WAL-mode database with one row per committed transaction, checkpointed never
    /// (SQLite's automatic checkpoint off), kept open while a test copies its files.
    final class LiveDatabase {
        let folder: URL
        let path: String
        let pool: DatabasePool

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-wal-log-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            path = folder.appendingPathComponent("live.db").path
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(sql: "CREATE TABLE t (n INTEGER, pad BLOB)")
            }
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }

        /// Commits `count` transactions of one row each (with a page-sized blob, so the WAL
        /// spans several pages per commit).
        func commit(_ count: Int) throws {
            for _ in 0..<count {
                try pool.write { db in
                    try db.execute(
                        sql: "INSERT INTO t VALUES ((SELECT count(*) FROM t), randomblob(5000))"
                    )
                }
            }
        }

        /// Copies the database and its WAL (not the `-shm`) into a new folder; returns the
        /// copy's path.
        func copy(_ name: String) throws -> String {
            let target = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: target.path + "/live.db" + suffix)
            }
            return target.path + "/live.db"
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    /// Rows SQLite sees in a copy (it reads the copy's WAL, building a `-shm` beside it).
    static func rowsSQLiteSees(_ path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") ?? 0 }
    }

    /// Rows in the database file alone (`immutable=1` ignores the WAL).
    static func rowsInTheFileAlone(_ path: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: FleetDatabase.immutableURI(path), configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") ?? 0 }
    }

    @Test func countsTheCommittedTransactionsSQLiteSeesAndKnowsTheFileLacksThem() throws {
        let live = try LiveDatabase()
        try live.commit(7)
        let copy = try live.copy("a")
        let log = try WriteAheadLog.read(path: copy + "-wal")
        #expect(log.commits == 7)
        #expect(try Self.rowsInTheFileAlone(copy) == 0, "the file alone holds none of them")
        #expect(try log.changes(databaseAt: copy, log: copy + "-wal"))
        #expect(try Self.rowsSQLiteSees(copy) == 7)
    }

    @Test func aWALWhosePagesACheckpointCopiedChangesNothing() throws {
        let live = try LiveDatabase()
        try live.commit(5)
        // PASSIVE leaves the frames in the WAL file (until the next commit restarts it).
        let (log, copied) = try live.pool.writeWithoutTransaction { db -> (Int, Int) in
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")!
            return (row[1], row[2])
        }
        #expect(log > 0 && copied == log)
        let copy = try live.copy("b")
        let wal = try WriteAheadLog.read(path: copy + "-wal")
        #expect(wal.commits == 5, "the frames are still in the WAL file")
        #expect(try !wal.changes(databaseAt: copy, log: copy + "-wal"))
        #expect(try Self.rowsInTheFileAlone(copy) == 5)

        // One commit more restarts the WAL from its start: the file lacks that one.
        try live.commit(1)
        let later = try live.copy("c")
        let restarted = try WriteAheadLog.read(path: later + "-wal")
        #expect(restarted.commits == 1)
        #expect(try restarted.changes(databaseAt: later, log: later + "-wal"))
        #expect(try Self.rowsSQLiteSees(later) == 6)
    }

    /// A copy taken while a commit was being appended ends in a torn frame; a flipped byte
    /// breaks the checksum chain. SQLite stops at either, and so does the reader.
    @Test(arguments: ["torn", "flipped"])
    func stopsWhereSQLiteStops(damage: String) throws {
        let live = try LiveDatabase()
        try live.commit(6)
        let copy = try live.copy(damage)
        let wal = copy + "-wal"
        let whole = try WriteAheadLog.read(path: wal)
        #expect(whole.commits == 6)
        let handle = try #require(FileHandle(forUpdatingAtPath: wal))
        let size = try handle.seekToEnd()
        let frame = UInt64(WriteAheadLog.frameHeaderSize + whole.pageSize)
        switch damage {
        case "torn":
            // Cut the last commit's final frame in half.
            try handle.truncate(atOffset: size - frame / 2)
        default:
            // A byte in the middle of the log's page images.
            let frames = (size - UInt64(WriteAheadLog.headerSize)) / frame
            try handle.seek(toOffset: UInt64(WriteAheadLog.headerSize) + (frames / 2) * frame + 100)
            let byte = try #require(try handle.read(upToCount: 1)).first!
            try handle.seek(toOffset: UInt64(WriteAheadLog.headerSize) + (frames / 2) * frame + 100)
            try handle.write(contentsOf: [byte ^ 0xFF])
        }
        try handle.close()
        let damaged = try WriteAheadLog.read(path: wal)
        #expect(damaged.commits < 6)
        #expect(try Self.rowsSQLiteSees(copy) == damaged.commits)
    }

    @Test func noFileAnEmptyFileOrABadHeaderCommitNothing() throws {
        let live = try LiveDatabase()
        let copy = try live.copy("d")
        #expect(try WriteAheadLog.read(path: copy + "-missing") == .empty)
        try Data().write(to: URL(fileURLWithPath: copy + "-wal"))
        #expect(try WriteAheadLog.read(path: copy + "-wal") == .empty)
        try Data(repeating: 0x37, count: 4096).write(to: URL(fileURLWithPath: copy + "-wal"))
        #expect(try WriteAheadLog.read(path: copy + "-wal") == .empty)
        #expect(try !WriteAheadLog.empty.changes(databaseAt: copy, log: copy + "-wal"))
    }

    @Test func theImmutableURIEscapesWhatWouldEndThePath() {
        #expect(FleetDatabase.immutableURI("/tmp/a b/x?y#z%.db") == "file:/tmp/a%20b/x%3Fy%23z%25.db?immutable=1")
    }
}
