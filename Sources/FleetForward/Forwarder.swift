import Dispatch
public import FleetPostgres
public import FleetProtocol
import FleetStorage
public import FleetStore
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Store-and-forward from a site: copies what a site's SQLite file holds (sealed chunks,
/// events, ledgers, robots, counters) to the central PostgreSQL, a batch a transaction,
/// with its cursor in the same transaction, so a crash or an outage resumes where it left
/// off and nothing is copied twice. While the central database is unreachable the site's
/// data waits in its file; the forwarder retries with a growing pause and catches up alone.
public final class Forwarder: Service, Sendable {
    public struct Configuration: Sendable {
        /// The site's SQLite file (the one its `fleet ingest --db` writes).
        public var sitePath: String
        /// The site's name in the central database (its cursor, its ledgers and counters).
        public var site: String
        public var central: PostgresLocation
        /// Chunks and events read per transaction.
        public var chunksPerBatch = 512
        public var eventsPerBatch = 4096
        /// How often the site's file is looked at when everything has been copied.
        public var pollInterval: Duration = .milliseconds(500)
        /// The longest pause between retries while the central database is unreachable.
        public var maximumRetryInterval: Duration = .seconds(30)
        /// Stop once everything the file holds has been copied (instead of following it).
        public var once = false
        /// How long the claim on a robot copied holds on the central database (as an
        /// ingester's `--robot-lease`): renewed with every batch that carries its rows.
        public var robotLease: Duration = .seconds(10)

        public init(sitePath: String, site: String, central: PostgresLocation) {
            self.sitePath = sitePath
            self.site = site
            self.central = central
        }
    }

    /// What the forwarder has done and how far behind it is.
    public struct Status: Sendable, Equatable {
        public var cursor = ForwardCursor()
        /// Sealed chunks, their frames and events in the site's file not copied yet.
        public var pendingChunks = 0
        public var pendingFrames = 0
        public var pendingEvents = 0
        /// Event time of the oldest frame not copied yet (nil: none pending).
        public var oldestPendingNanos: UInt64?
        /// Whether the last attempt reached the central database.
        public var connected = false
        /// The last failure to reach or write the central database, if the last attempt failed.
        public var lastError: String?
        /// Transactions committed, and attempts that failed, since the start.
        public var batches = 0
        public var failures = 0
        /// Whether everything the file held at the last look has been copied.
        public var caughtUp = false
        /// Copies of runs (a run again each time it changed at the site), and runs the central
        /// database refused (their id is another site's or its own).
        public var runsCopied = 0
        public var runsRefused = 0
        /// Robots another ingester or site holds on the central database, as of the last
        /// batch: their rows, and the site's rows after them, wait (robot order).
        public var heldBack: [RobotOwner] = []
        /// Batches that stopped short of a held robot since the start.
        public var heldBatches = 0
        /// Chunks, frames and events copied by this process (the cursor counts every run's).
        public var copiedChunks = 0
        public var copiedFrames = 0
        public var copiedEvents = 0
        /// Wall time (ns since the Unix epoch) of the last batch committed, nil before the first.
        public var lastCopyNanos: UInt64?

        /// Seconds of event time the oldest pending frame is behind `nowNanos` (0 when none).
        public func lagSeconds(at nowNanos: UInt64) -> Double {
            guard let oldest = oldestPendingNanos, nowNanos > oldest else { return 0 }
            return Double(nowNanos - oldest) / 1e9
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(Status())
    private let stopRequested = Atomic<Bool>(false)
    /// Wakes the forwarder's waits when a stop is requested.
    private let wakeup = DispatchSemaphore(value: 0)

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public var status: Status { state.withLock { $0 } }

    /// One line for operators.
    public func statusLine() -> String {
        let s = status
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        let link = s.connected ? "connected" : "central database unreachable (\(s.lastError ?? "not tried yet"))"
        var line =
            "forwarded \(s.cursor.chunks) chunks \(s.cursor.frames) frames \(s.cursor.events) events | pending \(s.pendingChunks) chunks \(s.pendingFrames) frames \(s.pendingEvents) events | runs copied \(s.runsCopied) refused \(s.runsRefused) | lag \(String(format: "%.1f", s.lagSeconds(at: now))) s | \(link)"
        if !s.heldBack.isEmpty {
            let named = s.heldBack.prefix(3).map(Self.describeHold).joined(separator: ", ")
            let more = s.heldBack.count > 3 ? " and \(s.heldBack.count - 3) more" : ""
            line += " | held back: \(named)\(more)"
        }
        return line
    }

    /// `robot 7`; `sender 0xF0000001` for the arena's infrastructure (a referee).
    static func senderName(_ id: UInt32) -> String {
        id < 0xF000_0000 ? "robot \(id)" : "sender 0x\(String(id, radix: 16, uppercase: true))"
    }

    /// `robot 7 (ingester 'arena-a' holds it, lease 8.2 s left)`
    static func describeHold(_ owner: RobotOwner) -> String {
        "\(senderName(owner.robotID)) (ingester '\(owner.ingester)' holds it, lease \(String(format: "%.1f", Double(owner.remainingNanos) / 1e9)) s left)"
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await DedicatedThread.run(name: "forwarder") { [self] in try loop() }
        } onGracefulShutdown: { [self] in
            stop()
        }
    }

