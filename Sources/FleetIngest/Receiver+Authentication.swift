import FleetProtocol
import Logging
import Synchronization
import ZeroMQ

/// CURVE authentication on the receiver thread: the ZAP handler that admits the allowlist's
/// keys, the per-frame check that a frame carries its sender's robot id (one atomic load
/// when the allowlist did not change), and the handshake failures the monitors report.
extension Receiver {
    /// With authentication on, whether the frame carries the robot id its sender's key is
    /// listed under; a frame claiming another robot is refused and counted against the
    /// sender, and never reaches the claimed robot's ledger. Frames too short to claim a
    /// robot go on, to be rejected and counted by reason.
    func admits(_ message: ZMQMessage) -> Bool {
        guard let authentication = configuration.authentication else { return true }
        let bytes = message.bytes
        guard let claimed = FrameHeader.unverified(bytes)?.robotID else { return true }
        let admission = message.withUserID { CurveAllowlist.parseUserID($0) }
        let sender = admission?.id
        if let admission, admission.id == claimed {
            guard isRevoked(admission, in: authentication.allowlist) else { return true }
            refuseRevoked(admission)
            return false
        }
        shared.received.add(1, ordering: .relaxed)
        shared.losses.withLock { $0.refusedRobotID += 1 }
        let count = shared.refusedBySender.withLock { counts in
            counts[sender ?? 0, default: 0] += 1
            return counts[sender ?? 0]!
        }
        if count == 1 || count % 1000 == 0 {
            logger.warning(
                "refused a frame claiming another robot",
                metadata: [
                    "sender": "\(sender.map(String.init) ?? "unknown")", "claimed": "\(claimed)",
                    "refused from this sender": "\(count)",
                ]
            )
        }
        return false
    }

    /// Whether the connection was admitted under a key a reload has since removed or
    /// replaced. The allowlist's generation is one atomic load per frame; the per-sender
    /// bounds are copied only when it moved.
    @inline(__always)
    func isRevoked(_ admission: (id: UInt32, generation: Int), in allowlist: CurveAllowlist) -> Bool {
        if allowlist.generation != allowlistGeneration {
            (allowlistGeneration, validFrom) = allowlist.revocations()
        }
        guard let from = validFrom[admission.id] else { return false }
        return admission.generation < from
    }

    func refuseRevoked(_ admission: (id: UInt32, generation: Int)) {
        shared.received.add(1, ordering: .relaxed)
        shared.losses.withLock { $0.refusedKeyRevoked += 1 }
        let count = shared.refusedBySender.withLock { counts in
            counts[admission.id, default: 0] += 1
            return counts[admission.id]!
        }
        if count == 1 || count % 1000 == 0 {
            logger.warning(
                "refused a frame from a connection whose key the allowlist no longer holds",
                metadata: [
                    "robot.id": "\(admission.id)", "admitted in generation": "\(admission.generation)",
                    "refused from this sender": "\(count)",
                ]
            )
        }
    }

    /// Counts and logs peers whose CURVE handshake failed before the ZAP handler saw them: a
    /// robot without CURVE, or with the wrong server key. (The ZAP handler counts the peers
    /// whose key it refuses.)
    func readMonitors(force: Bool = false) {
        let now = ContinuousClock.now
        guard force || now - monitorsReadAt >= .milliseconds(250) else { return }
        monitorsReadAt = now
        for monitor in monitors {
            guard let events = try? monitor.drain() else { continue }
            for event in events where event.kind == .handshakeFailedProtocol || event.kind == .handshakeFailedNoDetail {
                let refused = shared.handshakesFailed.add(1, ordering: .relaxed).newValue
                // A misconfigured robot retries every few seconds: the first ones, then every 100th.
                guard refused <= 10 || refused % 100 == 0 else { continue }
                logger.warning(
                    "refused a peer: its CURVE handshake failed (no CURVE, or not this ingester's public key)",
                    metadata: [
                        "endpoint": "\(event.endpoint)", "code": "\(event.value)", "handshakes failed": "\(refused)",
                    ]
                )
            }
        }
    }

    /// The ZAP handler that admits the allowlist's keys, each under its sender id.
    static func startZAP(
        _ authentication: IngestService.Authentication,
        context: Context,
        shared: ReceiverShared,
        logger: Logger
    ) throws -> ZAPHandler {
        let allowlist = authentication.allowlist
        return try ZAPHandler(context: context) { request in
            guard request.mechanism == "CURVE", let key = request.clientKey else {
                shared.peersRefused.add(1, ordering: .relaxed)
                logger.warning(
                    "refused a peer without CURVE",
                    metadata: ["address": "\(request.address)", "mechanism": "\(request.mechanism)"]
                )
                return .deny(.authenticationFailure, reason: "CURVE required")
            }
            guard let (id, userID) = allowlist.admit(key) else {
                shared.peersRefused.add(1, ordering: .relaxed)
                logger.warning(
                    "refused a peer whose public key is not on the allowlist",
                    metadata: ["address": "\(request.address)", "key": "\(key)"]
                )
                return .deny(.authenticationFailure, reason: "public key not on the allowlist")
            }
            shared.peersAdmitted.add(1, ordering: .relaxed)
            logger.debug("admitted", metadata: ["sender": "\(id)", "address": "\(request.address)"])
            return .allow(userID: userID)
        }
    }
}
