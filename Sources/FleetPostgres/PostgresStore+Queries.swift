public import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore: TelemetryReader {
    public func forEachStoredFrame(
        from: UInt64,
        to: UInt64,
        robotID: UInt32?,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try forEachFrame(from: from, to: to, robotID: robotID, body)
    }
}

extension PostgresStore {
    static let ledgerColumns =
        "robot_id, boot_epoch, received, duplicates, out_of_order, rejected, dropped, highest_seq, first_ns, last_ns, gaps, rejected_seqs"

    /// A `loss_ledger` row read with `ledgerColumns` first.
    static func ledger(_ row: PostgresRow) throws -> LedgerRecord {
        let c = try row.decode(
            (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64?, Int64, Int64, ByteBuffer, ByteBuffer).self
        )
        func ranges(_ blob: ByteBuffer, _ column: String) throws -> [SequenceRange] {
            do {
                return try blob.readableBytesView.withUnsafeBytes { try SequenceRange.ranges(blob: $0) }
            } catch {
                let message = (error as? StorageError)?.message ?? "\(error)"
                throw StorageError(.corruptRow, "loss_ledger of robot \(c.0) epoch \(c.1), \(column): \(message)")
            }
        }
        return LedgerRecord(
            robotID: UInt32(truncatingIfNeeded: c.0),
            bootEpoch: UInt32(truncatingIfNeeded: c.1),
            received: Int(c.2),
            duplicates: Int(c.3),
            outOfOrder: Int(c.4),
            rejected: Int(c.5),
            dropped: Int(c.6),
            highestSequence: c.7.map { UInt32(truncatingIfNeeded: $0) },
            firstNanos: UInt64(bitPattern: c.8),
            lastNanos: UInt64(bitPattern: c.9),
            gaps: try ranges(c.10, "gaps"),
            rejectedSequences: try ranges(c.11, "rejected_seqs")
        )
    }

    /// Calls `body` with every frame of a `frame_chunk` blob, decoded as `encoding` says.
    static func forEachChunkFrame(
        _ blob: ByteBuffer,
        encoding raw: Int16,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard let encoding = UInt8(exactly: raw).flatMap(ChunkEncoding.init(rawValue:)) else {
            throw StorageError(.corruptRow, "unknown chunk encoding \(raw)")
        }
        try blob.readableBytesView.withUnsafeBytes { bytes in
            try ChunkCodec.forEachFrame(in: bytes, encoding: encoding, body)
        }
    }

    /// The loss ledger of every robot and boot epoch (or one robot's), whichever ingester
    /// wrote it.
    public func lossLedger(robotID: UInt32? = nil) throws -> [LedgerRecord] {
        try run("reading the loss ledger") { [self] in
            let rows: PostgresRowSequence
            if let robotID {
                rows = try await client.query(
                    """
                    SELECT \(unescaped: Self.ledgerColumns) FROM loss_ledger WHERE robot_id = \(Int64(robotID))
                    ORDER BY robot_id, boot_epoch
                    """,
                    logger: logger
                )
            } else {
                rows = try await client.query(
                    "SELECT \(unescaped: Self.ledgerColumns) FROM loss_ledger ORDER BY robot_id, boot_epoch",
                    logger: logger
                )
            }
            var ledgers: [LedgerRecord] = []
            for try await row in rows { ledgers.append(try Self.ledger(row)) }
            return ledgers
        }
    }

    public func rollups(
        robotID: UInt32,
        messageType: UInt8,
        fromSecond: Int64,
        toSecond: Int64
    ) throws -> [RollupRecord] {
        try run("reading rollups") { [self] in
            var out: [RollupRecord] = []
            let rows = try await client.query(
                """
                SELECT bucket_s, count, last_ns, stats FROM rollup
                WHERE robot_id = \(Int64(robotID)) AND message_type = \(Int16(messageType))
                  AND bucket_s BETWEEN \(fromSecond) AND \(toSecond)
                ORDER BY bucket_s
                """,
                logger: logger
            )
            for try await (bucket, count, last, stats) in rows.decode((Int64, Int64, Int64, ByteBuffer).self) {
                out.append(
                    RollupRecord(
                        robotID: robotID,
                        messageType: messageType,
                        bucketSecond: bucket,
                        count: Int(count),
                        lastNanos: UInt64(bitPattern: last),
                        stats: try stats.readableBytesView.withUnsafeBytes { try RollupStats(bytes: $0) }
                    )
                )
            }
            return out
        }
    }

    /// The service counters, summed over every ingester.
    public func ingestStatistics() throws -> [String: Int64] {
        try run("reading the ingest counters") { [self] in
            var out: [String: Int64] = [:]
            let rows = try await client.query(
                "SELECT name, sum(value)::int8 FROM ingest_stat GROUP BY name",
                logger: logger
            )
            for try await (name, value) in rows.decode((String, Int64).self) { out[name] = value }
            return out
        }
    }

