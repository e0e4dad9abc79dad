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
    public static func readWindow(store: any CompetitionStore, run: RunRecord) throws -> (from: UInt64, to: UInt64)? {
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
    public static func inputFrames(store: any CompetitionStore, context: RunContext) throws -> [Frame] {
        var frames: [Frame] = []
        try forEachInputFrame(store: store, context: context) { frames.append($0) }
        return frames
    }

    /// Calls `body` with the run's input frames in canonical order (``canonicalPrecedes(_:_:)``,
    /// equal keys in the order read). The frames are kept as bytes (about 140 B each) and
    /// decoded one at a time as they are handed on: a 50-robot 20-minute run decoded whole
    /// took 730 MB, and allocating and moving it took more time than scoring it.
    static func forEachInputFrame(
        store: any CompetitionStore,
        context: RunContext,
        _ body: (Frame) throws -> Void
    ) throws {
        guard let window = try readWindow(store: store, run: context.run) else { return }
        var bytes: [UInt8] = []
        var keys: [CanonicalKey] = []
        try store.forEachFrame(from: window.from, to: window.to, senders: context.isInput) { sender, header, frame in
            // Frames that no longer decode (a newer minor version's types, a damaged row)
            // cannot score; `fleet verify` names damaged ones.
            guard let header, context.isInput(sender: sender, frame: frame) else { return }
            keys.append(CanonicalKey(header, offset: bytes.count, length: frame.count))
            bytes.append(contentsOf: frame)
        }
        keys.sort()
        try bytes.withUnsafeBytes { buffer in
            for key in keys {
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[key.offset..<(key.offset + key.length)])
                guard let frame = try? FrameDecoder.decode(bytes) else { continue }
                try body(frame)
            }
        }
    }

    /// `frames` in canonical order, equal keys in their given order.
    static func canonicallySorted(_ frames: [Frame]) -> [Frame] {
        var keys = frames.indices.map { CanonicalKey(frames[$0].header, offset: $0, length: 0) }
        keys.sort()
        return keys.map { frames[$0.offset] }
    }

    /// A frame's place in canonical order, and where it is: sorting these small keys instead
    /// of the frames moves each frame once (sorting frames moved every one at each merge pass).
    struct CanonicalKey: Comparable {
        var time: UInt64
        /// run_state first at equal times, then robot.
        var rankAndRobot: UInt64
        var bootAndSequence: UInt64
        /// Position where read: ties keep it, so the order is that of a stable sort.
        var offset: Int
        var length: Int

        init(_ header: FrameHeader, offset: Int, length: Int) {
            let rank: UInt64 = header.messageType == MessageType.runState.rawValue ? 0 : 1
            time = header.timestampNanoseconds
            rankAndRobot = rank << 32 | UInt64(header.robotID)
            bootAndSequence = UInt64(header.bootEpoch) << 32 | UInt64(header.sequence)
            self.offset = offset
            self.length = length
        }

        static func < (a: CanonicalKey, b: CanonicalKey) -> Bool {
            (a.time, a.rankAndRobot, a.bootAndSequence, a.offset) < (
                b.time, b.rankAndRobot, b.bootAndSequence, b.offset
            )
        }
    }

    /// The run's result from the database; `isFinal` applies the FINAL mark and awards.
    public static func result(store: any CompetitionStore, runID: UInt32, isFinal: Bool? = nil) throws -> RunResult {
        let context = try RunContext(store: store, runID: runID)
        return try result(store: store, context: context, isFinal: isFinal ?? (context.run.state == .final))
    }

    public static func result(
        store: any CompetitionStore,
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
    public static func agrees(live: RunResult, store: any CompetitionStore, context: RunContext) throws -> Bool {
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
    public static func coverage(
        store: any CompetitionStore,
        runID: UInt32
    ) throws -> (mask: CoverageMask, covered: [Bool]) {
        var scorer = try scored(store: store, context: RunContext(store: store, runID: runID))
        _ = scorer.finish()  // the last same-time frames are buffered until then
        return (scorer.arenaMask, scorer.coveredByAnyTeam())
    }

    /// A scorer fed every stored frame of the run's window, in canonical order.
    static func scored(store: any CompetitionStore, context: RunContext) throws -> RunScorer {
        var scorer = try context.makeScorer()
        var tracker = RunWindowTracker(run: context.run)
        try forEachInputFrame(store: store, context: context) { frame in
            if tracker.admit(frame) { scorer.consume(frame) }
        }
        return scorer
    }
}
