import FleetProtocol
public import FleetRobotClient
public import FleetStorage
public import FleetStore
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import ZeroMQ

/// `fleet ingest` as a service: receiver, pipeline and writer threads around one ring and
/// one database, started by `run()` and drained on graceful shutdown (SIGINT/SIGTERM in a
/// `ServiceGroup`): the receiver stops reading, the pipeline empties the ring, the writer
/// commits everything, then `run()` returns.
public final class IngestService: Service, Sendable {
    public struct Configuration: Sendable {
        public var databasePath: String
        /// Pub mode: the SUB endpoint robots' PUB sockets connect to.
        public var listen: String?
        /// Reliable mode: the ROUTER endpoint robots' DEALER sockets connect to.
        public var reliable: String?
        /// Frames the ring holds: about half a second of a 100 k frames/s stream, in 37 MB
        /// (slots fit the largest v1.0 frame inline).
        public var ringCapacity = 1 << 16
        public var batchInterval: Duration = .milliseconds(50)
        public var maximumBatchFrames = 8192
        /// How often `run()` logs the status line; nil for never.
        public var statusInterval: Duration? = .seconds(5)
        /// Follows the accepted frames on the pipeline thread (the live scorer).
        public var observer: FrameObserverFactory?
        /// CURVE on every robot-facing socket, admitting only the allowlist's keys; nil for
        /// unencrypted, unauthenticated sockets.
        public var authentication: Authentication?
        /// Where batches go instead of the SQLite file at `databasePath` (a PostgreSQL
        /// server): the file is then neither opened nor leased, and `database` is nil.
        public var store: (any IngestStore)?
        /// How the status line and logs name the store.
        public var storeName: String { store.map { "\($0)" } ?? databasePath }
        /// Raw frames and rollups older than its limits are pruned by the writer thread
        /// between commits; nil keeps everything.
        public var retention: RetentionPolicy?
        /// With a store several ingesters write (PostgreSQL): how long a claim on a robot
        /// holds without a frame renewing it, and so how soon another ingester may take a
        /// robot over from one that stopped.
        public var robotLease: Duration = .seconds(10)

        public init(databasePath: String, listen: String? = nil, reliable: String? = nil) {
            self.databasePath = databasePath
            self.listen = listen
            self.reliable = reliable
        }
    }

    /// Who may send: the ingester's CURVE key pair (robots connect with its public half) and
    /// the robots' public keys by sender id. A robot is admitted only with a listed key, and
    /// its frames must carry the id the key is listed under: the id comes from the key, the
    /// payload's claim is checked against it.
    public struct Authentication: Sendable {
        public var serverKeys: CurveKeyPair
        /// The robots' keys; `IngestService.reloadAllowlist` replaces them while it runs.
        public let allowlist: CurveAllowlist

        public init(serverKeys: CurveKeyPair, allowlist: RobotKeyring) {
            self.serverKeys = serverKeys
            self.allowlist = CurveAllowlist(allowlist)
        }
    }

    public let configuration: Configuration
    /// The SQLite database batches go to; nil when `Configuration.store` names another.
    public let database: FleetDatabase?
    /// Where batches are committed: the SQLite file, or the server `Configuration.store` names.
    public let store: any IngestStore
    /// Counters and histograms as the writer keeps them; the gauges (frames received, ring
    /// occupancy, robots online) as of the last `currentMetrics()` or status line.
    public let metrics = IngestMetrics()
    private let logger: Logger
    private let ring: FrameRing
    private let shared = ReceiverShared()
    private let live = LiveState()
    private let lifecycle = Mutex(StateMachine())

    public init(configuration: Configuration, logger: Logger) throws {
        guard configuration.listen != nil || configuration.reliable != nil else {
            throw IngestError("nothing to listen on: give --listen ENDPOINT (pub mode) and/or --reliable ENDPOINT")
        }
        self.configuration = configuration
        self.logger = logger
        if let store = configuration.store {
            guard configuration.retention == nil else {
                throw IngestError("retention prunes a SQLite store only; not \(store) (use PostgreSQL's partitions)")
            }
            self.database = nil
            self.store = store
            self.observer = configuration.observer.map { $0(store) }
        } else {
            let database = try FleetDatabase(path: configuration.databasePath)
            if let retention = configuration.retention { database.retain(retention) }
            self.database = database
            self.store = database
            self.observer = configuration.observer.map { $0(database) }
        }
        self.ring = FrameRing(capacity: configuration.ringCapacity, inlineBytes: MessageType.maximumFrameSize)
    }

