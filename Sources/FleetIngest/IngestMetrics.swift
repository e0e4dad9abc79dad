public import Histogram
import Synchronization

/// The ingest service's in-process metrics: frame counters, ring occupancy, robots online,
/// and latency histograms; what `/metrics` and the status line read.
public final class IngestMetrics: Sendable {
    public struct Snapshot: Sendable {
        /// Frames taken off the socket (valid or not).
        public var received: Int = 0
        public var counters = IngestCounters()
        /// Frames committed to the database.
        public var stored: Int = 0
        public var batchesCommitted: Int = 0
        /// Frames of batches the database refused while the service was stopping.
        public var lostInCommit: Int = 0
        public var ringOccupancy: Double = 0
        public var ringCapacity: Int = 0
        public var robotsOnline: Int = 0
        /// CURVE peers the allowlist admitted and refused (key not listed).
        public var peersAdmitted: Int = 0
        public var peersRefused: Int = 0
        /// Connections whose CURVE handshake failed (no CURVE, or the wrong server key).
        public var handshakesFailed: Int = 0
        /// Keys on the CURVE allowlist now (0 without authentication).
        public var allowlistKeys: Int = 0
        /// Allowlist reloads applied, and refused (the file could not be read or parsed).
        public var allowlistReloads: Int = 0
        public var allowlistReloadsFailed: Int = 0
        /// Commit duration of a batch, µs.
        public var commitLatency = Histogram<UInt64>(
            highestTrackableValue: 60_000_000,
            numberOfSignificantValueDigits: .three
        )
        /// Frame timestamp (sender's clock, real time only) to commit, µs.
        public var publishToCommit = Histogram<UInt64>(
            highestTrackableValue: 600_000_000,
            numberOfSignificantValueDigits: .three
        )
        /// Receive to commit, µs.
        public var receiveToCommit = Histogram<UInt64>(
            highestTrackableValue: 600_000_000,
            numberOfSignificantValueDigits: .three
        )
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