    /// Calls `body` with every stored frame (sealed chunks and live segments of every
    /// ingester) whose event time is in [from, to], each once, byte for byte as received;
    /// chunk by chunk in start time order, then the segments' frames not in a chunk.
    /// `robotID` narrows it to one sender.
    public func forEachFrame(
        from: UInt64 = 0,
        to: UInt64 = UInt64(Int64.max),
        robotID: UInt32? = nil,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard from <= to, to <= UInt64(Int64.max) else {
            throw StorageError(.badQuery, "the range [\(from), \(to)] ns is empty or beyond 2^63-1")
        }
        let earliest = Int64(from >= ChunkLimits.maximumSpanNanos ? from - ChunkLimits.maximumSpanNanos : 0)
        let (low, high) = (Int64(from), Int64(to))
        let (chunks, segments) = try frameBlobs(earliest: earliest, low: low, high: high, robotID: robotID)
        var seen = Set<FrameKey>()
        for (blob, encoding) in chunks {
            try Self.forEachChunkFrame(blob, encoding: encoding) { frame in
                guard let header = FrameHeader.unverified(frame) else {
                    throw StorageError(.corruptRow, "a stored frame has no valid header")
                }
                guard header.timestampNanoseconds >= from, header.timestampNanoseconds <= to else { return }
                if !segments.isEmpty {
                    seen.insert(
                        FrameKey(
                            stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                            sequence: header.sequence
                        )
                    )
                }
                try body(header, frame)
            }
        }
        try Self.forEachSegmentFrame(segments, from: from, to: to, robotID: robotID, skipping: seen, body)
    }

    /// The chunk rows (compressed blobs with their encodings) and the live segments that may
    /// hold frames in [low, high]; they come over first and are decoded on the caller's
    /// thread, so the caller's body never crosses into a task.
    private func frameBlobs(
        earliest: Int64,
        low: Int64,
        high: Int64,
        robotID: UInt32?
    ) throws -> (chunks: [(ByteBuffer, Int16)], segments: [ByteBuffer]) {
        try run("reading frames") { [self] () -> ([(ByteBuffer, Int16)], [ByteBuffer]) in
            var chunks: [(ByteBuffer, Int16)] = []
            let rows: PostgresRowSequence
            if let robotID {
                rows = try await client.query(
                    """
                    SELECT frames, encoding FROM frame_chunk
                    WHERE robot_id = \(Int64(robotID)) AND start_ns BETWEEN \(earliest) AND \(high) AND end_ns >= \(low)
                    ORDER BY start_ns, robot_id, boot_epoch, first_seq
                    """,
                    logger: logger
                )
            } else {
                rows = try await client.query(
                    """
                    SELECT frames, encoding FROM frame_chunk
                    WHERE start_ns BETWEEN \(earliest) AND \(high) AND end_ns >= \(low)
                    ORDER BY start_ns, robot_id, boot_epoch, first_seq
                    """,
                    logger: logger
                )
            }
            for try await row in rows.decode((ByteBuffer, Int16).self) { chunks.append(row) }
            var segments: [ByteBuffer] = []
            let segmentRows = try await client.query(
                """
                SELECT frames FROM frame_segment WHERE start_ns <= \(high) AND end_ns >= \(low)
                ORDER BY ingester, segment_id
                """,
                logger: logger
            )
            for try await blob in segmentRows.decode(ByteBuffer.self) { segments.append(blob) }
            return (chunks, segments)
        }
    }

    /// The live segments' frames in [from, to] that no sealed chunk gave already.
    private static func forEachSegmentFrame(
        _ segments: [ByteBuffer],
        from: UInt64,
        to: UInt64,
        robotID: UInt32?,
        skipping seen: Set<FrameKey>,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var seen = seen
        for blob in segments {
            let frames = try blob.readableBytesView.withUnsafeBytes { try SegmentBlob.decode($0) }
            try frames.withUnsafeBytes { bytes in
                try FrameChunk.forEachFrame(in: bytes) { frame in
                    guard let header = FrameHeader.unverified(frame) else {
                        throw StorageError(.corruptRow, "a segment frame has no valid header")
                    }
                    guard header.timestampNanoseconds >= from, header.timestampNanoseconds <= to,
                        robotID == nil || header.robotID == robotID
                    else { return }
                    let key = FrameKey(
                        stream: StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch),
                        sequence: header.sequence
                    )
                    guard seen.insert(key).inserted else { return }
                    try body(header, frame)
                }
            }
        }
    }

    /// Runs a read, naming what failed in terms a user can act on.
    func run<Result: Sendable>(
        _ what: String,
        _ work: @escaping @Sendable () async throws -> Result
    ) throws -> Result {
        do {
            return try blockingAwait(work)
        } catch {
            throw Self.describe(error, doing: "\(what) from \(location)")
        }
    }
}