    /// The SQLite database, for the parts that run on SQLite only (the live scorer, the
    /// HTTP API's reads); throws a clear error when the service stores elsewhere.
    public func sqliteDatabase(for purpose: String) throws -> FleetDatabase {
        guard let database else {
            throw IngestError("\(purpose) needs a SQLite store (--db FILE); this ingester stores in \(store)")
        }
        return database
    }

    /// Puts a new robot allowlist in force while the service runs (`fleet ingest` calls it on
    /// SIGHUP): new handshakes are decided on it at once, and connections opened under a key
    /// it removes or replaces are refused from their next frame. `read` loads the keys; when
    /// it throws, the keys in force stay and the failure is counted and rethrown.
    @discardableResult
    public func reloadAllowlist(_ read: () throws -> RobotKeyring) throws -> CurveAllowlist.Change {
        guard let allowlist = configuration.authentication?.allowlist else {
            throw IngestError("no allowlist to reload: this ingester runs without CURVE (--curve-secret, --allowlist)")
        }
        let keyring: RobotKeyring
        do { keyring = try read() } catch {
            metrics.update { $0.allowlistReloadsFailed += 1 }
            throw error
        }
        let change = allowlist.replace(with: keyring)
        metrics.update { $0.allowlistReloads += 1 }
        logger.debug("allowlist replaced", metadata: ["allowlist.change": "\(change)"])
        return change
    }

    /// The observer built from `Configuration.observer` over this service's database (the
    /// live scorer), for readers in the same process.
    public let observer: (any FrameObserver)?

    /// The latest live state the pipeline published.
    public var liveSnapshot: LiveSnapshot { live.state.withLock { $0 } }

