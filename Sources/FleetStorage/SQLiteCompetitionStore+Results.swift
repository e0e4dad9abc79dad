public import FleetStore
import Foundation
import GRDB

// MARK: Results

/// Results as migration `v4-compact-results` stores them, each once: the newest board row of
/// a run, a result's JSON without events, and the run's append-only score event list in
/// compact pages (`ScoreEventCodec`) that results reference by ordinal.
extension SQLiteCompetitionStore {
    /// The newest provisional row of a run (only the newest is kept).
    public func latestProvisional(runID: UInt32) throws -> ProvisionalScoreRecord? {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT at_ns, watermark_ns, summary FROM provisional_score WHERE run_id = ?",
                arguments: [Int64(runID)]
            ).map {
                ProvisionalScoreRecord(
                    runID: runID,
                    atNanos: UInt64(bitPattern: $0[0]),
                    watermarkNanos: ($0[1] as Int64?).map { UInt64(bitPattern: $0) },
                    summary: $0[2]
                )
            }
        }
    }

    /// How many board snapshots the live scorer wrote for a run (each replaced the one before).
    public func provisionalCount(runID: UInt32) throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT snapshots FROM provisional_score WHERE run_id = ?",
                arguments: [Int64(runID)]
            ) ?? 0
        }
    }

    /// A stored result: its JSON without events (nil for a final one) and where its events are.
    public func storedResult(runID: UInt32, source: RunResultWrite.Source) throws -> StoredRunResult? {
        try database.read { db in try Self.fetchResult(db, runID: runID, source: source) }
    }

    static func fetchResult(_ db: Database, runID: UInt32, source: RunResultWrite.Source) throws -> StoredRunResult? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT summary, shared, own_first, own_count FROM run_result WHERE run_id = ? AND source = ?
                """,
            arguments: [Int64(runID), source.rawValue]
        ).map {
            StoredRunResult(
                runID: runID,
                source: source,
                summary: $0[0],
                shared: $0[1],
                own: ($0[2] as Int)..<(($0[2] as Int) + ($0[3] as Int))
            )
        }
    }

    /// A stored result's score events, all or those at `positions` (clamped to the result's).
    public func scoreEvents(of result: StoredRunResult, positions: Range<Int>?) throws -> [ScoreEventRow] {
        let all = 0..<result.eventCount
        let wanted = (positions ?? all).clamped(to: all)
        guard !wanted.isEmpty else { return [] }
        return try database.read { db in
            var events: [ScoreEventRow] = []
            events.reserveCapacity(wanted.count)
            for ordinals in result.ordinals(wanted) {
                events += try Self.fetchEvents(db, runID: result.runID, ordinals: ordinals)
            }
            return events
        }
    }

    /// The run's event list at `ordinals`, from the pages that hold them.
    static func fetchEvents(_ db: Database, runID: UInt32, ordinals: Range<Int>) throws -> [ScoreEventRow] {
        guard !ordinals.isEmpty else { return [] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT first_ordinal, count, page FROM score_event
                WHERE run_id = ? AND first_ordinal > ? AND first_ordinal < ? ORDER BY first_ordinal
                """,
            arguments: [Int64(runID), ordinals.lowerBound - ScoreEventCodec.pageSize, ordinals.upperBound]
        )
        return try ScoreEventCodec.events(
            at: ordinals,
            of: runID,
            from: rows.lazy.map {
                ScoreEventCodec.StoredPage(first: $0[0], count: $0[1], bytes: [UInt8]($0[2] as Data))
            }
        )
    }

    /// Appends events to a run's list from ordinal `first`, in pages.
    static func appendEvents(_ events: [ScoreEventRow], runID: Int64, at first: Int, into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO score_event (run_id, first_ordinal, count, page) VALUES (?, ?, ?, ?)"
        )
        var start = 0
        while start < events.count {
            let end = min(events.count, start + ScoreEventCodec.pageSize)
            try statement.execute(arguments: [
                runID, first + start, end - start, Data(ScoreEventCodec.encode(events[start..<end])),
            ])
            start = end
        }
    }

    /// Inserts a result, replacing an earlier one of the same source. Its events go to the end
    /// of the run's event list, except the leading ones it shares with the other source's
    /// result (a final result that agrees with the live one adds only what the live one did
    /// not have: the referee awards).
    static func insert(_ result: RunResultWrite, into db: Database, at nowNanos: UInt64) throws {
        let runID = Int64(result.runID)
        let other = try fetchResult(db, runID: result.runID, source: result.source == .live ? .final : .live)
        if let old = try fetchResult(db, runID: result.runID, source: result.source) {
            if other == nil {
                try db.execute(sql: "DELETE FROM score_event WHERE run_id = ?", arguments: [runID])
            } else if !old.own.isEmpty {
                try db.execute(
                    sql: "DELETE FROM score_event WHERE run_id = ? AND first_ordinal >= ? AND first_ordinal < ?",
                    arguments: [runID, old.own.lowerBound, old.own.upperBound]
                )
            }
        }
        var shared = 0
        if let other {
            // The other result's events that sit at the start of the list, in its order.
            let leading = other.own.isEmpty || other.own.lowerBound == other.shared ? other.eventCount : other.shared
            var stored: [ScoreEventRow] = []
            for ordinals in other.ordinals(0..<min(leading, result.events.count)) {
                stored += try fetchEvents(db, runID: result.runID, ordinals: ordinals)
            }
            while shared < stored.count && stored[shared].bitwiseEquals(result.events[shared]) { shared += 1 }
        }
        let next =
            try Int.fetchOne(
                db,
                sql: "SELECT max(first_ordinal + count) FROM score_event WHERE run_id = ?",
                arguments: [runID]
            ) ?? 0
        let own = Array(result.events[shared...])
        try appendEvents(own, runID: runID, at: next, into: db)
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO run_result (run_id, source, summary, shared, own_first, own_count, stored_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                runID, result.source.rawValue, result.summary, shared, next, own.count, Int64(bitPattern: nowNanos),
            ]
        )
        if result.review {
            try db.execute(sql: "UPDATE run SET review = 1 WHERE run_id = ?", arguments: [runID])
        }
    }

    /// Stores a result outside the ingest writer (a command-line process).
    public func storeResult(_ result: RunResultWrite, at nowNanos: UInt64) throws {
        try database.write { db in try Self.insert(result, into: db, at: nowNanos) }
    }

    /// Replaces each run's board with the newer one (one row per run, counting snapshots).
    static func insertProvisional(_ records: [ProvisionalScoreRecord], into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO provisional_score (run_id, at_ns, watermark_ns, summary, snapshots) VALUES (?, ?, ?, ?, 1)
                ON CONFLICT (run_id) DO UPDATE SET
                    at_ns = excluded.at_ns, watermark_ns = excluded.watermark_ns, summary = excluded.summary,
                    snapshots = snapshots + 1
                WHERE excluded.at_ns >= at_ns
                """
        )
        for r in records {
            try statement.execute(arguments: [
                Int64(r.runID), Int64(bitPattern: r.atNanos), r.watermarkNanos.map { Int64(bitPattern: $0) }, r.summary,
            ])
        }
    }
}
