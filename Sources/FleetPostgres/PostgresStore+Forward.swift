public import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Where a site's forwarder is: the last chunk and event ids of its SQLite file copied to the
/// central database, and what it has copied in all.
public struct ForwardCursor: Sendable, Equatable {
    public var chunkID: Int64 = 0
    public var eventID: Int64 = 0
    public var chunks: Int64 = 0
    public var frames: Int64 = 0
    public var events: Int64 = 0

    public init() {}
}

/// One step of a site's forwarding: rows read from the site's file after the cursor, and
/// the site's ledgers, robots and counters as they are now.
public struct ForwardBatch: Sendable {
    public var chunks: [ChunkRecord] = []
    public var events: [EventRecord] = []
    public var ledgers: [LedgerRecord] = []
    public var robots: [RobotRecord] = []
    /// The site's cumulative counters (`ingest_stat`), stored as the site's own.
    public var counters: [String: Int64] = [:]
    /// The cursor after this batch.
    public var cursor = ForwardCursor()

    public init() {}
}

extension PostgresStore {
    /// The name a site's rows carry where ingesters keep their own (ledgers, counters).
    public static func siteIngesterName(_ site: String) -> String { "site:\(site)" }

    /// Where `site`'s forwarder stopped (zeros for a site never forwarded).
    public func forwardCursor(site: String) throws -> ForwardCursor {
        try run("reading the forward cursor of site \(site)") { [self] in
            let rows = try await client.query(
                "SELECT chunk_id, event_id, chunks, frames, events FROM forward_cursor WHERE site = \(site)",
                logger: logger
            )
            var cursor = ForwardCursor()
            for try await (chunk, event, chunks, frames, events) in rows.decode(
                (Int64, Int64, Int64, Int64, Int64).self
            ) {
                cursor.chunkID = chunk
                cursor.eventID = event
                cursor.chunks = chunks
                cursor.frames = frames
                cursor.events = events
            }
            return cursor
        }
    }

    /// Copies one batch of a site's rows and moves its cursor, in one transaction: after a
    /// crash the forwarder resumes from the cursor, and nothing is copied twice. Copying is
    /// also idempotent by content: a chunk or event already here is skipped, and only the
    /// chunks actually inserted add to the rollups (computed from their frames, as the
    /// site's ingester computed its own).
    public func commitForwarded(_ batch: ForwardBatch, site: String, at nowNanos: UInt64) throws {
        var days = WriteBatch()
        days.chunks = batch.chunks
        days.events = batch.events
        try ensurePartitions(days: Self.days(of: days))
        let ingester = Self.siteIngesterName(site)
        do {
            try blockingAwait { [self] in
                try await client.withTransaction(logger: logger) { connection in
                    let inserted = try await self.insertForwardedChunks(batch.chunks, on: connection)
                    let rollups = try Self.rollups(of: inserted)
                    if !rollups.isEmpty { try await self.upsertRollups(rollups, on: connection) }
                    try await self.insertEvents(batch.events, on: connection)
                    try await self.replaceSiteRows(batch, ingester: ingester, at: nowNanos, on: connection)
                    let c = batch.cursor
                    try await connection.query(
                        """
                        INSERT INTO forward_cursor (site, chunk_id, event_id, chunks, frames, events, updated_ns)
                        VALUES (\(site), \(c.chunkID), \(c.eventID), \(c.chunks), \(c.frames), \(c.events),
                                \(Int64(bitPattern: nowNanos)))
                        ON CONFLICT (site) DO UPDATE SET
                            chunk_id = excluded.chunk_id, event_id = excluded.event_id, chunks = excluded.chunks,
                            frames = excluded.frames, events = excluded.events, updated_ns = excluded.updated_ns
                        """,
                        logger: logger
                    )
                }
            }
        } catch {
            throw Self.describe(error, doing: "forwarding \(batch.chunks.count) chunks of site \(site) to \(location)")
        }
    }

