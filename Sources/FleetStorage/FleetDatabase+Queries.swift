public import FleetProtocol
public import FleetStore
import Foundation
import GRDB

extension FleetDatabase {
    /// The frames of one robot with event time in [from, to], ordered by time, boot epoch and
    /// sequence number; byte for byte as received. Sealed chunks (any encoding) and live
    /// segments are read alike; a frame in both is returned once.
    public func frames(
        robotID: UInt32,
        from: UInt64,
        to: UInt64,
        types: Set<MessageType>? = nil,
        limit: Int = QueryLimits.maximumFrames
    ) throws -> [StoredFrame] {
        try checkRange(from, to)
        guard (1...QueryLimits.maximumFrames).contains(limit) else {
            throw StorageError(.badQuery, "limit must be 1...\(QueryLimits.maximumFrames), got \(limit)")
        }
        let earliestStart = from >= ChunkLimits.maximumSpanNanos ? from - ChunkLimits.maximumSpanNanos : 0
        return try read { db in
            // Only frames of a live segment can be stored twice; without one, nothing to check.
            let dedupe = try Self.hasSegments(db, from: from, to: to)
            var seen = Set<FrameKey>()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT frames, encoding FROM frame_chunk
                    WHERE robot_id = ? AND start_ns BETWEEN ? AND ? AND end_ns >= ?
                    ORDER BY start_ns
                    """,
                arguments: [
                    Int64(robotID), Int64(bitPattern: earliestStart), Int64(bitPattern: to), Int64(bitPattern: from),
                ]
            )
            var out: [StoredFrame] = []
            func wanted(_ header: FrameHeader) -> Bool {
                let ts = header.timestampNanoseconds
                guard ts >= from, ts <= to else { return false }
                if let types, !types.contains(where: { $0.rawValue == header.messageType }) { return false }
                return true
            }
            while let row = try rows.next() {
                try Self.forEachChunkFrame(row, blobIndex: 0, encodingIndex: 1) { frame in
                    guard let header = FrameHeader.unverified(frame) else {
                        throw StorageError(.corruptRow, "a stored frame of robot \(robotID) has no valid header")
                    }
                    guard wanted(header) else { return }
                    if dedupe { seen.insert(FrameKey(header)) }
                    out.append(StoredFrame(header: header, bytes: Array(frame)))
                }
            }
            if dedupe {
                try Self.forEachSegmentFrame(db, from: from, to: to) { header, frame in
                    guard header.robotID == robotID, wanted(header), seen.insert(FrameKey(header)).inserted else {
                        return
                    }
                    out.append(StoredFrame(header: header, bytes: Array(frame)))
                }
            }
            out.sort {
                ($0.header.timestampNanoseconds, $0.header.bootEpoch, $0.header.sequence)
                    < ($1.header.timestampNanoseconds, $1.header.bootEpoch, $1.header.sequence)
            }
            if out.count > limit { out.removeLast(out.count - limit) }
            return out
        }
    }

    /// A metric of one robot from the 1 s rollups, aggregated to `step` seconds, for
    /// buckets starting in [from, to] (ns).
    public func metric(
        robotID: UInt32,
        name: String,
        from: UInt64,
        to: UInt64,
        step: Int64 = 1
    ) throws -> [MetricPoint] {
        try checkRange(from, to)
        return try read { db in
            let types = try Int.fetchAll(
                db,
                sql: "SELECT DISTINCT message_type FROM rollup WHERE robot_id = ?",
                arguments: [Int64(robotID)]
            ).compactMap { MessageType(rawValue: UInt8($0)) }
            let (type, index) = try MetricSeries.locate(name, robotID: robotID, among: types)
            let stored = try Row.fetchOne(
                db,
                sql: "SELECT min(bucket_s), max(bucket_s) FROM rollup WHERE robot_id = ? AND message_type = ?",
                arguments: [Int64(robotID), Int64(type.rawValue)]
            ).flatMap { row -> (Int64, Int64)? in
                guard let first = row[0] as Int64?, let last = row[1] as Int64? else { return nil }
                return (first, last)
            }
            guard let seconds = try MetricSeries.seconds(from: from, to: to, stored: stored, step: step) else {
                return []
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT bucket_s, count, stats FROM rollup
                    WHERE robot_id = ? AND message_type = ? AND bucket_s BETWEEN ? AND ?
                    ORDER BY bucket_s
                    """,
                arguments: [Int64(robotID), Int64(type.rawValue), seconds.lowerBound, seconds.upperBound]
            )
            var series = MetricSeries(robotID: robotID, index: index, firstSecond: seconds.lowerBound, step: step)
            while let row = try rows.next() {
                let blob: Data = row[2]
                try series.add(
                    second: row[0],
                    count: row[1],
                    stats: try blob.withUnsafeBytes { try RollupStats(bytes: $0) }
                )
            }
            return series.result
        }
    }

    /// Events with event time in [from, to], oldest first; optionally of one robot (the
    /// robot an event is about) and of some message types.
    public func events(
        robotID: UInt32? = nil,
        from: UInt64,
        to: UInt64,
        types: Set<MessageType>? = nil,
        limit: Int = 10_000
    ) throws -> [StoredEvent] {
        try checkRange(from, to)
        guard (1...QueryLimits.maximumEvents).contains(limit) else {
            throw StorageError(.badQuery, "limit must be 1...\(QueryLimits.maximumEvents), got \(limit)")
        }
        var sql =
            "SELECT event_id, robot_id, sender_id, run_id, ts_ns, message_type, frame FROM event WHERE ts_ns BETWEEN ? AND ?"
        var arguments: StatementArguments = [Int64(bitPattern: from), Int64(bitPattern: to)]
        if let robotID {
            sql += " AND robot_id = ?"
            _ = arguments.append(contentsOf: [Int64(robotID)])
        }
        if let types {
            sql += " AND message_type IN (\(types.map { String($0.rawValue) }.sorted().joined(separator: ",")))"
        }
        sql += " ORDER BY ts_ns, event_id LIMIT \(limit)"
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                StoredEvent(
                    eventID: row[0],
                    robotID: UInt32(row[1] as Int64),
                    senderID: UInt32(row[2] as Int64),
                    runID: (row[3] as Int64?).map { UInt32($0) },
                    timestampNanos: UInt64(bitPattern: row[4]),
                    messageType: UInt8(row[5] as Int64),
                    bytes: [UInt8](row[6] as Data)
                )
            }
        }
    }

    /// The loss ledger, by robot and boot epoch.
    public func lossLedger(robotID: UInt32? = nil) throws -> [LedgerRecord] {
        try read { db in try Self.lossLedger(db, robotID: robotID) }
    }

    static func lossLedger(_ db: Database, robotID: UInt32? = nil) throws -> [LedgerRecord] {
        var sql = "SELECT * FROM loss_ledger"
        var arguments: StatementArguments = []
        if let robotID {
            sql += " WHERE robot_id = ?"
            arguments = [Int64(robotID)]
        }
        sql += " ORDER BY robot_id, boot_epoch"
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        var ledgers: [LedgerRecord] = []
        while let row = try rows.next() {
            func ranges(_ column: String) throws -> [SequenceRange] {
                do {
                    return try row.withUnsafeData(named: column) { data in
                        try (data ?? Data()).withUnsafeBytes { try SequenceRange.ranges(blob: $0) }
                    }
                } catch let error as StorageError {
                    throw StorageError(
                        .corruptRow,
                        "loss_ledger robot \(row["robot_id"] as Int64) boot \(row["boot_epoch"] as Int64) \(column): \(error.message)",
                        cause: error
                    )
                }
            }
            ledgers.append(
                LedgerRecord(
                    robotID: UInt32(row["robot_id"] as Int64),
                    bootEpoch: UInt32(row["boot_epoch"] as Int64),
                    received: row["received"],
                    duplicates: row["duplicates"],
                    outOfOrder: row["out_of_order"],
                    rejected: row["rejected"],
                    dropped: row["dropped"],
                    highestSequence: (row["highest_seq"] as Int64?).map { UInt32($0) },
                    firstNanos: UInt64(bitPattern: row["first_ns"]),
                    lastNanos: UInt64(bitPattern: row["last_ns"]),
                    gaps: try ranges("gaps"),
                    rejectedSequences: try ranges("rejected_seqs")
                )
            )
        }
        return ledgers
    }

    /// Every robot that has sent anything, by id.
    public func robots() throws -> [RobotSummary] {
        try read { db in
            // The team (and name) a robot is registered under (`fleet team add`); the ingester
            // only learns ids and kinds from the wire.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT robot.*, coalesce(team.name, robot.team) AS team_name,
                           coalesce(robot.name, team_robot.name) AS robot_name
                    FROM robot
                    LEFT JOIN team_robot ON team_robot.robot_id = robot.robot_id
                    LEFT JOIN team ON team.team_id = team_robot.team_id
                    ORDER BY robot.robot_id
                    """
            ).map { row in
                RobotSummary(
                    robotID: UInt32(row["robot_id"] as Int64),
                    kind: row["kind"],
                    name: row["robot_name"],
                    team: row["team_name"],
                    bootEpoch: UInt32(row["boot_epoch"] as Int64),
                    firstSeenNanos: UInt64(bitPattern: row["first_seen_ns"]),
                    lastSeenNanos: UInt64(bitPattern: row["last_seen_ns"])
                )
            }
        }
    }

    /// The newest state frame (sanitation or humanoid) a robot has stored, in a sealed chunk
    /// or a live segment.
    public func latestState(robotID: UInt32) throws -> StoredFrame? {
        let stateTypes: Set<UInt8> = [MessageType.sanitationState.rawValue, MessageType.humanoidState.rawValue]
        return try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT frames, encoding FROM frame_chunk WHERE robot_id = ? ORDER BY start_ns DESC LIMIT 4",
                arguments: [Int64(robotID)]
            )
            var best: StoredFrame?
            while let row = try rows.next() {
                try Self.forEachChunkFrame(row, blobIndex: 0, encodingIndex: 1) { frame in
                    guard let header = FrameHeader.unverified(frame), stateTypes.contains(header.messageType) else {
                        return
                    }
                    if best == nil || header.timestampNanoseconds >= best!.header.timestampNanoseconds {
                        best = StoredFrame(header: header, bytes: Array(frame))
                    }
                }
                if best != nil { break }
            }
            // Frames not sealed yet are the newest; only segments reaching past `best` matter.
            let after = best?.header.timestampNanoseconds ?? 0
            try Self.forEachSegmentFrame(db, from: after, to: UInt64(Int64.max)) { header, frame in
                guard header.robotID == robotID, stateTypes.contains(header.messageType) else { return }
                if best == nil || header.timestampNanoseconds > best!.header.timestampNanoseconds {
                    best = StoredFrame(header: header, bytes: Array(frame))
                }
            }
            return best
        }
    }

    /// Counters of the ingest service, cumulative across restarts.
    public func ingestStatistics() throws -> [String: Int64] {
        try read { db in
            var out: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM ingest_stat") { out[row[0]] = row[1] }
            return out
        }
    }

    private func checkRange(_ from: UInt64, _ to: UInt64) throws { try QueryLimits.checkRange(from, to) }
}
