import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore: IngestStore {
    public var competition: any CompetitionStore { PostgresCompetitionStore(self) }

    /// This ingester's ledgers, its live segments oldest first, which of their frames a
    /// sealed chunk holds already, and the next segment id.
    public func restoreIngestState() throws -> IngestRestoreState {
        do {
            return try blockingAwait { [self] in try await restore() }
        } catch {
            throw Self.describe(error, doing: "restoring ingest state from \(location)")
        }
    }

    private func restore() async throws -> IngestRestoreState {
        var state = IngestRestoreState()
        var through: [StreamKey: Int64] = [:]
        let ledgerRows = try await client.query(
            """
            SELECT \(unescaped: Self.ledgerColumns), through_segment FROM loss_ledger
            WHERE ingester = \(ingesterID) ORDER BY robot_id, boot_epoch
            """,
            logger: logger
        )
        for try await row in ledgerRows {
            let ledger = try Self.ledger(row)
            state.ledgers.append(ledger)
            let cells = try row.decode(
                (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64?, Int64, Int64, ByteBuffer, ByteBuffer, Int64)
                    .self
            )
            through[StreamKey(robotID: ledger.robotID, bootEpoch: ledger.bootEpoch)] = cells.12
        }
        state.ledgerThroughSegment = through
        let segmentRows = try await client.query(
            """
            SELECT segment_id, start_ns, end_ns, frame_count, frames FROM frame_segment
            WHERE ingester = \(ingesterID) ORDER BY segment_id
            """,
            logger: logger
        )
        for try await (id, start, end, count, frames) in segmentRows.decode(
            (Int64, Int64, Int64, Int32, ByteBuffer).self
        ) {
            let decoded = try frames.readableBytesView.withUnsafeBytes { try SegmentBlob.decode($0) }
            state.segments.append(
                SegmentRecord(
                    segmentID: id,
                    startNanos: UInt64(bitPattern: start),
                    endNanos: UInt64(bitPattern: end),
                    frameCount: Int(count),
                    frames: decoded
                )
            )
        }
        state.sealedFrames = try await sealedFrames(among: state.segments)
        let highestThrough = through.values.max() ?? 1
        state.nextSegmentID = max((state.segments.last?.segmentID ?? 0) + 1, highestThrough)
        return state
    }

    /// The frames of `segments` that a sealed chunk holds too (restart only: exactness wins).
    private func sealedFrames(among segments: [SegmentRecord]) async throws -> Set<FrameKey> {
        var wanted: [StreamKey: (first: UInt32, last: UInt32)] = [:]
        var keys = Set<FrameKey>()
        for segment in segments {
            try segment.frames.withUnsafeBytes { blob in
                try FrameChunk.forEachFrame(in: blob) { frame in
                    guard let header = FrameHeader.unverified(frame) else { return }
                    let stream = StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch)
                    keys.insert(FrameKey(stream: stream, sequence: header.sequence))
                    let range = wanted[stream] ?? (header.sequence, header.sequence)
                    wanted[stream] = (min(range.first, header.sequence), max(range.last, header.sequence))
                }
            }
        }
        var sealed = Set<FrameKey>()
        for (stream, range) in wanted {
            let rows = try await client.query(
                """
                SELECT frames, encoding FROM frame_chunk
                WHERE robot_id = \(Int64(stream.robotID)) AND boot_epoch = \(Int64(stream.bootEpoch))
                  AND last_seq >= \(Int64(range.first)) AND first_seq <= \(Int64(range.last))
                """,
                logger: logger
            )
            for try await (blob, encoding) in rows.decode((ByteBuffer, Int16).self) {
                try Self.forEachChunkFrame(blob, encoding: encoding) { frame in
                    guard let header = FrameHeader.unverified(frame) else { return }
                    let key = FrameKey(stream: stream, sequence: header.sequence)
                    if keys.contains(key) { sealed.insert(key) }
                }
            }
        }
        return sealed
    }

    /// Writes `batch` in one transaction, a multi-row statement per table; returns once
    /// PostgreSQL has confirmed the commit.
    public func commit(_ batch: WriteBatch, at nowNanos: UInt64) throws {
        guard !batch.isEmpty else { return }
        try ensurePartitions(days: Self.days(of: batch))
        do {
            try blockingAwait { [self] in
                try await client.withTransaction(logger: logger) { connection in
                    try await self.write(batch, on: connection, nowNanos: nowNanos)
                }
            }
        } catch {
            throw Self.describe(error, doing: "committing a batch of \(batch.frameCount) frames to \(location)")
        }
    }

    /// Creates the partitions of the days ahead (at most once a minute); nothing else is
    /// due: PostgreSQL checkpoints and vacuums by itself.
    public func maintain(at nowNanos: UInt64) throws -> Bool {
        try ensurePartitionsAhead(at: nowNanos)
        return false
    }

    /// Nothing to leave behind: every commit is complete on the server.
    public func finishIngest() throws {}

    // MARK: Writing

    func write(_ batch: WriteBatch, on connection: PostgresConnection, nowNanos: UInt64) async throws {
        if !batch.chunks.isEmpty {
            try await insertChunks(batch.chunks, on: connection)
        }
        if let segment = batch.segment {
            try await connection.query(
                """
                INSERT INTO frame_segment (ingester, segment_id, start_ns, end_ns, frame_count, frames)
                VALUES (\(ingesterID), \(segment.segmentID), \(Int64(bitPattern: segment.startNanos)),
                        \(Int64(bitPattern: segment.endNanos)), \(Int32(segment.frameCount)),
                        \(ByteBuffer(bytes: SegmentBlob.encode(segment.frames))))
                """,
                logger: logger
            )
        }
        if let below = batch.releaseSegmentsBelow {
            try await connection.query(
                "DELETE FROM frame_segment WHERE ingester = \(ingesterID) AND segment_id < \(below)",
                logger: logger
            )
        }
        if !batch.rollups.isEmpty {
            try await upsertRollups(batch.rollups, on: connection)
        }
        try await insertEvents(batch.events, on: connection)
        try await upsertLedgers(
            batch.ledger,
            throughSegment: batch.ledgerThroughSegment,
            ingester: ingesterID,
            on: connection
        )
        try await upsertRobots(batch.robots, on: connection)
        if !batch.provisionalScores.isEmpty {
            try await PostgresCompetitionStore.insertProvisional(
                batch.provisionalScores,
                on: connection,
                logger: logger
            )
        }
        for result in batch.runResults {
            try await PostgresCompetitionStore.insert(result, on: connection, at: nowNanos, logger: logger)
        }
        if !batch.counterDeltas.isEmpty {
            let c = batch.counterDeltas
            try await connection.query(
                """
                INSERT INTO ingest_stat (ingester, name, value, updated_ns)
                SELECT \(ingesterID), n, v, \(Int64(bitPattern: nowNanos))
                FROM unnest(\(c.map(\.name))::text[], \(c.map(\.delta))::int8[]) AS x(n, v)
                ON CONFLICT (ingester, name) DO UPDATE SET
                    value = ingest_stat.value + excluded.value, updated_ns = excluded.updated_ns
                """,
                logger: logger
            )
        }
    }

    /// Inserts sealed chunks, each once, split where one spans more than
    /// `ChunkLimits.maximumSpanNanos`.
    private func insertChunks(_ chunks: [ChunkRecord], on connection: PostgresConnection) async throws {
        var parts: [ChunkRecord] = []
        parts.reserveCapacity(chunks.count)
        for chunk in chunks { parts += try chunk.splitBySpan(ChunkLimits.maximumSpanNanos) }
        try await connection.query(
            """
            INSERT INTO frame_chunk
                (robot_id, boot_epoch, first_seq, last_seq, start_ns, end_ns, frame_count, encoding, frames)
            SELECT * FROM unnest(
                \(parts.map { Int64($0.robotID) })::int8[], \(parts.map { Int64($0.bootEpoch) })::int8[],
                \(parts.map { Int64($0.firstSequence) })::int8[], \(parts.map { Int64($0.lastSequence) })::int8[],
                \(parts.map { Int64(bitPattern: $0.startNanos) })::int8[],
                \(parts.map { Int64(bitPattern: $0.endNanos) })::int8[],
                \(parts.map { Int32($0.frameCount) })::int4[], \(parts.map { Int16($0.encoding.rawValue) })::int2[],
                \(parts.map { ByteBuffer(bytes: $0.frames) })::bytea[]
            )
            """,
            logger: logger
        )
    }

    /// A bucket may already hold observations from an earlier batch (a late frame, or
    /// before a restart): the stored stats are read and merged here, then written back, in
    /// the batch's transaction (rows locked), so the bucket stays exact.
    func upsertRollups(_ rollups: [RollupRecord], on connection: PostgresConnection) async throws {
        // One row a bucket (a statement may not update a row twice): a bucket that appears
        // twice in the batch is merged first.
        var merged: [RollupRecord] = []
        merged.reserveCapacity(rollups.count)
        var index: [RollupKey: Int] = [:]
        for r in rollups {
            let key = RollupKey(robotID: r.robotID, messageType: r.messageType, bucketSecond: r.bucketSecond)
            guard let i = index[key] else {
                index[key] = merged.count
                merged.append(r)
                continue
            }
            try Self.merge(r, into: &merged[i])
        }
        let stored = try await connection.query(
            """
            SELECT robot_id, message_type, bucket_s, count, last_ns, stats FROM rollup
            WHERE (robot_id, message_type, bucket_s) IN (
                SELECT * FROM unnest(\(rollups.map { Int64($0.robotID) })::int8[],
                    \(rollups.map { Int16($0.messageType) })::int2[], \(rollups.map(\.bucketSecond))::int8[]))
            FOR UPDATE
            """,
            logger: logger
        )
        for try await (robot, type, bucket, count, lastNanos, stats) in stored.decode(
            (Int64, Int16, Int64, Int64, Int64, ByteBuffer).self
        ) {
            let key = RollupKey(
                robotID: UInt32(truncatingIfNeeded: robot),
                messageType: UInt8(truncatingIfNeeded: type),
                bucketSecond: bucket
            )
            guard let i = index[key] else { continue }
            var old = RollupRecord(
                robotID: key.robotID,
                messageType: key.messageType,
                bucketSecond: bucket,
                count: Int(count),
                lastNanos: UInt64(bitPattern: lastNanos),
                stats: try stats.readableBytesView.withUnsafeBytes { try RollupStats(bytes: $0) }
            )
            try Self.merge(merged[i], into: &old)
            merged[i] = old
        }
        try await connection.query(
            """
            INSERT INTO rollup (robot_id, message_type, bucket_s, count, last_ns, stats)
            SELECT * FROM unnest(
                \(merged.map { Int64($0.robotID) })::int8[], \(merged.map { Int16($0.messageType) })::int2[],
                \(merged.map(\.bucketSecond))::int8[], \(merged.map { Int64($0.count) })::int8[],
                \(merged.map { Int64(bitPattern: $0.lastNanos) })::int8[],
                \(merged.map { ByteBuffer(bytes: $0.stats.bytes) })::bytea[]
            )
            ON CONFLICT (robot_id, message_type, bucket_s) DO UPDATE SET
                count = excluded.count, last_ns = excluded.last_ns, stats = excluded.stats
            """,
            logger: logger
        )
    }
}

