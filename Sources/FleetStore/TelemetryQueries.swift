public import FleetProtocol

/// What `fleet query` and the HTTP API ask of stored telemetry, answered alike by every
/// backend (the SQLite file, a central PostgreSQL): the same question gives the same rows.
public protocol TelemetryQueries: TelemetryReader {
    /// Every robot that has sent anything, by id, with its registered team where the store
    /// knows teams.
    func robots() throws -> [RobotSummary]

    /// The newest state frame (sanitation or humanoid) a robot has stored.
    func latestState(robotID: UInt32) throws -> StoredFrame?

    /// The frames of one robot with event time in [from, to], ordered by time, boot epoch and
    /// sequence number, at most `limit`; byte for byte as received.
    func frames(
        robotID: UInt32,
        from: UInt64,
        to: UInt64,
        types: Set<MessageType>?,
        limit: Int
    ) throws -> [StoredFrame]

    /// A metric of one robot from the 1 s rollups, aggregated to `step` seconds.
    func metric(robotID: UInt32, name: String, from: UInt64, to: UInt64, step: Int64) throws -> [MetricPoint]

    /// Events with event time in [from, to], oldest first, at most `limit`.
    func events(
        robotID: UInt32?,
        from: UInt64,
        to: UInt64,
        types: Set<MessageType>?,
        limit: Int
    ) throws -> [StoredEvent]

    /// What retention pruned and the oldest data kept.
    func retentionStatistics() throws -> RetentionStatistics
}

extension TelemetryQueries {
    /// A metric at the rollups' own resolution (1 s).
    public func metric(robotID: UInt32, name: String, from: UInt64, to: UInt64) throws -> [MetricPoint] {
        try metric(robotID: robotID, name: name, from: from, to: to, step: 1)
    }
}
