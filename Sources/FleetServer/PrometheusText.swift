import FleetIngest
import FleetProtocol
import Foundation
import Histogram

/// Renders the ingester's metrics in the Prometheus text format (0.0.4), straight from its
/// snapshot: counters are the ingester's own numbers (not re-counted), latency histograms
/// are its HdrHistograms cut at fixed bucket bounds.
struct PrometheusText {
    private(set) var text = ""

    /// Bucket upper bounds, seconds.
    static let latencyBuckets: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " \(Self.format(value))\n"
    }

    mutating func single(_ name: String, _ type: String, _ help: String, _ value: Double) {
        family(name, type, help)
        sample(name, [], value)
    }

    /// A histogram of microsecond values, exposed in seconds.
    mutating func histogram(_ name: String, _ help: String, _ histogram: Histogram<UInt64>) {
        family(name, "histogram", help)
        for bound in Self.latencyBuckets {
            let micros = UInt64(bound * 1e6)
            let count = histogram.totalCount == 0 ? 0 : histogram.count(within: 0...micros)
            sample(name + "_bucket", [("le", Self.format(bound))], Double(count))
        }
        sample(name + "_bucket", [("le", "+Inf")], Double(histogram.totalCount))
        let sum = histogram.totalCount == 0 ? 0 : histogram.mean * Double(histogram.totalCount) / 1e6
        sample(name + "_sum", [], sum)
        sample(name + "_count", [], Double(histogram.totalCount))
    }

    mutating func ingest(_ m: IngestMetrics.Snapshot) {
        let c = m.counters
        single(
            "fleet_frames_received_total",
            "counter",
            "Frames taken off the sockets, valid or not.",
            Double(m.received)
        )
        single(
            "fleet_frames_decoded_total",
            "counter",
            "Frames that passed validation (accepted, duplicate, of an unknown type, or an ack sent to the ingester).",
            Double(c.accepted + c.duplicates + c.skippedUnknownType + c.skippedAck)
        )
        single("fleet_frames_accepted_total", "counter", "Distinct frames accepted for storage.", Double(c.accepted))
        single(
            "fleet_frames_duplicate_total",
            "counter",
            "Frames repeating a (robot, boot epoch, sequence) already accepted.",
            Double(c.duplicates)
        )
        single(
            "fleet_frames_unknown_type_total",
            "counter",
            "Frames of a message type this version does not know (skipped, not stored).",
            Double(c.skippedUnknownType)
        )
        family("fleet_frames_rejected_total", "counter", "Frames rejected by validation, by reason.")
        for code in ProtocolError.Code.allCases {
            sample("fleet_frames_rejected_total", [("reason", code.rawValue)], Double(c.rejected[code] ?? 0))
        }
        sample("fleet_frames_rejected_total", [("reason", "multipart")], Double(c.rejectedMultipart))
        family("fleet_frames_dropped_total", "counter", "Frames dropped before the pipeline, by reason.")
        sample("fleet_frames_dropped_total", [("reason", "ring_full")], Double(c.dropped))
        family(
            "fleet_frames_refused_total",
            "counter",
            "Frames refused, by reason (another robot's id, a revoked key, a robot another ingester holds)."
        )
        sample("fleet_frames_refused_total", [("reason", "robot_id_mismatch")], Double(c.refusedRobotID))
        sample("fleet_frames_refused_total", [("reason", "key_revoked")], Double(c.refusedKeyRevoked))
        sample("fleet_frames_refused_total", [("reason", "owned_elsewhere")], Double(c.refusedOwnedElsewhere))
        single(
            "fleet_allowlist_keys",
            "gauge",
            "Robot public keys on the CURVE allowlist now.",
            Double(m.allowlistKeys)
        )
        family("fleet_allowlist_reloads_total", "counter", "Allowlist reloads (SIGHUP), by outcome.")
        sample("fleet_allowlist_reloads_total", [("outcome", "applied")], Double(m.allowlistReloads))
        sample("fleet_allowlist_reloads_total", [("outcome", "failed")], Double(m.allowlistReloadsFailed))
        family("fleet_peers_total", "counter", "CURVE connections the allowlist decided on, by outcome.")
        sample("fleet_peers_total", [("outcome", "admitted")], Double(m.peersAdmitted))
        sample("fleet_peers_total", [("outcome", "refused")], Double(m.peersRefused))
        sample("fleet_peers_total", [("outcome", "handshake_failed")], Double(m.handshakesFailed))
        single("fleet_frames_stored_total", "counter", "Frames committed to the database.", Double(m.stored))
        single("fleet_batches_committed_total", "counter", "Write transactions committed.", Double(m.batchesCommitted))
        single(
            "fleet_frames_lost_in_commit_total",
            "counter",
            "Frames of batches the database refused while stopping.",
            Double(m.lostInCommit)
        )
        single("fleet_ring_occupancy_ratio", "gauge", "Fill of the receiver's ring buffer, 0-1.", m.ringOccupancy)
        single("fleet_ring_capacity_slots", "gauge", "Slots of the receiver's ring buffer.", Double(m.ringCapacity))
        single("fleet_robots_online", "gauge", "Robots heard from in the last 5 s.", Double(m.robotsOnline))
        histogram("fleet_commit_duration_seconds", "Duration of one batch's write transaction.", m.commitLatency)
        histogram(
            "fleet_publish_to_commit_seconds",
            "From a frame's timestamp (sender's clock) to its commit.",
            m.publishToCommit
        )
        histogram("fleet_receive_to_commit_seconds", "From receiving a frame to its commit.", m.receiveToCommit)
    }

    mutating func feed(_ feed: LiveFeed) {
        let subscribers = feed.subscriberStatistics
        family("fleet_live_subscribers", "gauge", "Live feed subscribers, by kind.")
        for kind in ["sse", "zmq"] {
            sample("fleet_live_subscribers", [("kind", kind)], Double(subscribers.filter { $0.kind == kind }.count))
        }
        single(
            "fleet_live_updates_published_total",
            "counter",
            "Topic updates published to the live feed.",
            Double(feed.publishedCount)
        )
        single(
            "fleet_live_pending_bytes",
            "gauge",
            "Bytes held in live subscribers' slots (at most one update per topic each).",
            Double(subscribers.reduce(0) { $0 + $1.pendingBytes + $1.writingBytes })
        )
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