extension PostgresStore {
    /// Folds `new` into `bucket` as SQLite's `fleet_rollup_merge` does: statistics merged,
    /// counts added, `last` from the newer observation.
    static func merge(_ new: RollupRecord, into bucket: inout RollupRecord) throws {
        guard bucket.stats.values.count == new.stats.values.count else {
            throw StorageError(
                .corruptRow,
                "rollup of robot \(new.robotID) type \(new.messageType) second \(new.bucketSecond): stats of \(bucket.stats.metricCount) and \(new.stats.metricCount) metrics"
            )
        }
        bucket.stats.merge(new.stats, otherIsNewer: new.lastNanos >= bucket.lastNanos)
        bucket.count += new.count
        bucket.lastNanos = max(bucket.lastNanos, new.lastNanos)
    }
}

struct RollupKey: Hashable {
    var robotID: UInt32
    var messageType: UInt8
    var bucketSecond: Int64
}

extension PostgresStore {
    /// Inserts events; one already stored (same robot, sender, boot epoch, sequence and
    /// time: a forwarded copy, a resend) is skipped.
    func insertEvents(_ e: [EventRecord], on connection: PostgresConnection) async throws {
        guard !e.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO event (robot_id, sender_id, boot_epoch, seq, run_id, ts_ns, message_type, frame)
            SELECT r, s, b, q, NULLIF(run, -1), t, m, f FROM unnest(
                \(e.map { Int64($0.robotID) })::int8[], \(e.map { Int64($0.senderID) })::int8[],
                \(e.map { Int64($0.bootEpoch) })::int8[], \(e.map { Int64($0.sequence) })::int8[],
                \(e.map { $0.runID.map { Int64($0) } ?? -1 })::int8[],
                \(e.map { Int64(bitPattern: $0.timestampNanos) })::int8[],
                \(e.map { Int16($0.messageType) })::int2[], \(e.map { ByteBuffer(bytes: $0.frame) })::bytea[]
            ) AS x(r, s, b, q, run, t, m, f)
            ON CONFLICT DO NOTHING
            """,
            logger: logger
        )
    }

    /// Replaces ledger rows with `ingester`'s (the ingester or forwarded site that counts them).
    func upsertLedgers(
        _ l: [LedgerRecord],
        throughSegment: Int64,
        ingester: String,
        on connection: PostgresConnection
    ) async throws {
        guard !l.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO loss_ledger (robot_id, boot_epoch, received, duplicates, out_of_order, rejected, dropped,
                highest_seq, first_ns, last_ns, gaps, rejected_seqs, through_segment, ingester)
            SELECT r, b, rc, du, oo, rj, dr, NULLIF(hs, -1), fn, ln, g, rs, \(throughSegment),
                   \(ingester)
            FROM unnest(
                \(l.map { Int64($0.robotID) })::int8[], \(l.map { Int64($0.bootEpoch) })::int8[],
                \(l.map { Int64($0.received) })::int8[], \(l.map { Int64($0.duplicates) })::int8[],
                \(l.map { Int64($0.outOfOrder) })::int8[], \(l.map { Int64($0.rejected) })::int8[],
                \(l.map { Int64($0.dropped) })::int8[], \(l.map { $0.highestSequence.map { Int64($0) } ?? -1 })::int8[],
                \(l.map { Int64(bitPattern: $0.firstNanos) })::int8[], \(l.map { Int64(bitPattern: $0.lastNanos) })::int8[],
                \(l.map { ByteBuffer(bytes: SequenceRange.blob($0.gaps)) })::bytea[],
                \(l.map { ByteBuffer(bytes: SequenceRange.blob($0.rejectedSequences)) })::bytea[]
            ) AS x(r, b, rc, du, oo, rj, dr, hs, fn, ln, g, rs)
            ON CONFLICT (robot_id, boot_epoch) DO UPDATE SET
                received = excluded.received, duplicates = excluded.duplicates,
                out_of_order = excluded.out_of_order, rejected = excluded.rejected, dropped = excluded.dropped,
                highest_seq = excluded.highest_seq, first_ns = excluded.first_ns, last_ns = excluded.last_ns,
                gaps = excluded.gaps, rejected_seqs = excluded.rejected_seqs,
                through_segment = excluded.through_segment, ingester = excluded.ingester
            """,
            logger: logger
        )
    }

    /// Inserts or merges robot rows: the newest boot epoch and kind win, first and last seen
    /// widen (several ingesters or sites may know one robot).
    func upsertRobots(_ r: [RobotRecord], on connection: PostgresConnection) async throws {
        guard !r.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO robot (robot_id, kind, boot_epoch, first_seen_ns, last_seen_ns)
            SELECT id, NULLIF(k, ''), b, f, t FROM unnest(
                \(r.map { Int64($0.robotID) })::int8[], \(r.map { $0.kind ?? "" })::text[],
                \(r.map { Int64($0.bootEpoch) })::int8[], \(r.map { Int64(bitPattern: $0.firstSeenNanos) })::int8[],
                \(r.map { Int64(bitPattern: $0.lastSeenNanos) })::int8[]
            ) AS x(id, k, b, f, t)
            ON CONFLICT (robot_id) DO UPDATE SET
                kind = coalesce(excluded.kind, robot.kind),
                boot_epoch = CASE WHEN excluded.last_seen_ns >= robot.last_seen_ns
                                  THEN excluded.boot_epoch ELSE robot.boot_epoch END,
                first_seen_ns = least(robot.first_seen_ns, excluded.first_seen_ns),
                last_seen_ns = greatest(robot.last_seen_ns, excluded.last_seen_ns)
            """,
            logger: logger
        )
    }
}