    /// Asks the loop to stop after the transaction in progress.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        wakeup.signal()
    }

    private var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Waits `duration` or until a stop is requested.
    private func pause(_ duration: Duration) {
        let nanos = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        _ = wakeup.wait(timeout: .now() + .nanoseconds(Int(nanos)))
    }

    /// What was last copied of the rows that are replaced rather than appended, so each is
    /// sent again only when it changed (everything once after a (re)connection).
    private struct Sent {
        var ledgers: [StreamKey: LedgerRecord] = [:]
        var robots: [UInt32: RobotRecord] = [:]
        var counters: [String: Int64] = [:]
    }

    /// The loop's own state: the connection, where the copy stands, what was last sent.
    private struct LoopState {
        var runs: RunForwarding
        var central: PostgresStore?
        var cursor = ForwardCursor()
        var sent = Sent()
        var retry: Duration = .seconds(1)
        var held: (robot: UInt32, owner: String)?
    }

    private func loop() throws {
        let site = try FleetDatabase(path: configuration.sitePath, readOnly: true)
        let siteRuns = SQLiteCompetitionStore(database: site)
        var loop = LoopState(runs: RunForwarding(site: configuration.site, logger: logger))
        defer { release(loop.central) }
        while !stopping {
            guard let store = try connected(&loop) else { continue }
            // Reading the site's file throws out of the loop: a damaged or foreign file is
            // not something a retry fixes.
            let pending = try readBatch(site, after: loop.cursor, sent: loop.sent)
            if pending.isEmpty {
                guard try forwardRuns(&loop, from: siteRuns, to: store) else { continue }
                try recordBacklog(site, cursor: loop.cursor, caughtUp: true)
                if configuration.once { break }
                pause(configuration.pollInterval)
                continue
            }
            try copy(pending, from: site, to: store, &loop)
        }
    }

    /// Lets go of the robots copied last (free for ingesters at once, not a lease later) and
    /// closes the connection.
    private func release(_ central: PostgresStore?) {
        guard let central else { return }
        do { try central.releaseRobots() } catch {
            logger.debug("could not release the robots on stopping", metadata: ["error": "\(error)"])
        }
        central.close()
    }

    /// The central database's connection, opened (its cursor read, the runs' state with it)
    /// when there is none; nil after a failure, which `unreachable` logged and waited out.
    private func connected(_ loop: inout LoopState) throws -> PostgresStore? {
        if let central = loop.central { return central }
        let store: PostgresStore
        do {
            store = try PostgresStore.open(
                location: configuration.central,
                ingesterID: PostgresStore.siteIngesterName(configuration.site),
                logger: logger
            )
            loop.cursor = try store.forwardCursor(site: configuration.site)
            try loop.runs.connected(to: PostgresCompetitionStore(store))
        } catch {
            try unreachable(error, &loop)
            return nil
        }
        loop.central = store
        loop.sent = Sent()
        logger.info(
            "forwarding",
            metadata: [
                "site": "\(configuration.site)", "to": "\(configuration.central)",
                "from chunk": "\(loop.cursor.chunkID)", "from event": "\(loop.cursor.eventID)",
            ]
        )
        return store
    }