    /// Endpoints actually bound (ports resolved), once `run()` has bound them; after `run()`
    /// ended, the endpoints it had; throws at once if `run()` failed (before or after this
    /// call).
    public func boundEndpoints() async throws -> [String] {
        switch lifecycle.withLock({ $0.endpoints() }) {
        case .resume(let endpoints): return endpoints
        case .fail(let error): throw error
        case .wait: break
        }
        return try await withCheckedThrowingContinuation { continuation in
            switch lifecycle.withLock({ $0.endpoints(waiter: continuation) }) {
            case .resume(let endpoints): continuation.resume(returning: endpoints)
            case .fail(let error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }

    public func run() async throws {
        precondition(lifecycle.withLock { $0.start() }, "an IngestService runs once")
        do {
            try await runBound()
            lifecycle.withLock { $0.finished() }
        } catch {
            let failure = error as? IngestError ?? IngestError("\(error)")
            for waiter in lifecycle.withLock({ $0.failed(failure) }) { waiter.resume(throwing: failure) }
            throw error
        }
    }

    private func runBound() async throws {
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
        let receiverConfiguration = Receiver.Configuration(
            listen: configuration.listen,
            reliable: configuration.reliable,
            serviceBootEpoch: UInt32(truncatingIfNeeded: Receiver.wallClockNanos() / 1_000_000_000),
            authentication: configuration.authentication
        )
        let shared = self.shared
        let ring = self.ring
        let receiverLogger = logger

        // Bind on the receiver thread (its sockets never leave it), and report back.
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
            receiverThread.join()
            throw IngestError("cannot listen: \(error)")
        }
        let bound = shared.boundEndpoints.withLock { $0 }
        for waiter in lifecycle.withLock({ $0.bound(bound) }) { waiter.resume(returning: bound) }
        logger.info(
            "ingesting",
            metadata: ["endpoints": "\(bound.joined(separator: " "))", "db": "\(configuration.storeName)"]
        )

        let pipelineConfiguration = Pipeline.Configuration(
            batchInterval: configuration.batchInterval,
            maximumBatchFrames: configuration.maximumBatchFrames
        )
        let live = self.live
        let aggregator = {
            var aggregator = Aggregator(restoring: restored.ledgers, verifiesFrames: false)
            aggregator.restore(restored)
            if self.store.sharesRobotsBetweenIngesters {
                let lease = configuration.robotLease.components
                aggregator.shareRobots(
                    RobotOwnershipPolicy(
                        leaseNanos: UInt64(lease.seconds) * 1_000_000_000 + UInt64(lease.attoseconds / 1_000_000_000)
                    )
                )
            }
            return aggregator
        }()
        let observer = self.observer
        let pipelineLogger = logger
        let pipelineThread = try DedicatedThread.start(name: "fleet-pipeline") {
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
        let store = self.store
        let metrics = self.metrics
        let logger = self.logger
        let writerThread = try DedicatedThread.start(name: "fleet-writer") {
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

        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully && !shared.finished.load(ordering: .acquiring) {
                let interval = configuration.statusInterval ?? .seconds(3600)
                try? await Task.sleep(for: min(interval, .milliseconds(250)))
                observer?.backgroundTick(now: Receiver.wallClockNanos())
                if let statusInterval = configuration.statusInterval { logStatusIfDue(every: statusInterval) }
            }
        } onGracefulShutdown: {
            shared.stopRequested.store(true, ordering: .releasing)
        }
        shared.stopRequested.store(true, ordering: .releasing)
        // Drain: the receiver closes its sockets, the pipeline empties the ring and closes
        // the queue, the writer commits what is queued. Joined off the cooperative pool.
        await Self.joinOffPool([receiverThread, pipelineThread, writerThread])
        context.terminate()
        do {
            try store.finishIngest()
        } catch {
            logger.warning("checkpoint at shutdown failed (the WAL keeps the data)", metadata: ["error": "\(error)"])
        }
        // The gauges as they ended, for whoever reads `metrics` after `run()` (the log line's
        // metadata is only evaluated at info level).
        refreshGauges()
        logger.info("stopped", metadata: ["status": "\(statusLine())"])
        if let failure = shared.failure.withLock({ $0 }) { throw IngestError(failure) }
        let lost = metrics.snapshot.lostInCommit
        if lost > 0 {
            // A supervisor must see it: the process exits non-zero, naming the count.
            throw IngestError("\(lost) frames lost: the database refused their batch while stopping (disk full?)")
        }
    }

    /// Peers in reliable mode's routing table: at most one per robot, however often robots
    /// reconnect.
    public var routerPeerCount: Int { shared.routerPeers.load(ordering: .relaxed) }

    /// The metrics with their gauges read now. The receiver's count, the ring and the live
    /// state keep those values themselves, so `metrics.snapshot` alone has them only as of
    /// the last refresh; counters and histograms the writer keeps current either way.
    public func currentMetrics() -> IngestMetrics.Snapshot {
        refreshGauges()
        return metrics.snapshot
    }

    /// One line for operators: rates, robots online, ring, losses.
    public func statusLine() -> String {
        let m = currentMetrics()
        let snapshot = liveSnapshot
        let lost = snapshot.ledgers.reduce(0) { $0 + $1.gaps.reduce(0) { $0 + $1.count } }
        let refused =
            configuration.authentication == nil
            ? "" : " refused \(snapshot.counters.refusedRobotID) peers refused \(m.peersRefused + m.handshakesFailed)"
        let elsewhere =
            store.sharesRobotsBetweenIngesters ? " owned elsewhere \(snapshot.counters.refusedOwnedElsewhere)" : ""
        return
            "received \(m.received) stored \(m.stored) dup \(snapshot.counters.duplicates) rejected \(snapshot.counters.rejectedTotal) dropped \(snapshot.counters.dropped)\(refused)\(elsewhere) missing \(lost) robots \(m.robotsOnline) ring \(String(format: "%.1f", m.ringOccupancy * 100))%"
    }

    private let lastStatus = Mutex<(ContinuousClock.Instant, Int)?>(nil)

    private func logStatusIfDue(every interval: Duration) {
        let now = ContinuousClock.now
        let received = shared.received.load(ordering: .relaxed)
        let due = lastStatus.withLock { last -> (Duration, Int)? in
            guard let (when, count) = last else {
                last = (now, received)
                return nil
            }
            guard now - when >= interval else { return nil }
            last = (now, received)
            return (now - when, received - count)
        }
        guard let (elapsed, frames) = due else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.info("\(String(format: "%.0f", Double(frames) / seconds)) frames/s | \(statusLine())")
    }

    /// Copies the values other parts keep (frames received, counters, ring occupancy, robots
    /// online) into `metrics`.
    private func refreshGauges() {
        let received = shared.received.load(ordering: .relaxed)
        let snapshot = liveSnapshot
        let now = Receiver.wallClockNanos()
        let online = snapshot.robots.filter { now &- $0.lastReceivedAt < 5_000_000_000 }.count
        metrics.update {
            $0.received = received
            $0.counters = snapshot.counters
            $0.ringOccupancy = ring.occupancy
            $0.ringCapacity = ring.capacity
            $0.robotsOnline = online
            $0.peersAdmitted = shared.peersAdmitted.load(ordering: .relaxed)
            $0.peersRefused = shared.peersRefused.load(ordering: .relaxed)
            $0.handshakesFailed = shared.handshakesFailed.load(ordering: .relaxed)
            $0.allowlistKeys = configuration.authentication?.allowlist.count ?? 0
        }
    }

    private static func joinOffPool(_ threads: [DedicatedThread]) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let joiner = Thread {
                for thread in threads { thread.join() }
                continuation.resume()
            }
            joiner.start()
        }
    }
}

/// A failure of the ingest service, with a message for the operator.
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
