public import FleetBlocking
public import FleetKeys
import FleetProtocol
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
        /// Where `run()` does its blocking work off the cooperative pool: the observer's
        /// background reads, joining its threads, the checkpoint at shutdown.
        public var blockingPool: BlockingPool = .shared

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
    let logger: Logger
    let ring: FrameRing
    let shared = ReceiverShared()
    let live = LiveState()
    let lifecycle = Mutex(StateMachine())

    public init(configuration: Configuration, logger: Logger) throws {
        guard configuration.listen != nil || configuration.reliable != nil else {
            throw IngestError(
                .invalidConfiguration,
                "nothing to listen on: give --listen ENDPOINT (pub mode) and/or --reliable ENDPOINT"
            )
        }
        self.configuration = configuration
        self.logger = logger
        if let store = configuration.store {
            guard configuration.retention == nil else {
                throw IngestError(
                    .invalidConfiguration,
                    "retention prunes a SQLite store only; not \(store) (use PostgreSQL's partitions)"
                )
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
            throw IngestError(
                .invalidConfiguration,
                "\(purpose) needs a SQLite store (--db FILE); this ingester stores in \(store)"
            )
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
            throw IngestError(
                .invalidConfiguration,
                "no allowlist to reload: this ingester runs without CURVE (--curve-secret, --allowlist)"
            )
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
            let failure = error as? IngestError ?? IngestError(.failed, "\(error)", cause: error)
            for waiter in lifecycle.withLock({ $0.failed(failure) }) { waiter.resume(throwing: failure) }
            throw error
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

    func logStatusIfDue(every interval: Duration) {
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
    func refreshGauges() {
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
}
