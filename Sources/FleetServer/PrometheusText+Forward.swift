public import FleetForward
import FleetPostgres
import Foundation
public import Logging

extension PrometheusText {
    /// A site forwarder's metrics: how far behind the central database is, what waits, what
    /// was copied, and why not (failures, robots another ingester holds).
    mutating func forward(_ s: Forwarder.Status, site: String, nowNanos: UInt64) {
        family("fleet_forward_info", "gauge", "The site this forwarder copies (always 1).")
        sample("fleet_forward_info", [("site", site)], 1)
        single(
            "fleet_forward_lag_seconds",
            "gauge",
            "Event-time seconds the oldest frame not yet on the central database is behind now (0: none waits).",
            s.lagSeconds(at: nowNanos)
        )
        single(
            "fleet_forward_backlog_chunks",
            "gauge",
            "Sealed chunks in the site's file not yet on the central database.",
            Double(s.pendingChunks)
        )
        single(
            "fleet_forward_backlog_frames",
            "gauge",
            "Frames of the sealed chunks not yet on the central database.",
            Double(s.pendingFrames)
        )
        single(
            "fleet_forward_backlog_events",
            "gauge",
            "Events in the site's file not yet on the central database.",
            Double(s.pendingEvents)
        )
        single(
            "fleet_forward_copied_chunks_total",
            "counter",
            "Chunks this process copied to the central database.",
            Double(s.copiedChunks)
        )
        single(
            "fleet_forward_copied_frames_total",
            "counter",
            "Frames this process copied to the central database.",
            Double(s.copiedFrames)
        )
        single(
            "fleet_forward_copied_events_total",
            "counter",
            "Events this process copied to the central database.",
            Double(s.copiedEvents)
        )
        single(
            "fleet_forward_site_frames",
            "gauge",
            "Frames of the site on the central database, every run of the forwarder counted (its cursor).",
            Double(s.cursor.frames)
        )
        single(
            "fleet_forward_batches_total",
            "counter",
            "Batches committed to the central database (one transaction each).",
            Double(s.batches)
        )
        single(
            "fleet_forward_failures_total",
            "counter",
            "Attempts that could not reach or write the central database (each retried after a pause).",
            Double(s.failures)
        )
        single(
            "fleet_forward_held_back_robots",
            "gauge",
            "Robots another ingester or site holds on the central database: their rows and all after them wait.",
            Double(s.heldBack.count)
        )
        single(
            "fleet_forward_held_back_batches_total",
            "counter",
            "Batches that stopped short of a robot another ingester or site holds.",
            Double(s.heldBatches)
        )
        single(
            "fleet_forward_connected",
            "gauge",
            "1 when the last attempt reached the central database.",
            s.connected ? 1 : 0
        )
        single(
            "fleet_forward_caught_up",
            "gauge",
            "1 when everything the site's file held at the last look is on the central database.",
            s.caughtUp ? 1 : 0
        )
        single(
            "fleet_forward_last_copy_timestamp_seconds",
            "gauge",
            "Unix time of the last batch committed (0: none yet).",
            s.lastCopyNanos.map { Double($0) / 1e9 } ?? 0
        )
    }
}

extension MetricsServer {
    /// `/metrics` of a site forwarder.
    public init(forwarder: Forwarder, host: String, port: Int, logger: Logger) {
        self.init(host: host, port: port, logger: logger) {
            var text = PrometheusText()
            text.forward(
                forwarder.status,
                site: forwarder.configuration.site,
                nowNanos: UInt64(Date().timeIntervalSince1970 * 1e9)
            )
            return text.text
        }
    }
}