    /// Inserts the chunks not already here; returns those it inserted.
    private func insertForwardedChunks(
        _ chunks: [ChunkRecord],
        on connection: PostgresConnection
    ) async throws -> [ChunkRecord] {
        guard !chunks.isEmpty else { return [] }
        var parts: [ChunkRecord] = []
        for chunk in chunks { parts += try chunk.splitBySpan(ChunkLimits.maximumSpanNanos) }
        let rows = try await connection.query(
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
            ON CONFLICT DO NOTHING
            RETURNING robot_id, boot_epoch, first_seq, start_ns
            """,
            logger: logger
        )
        var keys = Set<[Int64]>()
        for try await (robot, boot, first, start) in rows.decode((Int64, Int64, Int64, Int64).self) {
            keys.insert([robot, boot, first, start])
        }
        return parts.filter {
            keys.contains([
                Int64($0.robotID), Int64($0.bootEpoch), Int64($0.firstSequence), Int64(bitPattern: $0.startNanos),
            ])
        }
    }

    /// The site's ledgers and counters replace what the site sent before; its robots merge
    /// with what other sites and ingesters know of them (the ingest path's statements).
    private func replaceSiteRows(
        _ batch: ForwardBatch,
        ingester: String,
        at nowNanos: UInt64,
        on connection: PostgresConnection
    ) async throws {
        try await upsertLedgers(batch.ledgers, throughSegment: 0, ingester: ingester, on: connection)
        try await upsertRobots(batch.robots, on: connection)
        if !batch.counters.isEmpty {
            let names = batch.counters.keys.sorted()
            try await connection.query(
                """
                INSERT INTO ingest_stat (ingester, name, value, updated_ns)
                SELECT \(ingester), n, v, \(Int64(bitPattern: nowNanos))
                FROM unnest(\(names)::text[], \(names.map { batch.counters[$0]! })::int8[]) AS x(n, v)
                ON CONFLICT (ingester, name) DO UPDATE SET value = excluded.value, updated_ns = excluded.updated_ns
                """,
                logger: logger
            )
        }
    }

    /// The 1 s rollups of the state frames in `chunks`, as the ingester builds them.
    static func rollups(of chunks: [ChunkRecord]) throws -> [RollupRecord] {
        let catalog = RollupCatalog.shared
        var buckets: [RollupKey: RollupRecord] = [:]
        for chunk in chunks {
            try chunk.frames.withUnsafeBytes { blob in
                try ChunkCodec.forEachFrame(in: blob, encoding: chunk.encoding) { frame in
                    guard let header = FrameHeader.unverified(frame),
                        let type = MessageType(rawValue: header.messageType), type.category == .state
                    else { return }
                    let start = Int(header.headerLength)
                    guard frame.count >= start + type.bodySize else { return }
                    let body = UnsafeRawBufferPointer(rebasing: frame[start..<start + type.bodySize])
                    let second = Int64(header.timestampNanoseconds / 1_000_000_000)
                    let key = RollupKey(robotID: header.robotID, messageType: type.rawValue, bucketSecond: second)
                    var bucket =
                        buckets[key]
                        ?? RollupRecord(
                            robotID: header.robotID,
                            messageType: type.rawValue,
                            bucketSecond: second,
                            count: 0,
                            lastNanos: 0,
                            stats: RollupStats(metricCount: catalog.metrics(of: type).count)
                        )
                    bucket.count += 1
                    bucket.lastNanos = max(bucket.lastNanos, header.timestampNanoseconds)
                    catalog.accumulate(type, body: body, into: &bucket.stats)
                    buckets[key] = bucket
                }
            }
        }
        return buckets.keys.sorted {
            ($0.robotID, $0.messageType, $0.bucketSecond) < ($1.robotID, $1.messageType, $1.bucketSecond)
        }.map { buckets[$0]! }
    }
}
