import FleetProtocol
import FleetScoring
import FleetStore
import Logging
import Synchronization

/// The Sendable half of the live scorer: what the pipeline thread and the rest of the
/// process share, all behind mutexes. It reads the database in `backgroundTick` (on the
/// ingest service's blocking pool): new runs get their scorer built there (arena, rulebook)
/// and handed to the pipeline through the inbox, as do run state changes and referee
/// actions; and it holds the newest board of each run for readers (the HTTP API, the feed).
final class LiveScoringBoard: Sendable {
    /// What `backgroundTick` hands the pipeline thread, taken when it closes a batch.
    struct Inbox: Sendable {
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

    let store: any CompetitionStore
    let tuning: LiveRun.Tuning
    let logger: Logger
    let inbox = Mutex(Inbox())
    /// The newest board of each run scored here, for readers in this process.
    private let boards = Mutex<[UInt32: LiveBoard]>([:])
    /// Boards of runs no longer scored that are kept.
    static let keptBoards = 8

    init(store: any CompetitionStore, tuning: LiveRun.Tuning, logger: Logger) {
        self.store = store
        self.tuning = tuning
        self.logger = logger
    }

    /// The newest live board of a run scored in this process.
    func board(runID: UInt32) -> LiveBoard? {
        boards.withLock { $0[runID] }
    }

    /// Publishes a run's newest board (from the pipeline thread).
    func publish(_ board: LiveBoard, runID: UInt32) {
        boards.withLock { $0[runID] = board }
    }

    /// Reads the runs, their state and referee actions, builds scorers for new runs.
    func backgroundTick(now: UInt64) {
        do {
            // First, before building any scorer (an arena takes a while): the frames of
            // robots registered since the last tick are kept for runs about to start. When
            // this came last, the first tick after a run was created (before the fleet
            // launched) left the first seconds of the robots' frames out of the live result.
            let registered = Set(try store.registeredRobots().map(\.robotID))
            inbox.withLock { $0.registered = registered }
            let active = try store.runs(states: [.prepare, .running, .finished])
            let known = inbox.withLock { $0.known }
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
            inbox.withLock { state in
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
