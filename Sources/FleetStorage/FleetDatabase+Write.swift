public import FleetStore
import Foundation
import GRDB

extension FleetDatabase {
    /// Commits a batch in one IMMEDIATE transaction with cached prepared statements.
    /// Returns only after the commit, so the caller may then acknowledge the batch's frames.
    ///
    /// `openChunks` is the writer's memory of chunks it may still append to; keep one per
    /// writer and pass it to every commit.
    public func commit(_ batch: WriteBatch, openChunks: inout OpenChunks, at nowNanos: UInt64) throws {
        guard !batch.isEmpty else { return }
        var working = openChunks
        try write { db in
            try Self.insert(batch, into: db, openChunks: &working, nowNanos: nowNanos)
        }
        // Only a committed transaction's chunk ids are real.
        openChunks = working
    }

    /// Commits a batch without appending to earlier chunks (tests, one-off writes).
    public func commit(_ batch: WriteBatch, at nowNanos: UInt64) throws {
        var open = OpenChunks()
        try commit(batch, openChunks: &open, at: nowNanos)
    }

    static func insert(_ batch: WriteBatch, into db: Database, openChunks: inout OpenChunks, nowNanos: UInt64) throws {
        if !batch.chunks.isEmpty {
            try writeChunks(batch.chunks, into: db, open: &openChunks)
        }
        if !batch.rollups.isEmpty {
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
            for rollup in batch.rollups {
                try statement.execute(arguments: [
                    Int64(rollup.robotID), Int64(rollup.messageType), rollup.bucketSecond, rollup.count,
                    Int64(bitPattern: rollup.lastNanos), Data(rollup.stats.bytes),
                ])
            }
        }
        if !batch.events.isEmpty {
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO event (robot_id, sender_id, boot_epoch, seq, run_id, ts_ns, message_type, frame)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            for event in batch.events {
                try statement.execute(arguments: [
                    Int64(event.robotID), Int64(event.senderID), Int64(event.bootEpoch), Int64(event.sequence),
                    event.runID.map { Int64($0) }, Int64(bitPattern: event.timestampNanos), Int64(event.messageType),
                    Data(event.frame),
                ])
            }
        }
        if !batch.ledger.isEmpty {
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO loss_ledger
                        (robot_id, boot_epoch, received, duplicates, out_of_order, rejected, dropped,
                         highest_seq, first_ns, last_ns, gaps, rejected_seqs)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            for entry in batch.ledger {
                try statement.execute(arguments: [
                    Int64(entry.robotID), Int64(entry.bootEpoch), entry.received, entry.duplicates,
                    entry.outOfOrder, entry.rejected, entry.dropped, entry.highestSequence.map { Int64($0) },
                    Int64(bitPattern: entry.firstNanos), Int64(bitPattern: entry.lastNanos),
                    SequenceRange.text(entry.gaps), SequenceRange.text(entry.rejectedSequences),
                ])
            }
        }
        if !batch.robots.isEmpty {
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO robot (robot_id, kind, boot_epoch, first_seen_ns, last_seen_ns)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (robot_id) DO UPDATE SET
                        kind = coalesce(excluded.kind, kind),
                        boot_epoch = excluded.boot_epoch,
                        last_seen_ns = max(last_seen_ns, excluded.last_seen_ns)
                    """
            )
            for robot in batch.robots {
                try statement.execute(arguments: [
                    Int64(robot.robotID), robot.kind, Int64(robot.bootEpoch),
                    Int64(bitPattern: robot.lastSeenNanos), Int64(bitPattern: robot.lastSeenNanos),
                ])
            }
        }
        if !batch.provisionalScores.isEmpty {
            try CompetitionStore.insertProvisional(batch.provisionalScores, into: db)
        }
        for result in batch.runResults {
            try CompetitionStore.insert(result, into: db, at: nowNanos)
        }
        if !batch.counterDeltas.isEmpty {
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO ingest_stat (name, value, updated_ns) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value, updated_ns = excluded.updated_ns
                    """
            )
            for (name, delta) in batch.counterDeltas {
                try statement.execute(arguments: [name, delta, Int64(bitPattern: nowNanos)])
            }
        }
    }
}

