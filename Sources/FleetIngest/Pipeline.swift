public import FleetStorage
public import FleetStore
import Foundation
import Synchronization

/// The pipeline thread's loop: drains the ring in batches into the `Aggregator` and hands
/// each finished batch to the writer through a bounded queue.
///
/// A batch closes when it holds `maximumBatchFrames` frames or is `batchInterval` old. When
/// the writer falls behind, `put` blocks, the ring fills, and the receiver's overflow policy
/// applies: memory stays bounded whatever the database does.
final class Pipeline {
    struct Configuration: Sendable {
        /// The longest a frame waits in an open batch.
        var batchInterval: Duration = .milliseconds(100)
        /// How long a batch stays open when the writer has nothing to do.
        var idleWriterInterval: Duration = .milliseconds(20)
        var maximumBatchFrames = 8192
        var drainChunk = 2048
        /// With an observer, a batch closes at least this often, frames or not.
        var observerInterval: Duration = .milliseconds(250)
    }

    private let configuration: Configuration
    private let ring: FrameRing
    private let receiver: ReceiverShared
    private let queue: BoundedQueue<PipelineBatch>
    private let live: LiveState
    private var aggregator: Aggregator
    private let observer: (any FrameObserver)?
    private var lastObserverTick: ContinuousClock.Instant
    private let clock = ContinuousClock()
    private var lastPublished: ContinuousClock.Instant
    private var reportedReceived = 0

    init(
        configuration: Configuration,
        ring: FrameRing,
        receiver: ReceiverShared,
        queue: BoundedQueue<PipelineBatch>,
        live: LiveState,
        aggregator: Aggregator,
        observer: (any FrameObserver)? = nil
    ) {
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
    }

    /// Runs until the receiver has finished and the ring is empty; then hands over the
    /// last batch and closes the queue.
    func run() {
        var batchOpened: ContinuousClock.Instant?
        var idleSpins = 0
        while true {
            let drained = ring.drain(limit: configuration.drainChunk) { aggregator.ingest($0) }
            let hadLosses = collectReceiverLosses()
            if (drained > 0 || hadLosses) && batchOpened == nil { batchOpened = clock.now }

            // Group commit: a batch closes early when the writer is idle, so latency stays
            // low at light load and batches grow by themselves under heavy load.
            if let opened = batchOpened,
                aggregator.pendingFrames >= configuration.maximumBatchFrames
                    || clock.now - opened >= configuration.batchInterval
                    || (clock.now - opened >= configuration.idleWriterInterval && queue.count == 0)
            {
                flush()
                batchOpened = nil
            } else if observer != nil && clock.now - lastObserverTick >= configuration.observerInterval {
                flush()
            }
            if drained > 0 {
                idleSpins = 0
                continue
            }
            // Order matters: read `stoppedReading` before checking the ring, so a frame
            // pushed just before the receiver stopped is still seen.
            if receiver.stoppedReading.load(ordering: .acquiring) && ring.count == 0 {
                _ = collectReceiverLosses()
                flush()
                break
            }
            idleSpins += 1
            if idleSpins < 16 { sched_yield() } else { usleep(idleSpins < 64 ? 100 : 1000) }
        }
        queue.close()
    }

    private func flush() {
        let received = receiver.received.load(ordering: .relaxed)
        aggregator.receivedSinceLastBatch += received - reportedReceived
        reportedReceived = received
        var batch = aggregator.takeBatch()
        if let observer {
            lastObserverTick = clock.now
            observer.closingBatch(&batch.batch, ledgers: aggregator.ledgers, now: Receiver.wallClockNanos())
        }
        publishLiveState()
        if !batch.batch.isEmpty { queue.put(batch) }
    }

    private func publishLiveState() {
        let robots = aggregator.robots.values.sorted { $0.robotID < $1.robotID }
        let ledgers = aggregator.ledgers.values.map(\.record).sorted {
            ($0.robotID, $0.bootEpoch) < ($1.robotID, $1.bootEpoch)
        }
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
