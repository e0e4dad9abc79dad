public import FleetStore
import Foundation
public import GRDB
import Synchronization

/// The telemetry database: one SQLite file in WAL mode, one writer connection, a pool of
/// read-only connections for queries. Opening it runs the migrations.
///
/// SQLite 3.40 can corrupt a WAL database when two connections write or checkpoint at the
/// same time, so everything that writes goes through `write`, which GRDB serialises onto
/// the pool's single writer connection; readers never write, and only the writer
/// checkpoints (`maintain(at:)`, `finishIngest()`).
public final class FleetDatabase: Sendable {
    /// The GRDB pool; exposed for the modules that add their own tables (scoring).
    public let pool: DatabasePool
    public let path: String
    /// Counts the writer's WAL pages and runs the checkpoints; nil when opened read-only.
    let checkpointer: WALCheckpointer?
    /// The ingester's retention policy and the prune pass in progress (`maintain(at:)`).
    let retention = Mutex(RetentionState())

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// - Parameters:
    ///   - readOnly: open for queries only (another process may be writing). Works on a file
    ///     this user cannot write, in a folder it cannot write (`readOnlyLocation(for:)`).
    ///   - checkpointPolicy: when `maintain(at:)` checkpoints the WAL.
    public init(path: String, readOnly: Bool = false, checkpointPolicy: CheckpointPolicy = CheckpointPolicy()) throws {
        let checkpointer = readOnly ? nil : WALCheckpointer(policy: checkpointPolicy)
        var configuration = Configuration()
        configuration.label = "fleet"
        configuration.readonly = readOnly
        // The writer waits for a lock held by another process (a query tool, a backup)
        // instead of failing the batch; the ring absorbs the wait or counts the drops.
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            db.add(function: RollupStats.mergeFunction)
            // Before GRDB switches the writer to WAL mode: a new file is created with
            // incremental auto-vacuum, so pruning can hand pages back to the file system
            // (`PrunePass`). On a file that has tables already this changes nothing; a
            // database made before needs one VACUUM to convert (README, "Retention and backup").
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
        }
        self.path = path
        self.checkpointer = checkpointer
        // Before anything writes a byte (opening the pool switches the file to WAL mode).
        if !readOnly {
            try Self.refuseReadOnly(path, command: "this command")
        }
        let location = readOnly ? try Self.readOnlyLocation(for: path) : path
        try Self.refuseForeignDatabase(at: path, location: location)
        do {
            pool = try DatabasePool(path: location, configuration: configuration)
            if let checkpointer {
                // On the pool's one writer connection, once it is in WAL mode (GRDB sets
                // synchronous = NORMAL then, after prepareDatabase). A commit returns only
                // once the WAL is synced: reliable mode acknowledges frames after it, so a
                // power cut must not lose them (NORMAL syncs only at checkpoints).
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    try checkpointer.install(on: db)
                }
            }
        } catch {
            throw StorageError(.incompatibleDatabase, "cannot open database \(path): \(error)", cause: error)
        }
        if !readOnly {
            do {
                try Self.migrator.migrate(pool)
                try pool.writeWithoutTransaction { db in
                    if try Int32.fetchOne(db, sql: "PRAGMA application_id") != Self.applicationID {
                        try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
                    }
                }
            } catch let error as StorageError {
                throw error
            } catch {
                throw StorageError(.incompatibleDatabase, "cannot migrate database \(path): \(error)", cause: error)
            }
        } else {
            let known = try pool.read { db in try Self.migrator.hasCompletedMigrations(db) }
            if !known {
                throw StorageError(
                    .incompatibleDatabase,
                    "\(path) is not a fleet database this version can read (missing migrations); open it once with `fleet ingest` or `fleet demo`, or any `fleet` command as a user who can write it"
                )
            }
        }
    }

    /// `PRAGMA application_id` of a fleet database ("FLET"), set when it is created or first
    /// opened by this version.
    public static let applicationID: Int32 = 0x464C_4554

    /// Throws, in one line, unless `path` is missing, empty, or a fleet database: one with
    /// the fleet `application_id`, or (made before there was one) with fleet's migrations
    /// table, or an SQLite file with no tables at all. Reads only, through a read-only
    /// connection to `location` (the path, or its immutable URI on a read-only copy), so a
    /// foreign file is left exactly as it was.
    static func refuseForeignDatabase(at path: String, location: String? = nil) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return }
        var configuration = Configuration()
        configuration.readonly = true
        let verdict: String?
        do {
            let probe = try DatabaseQueue(path: location ?? path, configuration: configuration)
            defer { try? probe.close() }
            verdict = try probe.read { db -> String? in
                if try Int32.fetchOne(db, sql: "PRAGMA application_id") == applicationID { return nil }
                let tables = try String.fetchAll(
                    db,
                    sql:
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
                if tables.isEmpty { return nil }
                if tables.contains("grdb_migrations"),
                    try Bool.fetchOne(db, sql: "SELECT 1 FROM grdb_migrations WHERE identifier = 'v1-telemetry'")
                        == true
                {
                    return nil
                }
                let listed = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
                return "it has other tables (\(listed)) and no fleet application_id"
            }
        } catch {
            // Only "not a database" is a verdict; a file this probe cannot read for another
            // reason (a WAL file without its -shm, permissions) is left to the open below.
            guard let error = error as? DatabaseError, error.resultCode == .SQLITE_NOTADB else { return }
            let reason = error.message ?? "file is not a database"
            throw StorageError(
                .incompatibleDatabase,
                "\(path) is not a fleet database (\(reason)); refusing to open it"
            )
        }
        if let verdict {
            throw StorageError(
                .incompatibleDatabase,
                "\(path) is not a fleet database: \(verdict); refusing to modify it"
            )
        }
    }

    /// Runs `body` in one IMMEDIATE transaction on the writer connection.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` on a read-only connection that sees one consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Copies the WAL into the database file and truncates it (on the writer connection,
    /// the only one that may checkpoint): at shutdown, so the file alone holds everything.
    public func checkpoint() throws {
        _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        checkpointer?.state.withLock { $0.truncated() }
    }

    /// `PRAGMA integrity_check`; "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try pool.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n")
        }
    }
}
