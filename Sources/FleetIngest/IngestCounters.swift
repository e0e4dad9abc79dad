public import FleetProtocol

/// Frame counters of the pipeline, by outcome.
public struct IngestCounters: Sendable, Equatable {
    /// Distinct frames accepted and stored.
    public var accepted = 0
    /// Frames that repeated a (robot, boot epoch, sequence) already stored.
    public var duplicates = 0
    /// Frames of a message type this version does not know: stored raw, not decoded.
    public var skippedUnknownType = 0
    /// Frames the receiver dropped because the ring was full (pub mode).
    public var dropped = 0
    /// Frames rejected, by reason.
    public var rejected: [ProtocolError.Code: Int] = [:]
    /// Frames refused because they claimed another robot id than their sender's CURVE key is
    /// listed under (authenticated ingest only). Charged to no robot's ledger.
    public var refusedRobotID = 0

    public init() {}

    public var rejectedTotal: Int { rejected.values.reduce(0, +) }

    /// Named increments for the `ingest_stat` table, in a stable order.
    public func deltas() -> [(name: String, delta: Int64)] {
        var out: [(name: String, delta: Int64)] = []
        if accepted > 0 { out.append(("frames.accepted", Int64(accepted))) }
        if duplicates > 0 { out.append(("frames.duplicate", Int64(duplicates))) }
        if skippedUnknownType > 0 { out.append(("frames.skipped.unknown_message_type", Int64(skippedUnknownType))) }
        if dropped > 0 { out.append(("frames.dropped.ring_full", Int64(dropped))) }
        if refusedRobotID > 0 { out.append(("frames.refused.robot_id_mismatch", Int64(refusedRobotID))) }
        for code in ProtocolError.Code.allCases {
            if let n = rejected[code], n > 0 { out.append(("frames.rejected.\(code.rawValue)", Int64(n))) }
        }
        return out
    }
}