    /// A failure of the central database: logged, retried after a growing pause (with
    /// `once`, the end: a one-shot copy reports it instead of waiting). A read-only
    /// standby is the end too: retrying never makes it writable.
    private func unreachable(_ error: any Error, _ loop: inout LoopState) throws {
        if configuration.once || (error as? StorageError)?.code == .readOnly { throw error }
        loop.central?.close()
        loop.central = nil
        let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
        let failures = state.withLock {
            $0.connected = false
            $0.lastError = message
            $0.failures += 1
            return $0.failures
        }
        if failures <= 3 || failures % 20 == 0 {
            logger.warning(
                "central database unreachable; the site's data waits in its file, retrying in \(loop.retry)",
                metadata: ["error": "\(message)", "failures": "\(failures)"]
            )
        }
        pause(loop.retry)
        loop.retry = min(loop.retry * 2, configuration.maximumRetryInterval)
    }

    /// With nothing new to copy: the runs that changed. False after a failure of the central
    /// database (handled by `unreachable`); a damaged site file throws.
    private func forwardRuns(
        _ loop: inout LoopState,
        from siteRuns: SQLiteCompetitionStore,
        to store: PostgresStore
    ) throws -> Bool {
        do {
            try forward(&loop.runs, from: siteRuns, to: store)
            return true
        } catch let error as StorageError where error.code == .corruptRow || error.code == .incompatibleDatabase {
            throw error
        } catch {
            try unreachable(error, &loop)
            return false
        }
    }

    /// Commits one batch to the central database and counts what moved; pauses when
    /// nothing could (robots another ingester holds).
    private func copy(
        _ pending: PendingBatch,
        from site: FleetDatabase,
        to store: PostgresStore,
        _ loop: inout LoopState
    ) throws {
        let outcome: ForwardOutcome
        do {
            outcome = try store.commitForwarded(
                pending.batch,
                site: configuration.site,
                leaseNanos: Self.nanoseconds(configuration.robotLease),
                at: Self.nowNanos()
            )
        } catch {
            try unreachable(error, &loop)
            return
        }
        loop.cursor = outcome.cursor
        loop.sent = pending.sent
        loop.retry = .seconds(1)
        let copiedFrames = pending.batch.chunks.prefix(outcome.chunks).reduce(0) { $0 + $1.frameCount }
        state.withLock {
            $0.batches += 1
            $0.connected = true
            $0.lastError = nil
            $0.heldBack = outcome.heldBack
            if !outcome.heldBack.isEmpty { $0.heldBatches += 1 }
            $0.copiedChunks += outcome.chunks
            $0.copiedFrames += copiedFrames
            $0.copiedEvents += outcome.events
            $0.lastCopyNanos = Self.nowNanos()
        }
        reportHolds(outcome.heldBack, cursor: loop.cursor, logged: &loop.held)
        let complete = outcome.heldBack.isEmpty
        try recordBacklog(site, cursor: loop.cursor, caughtUp: complete && !pending.full)
        if !complete && outcome.chunks == 0 && outcome.events == 0 {
            // Nothing could move: the robot's holder has it until its lease ends or it lets go.
            if configuration.once {
                throw ForwardHeldBack(owners: outcome.heldBack, cursor: loop.cursor)
            }
            pause(configuration.pollInterval)
        }
    }

    /// The site's runs that changed since they were last copied; counted in the status.
    private func forward(
        _ runs: inout RunForwarding,
        from siteRuns: SQLiteCompetitionStore,
        to store: PostgresStore
    )
        throws
    {
        let done = try runs.forward(from: siteRuns, to: PostgresCompetitionStore(store), at: Self.nowNanos())
        guard done.copied + done.refused > 0 else { return }
        state.withLock {
            $0.runsCopied += done.copied
            $0.runsRefused += done.refused
        }
    }

