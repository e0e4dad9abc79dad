import FleetStorage
import FleetStore
import Foundation
import Histogram
import Logging

/// The writer thread's loop: commits each batch in one transaction on the only write
/// connection, then releases its acknowledgements and records latencies.
///
/// A failed commit is retried (the database may be locked by another process or the disk
/// momentarily full); the queue behind it stops, which is back pressure, not loss. Only
/// when the service is stopping and the database still refuses is a batch given up; then
/// nothing after it is committed either, and the loss is counted and logged.
final class Writer {
    private let database: FleetDatabase
    private let queue: BoundedQueue<PipelineBatch>
    private let metrics: IngestMetrics
    private let logger: Logger
    private let stopping: @Sendable () -> Bool
    private let onCommit: @Sendable (PipelineBatch) -> Void
    private let clock = ContinuousClock()

    init(
        database: FleetDatabase,
        queue: BoundedQueue<PipelineBatch>,
        metrics: IngestMetrics,
        logger: Logger,
        stopping: @escaping @Sendable () -> Bool,
        onCommit: @escaping @Sendable (PipelineBatch) -> Void
    ) {
        self.database = database
        self.queue = queue
        self.metrics = metrics
        self.logger = logger
        self.stopping = stopping
        self.onCommit = onCommit
    }

    func run() {
        while let item = queue.take() {
            guard commit(item) else {
                // Nothing after a lost batch may commit: later batches carry ledger rows
                // that count the lost frames as stored, and acknowledgements that would
                // let robots forget them. Stop, and say exactly what was lost.
                var lost = item.batch.frameCount
                while let rest = queue.take() { lost += rest.batch.frameCount }
                logger.error(
                    "frames lost: the database refused a batch while stopping; nothing after it was committed",
                    metadata: ["frames": "\(lost)"]
                )
                metrics.update { $0.lostInCommit += lost }
                return
            }
        }
    }

    /// Commits a batch, retrying while the service runs; false if it gave up while stopping.
    private func commit(_ item: PipelineBatch) -> Bool {
        var attempt = 0
        while true {
            let started = clock.now
            do {
                try database.commit(item.batch, at: Receiver.wallClockNanos())
                record(item, commitDuration: clock.now - started)
                onCommit(item)
                return true
            } catch {
                attempt += 1
                if stopping() && attempt >= 5 { return false }
                logger.warning("commit failed, retrying", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                usleep(UInt32(min(1_000_000, 10_000 * attempt)))
            }
        }
    }

    private func record(_ item: PipelineBatch, commitDuration: Duration) {
        let committedAt = Receiver.wallClockNanos()
        let micros =
            UInt64(commitDuration.components.seconds) * 1_000_000
            + UInt64(commitDuration.components.attoseconds / 1_000_000_000_000)
        metrics.update { snapshot in
            snapshot.stored += item.batch.frameCount
            snapshot.batchesCommitted += 1
            _ = snapshot.commitLatency.record(micros)
            for t in item.receiveTimes where t <= committedAt {
                _ = snapshot.receiveToCommit.record((committedAt - t) / 1000)
            }
            for t in item.publishTimes where t <= committedAt {
                _ = snapshot.publishToCommit.record(min((committedAt - t) / 1000, 600_000_000))
            }
        }
    }
}
