public import FleetForward
import FleetPostgres
import Foundation
public import Logging

extension PrometheusText {
    /// One of a forwarder's series: name, type, help, and how to read its value.
    struct ForwardSeries: Sendable {
        var name: String
        var type: String
        var help: String
        var value: @Sendable (_ status: Forwarder.Status, _ nowNanos: UInt64) -> Double
    }

    /// A forwarder's series in the order `/metrics` lists them.
    static let forwardSeries: [ForwardSeries] = [
        ForwardSeries(
            name: "fleet_forward_lag_seconds",
            type: "gauge",
            help: "Event-time seconds the oldest frame not yet on the central database is behind now (0: none waits).",
            value: { s, now in s.lagSeconds(at: now) }
        ),
        ForwardSeries(
            name: "fleet_forward_backlog_chunks",
            type: "gauge",
            help: "Sealed chunks in the site's file not yet on the central database.",
            value: { s, _ in Double(s.pendingChunks) }
        ),
        ForwardSeries(
            name: "fleet_forward_backlog_frames",
            type: "gauge",
            help: "Frames of the sealed chunks not yet on the central database.",
            value: { s, _ in Double(s.pendingFrames) }
        ),
        ForwardSeries(
            name: "fleet_forward_backlog_events",
            type: "gauge",
            help: "Events in the site's file not yet on the central database.",
            value: { s, _ in Double(s.pendingEvents) }
        ),
        ForwardSeries(
            name: "fleet_forward_copied_chunks_total",
            type: "counter",
            help: "Chunks this process copied to the central database.",
            value: { s, _ in Double(s.copiedChunks) }
        ),
        ForwardSeries(
            name: "fleet_forward_copied_frames_total",
            type: "counter",
            help: "Frames this process copied to the central database.",
            value: { s, _ in Double(s.copiedFrames) }
        ),
        ForwardSeries(
            name: "fleet_forward_copied_events_total",
            type: "counter",
            help: "Events this process copied to the central database.",
            value: { s, _ in Double(s.copiedEvents) }
        ),
        ForwardSeries(
            name: "fleet_forward_site_frames",
            type: "gauge",
            help: "Frames of the site on the central database, every run of the forwarder counted (its cursor).",
            value: { s, _ in Double(s.cursor.frames) }
        ),
        ForwardSeries(
            name: "fleet_forward_batches_total",
            type: "counter",
            help: "Batches committed to the central database (one transaction each).",
            value: { s, _ in Double(s.batches) }
        ),
        ForwardSeries(
            name: "fleet_forward_failures_total",
            type: "counter",
            help: "Attempts that could not reach or write the central database (each retried after a pause).",
            value: { s, _ in Double(s.failures) }
        ),
        ForwardSeries(
            name: "fleet_forward_held_back_robots",
            type: "gauge",
            help:
                "Robots another ingester or site holds on the central database: their rows and all after them wait.",
            value: { s, _ in Double(s.heldBack.count) }
        ),
        ForwardSeries(
            name: "fleet_forward_held_back_batches_total",
            type: "counter",
            help: "Batches that stopped short of a robot another ingester or site holds.",
            value: { s, _ in Double(s.heldBatches) }
        ),
        ForwardSeries(
            name: "fleet_forward_connected",
            type: "gauge",
            help: "1 when the last attempt reached the central database.",
            value: { s, _ in s.connected ? 1 : 0 }
        ),
        ForwardSeries(
            name: "fleet_forward_caught_up",
            type: "gauge",
            help: "1 when everything the site's file held at the last look is on the central database.",
            value: { s, _ in s.caughtUp ? 1 : 0 }
        ),
        ForwardSeries(
            name: "fleet_forward_last_copy_timestamp_seconds",
            type: "gauge",
            help: "Unix time of the last batch committed (0: none yet).",
            value: { s, _ in s.lastCopyNanos.map { Double($0) / 1e9 } ?? 0 }
        ),
    ]

    /// A site forwarder's metrics: how far behind the central database is, what waits, what
    /// was copied, and why not (failures, robots another ingester holds).
    mutating func forward(_ s: Forwarder.Status, site: String, nowNanos: UInt64) {
        family("fleet_forward_info", "gauge", "The site this forwarder copies (always 1).")
        sample("fleet_forward_info", [("site", site)], 1)
        for series in Self.forwardSeries {
            single(series.name, series.type, series.help, series.value(s, nowNanos))
        }
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
