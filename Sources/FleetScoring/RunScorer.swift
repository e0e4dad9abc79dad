public import FleetArena
public import FleetProtocol

/// Scores one run from its frames: a pure function of the ordered input.
///
/// Feed it every frame of the run's robots and of the referee in event-time order
/// (`consume`); ask for the provisional result at any time (`score`). Frames with the same
/// event time are buffered and processed sorted by (run-state first, sender, boot epoch,
/// sequence), so the order in which same-time frames of different senders arrive does not
/// change the result; all sums run in that fixed order, so a recompute from the same frames
/// gives the same numbers to the last digit.
///
/// Referee events (sent by an infrastructure sender) score Q, A, S contacts, geofence exits,
/// near misses, penalties and bonuses; robot telemetry scores coverage, efficiency,
/// over-speed and no-progress. Only frames with event time inside RUNNING (ends included)
/// count; run-state frames set the window when `Run` did not.
public struct RunScorer: Sendable {
    /// The run being scored.
    public struct Run: Sendable, Equatable {
        public var id: UInt32
        public var division: Division
        /// RUNNING start and end (event time, ns) where already known; `run_state` frames
        /// of this run fill in the rest.
        public var runningStart: UInt64?
        public var runningEnd: UInt64?

        public init(id: UInt32, division: Division, runningStart: UInt64? = nil, runningEnd: UInt64? = nil) {
            self.id = id
            self.division = division
            self.runningStart = runningStart
            self.runningEnd = runningEnd
        }
    }

    /// A robot registered for the run.
    public struct Robot: Sendable, Equatable {
        public var id: UInt32
        public var team: String
        /// Registration kind (`sweeper`, `litterPicker`, `washer`, `humanoid`).
        public var kind: String
        /// Brush width, m; nil takes the rulebook's width for `kind`.
        public var brushWidth: Double?

        public init(id: UInt32, team: String, kind: String, brushWidth: Double? = nil) {
            self.id = id
            self.team = team
            self.kind = kind
            self.brushWidth = brushWidth
        }
    }

    /// What the scorer needs to know about the arena.
    public struct Arena: Sendable, Equatable {
        /// Target and edge cells on the rulebook grid.
        public var mask: CoverageMask
        public var totals: ArenaTotals

        public init(mask: CoverageMask, totals: ArenaTotals) {
            self.mask = mask
            self.totals = totals
        }
    }

    let rulebook: Rulebook
    let run: Run
    let arena: Arena
    let divisionID: String
    let divisionRules: Rulebook.DivisionRules
    let isHumanoidDivision: Bool
    let rampCounts: Bool
    /// Deduction index per `InterventionKind` raw value (nil: not a deduction).
    let deductionOfIntervention: [Int?]
    let noProgressDeduction: Int
    /// Per `ContactClass` raw value: zeroes the run.
    let seriousContact: [Bool]
    let noProgressNs: UInt64
    let gapNs: UInt64
    let fallMergeNs: UInt64

    var runningStart: UInt64?
    var runningEnd: UInt64?
    var isFinal = false
    var robots: [RobotState]
    var robotIndex: [UInt32: Int]
    var teams: [TeamState]
    var events: [ScoreEvent] = []
    var flags: [ReviewFlag] = []
    var ignored = IgnoredFrames()
    var pending: [Pending] = []
    var pendingTime: UInt64?

    struct Pending: Sendable {
        var frame: Frame
        var eventID: Int64?
    }

