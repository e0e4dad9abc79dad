public import FleetStore
import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// What `FleetDatabase.backup(to:force:)` copied.
public struct BackupReport: Sendable, Equatable {
    public var target: String
    public var pages: Int
    public var bytes: Int64
}

extension FleetDatabase {
    /// Copies this database, as it is at one instant, to `target` with SQLite's online backup
    /// API (`sqlite3_backup_*` through GRDB), while the ingester may go on writing: the copy
    /// is made from one read transaction on a read-only connection (a WAL snapshot), so it
    /// never writes to this file and never waits for the writer, nor the writer for it.
    ///
    /// The copy goes to a temporary file next to `target` first, switched out of WAL mode
    /// (one self-contained file), synced, then renamed over `target`: a reader of `target`
    /// sees the old file or the whole new one, never half of it. An existing `target` is
    /// refused unless `force`; with `force` its stale `-wal` and `-shm` files go too, so
    /// SQLite can never apply an old WAL to the new copy.
    public func backup(to target: String, force: Bool) throws -> BackupReport {
        let source = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let destination = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath().path
        guard source != destination else {
            throw StorageError(.badQuery, "the backup's target is the database itself (\(target)); name another file")
        }
        let files = FileManager.default
        if files.fileExists(atPath: target) && !force {
            throw StorageError(.targetExists, "\(target) exists; pass --force to replace it")
        }
        let temporary = target + ".partial-\(getpid())"
        Self.removeDatabaseFiles(temporary)
        do {
            let copy = try DatabaseQueue(path: temporary)
            var pages = 0
            try pool.backup(to: copy) { progress in pages = progress.totalPageCount }
            try copy.writeWithoutTransaction { db in
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            }
            try copy.close()
            try Self.sync(path: temporary)
            if force {
                for suffix in ["-wal", "-shm", "-journal"] { try? files.removeItem(atPath: target + suffix) }
            }
            guard rename(temporary, target) == 0 else {
                throw StorageError(
                    .fileSystem,
                    "cannot rename \(temporary) to \(target): \(String(cString: strerror(errno)))"
                )
            }
            try Self.sync(path: URL(fileURLWithPath: target).deletingLastPathComponent().path)
            let bytes = ((try? files.attributesOfItem(atPath: target))?[.size] as? NSNumber)?.int64Value ?? 0
            return BackupReport(target: target, pages: pages, bytes: bytes)
        } catch {
            Self.removeDatabaseFiles(temporary)
            if let error = error as? StorageError { throw error }
            throw StorageError(.fileSystem, "backup of \(path) to \(target) failed: \(error)", cause: error)
        }
    }

    private static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// fsync of a file or folder, so a rename that follows (or preceded) survives a power cut.
    private static func sync(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StorageError(.fileSystem, "cannot open \(path) to sync it: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw StorageError(.fileSystem, "cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }
}
