public import FleetStore
import Foundation
import GRDB

extension FleetDatabase {
    /// Commits a batch in one IMMEDIATE transaction with cached prepared statements.
    /// Returns only after the commit is durable (the WAL is synced: `synchronous = FULL`),
    /// so the caller may then acknowledge the batch's frames. Every row is written once:
    /// sealed chunks are inserted, never appended to.
    public func commit(_ batch: WriteBatch, at nowNanos: UInt64) throws {
        guard !batch.isEmpty else { return }
        try write { db in
            try Self.insert(batch, into: db, nowNanos: nowNanos)
        }
    }

    static func insert(_ batch: WriteBatch, into db: Database, nowNanos: UInt64) throws {
        if !batch.chunks.isEmpty {
            try insertChunks(batch.chunks, into: db)
        }
        try insertSegment(of: batch, into: db)
        if !batch.rollups.isEmpty { try insertRollups(batch.rollups, into: db) }
        if !batch.events.isEmpty { try insertEvents(batch.events, into: db) }
        if !batch.ledger.isEmpty { try insertLedger(batch.ledger, through: batch.ledgerThroughSegment, into: db) }
        if !batch.robots.isEmpty { try insertRobots(batch.robots, into: db) }
        if !batch.provisionalScores.isEmpty {
            try SQLiteCompetitionStore.insertProvisional(batch.provisionalScores, into: db)
        }
        for result in batch.runResults {
            try SQLiteCompetitionStore.insert(result, into: db, at: nowNanos)
        }
        if !batch.counterDeltas.isEmpty { try addCounters(batch.counterDeltas, into: db, at: nowNanos) }
    }

    /// The batch's live segment (frames not yet in a sealed chunk), and the release of the
    /// segments whose frames are all in sealed chunks now.
    static func insertSegment(of batch: WriteBatch, into db: Database) throws {
        if let segment = batch.segment {
            try db.cachedStatement(
                sql: """
                    INSERT INTO frame_segment (segment_id, start_ns, end_ns, frame_count, frames)
                    VALUES (?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                segment.segmentID, Int64(bitPattern: segment.startNanos), Int64(bitPattern: segment.endNanos),
                segment.frameCount, Data(SegmentBlob.encode(segment.frames)),
            ])
        }
        if let below = batch.releaseSegmentsBelow {
            // Their frames are in sealed chunks now (inserted above or in an earlier batch).
            try db.cachedStatement(sql: "DELETE FROM frame_segment WHERE segment_id < ?").execute(arguments: [below])
        }
    }

    static func insertRollups(_ rollups: [RollupRecord], into db: Database) throws {
        // A bucket may already hold observations from an earlier batch (or from before a
        // restart): merge, do not overwrite.
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO rollup (robot_id, message_type, bucket_s, count, last_ns, stats)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (robot_id, message_type, bucket_s) DO UPDATE SET
                    stats = fleet_rollup_merge(stats, excluded.stats, excluded.last_ns >= last_ns),
                    count = count + excluded.count,
                    last_ns = max(last_ns, excluded.last_ns)
                """
        )
        for rollup in rollups {
            try statement.execute(arguments: [
                Int64(rollup.robotID), Int64(rollup.messageType), rollup.bucketSecond, rollup.count,
                Int64(bitPattern: rollup.lastNanos), Data(rollup.stats.bytes),
            ])
        }
    }

    static func insertEvents(_ events: [EventRecord], into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO event (robot_id, sender_id, boot_epoch, seq, run_id, ts_ns, message_type, frame)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        for event in events {
            try statement.execute(arguments: [
                Int64(event.robotID), Int64(event.senderID), Int64(event.bootEpoch), Int64(event.sequence),
                event.runID.map { Int64($0) }, Int64(bitPattern: event.timestampNanos), Int64(event.messageType),
                Data(event.frame),
            ])
        }
    }

    static func insertLedger(_ ledger: [LedgerRecord], through segment: Int64, into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO loss_ledger
                    (robot_id, boot_epoch, received, duplicates, out_of_order, rejected, dropped,
                     highest_seq, first_ns, last_ns, gaps, rejected_seqs, through_segment)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        for entry in ledger {
            try statement.execute(arguments: [
                Int64(entry.robotID), Int64(entry.bootEpoch), entry.received, entry.duplicates,
                entry.outOfOrder, entry.rejected, entry.dropped, entry.highestSequence.map { Int64($0) },
                Int64(bitPattern: entry.firstNanos), Int64(bitPattern: entry.lastNanos),
                Data(SequenceRange.blob(entry.gaps)), Data(SequenceRange.blob(entry.rejectedSequences)),
                segment,
            ])
        }
    }

    static func insertRobots(_ robots: [RobotRecord], into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO robot (robot_id, kind, boot_epoch, first_seen_ns, last_seen_ns)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (robot_id) DO UPDATE SET
                    kind = coalesce(excluded.kind, kind),
                    boot_epoch = excluded.boot_epoch,
                    first_seen_ns = min(first_seen_ns, excluded.first_seen_ns),
                    last_seen_ns = max(last_seen_ns, excluded.last_seen_ns)
                """
        )
        for robot in robots {
            try statement.execute(arguments: [
                Int64(robot.robotID), robot.kind, Int64(robot.bootEpoch),
                Int64(bitPattern: robot.firstSeenNanos), Int64(bitPattern: robot.lastSeenNanos),
            ])
        }
    }

    static func addCounters(_ deltas: [(name: String, delta: Int64)], into db: Database, at nowNanos: UInt64) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO ingest_stat (name, value, updated_ns) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET value = value + excluded.value, updated_ns = excluded.updated_ns
                """
        )
        for (name, delta) in deltas {
            try statement.execute(arguments: [name, delta, Int64(bitPattern: nowNanos)])
        }
    }
}

