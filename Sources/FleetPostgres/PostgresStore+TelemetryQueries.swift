public import FleetProtocol
public import FleetStore
import Logging
import NIOCore
import PostgresNIO

/// `fleet query` against the central database: the same questions as on a SQLite file, the
/// same rows back (the frames byte for byte, the metric points folded by `MetricSeries`).
extension PostgresStore: TelemetryQueries {
    public func robots() throws -> [RobotSummary] {
        try run("reading robots") { [self] in
            var out: [RobotSummary] = []
            let rows = try await client.query(
                """
                SELECT robot_id, kind, name, team, boot_epoch, first_seen_ns, last_seen_ns
                FROM robot ORDER BY robot_id
                """,
                logger: logger
            )
            for try await (id, kind, name, team, epoch, first, last) in rows.decode(
                (Int64, String?, String?, String?, Int64, Int64, Int64).self
            ) {
                out.append(
                    RobotSummary(
                        robotID: UInt32(truncatingIfNeeded: id),
                        kind: kind,
                        name: name,
                        team: team,
                        bootEpoch: UInt32(truncatingIfNeeded: epoch),
                        firstSeenNanos: UInt64(bitPattern: first),
                        lastSeenNanos: UInt64(bitPattern: last)
                    )
                )
            }
            return out
        }
    }

    public func latestState(robotID: UInt32) throws -> StoredFrame? {
        let stateTypes: Set<UInt8> = [MessageType.sanitationState.rawValue, MessageType.humanoidState.rawValue]
        // The newest chunks first: the newest state is in one of them, or in a segment after.
        let chunks = try run("reading the latest state") { [self] () -> [(ByteBuffer, Int16)] in
            var out: [(ByteBuffer, Int16)] = []
            let rows = try await client.query(
                """
                SELECT frames, encoding FROM frame_chunk WHERE robot_id = \(Int64(robotID))
                ORDER BY start_ns DESC LIMIT 4
                """,
                logger: logger
            )
            for try await row in rows.decode((ByteBuffer, Int16).self) { out.append(row) }
            return out
        }
        var best: StoredFrame?
        func consider(_ header: FrameHeader, _ frame: UnsafeRawBufferPointer) {
            guard header.robotID == robotID, stateTypes.contains(header.messageType) else { return }
            if best == nil || header.timestampNanoseconds > best!.header.timestampNanoseconds {
                best = StoredFrame(header: header, bytes: Array(frame))
            }
        }
        for (blob, encoding) in chunks {
            try Self.forEachChunkFrame(blob, encoding: encoding) { frame in
                guard let header = FrameHeader.unverified(frame) else {
                    throw StorageError(.corruptRow, "a stored frame of robot \(robotID) has no valid header")
                }
                consider(header, frame)
            }
            if best != nil { break }
        }
        // Frames not sealed yet are the newest; only those past `best` can replace it.
        try forEachFrame(from: best?.header.timestampNanoseconds ?? 0, robotID: robotID) { header, frame in
            consider(header, frame)
        }
        return best
    }

    public func frames(
        robotID: UInt32,
        from: UInt64,
        to: UInt64,
        types: Set<MessageType>?,
        limit: Int
    ) throws -> [StoredFrame] {
        try QueryLimits.checkRange(from, to)
        guard (1...QueryLimits.maximumFrames).contains(limit) else {
            throw StorageError(.badQuery, "limit must be 1...\(QueryLimits.maximumFrames), got \(limit)")
        }
        var out: [StoredFrame] = []
        try forEachFrame(from: from, to: to, robotID: robotID) { header, frame in
            if let types, !types.contains(where: { $0.rawValue == header.messageType }) { return }
            out.append(StoredFrame(header: header, bytes: Array(frame)))
        }
        out.sort {
            ($0.header.timestampNanoseconds, $0.header.bootEpoch, $0.header.sequence)
                < ($1.header.timestampNanoseconds, $1.header.bootEpoch, $1.header.sequence)
        }
        if out.count > limit { out.removeLast(out.count - limit) }
        return out
    }

