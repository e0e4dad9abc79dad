import FleetStore
import GRDB

/// One walk over the database that drops what is older than its `PruneLimits`, a small
/// transaction per `step`: sealed chunks robot by robot (through the `(robot_id, start_ns)`
/// index), then rollups stream by stream (robot and message type, through the primary key),
/// then free pages handed back to the file system (`PRAGMA incremental_vacuum`).
///
/// Whole chunks only: a chunk is dropped when its last frame is older than the cutoff (so
/// up to `ChunkLimits.maximumSpanNanos` of older frames stay in the chunk that straddles it),
/// and never when it overlaps a kept window (a run's frames back its signed result).
/// Segments are not touched: they hold frames not sealed yet, which the ingester folds into
/// chunks within seconds, and a restart replays them into the loss ledger.
///
/// Every transaction adds what it removed to `ingest_stat` (`pruned.chunks`,
/// `pruned.frames`, `pruned.rollups`), and the transaction that finishes a kind records its
/// cutoff (`pruned.raw_before_ns`, `pruned.rollups_before_s`), so `fleet query stats` says what
/// went, consistently with what is left.
struct PrunePass: Sendable {
    enum Phase: Sendable, Equatable {
        case chunks(ChunkCursor)
        case rollups(RollupCursor)
        case vacuum
        case done
    }

    /// Where the chunk walk is: the robot, and the last (start_ns, chunk_id) examined.
    struct ChunkCursor: Sendable, Equatable {
        var robot: Int64 = -1
        var start = Int64.min
        var chunk = Int64.min
        /// This robot has no more chunks older than the cutoff: go to the next robot.
        var exhausted = true
    }

    /// Where the rollup walk is: the (robot, message type) stream.
    struct RollupCursor: Sendable, Equatable {
        var robot: Int64 = -1
        var type: Int64 = -1
        var exhausted = true
    }

    let limits: PruneLimits
    private(set) var phase: Phase
    /// What this pass removed so far.
    private(set) var counts = PruneCounts()

    init(limits: PruneLimits) {
        self.limits = limits
        phase = .chunks(ChunkCursor())
        advance()
    }

    var isDone: Bool { phase == .done }

    /// Skips the phases with nothing to do.
    private mutating func advance() {
        switch phase {
        case .chunks where limits.rawBefore == nil: phase = .rollups(RollupCursor())
        default: break
        }
        if case .rollups = phase, limits.rollupsBefore == nil { phase = .vacuum }
    }

    /// Runs one small transaction (or one vacuum step) on `db`, the writer connection
    /// outside a transaction; returns what it removed.
    mutating func step(_ db: Database, keep: [ClosedRange<UInt64>], budget: PruneBudget) throws -> PruneCounts {
        var removed = PruneCounts()
        switch phase {
        case .chunks(var cursor):
            try db.inTransaction(.immediate) {
                removed = try pruneChunks(db, cursor: &cursor, keep: keep, budget: budget)
                return .commit
            }
        case .rollups(var cursor):
            try db.inTransaction(.immediate) {
                removed = try pruneRollups(db, cursor: &cursor, budget: budget)
                return .commit
            }
        case .vacuum:
            removed.vacuumedPages = try Self.vacuumStep(db, pages: budget.vacuumPages)
            if removed.vacuumedPages == 0 { phase = .done }
        case .done:
            break
        }
        counts = counts + removed
        return removed
    }