/// The writer's open chunks: the newest chunk row of each stream, which later batches append
/// to until it is full or spans too long. At live rates a batch holds one or two frames per
/// robot; without appending, every chunk row would hold one frame and its overhead.
public struct OpenChunks: Sendable {
    struct Entry: Sendable {
        var chunkID: Int64
        var frameCount: Int
        var bytes: Int
        var startNanos: UInt64
        var endNanos: UInt64
    }

    /// A chunk is closed once it holds this many frames...
    public var maximumFrames: Int
    /// ...or this many bytes...
    public var maximumBytes: Int
    /// ...or would span more than this much event time. Queries rely on the bound: a
    /// chunk that overlaps [from, to] starts after `from - maximumSpanNanos`.
    public static let maximumSpanNanos: UInt64 = ChunkLimits.maximumSpanNanos
    var entries: [ChunkKey: Entry] = [:]

    struct ChunkKey: Hashable, Sendable {
        var robotID: UInt32
        var bootEpoch: UInt32
    }

    /// Only chunks smaller than this are appended to (appending rewrites the blob).
    public var appendBelowBytes: Int

    public init(maximumFrames: Int = 512, maximumBytes: Int = 128 * 1024, appendBelowBytes: Int = 16 * 1024) {
        self.maximumFrames = maximumFrames
        self.maximumBytes = maximumBytes
        self.appendBelowBytes = appendBelowBytes
    }
}

extension FleetDatabase {
    static func writeChunks(_ chunks: [ChunkRecord], into db: Database, open: inout OpenChunks) throws {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO frame_chunk
                    (robot_id, boot_epoch, first_seq, last_seq, start_ns, end_ns, frame_count, frames)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        let append = try db.cachedStatement(
            sql: """
                UPDATE frame_chunk SET
                    frames = CAST(frames || ? AS BLOB),
                    frame_count = frame_count + ?,
                    first_seq = min(first_seq, ?),
                    last_seq = max(last_seq, ?),
                    start_ns = min(start_ns, ?),
                    end_ns = max(end_ns, ?)
                WHERE chunk_id = ?
                """
        )
        // `||` yields TEXT; the CAST keeps the column a BLOB, so whole-row reads and the
        // sqlite3 shell's substr() see bytes, not characters cut at the first NUL.
        for chunk in chunks {
            let key = OpenChunks.ChunkKey(robotID: chunk.robotID, bootEpoch: chunk.bootEpoch)
            // Append only small pieces to a small chunk: appending rewrites the row's blob, so
            // that is worth it for the one or two frames a robot has in a batch at live
            // rates, and not for a busy batch, whose piece is a good chunk on its own.
            if var entry = open.entries[key],
                entry.bytes < open.appendBelowBytes,
                chunk.frames.count < open.appendBelowBytes,
                entry.frameCount + chunk.frameCount <= open.maximumFrames,
                entry.bytes + chunk.frames.count <= open.maximumBytes,
                max(entry.endNanos, chunk.endNanos) - min(entry.startNanos, chunk.startNanos)
                    <= OpenChunks.maximumSpanNanos
            {
                try append.execute(arguments: [
                    Data(chunk.frames), chunk.frameCount, Int64(chunk.firstSequence), Int64(chunk.lastSequence),
                    Int64(bitPattern: chunk.startNanos), Int64(bitPattern: chunk.endNanos), entry.chunkID,
                ])
                entry.frameCount += chunk.frameCount
                entry.bytes += chunk.frames.count
                entry.startNanos = min(entry.startNanos, chunk.startNanos)
                entry.endNanos = max(entry.endNanos, chunk.endNanos)
                open.entries[key] = entry
                continue
            }
            // A chunk that would span too long on its own (a batch holding a long stretch of
            // one robot's time) is split so every row keeps the span bound.
            for part in chunk.splitBySpan(OpenChunks.maximumSpanNanos) {
                try insert.execute(arguments: [
                    Int64(part.robotID), Int64(part.bootEpoch), Int64(part.firstSequence),
                    Int64(part.lastSequence), Int64(bitPattern: part.startNanos),
                    Int64(bitPattern: part.endNanos), part.frameCount, Data(part.frames),
                ])
                open.entries[key] = OpenChunks.Entry(
                    chunkID: db.lastInsertedRowID,
                    frameCount: part.frameCount,
                    bytes: part.frames.count,
                    startNanos: part.startNanos,
                    endNanos: part.endNanos
                )
            }
        }
    }
}

extension SequenceRange {
    /// "3-7,9,12-15": compact, and readable in the sqlite3 shell.
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
