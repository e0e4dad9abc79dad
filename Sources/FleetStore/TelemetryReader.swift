public import FleetProtocol

/// What every backend answers about stored telemetry, whatever it is stored in: the frames,
/// byte for byte as received, the loss ledger and the ingest counters. The tests run one
/// suite through it against SQLite and PostgreSQL alike.
public protocol TelemetryReader: AnyObject, Sendable {
    /// Calls `body` with every stored frame whose event time is in [from, to] (of one sender
    /// when `robotID` is given), each exactly once, in no promised order.
    func forEachStoredFrame(
        from: UInt64,
        to: UInt64,
        robotID: UInt32?,
        _ body: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws

    /// One robot's 1 s rollup buckets of one message type with `bucketSecond` in [from, to],
    /// oldest first.
    func rollups(robotID: UInt32, messageType: UInt8, fromSecond: Int64, toSecond: Int64) throws -> [RollupRecord]

    /// Every robot's ledger (or one robot's), by robot and boot epoch.
    func lossLedger(robotID: UInt32?) throws -> [LedgerRecord]

    /// The service counters (`frames.accepted`, `frames.rejected.REASON`, …), cumulative.
    func ingestStatistics() throws -> [String: Int64]
}
