public import FleetIngest
public import FleetProtocol
import FleetScoring
public import FleetStorage
public import FleetStore
import Foundation
public import Logging
import Synchronization

/// The ingest service's live scorer (a `FrameObserver`): one `LiveRun` per run in PREPARE
/// or RUNNING, fed from the pipeline thread, with provisional rows and the live result
/// committed in the ingest writer's own batches (never a second writer connection).
///
/// The database is read only in `backgroundTick` (off the pipeline thread): new runs get
/// their scorer built there (arena, rulebook) and handed over through a mutex-guarded inbox,
/// as do run state changes and referee actions. The pipeline thread drains the inbox when it
/// closes a batch.
public final class LiveScoring: FrameObserver, @unchecked Sendable {
    // @unchecked Sendable: `runs`, `robotRuns` and `ledgerCache` are touched only on the
    // pipeline thread (observe, closingBatch); everything shared with `backgroundTick` is
    // in the `shared` mutex.
    struct Shared: Sendable {
        /// Runs handed to (or finished by) the pipeline side; never built twice.
        var known: Set<UInt32> = []
        var newRuns: [LiveRun] = []
        /// Run id → stop time (wall mode window end), when the run is FINISHED or later.
        var stopped: [UInt32: UInt64] = [:]
        var actions: [UInt32: [RefereeAction]] = [:]
        /// Runs in RUNNING (the others in PREPARE get a board row only now and then).
        var running: Set<UInt32> = []
        /// Runs in PREPARE, RUNNING or FINISHED (not yet FINAL).
        var active: Set<UInt32> = []
        /// Robots registered for any team: their frames are kept for a while before a run
        /// of theirs has a live scorer.
        var registered: Set<UInt32> = []
    }

    private let store: any CompetitionStore
    private let tuning: LiveRun.Tuning
    /// Several ingesters share the store (each scores the runs whose robots send to it):
    /// a run is scored here, its boards and live result written, only once a robot entered
    /// in it has sent a frame here.
    private let scoresHeardRunsOnly: Bool
    /// Runs an entered robot (not only the referee) has sent frames of to this process.
    private var heardRuns: Set<UInt32> = []
    private let logger: Logger
    private let shared = Mutex(Shared())
    /// The newest board of each run scored here, for readers in this process (the HTTP
    /// API and the live feed).
    private let boards = Mutex<[UInt32: LiveBoard]>([:])
    /// Boards of runs no longer scored that are kept.
    static let keptBoards = 8
    private var runs: [UInt32: LiveRun] = [:]
    /// Robot id → ids of the live runs it is entered in.
    private var robotRuns: [UInt32: [UInt32]] = [:]
    private var actionCounts: [UInt32: Int] = [:]
    /// Runs whose live result is stored but not yet FINAL: referee actions taken after the
    /// stop (the README's order: stop, penalties and awards, finalize) update that result.
    private var stoppedRuns: [UInt32: LiveRun] = [:]
    /// Frames of registered robots and the arena from the last `recentWindow` of wall time:
    /// a run whose scorer is built after its fleet started (the README's order: start the
    /// run, launch the fleet at once) is fed them first, so the live scorer counts every
    /// frame whose event time is in RUNNING whatever the order of arrival and start command.
    private var recent: [(wall: UInt64, frame: Frame)] = []
    private var recentHead = 0
    private var registered: Set<UInt32> = []
    /// Wall time of the batch being filled (frames carry event time only).
    private var batchNow: UInt64 = 0
    static let recentWindow: UInt64 = 10_000_000_000
    static let recentLimit = 200_000

    public convenience init(database: FleetDatabase, tuning: LiveRun.Tuning = LiveRun.Tuning(), logger: Logger) {
        self.init(store: SQLiteCompetitionStore(database: database), tuning: tuning, logger: logger)
    }

    /// A live scorer over the ingest service's own store (its rows travel in the service's
    /// batches); on a store several ingesters share, it scores the runs whose robots send here.
    public convenience init(ingest store: any IngestStore, tuning: LiveRun.Tuning = LiveRun.Tuning(), logger: Logger) {
        self.init(
            store: store.competition,
            tuning: tuning,
            scoresHeardRunsOnly: store.sharesRobotsBetweenIngesters,
            logger: logger
        )
    }

    /// A live scorer over `store`. `scoresHeardRunsOnly`: write a run's boards and live result
    /// only once a robot entered in it has sent a frame here (several ingesters share `store`).
    public init(
        store: any CompetitionStore,
        tuning: LiveRun.Tuning = LiveRun.Tuning(),
        scoresHeardRunsOnly: Bool = false,
        logger: Logger
    ) {
        self.store = store
        self.scoresHeardRunsOnly = scoresHeardRunsOnly
        self.tuning = tuning
        self.logger = logger
        // Known before the first frame: the first background tick comes a quarter of a
        // second after the service starts, and a fleet launched at once (the demo, a
        // heat started from a script) sent its first seconds before it.
        do {
            let robots = Set(try store.registeredRobots().map(\.robotID))
            registered = robots
            shared.withLock { $0.registered = robots }
        } catch {
            logger.warning("live scoring cannot read the registered robots", metadata: ["error": "\(error)"])
        }
    }

