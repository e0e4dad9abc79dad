import FleetStore
import Foundation
import Histogram
import Logging
import Synchronization

/// The writer thread's loop: commits each batch in one transaction on the only write
/// connection, then releases its acknowledgements and records latencies. Between batches,
/// when nothing waits (and at least once a second when idle), it lets the store do its
/// housekeeping (a WAL checkpoint, a small prune transaction), so that never happens inside
/// a commit.
///
/// A failed commit is retried (the database may be locked by another process or the disk
/// momentarily full); the queue behind it stops, which is back pressure, not loss. Only
/// when the service is stopping and the database still refuses is a batch given up; then
/// nothing after it is committed either, and the loss is counted and logged.
final class Writer {
    private let store: any IngestStore
    private let shared: ReceiverShared
    private let queue: BoundedQueue<PipelineBatch>
    private let metrics: IngestMetrics
    private let logger: Logger
    private let stopping: @Sendable () -> Bool
    private let onCommit: @Sendable (PipelineBatch) -> Void
    private let clock = ContinuousClock()

    init(
        store: any IngestStore,
        shared: ReceiverShared,
        queue: BoundedQueue<PipelineBatch>,
        metrics: IngestMetrics,
        logger: Logger,
        stopping: @escaping @Sendable () -> Bool,
        onCommit: @escaping @Sendable (PipelineBatch) -> Void
    ) {
        self.store = store
        self.shared = shared
        self.queue = queue
        self.metrics = metrics
        self.logger = logger
        self.stopping = stopping
        self.onCommit = onCommit
    }

    /// How long the writer waits for a batch before it does housekeeping anyway: an idle
    /// ingester still checkpoints and starts its retention passes.
    static let idleHousekeepingSeconds = 1.0

    func run() {
        // A prune pass under way: step it whenever no batch waits, back to back.
        var housekeepingPending = false
        while true {
            let item: PipelineBatch
            switch queue.take(waitingAtMost: housekeepingPending ? 0 : Self.idleHousekeepingSeconds) {
            case .closed: return
            case .timedOut:
                housekeepingPending = housekeep()
                continue
            case .item(let next): item = next
            }
            // Room in the queue: a batch the pipeline holds back can be handed over.
            shared.pipelineWakeup.signal()
            shared.writerBusy.store(true, ordering: .releasing)
            let committed = commit(item)
            shared.writerBusy.store(false, ordering: .releasing)
            // The pipeline closes its next batch when the writer goes idle.
            shared.pipelineWakeup.signal()
            if committed && queue.count == 0 {
                housekeepingPending = housekeep()
            }
            guard committed else {
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

    /// The store's housekeeping between commits; whether more is waiting.
    private func housekeep() -> Bool {
        do {
            return try store.maintain(at: Receiver.wallClockNanos())
        } catch {
            logger.warning("store housekeeping failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Commits a batch, retrying while the service runs; false if it gave up while stopping.
    private func commit(_ item: PipelineBatch) -> Bool {
        var attempt = 0
        while true {
            let started = clock.now
            do {
                var item = item
                let startedAt = Receiver.wallClockNanos()
                // Several ingesters on one store: every commit checks that its robots are
                // still this ingester's, claims or not.
                if item.claims.isEmpty && !store.sharesRobotsBetweenIngesters {
                    try store.commit(item.batch, at: startedAt)
                } else {
                    let outcome = try store.commit(item.batch, claims: item.claims, at: startedAt)
                    settle(&item, outcome)
                    shared.claimAnswers.withLock { $0.append((outcome, startedAt)) }
                    shared.claimAnswersWaiting.store(true, ordering: .releasing)
                }
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

    /// What the store's ownership answer changes in a committed batch: the frames of robots
    /// another ingester took over were left out, so they are neither counted stored nor
    /// acknowledged.
    private func settle(_ item: inout PipelineBatch, _ outcome: RobotClaimOutcome) {
        guard !outcome.lost.isEmpty else { return }
        let lost = Set(outcome.lost.map(\.robotID))
        item.acks.removeAll { lost.contains($0.stream.robotID) }
        item.batch.frameCount -= outcome.removedFrames
        for owner in outcome.lost {
            logger.warning(
                "robot taken over by another ingester while its frames waited to commit; they were left out",
                metadata: ["robot.id": "\(owner.robotID)", "robot.owner": "\(owner.ingester)"]
            )
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
