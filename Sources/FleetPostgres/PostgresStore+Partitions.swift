import FleetStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// Days ahead of today whose partitions exist before their first frame arrives.
    static let daysAhead: Int64 = 2

    /// Yesterday (for late frames), today and the next `daysAhead` days.
    func daysAhead(at nowNanos: UInt64) -> Set<Int64> {
        let today = Int64(nowNanos / UInt64(PostgresSchema.nanosPerDay))
        return Set((today - 1)...(today + Self.daysAhead))
    }

    /// Creates the partitions of `daysAhead(at:)`, at most once a minute.
    func ensurePartitionsAhead(at nowNanos: UInt64) throws {
        let last = partitionsCheckedNanos.load(ordering: .relaxed)
        guard last == 0 || nowNanos &- last >= 60_000_000_000 else { return }
        try ensurePartitions(days: daysAhead(at: nowNanos))
        partitionsCheckedNanos.store(nowNanos, ordering: .relaxed)
    }

    /// Makes sure every partitioned table has a partition for each of `days` (days since
    /// the epoch, UTC). Partitions are created on demand too, so a replayed recording from
    /// last year lands in its own days; without a default partition, a frame can never sit
    /// where a later partition would need it.
    func ensurePartitions(days: Set<Int64>) throws {
        guard !missingPartitionDays(days).isEmpty else { return }
        do {
            try blockingAwait { [self] in try await createPartitions(days: days) }
        } catch {
            throw Self.describe(error, doing: "creating day partitions in \(location)")
        }
    }

    private func missingPartitionDays(_ days: Set<Int64>) -> [Int64] {
        partitions.withLock { known in
            days.filter { day in
                PostgresSchema.partitioned.contains {
                    !known.contains(PostgresSchema.partitionName($0.table, day: day))
                }
            }.sorted()
        }
    }

    func createPartitions(days: Set<Int64>) async throws {
        let missing = missingPartitionDays(days)
        guard !missing.isEmpty else { return }
        let created: [String] = try await client.withTransaction(logger: logger) { connection in
            // Two ingesters meeting a new day at once: one creates, the other waits and
            // finds the partition there.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.partitionLock))", logger: logger)
            var names: [String] = []
            for day in missing {
                for (table, unitsPerDay) in PostgresSchema.partitioned {
                    let name = PostgresSchema.partitionName(table, day: day)
                    let (low, high) = Self.bounds(day: day, unitsPerDay: unitsPerDay)
                    // Names and bounds are computed here from integers, never from input.
                    try await connection.query(
                        PostgresQuery(
                            unsafeSQL: """
                                CREATE TABLE IF NOT EXISTS \(name) PARTITION OF \(table)
                                FOR VALUES FROM (\(low)) TO (\(high))
                                """
                        ),
                        logger: logger
                    )
                    names.append(name)
                }
            }
            return names
        }
        partitions.withLock { $0.formUnion(created) }
    }

    /// The days (since the epoch) a batch writes into.
    static func days(of batch: WriteBatch) -> Set<Int64> {
        var days = Set<Int64>()
        let perDay = UInt64(PostgresSchema.nanosPerDay)
        for chunk in batch.chunks {
            // A chunk split by span starts in each day it reaches.
            var day = chunk.startNanos / perDay
            while day <= chunk.endNanos / perDay {
                days.insert(Int64(day))
                day += 1
            }
        }
        for event in batch.events { days.insert(Int64(event.timestampNanos / perDay)) }
        for rollup in batch.rollups { days.insert(rollup.bucketSecond / 86_400) }
        return days
    }

    /// [low, high) of a day's partition in the table's unit, clamped to bigint.
    static func bounds(day: Int64, unitsPerDay: Int64) -> (Int64, Int64) {
        let (low, lowOverflow) = day.multipliedReportingOverflow(by: unitsPerDay)
        let (high, highOverflow) = (day + 1).multipliedReportingOverflow(by: unitsPerDay)
        return (lowOverflow ? Int64.max - 1 : low, highOverflow ? Int64.max : high)
    }

    /// Every partition of the time-series tables, by table, with its bounds: for
    /// `fleet query stats` and the tests.
    public func partitionNames() throws -> [String] {
        try blockingAwait { [client, logger] in
            var names: [String] = []
            let rows = try await client.query(
                """
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname IN ('frame_chunk', 'event', 'rollup') ORDER BY c.relname
                """,
                logger: logger
            )
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }
}
