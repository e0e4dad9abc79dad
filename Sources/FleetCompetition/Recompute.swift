public import FleetProtocol
public import FleetScoring
public import FleetStorage
public import FleetStore

/// Rebuilds a run's result from the database alone: the stored rulebook, entries and
/// referee actions, and every stored frame of the run's senders inside its window, fed in
/// canonical order through the same `RunWindowTracker` the live scorer uses.
public enum Recompute {
    /// The RUNNING window to read, from the stored run_state events (referee mode) or the
    /// run's start/stop times (wall mode); nil when the run has not started.
    public static func readWindow(store: CompetitionStore, run: RunRecord) throws -> (from: UInt64, to: UInt64)? {
        switch run.window {
        case .wall:
            guard let start = run.startedNanos else { return nil }
            return (start, run.stoppedNanos ?? .max)
        case .referee:
            var start: UInt64?
            var end: UInt64?
            for event in try store.runStateEvents(runID: run.id)
            where RunContext.infrastructure.contains(event.senderID) {
                guard case .runState(let state)? = event.frame?.message else { continue }
                switch state.state {
                case .running: if start == nil { start = event.timestampNanos }
                case .finished: if end == nil { end = event.timestampNanos }
                default: break
                }
            }
            guard let start else { return nil }
            return (start, max(start, end ?? .max))
        }
    }

    /// The run's input frames in canonical order (before the window tracker).
    public static func inputFrames(store: CompetitionStore, context: RunContext) throws -> [Frame] {
        guard let window = try readWindow(store: store, run: context.run) else { return [] }
        var frames: [Frame] = []
        try store.forEachFrame(from: window.from, to: window.to, senders: context.isInput) { _, header, bytes in
            // Frames that no longer decode (a newer minor version's types, a damaged row)
            // cannot score; `fleet verify` names damaged ones.
            guard header != nil, let frame = try? FrameDecoder.decode(bytes) else { return }
            frames.append(frame)
        }
        frames.sort { canonicalPrecedes($0.header, $1.header) }
        return frames
    }

    /// The run's result from the database; `isFinal` applies the FINAL mark and awards.
    public static func result(store: CompetitionStore, runID: UInt32, isFinal: Bool? = nil) throws -> RunResult {
        let context = try RunContext(store: store, runID: runID)
        return try result(store: store, context: context, isFinal: isFinal ?? (context.run.state == .final))
    }

    public static func result(
        store: CompetitionStore,
        context: RunContext,
        isFinal: Bool,
        actions: [RefereeAction]? = nil
    ) throws -> RunResult {
        var scorer = try scored(store: store, context: context)
        try scorer.apply(actions ?? store.actions(runID: context.run.id), isFinal: isFinal)
        return scorer.finish()
    }

    /// Whether a stored live result equals the recompute, like with like: the same frames and
    /// the referee actions the live result had seen. Actions are only ever appended, so the
    /// live result applied a prefix of them (all of them when the ingester was up to date;
    /// fewer when the last ones came after it stopped scoring): each prefix is tried, newest
    /// first, on copies of one scorer fed the frames once.
    public static func agrees(live: RunResult, store: CompetitionStore, context: RunContext) throws -> Bool {
        let scorer = try scored(store: store, context: context)
        let actions = try store.actions(runID: context.run.id)
        let expected = try CanonicalJSON.string(live)
        for count in stride(from: actions.count, through: 0, by: -1) {
            var copy = scorer
            try copy.apply(Array(actions.prefix(count)), isFinal: false)
            if try CanonicalJSON.string(copy.finish()) == expected { return true }
        }
        return false
    }

    /// The run's coverage from the database (the board's heatmap of a run this process did
    /// not score live): per cell of the arena grid, covered by any team.
    public static func coverage(store: CompetitionStore, runID: UInt32) throws -> (mask: CoverageMask, covered: [Bool])
    {
        var scorer = try scored(store: store, context: RunContext(store: store, runID: runID))
        _ = scorer.finish()  // the last same-time frames are buffered until then
        return (scorer.arenaMask, scorer.coveredByAnyTeam())
    }

    /// A scorer fed every stored frame of the run's window, in canonical order.
    static func scored(store: CompetitionStore, context: RunContext) throws -> RunScorer {
        var scorer = try context.makeScorer()
        var tracker = RunWindowTracker(run: context.run)
        for frame in try inputFrames(store: store, context: context) where tracker.admit(frame) {
            scorer.consume(frame)
        }
        return scorer
    }
}