    /// The newest live board of a run scored in this process: provisional while the run
    /// goes on, the live result once it stopped; nil for a run this process did not score.
    public func board(runID: UInt32) -> LiveBoard? {
        boards.withLock { $0[runID] }
    }

    // MARK: Pipeline thread

    public func observe(_ frame: borrowing Frame) {
        let sender = frame.header.robotID
        if registered.contains(sender) || RunContext.infrastructure.contains(sender) {
            if recent.count - recentHead >= Self.recentLimit { recentHead += 1 }
            recent.append((batchNow, copy frame))
        }
        guard !runs.isEmpty else { return }
        if RunContext.infrastructure.contains(sender) {
            // Only the run it names (several arenas' referees may share a store).
            if let id = RunScorer.runNamed(by: frame.message), runs[id] != nil { runs[id]!.observe(copy frame) }
        } else if let ids = robotRuns[sender] {
            let copy = copy frame
            for id in ids { runs[id]!.observe(copy) }
            if scoresHeardRunsOnly { heardRuns.formUnion(ids) }
        }
    }

    public func closingBatch(_ batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64) {
        let (newRuns, stopped, actions, running, active, registered) = shared.withLock { state in
            defer { state.newRuns.removeAll() }
            return (state.newRuns, state.stopped, state.actions, state.running, state.active, state.registered)
        }
        self.registered = registered
        batchNow = now
        while recentHead < recent.count && now &- recent[recentHead].wall > Self.recentWindow { recentHead += 1 }
        if recentHead > 4096 && recentHead * 2 > recent.count {
            recent.removeFirst(recentHead)
            recentHead = 0
        }
        for id in Array(stoppedRuns.keys).sorted() {
            guard active.contains(id) else {
                stoppedRuns[id] = nil
                continue
            }
            if let list = actions[id], list.count != stoppedRuns[id]!.actions.count {
                stoppedRuns[id]!.actions = list
                storeLive(stoppedRuns[id]!, into: &batch, ledgers: ledgers, now: now)
            }
        }
        for var run in newRuns where runs[run.context.run.id] == nil {
            // Frames that came before this scorer did (not before the run was created: a
            // previous run's), in arrival order as they came.
            let created = run.context.run.createdNanos
            for (wall, frame) in recent[recentHead...]
            where wall >= created && run.context.isInput(frame) {
                run.observe(frame)
                if run.context.robotIDs.contains(frame.header.robotID) { heardRuns.insert(run.context.run.id) }
            }
            runs[run.context.run.id] = run
            for robot in run.context.robotIDs { robotRuns[robot, default: []].append(run.context.run.id) }
        }
        for id in Array(runs.keys).sorted() {
            if let list = actions[id], list.count != actionCounts[id] {
                runs[id]!.actions = list
                actionCounts[id] = list.count
            }
            if let stop = stopped[id], runs[id]!.stopSeen == nil {
                runs[id]!.stopSeen = now
                runs[id]!.tracker.close(at: stop)
            }
            runs[id]!.advance(now: now)
            let run = runs[id]!
            if let seen = run.stopSeen,
                now &- run.lastHeard >= tuning.stopGrace || now &- seen >= tuning.stopDeadline
            {
                finish(id, into: &batch, ledgers: ledgers, now: now)
            } else if now &- run.lastSnapshot >= tuning.snapshotInterval * (running.contains(id) ? 1 : 10) {
                runs[id]!.lastSnapshot = now
                snapshot(run, into: &batch, ledgers: ledgers, now: now)
            }
        }
    }