    /// Deletes up to `budget.chunks` chunks, examining up to `budget.examined` index entries.
    private mutating func pruneChunks(
        _ db: Database,
        cursor: inout ChunkCursor,
        keep: [ClosedRange<UInt64>],
        budget: PruneBudget
    ) throws -> PruneCounts {
        guard let cutoff = limits.rawBefore else { return PruneCounts() }
        let cutoffValue = Int64(bitPattern: min(cutoff, UInt64(Int64.max)))
        var removed = PruneCounts()
        var doomed: [Int64] = []
        var examined = 0
        var finished = false
        let select = try db.cachedStatement(
            sql: """
                SELECT chunk_id, start_ns, end_ns, frame_count FROM frame_chunk
                WHERE robot_id = ? AND start_ns >= ? AND start_ns < ? AND NOT (start_ns = ? AND chunk_id <= ?)
                ORDER BY start_ns, chunk_id LIMIT ?
                """
        )
        while examined < budget.examined && doomed.count < budget.chunks {
            if cursor.exhausted {
                examined += 1
                guard
                    let next = try Int64.fetchOne(
                        db,
                        sql: "SELECT robot_id FROM frame_chunk WHERE robot_id > ? ORDER BY robot_id LIMIT 1",
                        arguments: [cursor.robot]
                    )
                else {
                    finished = true
                    break
                }
                cursor = ChunkCursor(robot: next, exhausted: false)
            }
            let limit = max(1, min(budget.chunks - doomed.count, budget.examined - examined))
            let rows = try Row.fetchAll(
                select,
                arguments: [cursor.robot, cursor.start, cutoffValue, cursor.start, cursor.chunk, limit]
            )
            for row in rows {
                examined += 1
                let id: Int64 = row[0]
                let start: Int64 = row[1]
                let end: Int64 = row[2]
                cursor.start = start
                cursor.chunk = id
                guard end < cutoffValue else { continue }
                let first = UInt64(bitPattern: start)
                let last = UInt64(bitPattern: end)
                if keep.contains(where: { $0.lowerBound <= last && $0.upperBound >= first }) {
                    removed.keptChunks += 1
                    continue
                }
                doomed.append(id)
                removed.frames += row[3] as Int
            }
            if rows.count < limit { cursor.exhausted = true }
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM frame_chunk WHERE chunk_id = ?")
        for id in doomed { try delete.execute(arguments: [id]) }
        removed.chunks = doomed.count
        try Self.record(db, ["pruned.chunks": removed.chunks, "pruned.frames": removed.frames])
        if finished {
            try Self.recordCutoff(db, name: "pruned.raw_before_ns", value: cutoffValue)
            phase = .rollups(RollupCursor())
            advance()
        } else {
            phase = .chunks(cursor)
        }
        return removed
    }

    /// Deletes up to `budget.rollups` rollup rows older than the cutoff, stream by stream.
    private mutating func pruneRollups(
        _ db: Database,
        cursor: inout RollupCursor,
        budget: PruneBudget
    ) throws -> PruneCounts {
        guard let cutoff = limits.rollupsBefore else { return PruneCounts() }
        let cutoffSecond = Int64(min(cutoff, UInt64(Int64.max)) / 1_000_000_000)
        var removed = PruneCounts()
        var examined = 0
        var finished = false
        let delete = try db.cachedStatement(
            sql: """
                DELETE FROM rollup WHERE robot_id = ?1 AND message_type = ?2 AND bucket_s < ?3
                AND bucket_s < coalesce(
                    (SELECT bucket_s FROM rollup WHERE robot_id = ?1 AND message_type = ?2
                     ORDER BY bucket_s LIMIT 1 OFFSET ?4),
                    ?3)
                """
        )
        while examined < budget.examined && removed.rollups < budget.rollups {
            if cursor.exhausted {
                examined += 1
                if let type = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT message_type FROM rollup WHERE robot_id = ? AND message_type > ?
                        ORDER BY message_type LIMIT 1
                        """,
                    arguments: [cursor.robot, cursor.type]
                ) {
                    cursor = RollupCursor(robot: cursor.robot, type: type, exhausted: false)
                } else if let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT robot_id, message_type FROM rollup WHERE robot_id > ?
                        ORDER BY robot_id, message_type LIMIT 1
                        """,
                    arguments: [cursor.robot]
                ) {
                    cursor = RollupCursor(robot: row[0], type: row[1], exhausted: false)
                } else {
                    finished = true
                    break
                }
            }
            let limit = budget.rollups - removed.rollups
            try delete.execute(arguments: [cursor.robot, cursor.type, cutoffSecond, limit])
            let changes = db.changesCount
            removed.rollups += changes
            examined += 1 + changes
            if changes < limit { cursor.exhausted = true }
        }
        try Self.record(db, ["pruned.rollups": removed.rollups])
        if finished {
            try Self.recordCutoff(db, name: "pruned.rollups_before_s", value: cutoffSecond)
            phase = .vacuum
        } else {
            phase = .rollups(cursor)
        }
        return removed
    }

    /// Hands up to `pages` free pages back to the file system when the database has
    /// incremental auto-vacuum; returns how many went (0: nothing left, or no auto-vacuum).
    static func vacuumStep(_ db: Database, pages: Int) throws -> Int {
        guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
        let before = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        guard before > 0 else { return 0 }
        try db.execute(sql: "PRAGMA incremental_vacuum(\(max(1, pages)))")
        let after = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        return max(0, before - after)
    }

    /// Adds `deltas` to the service counters (those that are not zero).
    static func record(_ db: Database, _ deltas: [String: Int]) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO ingest_stat (name, value, updated_ns) VALUES (?, ?, 0)
                ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
                """
        )
        for (name, delta) in deltas where delta != 0 {
            try statement.execute(arguments: [name, delta])
        }
    }

    /// Raises a cutoff counter to `value` (a later pass never lowers it).
    static func recordCutoff(_ db: Database, name: String, value: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO ingest_stat (name, value, updated_ns) VALUES (?, ?, 0)
                ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)
                """,
            arguments: [name, value]
        )
    }
}