extension FleetDatabase {
    /// Inserts sealed chunks, each once, with its encoding. A chunk spanning more event time
    /// than `ChunkLimits.maximumSpanNanos` is split, so every row keeps the bound the
    /// queries rely on.
    static func insertChunks(_ chunks: [ChunkRecord], into db: Database) throws {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO frame_chunk
                    (robot_id, boot_epoch, first_seq, last_seq, start_ns, end_ns, frame_count, frames, encoding)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        for chunk in chunks {
            for part in try chunk.splitBySpan(ChunkLimits.maximumSpanNanos) {
                try insert.execute(arguments: [
                    Int64(part.robotID), Int64(part.bootEpoch), Int64(part.firstSequence),
                    Int64(part.lastSequence), Int64(bitPattern: part.startNanos),
                    Int64(bitPattern: part.endNanos), part.frameCount, Data(part.frames),
                    Int64(part.encoding.rawValue),
                ])
            }
        }
    }
}

extension SequenceRange {
    /// "3-7,9,12-15": how people read ranges (the CLI), and the text of schema v2's ledger
    /// columns, which the v3 migration converts.
    public static func text(_ ranges: [SequenceRange]) -> String {
        ranges.map(\.description).joined(separator: ",")
    }

    /// Parses `text(_:)`'s format.
    public static func parse(_ text: String) throws -> [SequenceRange] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { part in
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let first = UInt32(bounds[0]),
                let last = UInt32(bounds[bounds.count - 1]), first <= last
            else {
                throw StorageError(.corruptRow, "bad sequence range '\(part)' in '\(text)'")
            }
            return SequenceRange(first, last)
        }
    }
}

extension RollupStats {
    /// `fleet_rollup_merge(old, new, newIsNewer)`: merges two stats blobs inside SQLite, so
    /// that a bucket written by several batches (or across a restart) stays exact.
    static let mergeFunction = DatabaseFunction("fleet_rollup_merge", argumentCount: 3, pure: true) { arguments in
        guard let old = Data.fromDatabaseValue(arguments[0]), let new = Data.fromDatabaseValue(arguments[1]) else {
            return Data.fromDatabaseValue(arguments[1]) ?? Data.fromDatabaseValue(arguments[0])
        }
        let newIsNewer = Bool.fromDatabaseValue(arguments[2]) ?? true
        var merged = try old.withUnsafeBytes { try RollupStats(bytes: $0) }
        let other = try new.withUnsafeBytes { try RollupStats(bytes: $0) }
        guard merged.values.count == other.values.count else {
            throw StorageError(.corruptRow, "rollup stats of \(merged.metricCount) and \(other.metricCount) metrics")
        }
        merged.merge(other, otherIsNewer: newIsNewer)
        return Data(merged.bytes)
    }
}
