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
    /// Where the batch starts: the cursor as the central database has it.
    public var start = ForwardCursor()
    /// Sealed chunks after `start.chunkID`, in the site's order, and their row ids there.
    public var chunks: [ChunkRecord] = []
    public var chunkIDs: [Int64] = []
    /// Events after `start.eventID`, in the site's order, and their row ids there.
    public var events: [EventRecord] = []
    public var eventIDs: [Int64] = []
    public var ledgers: [LedgerRecord] = []
    public var robots: [RobotRecord] = []
    /// The site's cumulative counters (`ingest_stat`), stored as the site's own.
    public var counters: [String: Int64] = [:]

    public init() {}

    /// The cursor after the first `chunks` chunks and `events` events of the batch.
    public func cursor(throughChunks chunks: Int, events: Int) -> ForwardCursor {
        var cursor = start
        if chunks > 0 {
            cursor.chunkID = chunkIDs[chunks - 1]
            cursor.chunks += Int64(chunks)
            cursor.frames += Int64(self.chunks.prefix(chunks).reduce(0) { $0 + $1.frameCount })
        }
        if events > 0 {
            cursor.eventID = eventIDs[events - 1]
            cursor.events += Int64(events)
        }
        return cursor
    }

    /// Where a robot's first row is in the batch: its first chunk, else (after every chunk)
    /// its first event; `Int.max` when it has none.
    func firstRow(of robot: UInt32) -> Int {
        if let chunk = chunks.firstIndex(where: { $0.robotID == robot }) { return chunk }
        if let event = events.firstIndex(where: { $0.senderID == robot }) { return chunks.count + event }
        return Int.max
    }

    /// How many chunks and events come before the first row of a robot in `held`: what can be
    /// copied while those robots wait (a robot's rows are never copied out of order).
    func prefix(before held: Set<UInt32>) -> (chunks: Int, events: Int) {
        guard !held.isEmpty else { return (chunks.count, events.count) }
        return (
            chunks.firstIndex { held.contains($0.robotID) } ?? chunks.count,
            events.firstIndex { held.contains($0.senderID) } ?? events.count
        )
    }

    /// The senders of the first `chunks` chunks and `events` events: the robots a copy claims.
    func senders(chunks: Int, events: Int) -> [UInt32] {
        Array(Set(self.chunks.prefix(chunks).map(\.robotID) + self.events.prefix(events).map(\.senderID))).sorted()
    }
}

/// What `commitForwarded` copied: the batch up to the first row of a robot that another
/// ingester or site holds on the central database, and those robots.
public struct ForwardOutcome: Sendable, Equatable {
    /// Chunks and events copied, from the start of the batch.
    public var chunks = 0
    public var events = 0
    /// The cursor the central database has now.
    public var cursor = ForwardCursor()
    /// The holders of the robots whose rows wait, the one whose row stopped the batch first
    /// (then by their first rows in the batch); empty when all was copied.
    public var heldBack: [RobotOwner] = []

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
    ///
    /// The robots copied are claimed in the same transaction, as an ingester claims the robots
    /// it writes (`robot_owner`, rows locked in robot order, a lease of `leaseNanos`): a robot
    /// that a live ingester or another site holds here never gets the site's chunks woven into
    /// its chain. The batch is copied up to the first row of such a robot; the rest waits, the
    /// cursor with it, until the lease ends or is released.
    public func commitForwarded(
        _ batch: ForwardBatch,
        site: String,
        leaseNanos: UInt64,
        at nowNanos: UInt64
    ) throws -> ForwardOutcome {
        var days = WriteBatch()
        days.chunks = batch.chunks
        days.events = batch.events
        try ensurePartitions(days: Self.days(of: days))
        var held: [UInt32: RobotOwner] = [:]
        // Each refused claim rolls the attempt back (no lease taken for rows not copied) and
        // shortens the next one to the rows before that robot's first: a few attempts at most.
        while true {
            let (chunks, events) = batch.prefix(before: Set(held.keys))
            let robots = batch.senders(chunks: chunks, events: events)
            do {
                var outcome = try blockingAwait { [self] in
                    try await client.withTransaction(logger: logger) { connection in
                        try await self.copy(
                            batch,
                            chunks: chunks,
                            events: events,
                            claiming: robots,
                            leaseNanos: leaseNanos,
                            site: site,
                            at: nowNanos,
                            on: connection
                        )
                    }
                }
                outcome.heldBack = held.values.sorted {
                    (batch.firstRow(of: $0.robotID), $0.robotID) < (batch.firstRow(of: $1.robotID), $1.robotID)
                }
                return outcome
            } catch {
                // The transaction hands back what its body threw, wrapped.
                if let refused = (error as? PostgresTransactionError)?.closureError as? RefusedClaims {
                    for owner in refused.owners { held[owner.robotID] = owner }
                    continue
                }
                throw Self.describe(
                    error,
                    doing: "forwarding \(batch.chunks.count) chunks of site \(site) to \(location)"
                )
            }
        }
    }

    /// Robots of a copy that another ingester or site holds: the attempt is rolled back.
    private struct RefusedClaims: Error {
        var owners: [RobotOwner]
    }

    /// One attempt of `commitForwarded`, in its transaction: the claims, then the first
    /// `chunks` chunks and `events` events, the site's rows and the cursor.
    private func copy(
        _ batch: ForwardBatch,
        chunks: Int,
        events: Int,
        claiming robots: [UInt32],
        leaseNanos: UInt64,
        site: String,
        at nowNanos: UInt64,
        on connection: PostgresConnection
    ) async throws -> ForwardOutcome {
        if !robots.isEmpty {
            let granted = try await claimLeases(of: robots, leaseNanos: leaseNanos, on: connection)
            let refused = robots.filter { !granted.contains($0) }
            if !refused.isEmpty {
                var owners = try await owners(of: refused, on: connection)
                // A lease that ended between the two statements: held until the next attempt.
                for robot in refused where !owners.contains(where: { $0.robotID == robot }) {
                    owners.append(RobotOwner(robotID: robot, ingester: "?", remainingNanos: 0))
                }
                throw RefusedClaims(owners: owners)
            }
        }
        let inserted = try await insertForwardedChunks(Array(batch.chunks.prefix(chunks)), on: connection)
        let rollups = try Self.rollups(of: inserted)
        if !rollups.isEmpty { try await upsertRollups(rollups, on: connection) }
        try await insertEvents(Array(batch.events.prefix(events)), on: connection)
        try await replaceSiteRows(batch, ingester: Self.siteIngesterName(site), at: nowNanos, on: connection)
        var outcome = ForwardOutcome()
        outcome.chunks = chunks
        outcome.events = events
        outcome.cursor = batch.cursor(throughChunks: chunks, events: events)
        let c = outcome.cursor
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
        return outcome
    }

    /// Ends the leases this store holds (a forwarder stopping): ingesters may claim its
    /// robots at once instead of waiting for the leases to run out.
    public func releaseRobots() throws {
        try run("releasing the robots of \(ingesterID)") { [self] in
            _ = try await client.query(
                "UPDATE robot_owner SET lease_until = now() WHERE ingester = \(ingesterID) AND lease_until > now()",
                logger: logger
            ).collect()
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
