public import FleetStore
import Foundation
import GRDB
import Synchronization

extension FleetDatabase: IngestStore {
    /// Ledgers, the live segments oldest first, and the next segment id (one above the
    /// largest live one; 1 when none is live, since released ids are gone for good).
    public func restoreIngestState() throws -> IngestRestoreState {
        try read { db in
            let ledgers = try Self.lossLedger(db)
            let segments = try Self.liveSegments(db)
            return IngestRestoreState(
                ledgers: ledgers,
                segments: segments,
                nextSegmentID: (segments.last?.segmentID ?? 0) + 1
            )
        }
    }

    /// Checkpoints the WAL (PASSIVE, on the writer connection, between commits) when the
    /// `CheckpointPolicy` says it is due; cheap otherwise (one lock, two comparisons).
    public func maintain(at nowNanos: UInt64) throws {
        guard let checkpointer else {
            throw StorageError(.badQuery, "\(path) is open read-only: it has no WAL of its own to maintain")
        }
        guard checkpointer.state.withLock({ $0.isDue(at: nowNanos, policy: checkpointer.policy) }) else { return }
        _ = try pool.writeWithoutTransaction { db in try checkpointer.maintain(db, at: nowNanos) }
    }

    /// Copies the WAL into the database file and truncates it, so the file alone holds
    /// everything once the ingester stops.
    public func finishIngest() throws {
        try checkpoint()
    }

    /// What the WAL checkpointer saw (all zero when opened read-only).
    public var walStatistics: WALStatistics {
        checkpointer?.state.withLock {
            WALStatistics(pages: $0.walPages, peakPages: $0.peakWALPages, checkpoints: $0.checkpoints)
        } ?? WALStatistics(pages: 0, peakPages: 0, checkpoints: 0)
    }
}