    /// The writer is behind and no batch closes: the boards readers see keep moving (the
    /// provisional rows are written with the next batch).
    public func tick(now: UInt64) {
        batchNow = now
        for id in Array(runs.keys).sorted() {
            runs[id]!.advance(now: now)
            guard runs[id]!.stopSeen == nil, scoresHere(runs[id]!) else { continue }
            do {
                publish(runs[id]!, result: try runs[id]!.provisional(), now: now)
            } catch {
                logger.warning("live score failed", metadata: ["run.id": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Per run, from the sequence numbers of the frames fed (not the robots' whole ledgers).
    private func completeness(_ run: LiveRun, _ ledgers: LedgerTable) -> [RobotCompleteness] {
        run.completeness.rows(robots: Array(run.context.robotIDs))
    }

    /// Whether this process scores the run (see `scoresHeardRunsOnly`).
    private func scoresHere(_ run: LiveRun) -> Bool {
        !scoresHeardRunsOnly || heardRuns.contains(run.context.run.id)
    }

    private func snapshot(_ run: LiveRun, into batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64) {
        guard scoresHere(run) else { return }
        do {
            let result = try run.provisional()
            let summary = BoardSummary(
                result: result,
                watermark: run.watermark,
                completeness: completeness(run, ledgers),
                lateFrames: run.lateFrames
            )
            batch.provisionalScores.append(
                ProvisionalScoreRecord(
                    runID: run.context.run.id,
                    atNanos: now,
                    watermarkNanos: run.watermark,
                    summary: try CanonicalJSON.string(summary)
                )
            )
            publish(run, result: result, now: now)
        } catch {
            logger.warning("live score failed", metadata: ["run.id": "\(run.context.run.id)", "error": "\(error)"])
        }
    }

    private func finish(_ id: UInt32, into batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64) {
        guard var run = runs.removeValue(forKey: id) else { return }
        for robot in run.context.robotIDs { robotRuns[robot]?.removeAll { $0 == id } }
        run.advance(now: now, everything: true)
        // The last same-time frames: in the coverage the board keeps showing.
        _ = try? run.finish(now: now)
        stoppedRuns[id] = run
        storeLive(run, into: &batch, ledgers: ledgers, now: now)
        logger.debug(
            "live result",
            metadata: ["run.id": "\(id)", "frames": "\(run.fedFrames)", "late": "\(run.lateFrames)"]
        )
    }

    /// Stores (or replaces) the live result of a stopped run with the referee actions taken so far.
    private func storeLive(_ run: LiveRun, into batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64) {
        let id = run.context.run.id
        guard scoresHere(run) else { return }
        do {
            let result = try run.result(with: run.actions)
            let summary = BoardSummary(
                result: result,
                watermark: run.watermark,
                completeness: completeness(run, ledgers),
                lateFrames: run.lateFrames
            )
            batch.provisionalScores.append(
                ProvisionalScoreRecord(
                    runID: id,
                    atNanos: now,
                    watermarkNanos: run.watermark,
                    summary: try CanonicalJSON.string(summary)
                )
            )
            batch.runResults.append(
                RunResultWrite(
                    runID: id,
                    source: .live,
                    summary: try CanonicalJSON.string(result.withoutEvents),
                    events: result.eventRows,
                    review: result.needsReview || run.lateFrames > 0
                )
            )
            publish(run, result: result, now: now)
        } catch {
            logger.warning("live result failed", metadata: ["run.id": "\(id)", "error": "\(error)"])
        }
    }

    private func publish(_ run: LiveRun, result: RunResult, now: UInt64) {
        let board = LiveBoard(
            result: result,
            watermark: run.watermark,
            mask: run.context.arena.mask,
            covered: run.coveredCells(),
            atNanos: now,
            completeness: run.completeness.rows(robots: Array(run.context.robotIDs))
        )
        boards.withLock { $0[run.context.run.id] = board }
    }

    // MARK: Background

    public func backgroundTick(now: UInt64) {
        do {
            // First, before building any scorer (an arena takes a while): the frames of
            // robots registered since the last tick are kept for runs about to start. When
            // this came last, the first tick after a run was created (before the fleet
            // launched) left the first seconds of the robots' frames out of the live result.
            let registered = Set(try store.registeredRobots().map(\.robotID))
            shared.withLock { $0.registered = registered }
            let active = try store.runs(states: [.prepare, .running, .finished])
            let known = shared.withLock { $0.known }
            var built: [LiveRun] = []
            var stopped: [UInt32: UInt64] = [:]
            var actions: [UInt32: [RefereeAction]] = [:]
            var running: Set<UInt32> = []
            for run in active {
                if run.state == .running { running.insert(run.id) }
                if !known.contains(run.id) {
                    // Only runs not yet stopped get a live scorer; a run created while the
                    // service was down is scored by `fleet score --recompute` / finalize.
                    guard run.state == .prepare || run.state == .running else { continue }
                    built.append(try LiveRun(context: RunContext(store: store, runID: run.id), tuning: tuning))
                    logger.debug("live scoring", metadata: ["run.id": "\(run.id)"])
                }
                if run.state == .finished {
                    stopped[run.id] = run.stoppedNanos ?? now
                }
                actions[run.id] = try store.actions(runID: run.id)
            }
            // A known run no longer active was finalized (or removed): it is over too.
            let activeIDs = Set(active.map(\.id))
            for id in known where !activeIDs.contains(id) { stopped[id] = now }
            boards.withLock { boards in
                // Finished runs keep their last board (the map of a FINAL run) until newer runs push them out.
                let inactive = boards.filter { !activeIDs.contains($0.key) }.sorted {
                    $0.value.atNanos > $1.value.atNanos
                }
                for (id, _) in inactive.dropFirst(Self.keptBoards) { boards[id] = nil }
            }
            shared.withLock { state in
                for run in built { state.known.insert(run.context.run.id) }
                state.newRuns += built
                state.stopped = stopped
                state.actions = actions
                state.running = running
                state.active = activeIDs
            }
        } catch {
            logger.warning("live scoring cannot read the runs", metadata: ["error": "\(error)"])
        }
    }
}
