public import FleetStorage
public import FleetStore
import Foundation
import Logging
import Synchronization

/// The pipeline thread's loop: drains the ring in batches into the `Aggregator` and hands
/// each finished batch to the writer through a bounded queue.
///
/// Group commit: a batch closes as soon as the ring is drained and the writer is idle, so
/// latency stays at one commit at light load, and batches grow by themselves while the
/// writer is busy; at most `maximumBatchFrames` frames or `batchInterval` old. The thread
/// sleeps on a `Wakeup` (no polling) until the receiver queues frames, the writer goes idle
/// or a deadline passes. When the writer falls behind, the open batch keeps filling (and the
/// observer keeps ticking) up to `maximumBatchFrames`; then `put` blocks, the ring fills,
/// and the receiver's overflow policy applies: memory stays bounded whatever the database does.
final class Pipeline {
    struct Configuration: Sendable {
        /// The longest a frame waits in an open batch.
        var batchInterval: Duration = .milliseconds(50)
        var maximumBatchFrames = 8192
        var drainChunk = 2048
        /// With an observer, a batch closes at least this often, frames or not.
        var observerInterval: Duration = .milliseconds(250)
        /// How often at most the live snapshot (robots, ledgers) is republished.
        var publishInterval: Duration = .milliseconds(100)
        /// How often chunk ages, quiet rollup buckets and robot rows are looked at when
        /// nothing else closes a batch.
        var housekeepingInterval: Duration = .milliseconds(500)
    }

    private let configuration: Configuration
    private let ring: FrameRing
    private let receiver: ReceiverShared
    private let queue: BoundedQueue<PipelineBatch>
    private let live: LiveState
    private var aggregator: Aggregator
    private let observer: (any FrameObserver)?
    private let logger: Logger
    private var lastObserverTick: ContinuousClock.Instant
    private let clock = ContinuousClock()
    private var lastPublished: ContinuousClock.Instant
    private var lastHousekeeping: ContinuousClock.Instant
    private var reportedReceived = 0
    /// The live snapshot is behind the aggregator (published at most every
    /// `publishInterval` under load; always before the thread sleeps).
    private var unpublished = false

    init(
        configuration: Configuration,
        ring: FrameRing,
        receiver: ReceiverShared,
        queue: BoundedQueue<PipelineBatch>,
        live: LiveState,
        aggregator: Aggregator,
        observer: (any FrameObserver)? = nil,
        logger: Logger
    ) {
        self.logger = logger
        self.configuration = configuration
        self.ring = ring
        self.receiver = receiver
        self.queue = queue
        self.live = live
        self.aggregator = aggregator
        self.observer = observer
        if let observer {
            self.aggregator.onFrame = { frame, _ in observer.observe(frame) }
        }
        self.lastPublished = clock.now
        self.lastObserverTick = clock.now
        self.lastHousekeeping = clock.now
    }

    private var writerIdle: Bool {
        !receiver.writerBusy.load(ordering: .acquiring) && queue.count == 0
    }

    /// A batch closed now is handed to the writer without waiting.
    private var writerHasRoom: Bool { queue.count < queue.capacity }

    /// Runs until the receiver has finished and the ring is empty; then hands over the
    /// last batch (every chunk sealed) and closes the queue.
    func run() {
        publishLiveState()
        var batchOpened: ContinuousClock.Instant?
        while true {
            let answered = applyClaimAnswers()
            // Holding too many frames of robots not claimed yet: wait for the answers.
            let blocked = aggregator.mustWaitForClaims
            let drained = blocked ? 0 : ring.drain(limit: configuration.drainChunk) { aggregator.ingest($0) }
            let hadLosses = collectReceiverLosses()
            logRefusals()
            let now = clock.now
            if (drained > 0 || hadLosses || answered || aggregator.hasClaimRequests) && batchOpened == nil {
                batchOpened = now
            }
            if let opened = batchOpened {
                let full = aggregator.pendingFrames >= configuration.maximumBatchFrames
                let old = now - opened >= configuration.batchInterval
                // Still draining a burst: keep filling the batch unless it is full or old.
                // An old batch waits while the writer's queue is full (handing it over
                // would only block this thread); a full one blocks: that is backpressure.
                if full || (old && writerHasRoom) || (drained < configuration.drainChunk && writerIdle) {
                    flush()
                    batchOpened = nil
                }
            }
            let observerDue = observer != nil && now - lastObserverTick >= configuration.observerInterval
            if batchOpened == nil && writerHasRoom {
                if observerDue || now - lastHousekeeping >= configuration.housekeepingInterval {
                    flush()
                }
            } else if observerDue, let observer {
                // The writer is behind (a slow fsync, a checkpoint): the batch stays open,
                // but what the observer shows (the live board) keeps moving.
                lastObserverTick = now
                observer.tick(now: Receiver.wallClockNanos())
            }
            if drained == configuration.drainChunk { continue }
            // Order matters: read `stoppedReading` before checking the ring, so a frame
            // pushed just before the receiver stopped is still seen.
            // Claims on their way are answered first: their robots' held frames go in.
            if receiver.stoppedReading.load(ordering: .acquiring) && ring.count == 0
                && (!aggregator.awaitingClaims || receiver.writerFinished.load(ordering: .acquiring))
            {
                _ = collectReceiverLosses()
                flush(final: true)
                break
            }
            if drained > 0 { continue }
            if unpublished { publishLiveState() }
            // Sleep until frames arrive, the writer goes idle with a batch waiting, or the
            // next deadline (batch age, observer tick, housekeeping).
            // A batch that waits for room in the writer's queue has no deadline of its own:
            // the writer signals when it takes a batch.
            let waitingForRoom = !writerHasRoom
            var timeout = configuration.housekeepingInterval
            if let opened = batchOpened, !waitingForRoom {
                timeout = min(timeout, configuration.batchInterval - (now - opened))
            }
            if observer != nil { timeout = min(timeout, configuration.observerInterval - (now - lastObserverTick)) }
            let pending = batchOpened != nil
            let awaiting = aggregator.awaitingClaims
            receiver.pipelineWakeup.wait(timeout: max(timeout, .microseconds(100))) {
                (ring.count > 0 && !blocked) || (receiver.stoppedReading.load(ordering: .acquiring) && !awaiting)
                    || (pending && writerIdle) || (waitingForRoom && writerHasRoom)
                    || receiver.claimAnswersWaiting.load(ordering: .acquiring)
            }
        }
        queue.close()
    }

