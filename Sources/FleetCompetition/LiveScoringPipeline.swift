import FleetIngest
import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import Logging
import Synchronization

/// The pipeline-thread half of the live scorer: one `LiveRun` per run in PREPARE or RUNNING,
/// fed every accepted frame, with provisional rows and the live result added to the ingest
/// writer's own batches. Not Sendable: only the pipeline thread touches it (through
/// `LiveScoring`); it takes new runs, stops and actions from `board`'s inbox when it closes
/// a batch and publishes boards there.
final class LiveScoringPipeline {
    let board: LiveScoringBoard
    /// Several ingesters share the store (each scores the runs whose robots send to it):
    /// a run is scored here, its boards and live result written, only once a robot entered
    /// in it has sent a frame here.
    let scoresHeardRunsOnly: Bool
    /// Runs an entered robot (not only the referee) has sent frames of to this process.
    private var heardRuns: Set<UInt32> = []
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
    private var registered: Set<UInt32>
    /// Wall time of the batch being filled (frames carry event time only).
    private var batchNow: UInt64 = 0
    static let recentWindow: UInt64 = 10_000_000_000
    static let recentLimit = 200_000

    init(board: LiveScoringBoard, scoresHeardRunsOnly: Bool, registered: Set<UInt32>) {
        self.board = board
        self.scoresHeardRunsOnly = scoresHeardRunsOnly
        self.registered = registered
    }

    func observe(_ frame: borrowing Frame) {
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

    func closingBatch(_ batch: inout WriteBatch, ledgers: LedgerTable, now: UInt64) {
        let (newRuns, stopped, actions, running, active, registered) = board.inbox.withLock { state in
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
                now &- run.lastHeard >= board.tuning.stopGrace || now &- seen >= board.tuning.stopDeadline
            {
                finish(id, into: &batch, ledgers: ledgers, now: now)
            } else if now &- run.lastSnapshot >= board.tuning.snapshotInterval * (running.contains(id) ? 1 : 10) {
                runs[id]!.lastSnapshot = now
                snapshot(run, into: &batch, ledgers: ledgers, now: now)
            }
        }
    }

    /// The writer is behind and no batch closes: the boards readers see keep moving (the
    /// provisional rows are written with the next batch).
    func tick(now: UInt64) {
        batchNow = now
        for id in Array(runs.keys).sorted() {
            runs[id]!.advance(now: now)
            guard runs[id]!.stopSeen == nil, scoresHere(runs[id]!) else { continue }
            do {
                publish(runs[id]!, result: try runs[id]!.provisional(), now: now)
            } catch {
                board.logger.warning("live score failed", metadata: ["run.id": "\(id)", "error": "\(error)"])
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
            board.logger.warning(
                "live score failed",
                metadata: ["run.id": "\(run.context.run.id)", "error": "\(error)"]
            )
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
        board.logger.debug(
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
            board.logger.warning("live result failed", metadata: ["run.id": "\(id)", "error": "\(error)"])
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
        self.board.publish(board, runID: run.context.run.id)
    }
}
