public import FleetProtocol

/// Frame counters of the pipeline, by outcome.
public struct IngestCounters: Sendable, Equatable {
    /// Distinct frames accepted and stored.
    public var accepted = 0
    /// Frames that repeated a (robot, boot epoch, sequence) already stored.
    public var duplicates = 0
    /// Frames of a message type this version does not know: skipped (not stored), their
    /// sequence numbers counted as received.
    public var skippedUnknownType = 0
    /// `ack` frames sent to the ingester (acks go to robots): skipped like unknown types.
    public var skippedAck = 0
    /// Messages of more than one part: one frame is one single-part message.
    public var rejectedMultipart = 0
    /// Frames the receiver dropped because the ring was full (pub mode).
    public var dropped = 0
    /// Frames rejected, by reason.
    public var rejected: [ProtocolError.Code: Int] = [:]
    /// Frames refused because they claimed another robot id than their sender's CURVE key is
    /// listed under (authenticated ingest only). Charged to no robot's ledger.
    public var refusedRobotID = 0
    /// Frames refused because their connection was admitted under a key that an allowlist
    /// reload has since removed or replaced (authenticated ingest only). Charged to no ledger.
    public var refusedKeyRevoked = 0
    /// Frames refused because another ingester sharing the store holds their robot's lease
    /// (`--store postgres://`): not stored, not acknowledged, charged to no ledger.
    public var refusedOwnedElsewhere = 0

    public init() {}

    public var rejectedTotal: Int { rejected.values.reduce(0, +) + rejectedMultipart }

    /// Named increments for the `ingest_stat` table, in a stable order.
    public func deltas() -> [(name: String, delta: Int64)] {
        var out: [(name: String, delta: Int64)] = []
        if accepted > 0 { out.append(("frames.accepted", Int64(accepted))) }
        if duplicates > 0 { out.append(("frames.duplicate", Int64(duplicates))) }
        if skippedUnknownType > 0 { out.append(("frames.skipped.unknown_message_type", Int64(skippedUnknownType))) }
        if skippedAck > 0 { out.append(("frames.skipped.ack", Int64(skippedAck))) }
        if rejectedMultipart > 0 { out.append(("frames.rejected.multipart", Int64(rejectedMultipart))) }
        if dropped > 0 { out.append(("frames.dropped.ring_full", Int64(dropped))) }
        if refusedRobotID > 0 { out.append(("frames.refused.robot_id_mismatch", Int64(refusedRobotID))) }
        if refusedKeyRevoked > 0 { out.append(("frames.refused.key_revoked", Int64(refusedKeyRevoked))) }
        if refusedOwnedElsewhere > 0 {
            out.append(("frames.refused.owned_elsewhere", Int64(refusedOwnedElsewhere)))
        }
        for code in ProtocolError.Code.allCases {
            if let n = rejected[code], n > 0 { out.append(("frames.rejected.\(code.rawValue)", Int64(n))) }
        }
        return out
    }
}
