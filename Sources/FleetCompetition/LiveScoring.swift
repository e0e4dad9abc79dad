public import FleetIngest
public import FleetProtocol
public import FleetStorage
public import FleetStore
import Foundation
public import Logging
import Synchronization

/// The ingest service's live scorer (a `FrameObserver`): one `LiveRun` per run in PREPARE
/// or RUNNING, fed from the pipeline thread, with provisional rows and the live result
/// committed in the ingest writer's own batches (never a second writer connection).
///
/// Two halves: `LiveScoringPipeline`, fed on the pipeline thread and touched nowhere else,
/// and `LiveScoringBoard`, Sendable, which reads the database in `backgroundTick` (off the
/// pipeline thread), hands new runs, stops and actions over through a mutex-guarded inbox,
/// and holds the boards readers see.
public final class LiveScoring: FrameObserver, @unchecked Sendable {
    // @unchecked Sendable: `pipeline` (not Sendable) is used only by the pipeline-thread
    // methods below (observe, closingBatch, tick), which the ingest pipeline calls from its one
    // thread; everything else is `shared`, which is Sendable.
    private let shared: LiveScoringBoard
    private let pipeline: LiveScoringPipeline

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
        let shared = LiveScoringBoard(store: store, tuning: tuning, logger: logger)
        // Known before the first frame: the first background tick comes a quarter of a
        // second after the service starts, and a fleet launched at once (the demo, a
        // heat started from a script) sent its first seconds before it.
        var robots: Set<UInt32> = []
        do {
            robots = Set(try store.registeredRobots().map(\.robotID))
            shared.inbox.withLock { $0.registered = robots }
        } catch {
            logger.warning("live scoring cannot read the registered robots", metadata: ["error": "\(error)"])
        }
        self.shared = shared
        pipeline = LiveScoringPipeline(board: shared, scoresHeardRunsOnly: scoresHeardRunsOnly, registered: robots)
    }

    /// The newest live board of a run scored in this process: provisional while the run
    /// goes on, the live result once it stopped; nil for a run this process did not score.
    public func board(runID: UInt32) -> LiveBoard? {
        shared.board(runID: runID)
    }

    // MARK: Pipeline thread

    public func observe(_ frame: borrowing Frame) {
        pipeline.observe(frame)
    }

    public func closingBatch(_ batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64) {
        pipeline.closingBatch(&batch, ledgers: ledgers, now: now)
    }

    /// The writer is behind and no batch closes: the boards readers see keep moving (the
    /// provisional rows are written with the next batch).
    public func tick(now: UInt64) {
        pipeline.tick(now: now)
    }

    // MARK: Background

    /// Off the pipeline thread (the service's blocking pool): reads runs and actions.
    public func backgroundTick(now: UInt64) {
        shared.backgroundTick(now: now)
    }
}