    public init(rulebook: Rulebook, run: Run, arena: Arena, robots entries: [Robot]) throws(ScoringError) {
        let id = run.division.schemaName
        guard let rules = rulebook.divisions[id] else {
            throw ScoringError(.unknownDivision, "division \(id) is not in rulebook \(rulebook.id)")
        }
        guard abs(arena.mask.cellSize - rulebook.coverage.cellSize) <= 1e-12 else {
            throw ScoringError(
                .cellSizeMismatch,
                "the arena grid has \(arena.mask.cellSize) m cells; the rulebook says \(rulebook.coverage.cellSize) m"
            )
        }
        self.rulebook = rulebook
        self.run = run
        self.arena = arena
        divisionID = id
        divisionRules = rules
        isHumanoidDivision = rules.kind == .humanoid
        rampCounts = rulebook.bonuses.rampDivisions.contains(id)
        deductionOfIntervention = InterventionKind.allCases.sorted { $0.rawValue < $1.rawValue }
            .reduce(into: [Int?](repeating: nil, count: 256)) { table, kind in
                table[Int(kind.rawValue)] = rulebook.autonomy.deductions.firstIndex {
                    $0.interventions.contains(kind.schemaName)
                }
            }
        noProgressDeduction =
            rulebook.autonomy.deductions.firstIndex {
                $0.kind == rulebook.penalties.noProgressDeduction
            } ?? 0
        seriousContact = ContactClass.allCases.reduce(into: [Bool](repeating: false, count: 256)) { table, c in
            table[Int(c.rawValue)] = rulebook.safety.seriousContacts.contains(c.schemaName)
        }
        noProgressNs = Self.nanoseconds(rulebook.penalties.noProgressWindow)
        gapNs = Self.nanoseconds(rulebook.penalties.telemetryGap)
        fallMergeNs = Self.nanoseconds(rulebook.humanoid.fallMergeWindow)
        runningStart = run.runningStart
        runningEnd = run.runningEnd

        let sorted = entries.sorted { $0.id < $1.id }
        let teamNames = Set(sorted.map(\.team)).sorted()
        var teams = teamNames.map { TeamState(name: $0, mask: arena.mask) }
        var states: [RobotState] = []
        var index: [UInt32: Int] = [:]
        for entry in sorted {
            guard index[entry.id] == nil else {
                throw ScoringError(.duplicateRobot, "robot \(entry.id) is registered twice")
            }
            let isHumanoid = rules.kind == .humanoid || entry.kind == "humanoid"
            var width: Double?
            if !isHumanoid {
                guard let w = entry.brushWidth ?? rulebook.coverage.brushWidth[entry.kind], w > 0 else {
                    throw ScoringError(
                        .missingBrushWidth,
                        "robot \(entry.id) (\(entry.kind)) has no brush width and the rulebook has none for its kind"
                    )
                }
                width = w
            }
            let team = teamNames.firstIndex(of: entry.team)!
            index[entry.id] = states.count
            teams[team].robots.append(states.count)
            states.append(
                RobotState(
                    entry: entry,
                    team: team,
                    brushWidth: width,
                    mask: isHumanoid ? nil : arena.mask,
                    deductionKinds: rulebook.autonomy.deductions.count
                )
            )
        }
        robots = states
        robotIndex = index
        self.teams = teams
        // The score a team has before any frame (A = S = 1): the first change is measured from it.
        for t in self.teams.indices { self.teams[t].lastScore = teamResult(t).runScore }
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, (seconds * 1e9).rounded())) }

    /// Adds one frame (of any robot of the run, or the referee). `eventID` is the stored
    /// event's id where the caller has one; it is quoted as evidence.
    public mutating func consume(_ frame: Frame, eventID: Int64? = nil) {
        let t = frame.header.timestampNanoseconds
        if let current = pendingTime, t != current {
            flush()
            if t < current {
                flags.append(ReviewFlag(kind: .outOfOrder, robot: frame.header.robotID, from: t, to: current))
            }
        }
        pendingTime = t
        pending.append(Pending(frame: frame, eventID: eventID))
    }

    /// The referee's award for outstanding performance, a fraction of the team's points
    /// earned (at most the rulebook's maximum). Counts only once the run is FINAL.
    public mutating func award(team: String, fraction: Double, time: UInt64, eventID: Int64? = nil) throws(ScoringError)
    {
        guard let t = teams.firstIndex(where: { $0.name == team }) else {
            throw ScoringError(.unknownTeam, "team \"\(team)\" has no robot in run \(run.id)")
        }
        guard fraction >= 0, fraction <= rulebook.bonuses.refereeAwardMax else {
            throw ScoringError(
                .awardOutOfRange,
                "an award of \(fraction) is outside 0...\(rulebook.bonuses.refereeAwardMax)"
            )
        }
        flush()
        let before = teams[t].refereeAward
        teams[t].refereeAward = fraction
        record(
            .refereeAward,
            robot: 0,
            team: t,
            delta: fraction - before,
            total: fraction,
            time: time,
            evidence: Evidence(sender: 0, bootEpoch: 0, sequence: 0, eventID: eventID)
        )
    }

    /// Marks the run FINAL (as a `run_state` frame saying `final` does).
    public mutating func markFinal() {
        flush()
        isFinal = true
    }

    /// The provisional result: every frame consumed so far, including the same-time frames
    /// still buffered. Does not change the scorer.
    public func score() -> RunResult {
        // Processing the buffered frames on a copy copies the arrays they touch (the event list
        // among them); a live caller that knows no more frames of this time will come can call
        // `finish()` instead.
        var copy = self
        copy.flush()
        copy.settle()
        return copy.result()
    }

    /// Processes the buffered same-time frames (no more frames of that time will come), as
    /// `finish` and the referee actions do first; the result and its events are unchanged.
    public mutating func flushPending() {
        flush()
    }

    /// Processes every buffered frame and returns the result; for a recompute that
    /// needs no copy.
    public mutating func finish() -> RunResult {
        flush()
        settle()
        return result()
    }

    /// The final adjustments as score events: coverage score (repeat factor), efficiency,
    /// bonus and penalty points that changed since they were last reported, then, when the
    /// run score still moved (or the team has no event yet), a `settled` event; so every
    /// team's last event's `score` is its run score exactly. Timed at RUNNING's end (or the newest event) and leaving the team's
    /// last-scoring-event time (a tie-break) as it was. Idempotent.
    mutating func settle() {
        let time = runningEnd ?? events.last?.time ?? runningStart ?? 0
        let settling = Evidence(sender: 0, bootEpoch: 0, sequence: 0)
        if let start = runningStart {
            for r in robots.indices where robots[r].frames == 0 {
                let id = robots[r].entry.id
                guard !flags.contains(where: { $0.kind == .noFrames && $0.robot == id }) else { continue }
                flags.append(ReviewFlag(kind: .noFrames, robot: id, from: start, to: max(start, runningEnd ?? start)))
            }
        }
        for t in teams.indices {
            let result = teamResult(t)
            let last = teams[t].lastScoringEvent
            var now = Settled(
                C: result.coverage.C,
                E: result.efficiency.E,
                bonuses: result.bonuses.points,
                penalties: result.penalties.points
            )
            if isHumanoidDivision {
                now.C = 0
                now.E = 0
            }
            let before = teams[t].settled
            let steps: [(ScoreCriterion, Double, Double)] = [
                (.coverageScore, before.C, now.C), (.efficiency, before.E, now.E),
                (.bonusPoints, before.bonuses, now.bonuses), (.penaltyPoints, before.penalties, now.penalties),
            ]
            teams[t].settled = now
            for (criterion, old, new) in steps where old.bitPattern != new.bitPattern {
                record(criterion, robot: 0, team: t, delta: new - old, total: new, time: time, evidence: settling)
            }
            if result.runScore.bitPattern != teams[t].lastScore.bitPattern || !teams[t].hasEvents {
                let delta = result.runScore - teams[t].lastScore
                record(
                    .settled,
                    robot: 0,
                    team: t,
                    delta: delta,
                    total: result.runScore,
                    time: time,
                    evidence: settling
                )
            }
            teams[t].lastScoringEvent = last
        }
    }

    /// Processes the buffered same-time frames in their canonical order.
    mutating func flush() {
        guard !pending.isEmpty else { return }
        var batch = pending
        pending.removeAll(keepingCapacity: true)
        pendingTime = nil
        batch.sort { a, b in
            let ra = a.frame.message.type == .runState ? 0 : 1
            let rb = b.frame.message.type == .runState ? 0 : 1
            if ra != rb { return ra < rb }
            let ha = a.frame.header
            let hb = b.frame.header
            if ha.robotID != hb.robotID { return ha.robotID < hb.robotID }
            if ha.bootEpoch != hb.bootEpoch { return ha.bootEpoch < hb.bootEpoch }
            if ha.sequence != hb.sequence { return ha.sequence < hb.sequence }
            return (a.eventID ?? Int64.min) < (b.eventID ?? Int64.min)
        }
        var previous: FrameHeader?
        for item in batch {
            let h = item.frame.header
            if let p = previous, p.robotID == h.robotID, p.bootEpoch == h.bootEpoch, p.sequence == h.sequence {
                ignored.duplicate += 1
                continue
            }
            previous = h
            process(item.frame, eventID: item.eventID)
        }
    }

    func inRunning(_ t: UInt64) -> Bool {
        guard let start = runningStart, t >= start else { return false }
        if let end = runningEnd, t > end { return false }
        return true
    }
}

extension RunScorer.Arena {
    /// What the scorer needs of an arena value: its grid and its totals.
    public init(_ arena: FleetArena) {
        self.init(mask: arena.mask(), totals: arena.totals)
    }
}
