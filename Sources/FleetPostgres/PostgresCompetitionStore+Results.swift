public import FleetStore
import Logging
import NIOCore
import PostgresNIO

// MARK: Results

/// Results stored as a site's SQLite file stores them (`SQLiteCompetitionStore+Results`), each
/// once: the newest board row of a run, a result's JSON without events, and the run's
/// append-only score event list in compact pages (`ScoreEventCodec`) that results reference
/// by ordinal.
extension PostgresCompetitionStore {
    static func fetchResult(
        _ executor: some PostgresQueryExecutor,
        runID: UInt32,
        source: RunResultWrite.Source,
        logger: Logger
    ) async throws -> StoredRunResult? {
        let rows = try await executor.run(
            """
            SELECT summary, shared, own_first, own_count FROM run_result
            WHERE run_id = \(Int64(runID)) AND source = \(source.rawValue)
            """,
            logger: logger
        )
        for try await (summary, shared, first, count) in rows.decode((String?, Int64, Int64, Int64).self) {
            return StoredRunResult(
                runID: runID,
                source: source,
                summary: summary,
                shared: Int(shared),
                own: Int(first)..<Int(first + count)
            )
        }
        return nil
    }

    /// The run's event list at `ordinals`, from the pages that hold them.
    static func fetchEvents(
        _ executor: some PostgresQueryExecutor,
        runID: UInt32,
        ordinals: Range<Int>,
        logger: Logger
    ) async throws -> [ScoreEventRow] {
        guard !ordinals.isEmpty else { return [] }
        let rows = try await executor.run(
            """
            SELECT first_ordinal, count, page FROM score_event
            WHERE run_id = \(Int64(runID)) AND first_ordinal > \(Int64(ordinals.lowerBound - ScoreEventCodec.pageSize))
              AND first_ordinal < \(Int64(ordinals.upperBound))
            ORDER BY first_ordinal
            """,
            logger: logger
        )
        var pages: [ScoreEventCodec.StoredPage] = []
        for try await (first, count, page) in rows.decode((Int64, Int64, ByteBuffer).self) {
            pages.append(
                ScoreEventCodec.StoredPage(first: Int(first), count: Int(count), bytes: Array(page.readableBytesView))
            )
        }
        return try ScoreEventCodec.events(at: ordinals, of: runID, from: pages)
    }

    /// Inserts a result, replacing an earlier one of the same source, in the caller's
    /// transaction. Its events go to the end of the run's event list, except the leading ones
    /// it shares with the other source's result (a final result that agrees with the live one
    /// adds only what the live one did not have: the referee awards).
    static func insert(
        _ result: RunResultWrite,
        on connection: PostgresConnection,
        at nowNanos: UInt64,
        logger: Logger
    ) async throws {
        let runID = Int64(result.runID)
        let otherSource: RunResultWrite.Source = result.source == .live ? .final : .live
        let other = try await fetchResult(connection, runID: result.runID, source: otherSource, logger: logger)
        if let old = try await fetchResult(connection, runID: result.runID, source: result.source, logger: logger) {
            if other == nil {
                try await connection.query("DELETE FROM score_event WHERE run_id = \(runID)", logger: logger)
            } else if !old.own.isEmpty {
                try await connection.query(
                    """
                    DELETE FROM score_event WHERE run_id = \(runID)
                      AND first_ordinal >= \(Int64(old.own.lowerBound)) AND first_ordinal < \(Int64(old.own.upperBound))
                    """,
                    logger: logger
                )
            }
        }
        var shared = 0
        if let other {
            // The other result's events that sit at the start of the list, in its order.
            let leading = other.own.isEmpty || other.own.lowerBound == other.shared ? other.eventCount : other.shared
            var stored: [ScoreEventRow] = []
            for ordinals in other.ordinals(0..<min(leading, result.events.count)) {
                stored += try await fetchEvents(connection, runID: result.runID, ordinals: ordinals, logger: logger)
            }
            while shared < stored.count && stored[shared].bitwiseEquals(result.events[shared]) { shared += 1 }
        }
        var next = 0
        for try await n in try await connection.query(
            "SELECT coalesce(max(first_ordinal + count), 0) FROM score_event WHERE run_id = \(runID)",
            logger: logger
        ).decode(Int64.self) { next = Int(n) }
        let own = Array(result.events[shared...])
        try await appendEvents(own, runID: runID, at: next, on: connection, logger: logger)
        try await connection.query(
            """
            INSERT INTO run_result (run_id, source, summary, shared, own_first, own_count, stored_ns)
            VALUES (\(runID), \(result.source.rawValue), \(result.summary), \(Int64(shared)), \(Int64(next)),
                    \(Int64(own.count)), \(Int64(bitPattern: nowNanos)))
            ON CONFLICT (run_id, source) DO UPDATE SET
                summary = excluded.summary, shared = excluded.shared, own_first = excluded.own_first,
                own_count = excluded.own_count, stored_ns = excluded.stored_ns
            """,
            logger: logger
        )
        if result.review {
            try await connection.query("UPDATE run SET review = true WHERE run_id = \(runID)", logger: logger)
        }
    }

    /// Appends events to a run's list from ordinal `first`, in pages.
    static func appendEvents(
        _ events: [ScoreEventRow],
        runID: Int64,
        at first: Int,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var firsts: [Int64] = []
        var counts: [Int64] = []
        var pages: [ByteBuffer] = []
        var start = 0
        while start < events.count {
            let end = min(events.count, start + ScoreEventCodec.pageSize)
            firsts.append(Int64(first + start))
            counts.append(Int64(end - start))
            pages.append(ByteBuffer(bytes: ScoreEventCodec.encode(events[start..<end])))
            start = end
        }
        guard !pages.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO score_event (run_id, first_ordinal, count, page)
            SELECT \(runID), * FROM unnest(\(firsts)::int8[], \(counts)::int8[], \(pages)::bytea[])
            """,
            logger: logger
        )
    }

    /// Replaces each run's board with the newer one (one row per run, counting snapshots).
    static func insertProvisional(
        _ records: [ProvisionalScoreRecord],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        for r in records {
            try await connection.query(
                """
                INSERT INTO provisional_score (run_id, at_ns, watermark_ns, summary, snapshots)
                VALUES (\(Int64(r.runID)), \(Int64(bitPattern: r.atNanos)),
                        \(r.watermarkNanos.map { Int64(bitPattern: $0) }), \(r.summary), 1)
                ON CONFLICT (run_id) DO UPDATE SET
                    at_ns = excluded.at_ns, watermark_ns = excluded.watermark_ns, summary = excluded.summary,
                    snapshots = provisional_score.snapshots + 1
                WHERE excluded.at_ns >= provisional_score.at_ns
                """,
                logger: logger
            )
        }
    }
}

/// A connection or a client: what a read runs on, inside a transaction or not.
protocol PostgresQueryExecutor: Sendable {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence
}

extension PostgresConnection: PostgresQueryExecutor {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

extension PostgresClient: PostgresQueryExecutor {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}