    public func metric(robotID: UInt32, name: String, from: UInt64, to: UInt64, step: Int64) throws -> [MetricPoint] {
        try QueryLimits.checkRange(from, to)
        guard step >= 1 else { throw StorageError(.badQuery, "step must be at least 1 second, got \(step)") }
        let types = try run("reading rollups") { [self] () -> [Int16] in
            var out: [Int16] = []
            let rows = try await client.query(
                "SELECT DISTINCT message_type FROM rollup WHERE robot_id = \(Int64(robotID)) ORDER BY message_type",
                logger: logger
            )
            for try await type in rows.decode(Int16.self) { out.append(type) }
            return out
        }.compactMap { UInt8(exactly: $0).flatMap(MessageType.init(rawValue:)) }
        let (type, index) = try MetricSeries.locate(name, robotID: robotID, among: types)
        let stored = try run("reading rollups") { [self] () -> (Int64, Int64)? in
            let rows = try await client.query(
                """
                SELECT min(bucket_s), max(bucket_s) FROM rollup
                WHERE robot_id = \(Int64(robotID)) AND message_type = \(Int16(type.rawValue))
                """,
                logger: logger
            )
            for try await (first, last) in rows.decode((Int64?, Int64?).self) {
                if let first, let last { return (first, last) }
            }
            return nil
        }
        guard let seconds = try MetricSeries.seconds(from: from, to: to, stored: stored, step: step) else {
            return []
        }
        var series = MetricSeries(robotID: robotID, index: index, firstSecond: seconds.lowerBound, step: step)
        for bucket in try rollups(
            robotID: robotID,
            messageType: type.rawValue,
            fromSecond: seconds.lowerBound,
            toSecond: seconds.upperBound
        ) {
            try series.add(second: bucket.bucketSecond, count: bucket.count, stats: bucket.stats)
        }
        return series.result
    }

    public func events(
        robotID: UInt32?,
        from: UInt64,
        to: UInt64,
        types: Set<MessageType>?,
        limit: Int
    ) throws -> [StoredEvent] {
        try QueryLimits.checkRange(from, to)
        guard (1...QueryLimits.maximumEvents).contains(limit) else {
            throw StorageError(.badQuery, "limit must be 1...\(QueryLimits.maximumEvents), got \(limit)")
        }
        // Every value below is a number this function made, never text from the caller.
        var sql = """
            SELECT event_id, robot_id, sender_id, run_id, ts_ns, message_type, frame FROM event
            WHERE ts_ns BETWEEN \(Int64(bitPattern: from)) AND \(Int64(bitPattern: to))
            """
        if let robotID { sql += " AND robot_id = \(Int64(robotID))" }
        if let types {
            sql += " AND message_type IN (\(types.map { String($0.rawValue) }.sorted().joined(separator: ",")))"
        }
        sql += " ORDER BY ts_ns, event_id LIMIT \(limit)"
        let query = PostgresQuery(unsafeSQL: sql)
        return try run("reading events") { [self] in
            var out: [StoredEvent] = []
            let rows = try await client.query(query, logger: logger)
            for try await (id, robot, sender, run, ts, type, frame) in rows.decode(
                (Int64, Int64, Int64, Int64?, Int64, Int16, ByteBuffer).self
            ) {
                out.append(
                    StoredEvent(
                        eventID: id,
                        robotID: UInt32(truncatingIfNeeded: robot),
                        senderID: UInt32(truncatingIfNeeded: sender),
                        runID: run.map { UInt32(truncatingIfNeeded: $0) },
                        timestampNanos: UInt64(bitPattern: ts),
                        messageType: UInt8(truncatingIfNeeded: type),
                        bytes: Array(frame.readableBytesView)
                    )
                )
            }
            return out
        }
    }

    /// Retention does not run on PostgreSQL (drop old day partitions instead): nothing was
    /// pruned; the oldest data kept is read from the tables.
    public func retentionStatistics() throws -> RetentionStatistics {
        let (oldestRaw, oldestRollup) = try run("reading the oldest data") { [self] () -> (Int64?, Int64?) in
            let rows = try await client.query(
                """
                SELECT least((SELECT min(start_ns) FROM frame_chunk), (SELECT min(start_ns) FROM frame_segment)),
                       (SELECT min(bucket_s) FROM rollup)
                """,
                logger: logger
            )
            for try await row in rows.decode((Int64?, Int64?).self) { return row }
            return (nil, nil)
        }
        return RetentionStatistics(
            prunedChunks: 0,
            prunedFrames: 0,
            prunedRollups: 0,
            rawPrunedBeforeNanos: nil,
            rollupsPrunedBeforeSecond: nil,
            oldestRawNanos: oldestRaw.map { UInt64(bitPattern: $0) },
            oldestRollupSecond: oldestRollup,
            incrementalVacuum: false,
            freePages: 0
        )
    }
}
