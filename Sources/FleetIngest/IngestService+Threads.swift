import FleetBlocking
import FleetProtocol
import FleetStorage
import FleetStore
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// `run()`'s body: the receiver, pipeline and writer threads started in order, watched
/// until shutdown, then drained.
extension IngestService {
    func runBound() async throws {
        // One writing process per database file (SQLite 3.40 and WAL): held until run() returns.
        // A database server takes several writers; per-robot ownership guards its rows.
        let lease =
            database == nil
            ? nil : try WriterLease.acquire(forDatabase: configuration.databasePath, holder: "fleet ingest")
        defer { withExtendedLifetime(lease) {} }
        let restored = try store.restoreIngestState()
        let context = try Context()
        // Two batches: one committing, one waiting. More would only lengthen the drain at
        // shutdown; the ring is the buffer.
        let queue = BoundedQueue<PipelineBatch>(capacity: 2)
        let receiverThread = try await startReceiver(context: context)
        let pipelineThread = try startPipeline(restored: restored, queue: queue)
        let writerThread = try startWriter(queue: queue)

        await watchUntilStopped()
        shared.stopRequested.store(true, ordering: .releasing)
        // Drain: the receiver closes its sockets, the pipeline empties the ring and closes
        // the queue, the writer commits what is queued. Joined off the cooperative pool.
        await configuration.blockingPool.wait {
            for thread in [receiverThread, pipelineThread, writerThread] { thread.join() }
        }
        context.terminate()
        try await finish()
    }

    /// Starts the receiver thread, which binds the endpoints (its sockets never leave it),
    /// and returns once they are bound; throws if one cannot be.
    private func startReceiver(context: Context) async throws -> DedicatedThread {
        let receiverConfiguration = Receiver.Configuration(
            listen: configuration.listen,
            reliable: configuration.reliable,
            serviceBootEpoch: UInt32(truncatingIfNeeded: Receiver.wallClockNanos() / 1_000_000_000),
            authentication: configuration.authentication
        )
        let shared = self.shared
        let ring = self.ring
        let receiverLogger = logger
        let bindResult = Mutex<Result<Void, any Error>?>(nil)
        let receiverThread = try DedicatedThread.start(name: "fleet-receiver") {
            let receiver = Receiver(
                configuration: receiverConfiguration,
                context: context,
                ring: ring,
                shared: shared,
                logger: receiverLogger
            )
            do {
                try receiver.bind()
                bindResult.withLock { $0 = .success(()) }
            } catch {
                bindResult.withLock { $0 = .failure(error) }
                shared.stoppedReading.store(true, ordering: .releasing)
                shared.finished.store(true, ordering: .releasing)
                return
            }
            receiver.run()
        }
        while bindResult.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(2)) }
        if case .failure(let error) = bindResult.withLock({ $0! }) {
            await configuration.blockingPool.wait { receiverThread.join() }
            throw IngestError(.cannotListen, "cannot listen: \(error)", cause: error)
        }
        let bound = shared.boundEndpoints.withLock { $0 }
        for waiter in lifecycle.withLock({ $0.bound(bound) }) { waiter.resume(returning: bound) }
        logger.info(
            "ingesting",
            metadata: ["endpoints": "\(bound.joined(separator: " "))", "db": "\(configuration.storeName)"]
        )
        return receiverThread
    }

    /// Starts the pipeline thread: the ring's frames decoded, aggregated and batched.
    private func startPipeline(
        restored: IngestRestoreState,
        queue: BoundedQueue<PipelineBatch>
    ) throws -> DedicatedThread {
        let pipelineConfiguration = Pipeline.Configuration(
            batchInterval: configuration.batchInterval,
            maximumBatchFrames: configuration.maximumBatchFrames
        )
        let aggregator = makeAggregator(restored: restored)
        let ring = self.ring
        let shared = self.shared
        let live = self.live
        let observer = self.observer
        let pipelineLogger = logger
        return try DedicatedThread.start(name: "fleet-pipeline") {
            Pipeline(
                configuration: pipelineConfiguration,
                ring: ring,
                receiver: shared,
                queue: queue,
                live: live,
                aggregator: aggregator,
                observer: observer,
                logger: pipelineLogger
            ).run()
        }
    }

    /// The pipeline's aggregator, continuing from the stored ledgers and state.
    private func makeAggregator(restored: IngestRestoreState) -> Aggregator {
        var aggregator = Aggregator(restoring: restored.ledgers, verifiesFrames: false)
        aggregator.restore(restored)
        if store.sharesRobotsBetweenIngesters {
            let lease = configuration.robotLease.components
            aggregator.shareRobots(
                RobotOwnershipPolicy(
                    leaseNanos: UInt64(lease.seconds) * 1_000_000_000 + UInt64(lease.attoseconds / 1_000_000_000)
                )
            )
        }
        return aggregator
    }

    /// Starts the writer thread: batches committed to the store, acknowledgements handed
    /// back to the receiver.
    private func startWriter(queue: BoundedQueue<PipelineBatch>) throws -> DedicatedThread {
        let store = self.store
        let shared = self.shared
        let metrics = self.metrics
        let logger = self.logger
        return try DedicatedThread.start(name: "fleet-writer") {
            Writer(
                store: store,
                shared: shared,
                queue: queue,
                metrics: metrics,
                logger: logger,
                stopping: { shared.stopRequested.load(ordering: .relaxed) },
                onCommit: { batch in
                    if !batch.acks.isEmpty { shared.acks.withLock { $0.append(contentsOf: batch.acks) } }
                }
            ).run()
            shared.writerFinished.store(true, ordering: .releasing)
        }
    }

    /// Until shutdown or the threads' end: the observer's background work (database reads,
    /// on the blocking pool) and the status line, about four times a second.
    private func watchUntilStopped() async {
        let shared = self.shared
        let observer = self.observer
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully && !shared.finished.load(ordering: .acquiring) {
                let interval = configuration.statusInterval ?? .seconds(3600)
                try? await Task.sleep(for: min(interval, .milliseconds(250)))
                if let observer {
                    try? await configuration.blockingPool.run {
                        observer.backgroundTick(now: Receiver.wallClockNanos())
                    }
                }
                if let statusInterval = configuration.statusInterval { logStatusIfDue(every: statusInterval) }
            }
        } onGracefulShutdown: {
            shared.stopRequested.store(true, ordering: .releasing)
        }
    }

    /// After the threads ended: the store's checkpoint, the last status line, and an error if
    /// a thread failed or frames were lost.
    private func finish() async throws {
        let store = self.store
        do {
            try await configuration.blockingPool.run { try store.finishIngest() }
        } catch {
            logger.warning("checkpoint at shutdown failed (the WAL keeps the data)", metadata: ["error": "\(error)"])
        }
        // The gauges as they ended, for whoever reads `metrics` after `run()` (the log line's
        // metadata is only evaluated at info level).
        refreshGauges()
        logger.info("stopped", metadata: ["status": "\(statusLine())"])
        if let failure = shared.failure.withLock({ $0 }) { throw IngestError(.failed, failure) }
        let lost = metrics.snapshot.lostInCommit
        if lost > 0 {
            // A supervisor must see it: the process exits non-zero, naming the count.
            throw IngestError(
                .framesLost,
                "\(lost) frames lost: the database refused their batch while stopping (disk full?)"
            )
        }
    }
}