    /// Logs a hold in one line when the robot that stops the batch (or its holder) changes,
    /// and once when nothing is held any more; `logged` is the hold said last.
    private func reportHolds(
        _ owners: [RobotOwner],
        cursor: ForwardCursor,
        logged: inout (robot: UInt32, owner: String)?
    ) {
        guard let first = owners.first else {
            if let was = logged {
                logger.notice(
                    "\(Self.senderName(was.robot)) is no longer held by ingester '\(was.owner)': copying on",
                    metadata: ["robot.id": "\(was.robot)", "site": "\(configuration.site)"]
                )
                logged = nil
            }
            return
        }
        guard logged?.robot != first.robotID || logged?.owner != first.ingester else { return }
        let more = owners.count > 1 ? " (and \(owners.count - 1) more robots other ingesters or sites hold)" : ""
        logger.warning(
            "holding back \(Self.describeHold(first))\(more) on the central database: its rows and the site's rows after them wait, the cursor at chunk \(cursor.chunkID) event \(cursor.eventID)",
            metadata: ["robot.id": "\(first.robotID)", "owner": "\(first.ingester)", "site": "\(configuration.site)"]
        )
        logged = (first.robotID, first.ingester)
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let c = duration.components
        return UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
    }

    private struct PendingBatch {
        var batch = ForwardBatch()
        var sent: Sent
        /// A read hit its limit: more is waiting.
        var full = false

        var isEmpty: Bool {
            batch.chunks.isEmpty && batch.events.isEmpty && batch.ledgers.isEmpty && batch.robots.isEmpty
                && batch.counters.isEmpty
        }
    }

    private func readBatch(_ site: FleetDatabase, after cursor: ForwardCursor, sent: Sent) throws -> PendingBatch {
        var pending = PendingBatch(sent: sent)
        let chunks = try site.chunks(after: cursor.chunkID, limit: configuration.chunksPerBatch)
        let events = try site.events(after: cursor.eventID, limit: configuration.eventsPerBatch)
        pending.full = chunks.count == configuration.chunksPerBatch || events.count == configuration.eventsPerBatch
        pending.batch.start = cursor
        pending.batch.chunks = chunks.map(\.chunk)
        pending.batch.chunkIDs = chunks.map(\.chunkID)
        pending.batch.events = events.map(\.event)
        pending.batch.eventIDs = events.map(\.eventID)
        // Ledgers, robots and counters as they are now, where they changed since last sent.
        for ledger in try site.lossLedger(robotID: nil) {
            let key = StreamKey(robotID: ledger.robotID, bootEpoch: ledger.bootEpoch)
            guard pending.sent.ledgers[key] != ledger else { continue }
            pending.batch.ledgers.append(ledger)
            pending.sent.ledgers[key] = ledger
        }
        for robot in try site.robots() {
            let record = RobotRecord(
                robotID: robot.robotID,
                kind: robot.kind,
                bootEpoch: robot.bootEpoch,
                firstSeenNanos: robot.firstSeenNanos,
                lastSeenNanos: robot.lastSeenNanos
            )
            guard pending.sent.robots[robot.robotID] != record else { continue }
            pending.batch.robots.append(record)
            pending.sent.robots[robot.robotID] = record
        }
        let counters = try site.ingestStatistics()
        if counters != pending.sent.counters {
            pending.batch.counters = counters
            pending.sent.counters = counters
        }
        return pending
    }

    private func recordBacklog(_ site: FleetDatabase, cursor: ForwardCursor, caughtUp: Bool) throws {
        let backlog = try site.forwardBacklog(afterChunk: cursor.chunkID, afterEvent: cursor.eventID)
        state.withLock {
            $0.cursor = cursor
            $0.pendingChunks = backlog.chunks
            $0.pendingFrames = backlog.frames
            $0.pendingEvents = backlog.events
            $0.oldestPendingNanos = backlog.oldestPendingNanos
            $0.connected = true
            $0.caughtUp = caughtUp && backlog.chunks == 0 && backlog.events == 0
        }
    }

    private static func nowNanos() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1e9) }
}

/// A one-shot copy (`once`) that cannot go on: robots it copies are another ingester's or
/// site's on the central database.
public struct ForwardHeldBack: FleetError {
    public enum Code: String, Sendable {
        /// Robots in the copy are owned by another ingester or site on the central database.
        case heldBack = "held_back"
    }

    public var owners: [RobotOwner]
    public var cursor: ForwardCursor

    public var code: Code { .heldBack }

    /// The message alone names the owners and the cursor.
    public var description: String { message }

    public var message: String {
        var named = owners.prefix(3).map(Forwarder.describeHold).joined(separator: ", ")
        if owners.count > 3 { named += " and \(owners.count - 3) more" }
        return
            "held back at chunk \(cursor.chunkID) event \(cursor.eventID): \(named) on the central database; run again once its lease has ended"
    }
}