    private func flush(final: Bool = false) {
        let received = receiver.received.load(ordering: .relaxed)
        aggregator.receivedSinceLastBatch += received - reportedReceived
        reportedReceived = received
        let now = clock.now
        lastHousekeeping = now
        var batch = aggregator.takeBatch(now: Receiver.wallClockNanos(), final: final)
        if let observer {
            lastObserverTick = now
            observer.closingBatch(&batch.batch, ledgers: aggregator.ledgers, now: Receiver.wallClockNanos())
        }
        if final || now - lastPublished >= configuration.publishInterval {
            publishLiveState()
        } else if batch.batch.frameCount > 0 || !batch.batch.counterDeltas.isEmpty {
            unpublished = true
        }
        if !batch.batch.isEmpty || !batch.claims.isEmpty { queue.put(batch) }
    }

    /// Applies the store's answers to claims, in commit order; whether there were any.
    private func applyClaimAnswers() -> Bool {
        guard receiver.claimAnswersWaiting.load(ordering: .acquiring) else { return false }
        let answers = receiver.claimAnswers.withLock { answers in
            defer { answers.removeAll() }
            receiver.claimAnswersWaiting.store(false, ordering: .releasing)
            return answers
        }
        for answer in answers { aggregator.applyClaims(answer.outcome, startedAt: answer.startedAt) }
        return !answers.isEmpty
    }

    /// Logs a robot another ingester holds at its first refused frame, then every 1000th.
    private func logRefusals() {
        for notice in aggregator.takeRefusalNotices() {
            logger.warning(
                "frames refused: another ingester holds this robot",
                metadata: [
                    "robot.id": "\(notice.robotID)",
                    "robot.owner": "\(notice.owner)",
                    "frames.refused": "\(notice.refused)",
                    "lease.left_s": "\(String(format: "%.1f", Double(notice.remainingNanos) / 1e9))",
                ]
            )
        }
    }

    private func publishLiveState() {
        lastPublished = clock.now
        unpublished = false
        // Sorted by small keys, then copied once each: sorting the states themselves moved
        // whole messages around and was a third of this thread's time with 1,000 robots.
        let states = aggregator.robots
        let robots = states.indices.map { (states[$0].robotID, $0) }.sorted { $0.0 < $1.0 }.map { states[$0.1] }
        let ledgerValues = aggregator.ledgers.values
        let ledgers = ledgerValues.indices.map {
            (ledgerValues[$0].record.robotID, ledgerValues[$0].record.bootEpoch, $0)
        }
        .sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { ledgerValues[$0.2].record }
        let counters = aggregator.totals
        live.state.withLock {
            $0.robots = robots
            $0.ledgers = ledgers
            $0.counters = counters
        }
    }

    private func collectReceiverLosses() -> Bool {
        let losses = receiver.losses.withLock { losses -> ReceiverLosses in
            defer { losses = ReceiverLosses() }
            return losses
        }
        guard !losses.isEmpty else { return false }
        for (key, count) in losses.dropped.sorted(by: { $0.key < $1.key }) {
            aggregator.countDropped(robotID: key.robotID, bootEpoch: key.bootEpoch, count: count)
        }
        for (code, count) in losses.rejected { aggregator.countRejectedUnqueued(code, count: count) }
        if losses.refusedRobotID > 0 { aggregator.countRefusedRobotID(losses.refusedRobotID) }
        if losses.refusedKeyRevoked > 0 { aggregator.countRefusedKeyRevoked(losses.refusedKeyRevoked) }
        if losses.multipart > 0 { aggregator.countMultipart(losses.multipart) }
        return true
    }
}

/// What the pipeline last published of its live state, for the scorer, the board and the
/// status line; replaced after every batch.
public struct LiveSnapshot: Sendable {
    public var robots: [RobotLiveState] = []
    public var ledgers: [LedgerRecord] = []
    public var counters = IngestCounters()
}

/// The pipeline's published live state, shared with readers on other threads.
final class LiveState: Sendable {
    let state = Mutex(LiveSnapshot())
}
