public import FleetStore
import Foundation
import GRDB
import Synchronization

/// The ingester's retention as `maintain(at:)` runs it: the policy, the pass in progress and
/// when the last one started. Behind the database's `Mutex`; the pass itself runs on the
/// writer thread only, taken out of the state while it steps.
struct RetentionState: Sendable {
    var policy: RetentionPolicy?
    var pass: PrunePass?
    var lastPassStartNanos: UInt64?
    /// What every pass of this process removed.
    var totals = PruneCounts()

    /// The pass to step now, if any: the one in progress, or a new one when the interval
    /// since the last start has passed.
    mutating func takePass(at now: UInt64) -> (PrunePass, RetentionPolicy)? {
        guard let policy else { return nil }
        if pass == nil {
            if let last = lastPassStartNanos, now >= last, now - last < policy.intervalNanos { return nil }
            pass = PrunePass(limits: policy.limits(at: now))
            lastPassStartNanos = now
        }
        defer { pass = nil }
        return pass.map { ($0, policy) }
    }

    mutating func stepped(_ pass: PrunePass, removed: PruneCounts) {
        totals = totals + removed
        self.pass = pass.isDone ? nil : pass
    }
}

extension FleetDatabase {
    /// Prunes from now on in `maintain(at:)`, on the writer thread between commits: a pass
    /// every `policy.intervalNanos`, one small transaction per call.
    public func retain(_ policy: RetentionPolicy) {
        retention.withLock { $0.policy = policy }
    }

    /// What the retention passes of this process removed so far.
    public var retentionTotals: PruneCounts {
        retention.withLock { $0.totals }
    }

    /// One prune step if a pass is due or under way (called by `maintain(at:)`); whether the
    /// pass has more to do.
    func retentionStep(at nowNanos: UInt64) throws -> Bool {
        guard let (taken, policy) = retention.withLock({ $0.takePass(at: nowNanos) }) else { return false }
        var pass = taken
        var removed = PruneCounts()
        defer { retention.withLock { $0.stepped(pass, removed: removed) } }
        let keep = try policy.keep(self)
        removed = try pool.writeWithoutTransaction { db in
            try pass.step(db, keep: keep, budget: policy.budget)
        }
        return !pass.isDone
    }

    /// Prunes to `limits` now, in transactions of `budget` each (`fleet prune`): the caller
    /// holds the writer lease, so nothing else writes meanwhile. `keep` is read before every
    /// transaction; `progress` is told after each.
    @discardableResult
    public func prune(
        _ limits: PruneLimits,
        budget: PruneBudget = PruneBudget(),
        keep: (FleetDatabase) throws -> [ClosedRange<UInt64>],
        progress: (PruneCounts) -> Void = { _ in }
    ) throws -> PruneCounts {
        var pass = PrunePass(limits: limits)
        while !pass.isDone {
            let windows = try keep(self)
            _ = try pool.writeWithoutTransaction { db in try pass.step(db, keep: windows, budget: budget) }
            progress(pass.counts)
        }
        // The file shrinks once the WAL is copied back.
        try checkpoint()
        return pass.counts
    }

    /// What was pruned and what the oldest kept data is.
    public func retentionStatistics() throws -> RetentionStatistics {
        try read { db in
            var counters: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM ingest_stat WHERE name LIKE 'pruned.%'") {
                counters[row[0]] = row[1]
            }
            let oldestChunk = try Int64.fetchOne(db, sql: "SELECT min(start_ns) FROM frame_chunk")
            let oldestSegment = try Int64.fetchOne(db, sql: "SELECT min(start_ns) FROM frame_segment")
            let oldestRaw = [oldestChunk, oldestSegment].compactMap { $0 }.min()
            return RetentionStatistics(
                prunedChunks: counters["pruned.chunks"] ?? 0,
                prunedFrames: counters["pruned.frames"] ?? 0,
                prunedRollups: counters["pruned.rollups"] ?? 0,
                rawPrunedBeforeNanos: counters["pruned.raw_before_ns"].map { UInt64(bitPattern: $0) },
                rollupsPrunedBeforeSecond: counters["pruned.rollups_before_s"],
                oldestRawNanos: oldestRaw.map { UInt64(bitPattern: $0) },
                oldestRollupSecond: try Self.oldestRollupSecond(db),
                incrementalVacuum: try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2,
                freePages: try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            )
        }
    }

    /// The oldest rollup second, stream by stream through the primary key (a seek per
    /// robot and message type, not a scan of every row).
    static func oldestRollupSecond(_ db: Database) throws -> Int64? {
        var oldest: Int64?
        var robot: Int64 = -1
        var type: Int64 = -1
        while true {
            if let next = try Int64.fetchOne(
                db,
                sql: """
                    SELECT message_type FROM rollup WHERE robot_id = ? AND message_type > ?
                    ORDER BY message_type LIMIT 1
                    """,
                arguments: [robot, type]
            ) {
                type = next
            } else if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT robot_id, message_type FROM rollup WHERE robot_id > ?
                    ORDER BY robot_id, message_type LIMIT 1
                    """,
                arguments: [robot]
            ) {
                robot = row[0]
                type = row[1]
            } else {
                return oldest
            }
            if let first = try Int64.fetchOne(
                db,
                sql: "SELECT bucket_s FROM rollup WHERE robot_id = ? AND message_type = ? ORDER BY bucket_s LIMIT 1",
                arguments: [robot, type]
            ) {
                oldest = min(oldest ?? first, first)
            }
        }
    }
}
