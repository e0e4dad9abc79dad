public import FleetStore
import GRDB
import GRDBSQLite
import Synchronization

/// When the writer copies the WAL back into the database file.
///
/// SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1000
/// pages, so one unlucky batch pays for copying and syncing everything before it. The
/// writer turns it off and checkpoints from `maintain(at:)`, between commits, once the WAL
/// holds `walPages` pages and at most every `minimumInterval`: the WAL stays below
/// `walPages` plus what the commits of one interval write, and no commit waits for a
/// checkpoint. The interval only matters when a long read keeps the WAL from restarting
/// (every checkpoint then finds pages left over): it caps how often the writer tries.
public struct CheckpointPolicy: Sendable, Equatable {
    /// Checkpoint once the WAL holds at least this many pages (4 KiB each by default).
    public var walPages: Int
    /// ... but not more often than this.
    public var minimumIntervalNanos: UInt64

    public init(walPages: Int = 1000, minimumIntervalNanos: UInt64 = 10_000_000) {
        precondition(walPages >= 1, "a checkpoint policy needs walPages >= 1")
        self.walPages = walPages
        self.minimumIntervalNanos = minimumIntervalNanos
    }
}

/// The writer's WAL as `maintain(at:)` sees it, for tests and status lines.
public struct WALStatistics: Sendable, Equatable {
    /// Pages a checkpoint would still copy (as of the last commit or checkpoint).
    public var pages: Int
    /// The most pages the WAL held after a commit since the database opened.
    public var peakPages: Int
    /// PASSIVE checkpoints `maintain(at:)` ran.
    public var checkpoints: Int
}

/// Counts the WAL's pages as the writer commits (SQLite's WAL hook) and decides when
/// `maintain` checkpoints. One per writable `FleetDatabase`; the hook runs on the writer
/// connection, `maintain` on the writer thread, tests read it from anywhere: the state is
/// behind a `Mutex`.
final class WALCheckpointer: Sendable {
    struct State: Sendable {
        /// Pages in the WAL after the last commit (the hook's count), or after the last
        /// checkpoint's restart.
        var walPages = 0
        /// Largest `walPages` seen since the database opened.
        var peakWALPages = 0
        var lastCheckpointNanos: UInt64?
        var checkpoints = 0

        mutating func committed(walPages pages: Int) {
            walPages = pages
            peakWALPages = max(peakWALPages, pages)
        }

        /// Whether a checkpoint is due at `now` under `policy`.
        func isDue(at now: UInt64, policy: CheckpointPolicy) -> Bool {
            guard walPages >= policy.walPages else { return false }
            guard let last = lastCheckpointNanos, now >= last else { return true }
            return now - last >= policy.minimumIntervalNanos
        }

        mutating func checkpointed(at now: UInt64, pagesLeft: Int) {
            lastCheckpointNanos = now
            checkpoints += 1
            // Pages copied stay in the WAL file until the next commit restarts it; what
            // counts is what a later checkpoint would still have to copy.
            walPages = pagesLeft
        }

        /// A TRUNCATE checkpoint emptied the WAL.
        mutating func truncated() {
            walPages = 0
        }
    }

    let policy: CheckpointPolicy
    let state = Mutex(State())

    init(policy: CheckpointPolicy) {
        self.policy = policy
    }

    /// Turns off SQLite's automatic checkpoint on the writer connection and counts its WAL
    /// pages instead. `wal_autocheckpoint` is itself a WAL hook, so the pragma must come
    /// first: the hook set after it replaces it.
    func install(on db: Database) throws {
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, pages in
                Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue().state.withLock {
                    $0.committed(walPages: Int(pages))
                }
                return SQLITE_OK
            },
            context
        )
    }

    /// Runs a PASSIVE checkpoint on `db` (the writer connection, outside a transaction) if
    /// one is due; returns whether it ran.
    func maintain(_ db: Database, at now: UInt64) throws -> Bool {
        guard state.withLock({ $0.isDue(at: now, policy: policy) }) else { return false }
        // (busy, pages in the WAL, pages copied); a reader on an older snapshot keeps the
        // pages it may still need, which the next checkpoint copies.
        guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") else {
            throw StorageError(.corruptRow, "PRAGMA wal_checkpoint(PASSIVE) returned no row")
        }
        let log: Int = row[1]
        let copied: Int = row[2]
        state.withLock { $0.checkpointed(at: now, pagesLeft: max(0, log - copied)) }
        return true
    }
}
