public import FleetScoring
import Foundation
import Synchronization

/// A `ScoreboardSource` that keeps runs and their latest results in memory: for a process
/// that scores live and publishes results here, and for tests. Run control follows the
/// rulebook's states; nothing survives a restart (the competition store does that).
public final class MemoryScoreboardSource: ScoreboardSource {
    private struct Entry {
        var summary: RunSummary
        var result: RunResult?
        var arena: ArenaView?
        var awards: [String: Double] = [:]
        /// Penalty id → penalty; removed ones are gone.
        var penalties: [Int64: NewPenalty] = [:]
    }

    private struct State {
        var entries: [Entry] = []
        var nextID: UInt32 = 1
        var nextPenaltyID: Int64 = 1

        func index(_ id: UInt32) throws(ScoreboardError) -> Int {
            guard let i = entries.firstIndex(where: { $0.summary.id == id }) else {
                let known = entries.map { String($0.summary.id) }.joined(separator: ", ")
                throw ScoreboardError(.notFound, "no run \(id); runs: \(known.isEmpty ? "none yet" : known)")
            }
            return i
        }

        mutating func transition(
            _ id: UInt32,
            from: RunState,
            to: RunState,
            _ body: (inout RunSummary) -> Void = { _ in }
        ) throws(ScoreboardError) -> RunSummary {
            let i = try index(id)
            guard entries[i].summary.state == from else {
                throw ScoreboardError(
                    .conflict,
                    "run \(id) is \(entries[i].summary.state.rawValue); only a \(from.rawValue) run can become \(to.rawValue)"
                )
            }
            entries[i].summary.state = to
            body(&entries[i].summary)
            return entries[i].summary
        }
    }

    public let rulebook: Rulebook
    private let state = Mutex(State())
    private let clock: @Sendable () -> UInt64

    /// - Parameter clock: event-time "now" in ns for start/stop without an explicit time.
    public init(rulebook: Rulebook, clock: @escaping @Sendable () -> UInt64) {
        self.rulebook = rulebook
        self.clock = clock
    }

    /// Start and stop without an explicit time use the wall clock.
    public convenience init(rulebook: Rulebook) {
        self.init(rulebook: rulebook) { UInt64(max(0, Date().timeIntervalSince1970) * 1e9) }
    }

    /// Publishes the latest result of a run (the live scorer calls this as scores change).
    public func publish(runID: UInt32, result: RunResult) throws {
        try state.withLock { state throws(ScoreboardError) in
            let i = try state.index(runID)
            state.entries[i].result = result
            state.entries[i].summary.teams = result.teams.map(\.team)
            if let start = result.runningStart { state.entries[i].summary.runningStart = start }
            if let end = result.runningEnd { state.entries[i].summary.runningEnd = end }
        }
    }

    /// Sets the arena (and coverage so far) shown on the board's map for a run.
    public func publish(runID: UInt32, arena: ArenaView) throws {
        try state.withLock { state throws(ScoreboardError) in
            state.entries[try state.index(runID)].arena = arena
        }
    }

    /// Referee penalties standing (id → penalty).
    public func penalties(runID: UInt32) throws -> [Int64: NewPenalty] {
        try state.withLock { state throws(ScoreboardError) in state.entries[try state.index(runID)].penalties }
    }

    /// Referee awards given so far (team → fraction).
    public func awards(runID: UInt32) throws -> [String: Double] {
        try state.withLock { state throws(ScoreboardError) in state.entries[try state.index(runID)].awards }
    }

    public func runs() async throws -> [RunSummary] {
        state.withLock { $0.entries.map(\.summary) }
    }

    public func scoreboard(runID: UInt32) async throws -> RunResult? {
        try state.withLock { state throws(ScoreboardError) in state.entries[try state.index(runID)].result }
    }

    public func arena(runID: UInt32) async throws -> ArenaView? {
        try state.withLock { state throws(ScoreboardError) in state.entries[try state.index(runID)].arena }
    }

    public func standings(division: String) async throws -> DivisionStandings {
        guard rulebook.divisions[division] != nil else {
            throw ScoreboardError(
                .notFound,
                "no division '\(division)'; divisions: \(rulebook.divisionOrder.joined(separator: ", "))"
            )
        }
        let results = state.withLock { $0.entries.compactMap(\.result) }
        return DivisionStandings(rulebook: rulebook, division: division, runs: results)
    }

    public func perform(_ command: RunAction) async throws -> RunSummary {
        let now = clock()
        let rulebook = self.rulebook
        return try state.withLock { state throws(ScoreboardError) -> RunSummary in
            switch command {
            case .create(let new):
                guard rulebook.divisions[new.division] != nil else {
                    throw ScoreboardError(
                        .badRequest,
                        "division must be one of \(rulebook.divisionOrder.joined(separator: ", ")), got '\(new.division)'"
                    )
                }
                let summary = RunSummary(
                    id: state.nextID,
                    division: new.division,
                    state: .prepare,
                    name: new.name,
                    seed: new.seed,
                    durationSeconds: new.durationSeconds ?? rulebook.heats.runDuration,
                    teams: new.teams ?? []
                )
                state.nextID += 1
                state.entries.append(Entry(summary: summary))
                return summary
            case .start(let id, let time):
                return try state.transition(id, from: .prepare, to: .running) { $0.runningStart = time ?? now }
            case .stop(let id, let time):
                return try state.transition(id, from: .running, to: .finished) { $0.runningEnd = time ?? now }
            case .finalize(let id):
                return try state.transition(id, from: .finished, to: .final)
            case .award(let id, let team, let fraction):
                let i = try state.index(id)
                let maximum = rulebook.bonuses.refereeAwardMax
                guard fraction >= 0, fraction.isFinite else {
                    throw ScoreboardError(.badRequest, "fraction must be 0...\(maximum), got \(fraction)")
                }
                guard fraction <= maximum else {
                    throw ScoreboardError(
                        .conflict,
                        "fraction must be at most the rulebook's referee award, \(maximum); got \(fraction)"
                    )
                }
                let teams = state.entries[i].summary.teams
                guard teams.contains(team) else {
                    throw ScoreboardError(
                        .conflict,
                        "run \(id) has no team '\(team)'; teams: \(teams.isEmpty ? "none yet" : teams.joined(separator: ", "))"
                    )
                }
                state.entries[i].awards[team] = fraction
                return state.entries[i].summary
            case .penalty(let id, let penalty):
                let i = try state.index(id)
                guard state.entries[i].summary.state != .final else {
                    throw ScoreboardError(.conflict, "run \(id) is FINAL: its result is signed and never changes")
                }
                guard state.entries[i].summary.teams.contains(penalty.team) else {
                    throw ScoreboardError(.conflict, "run \(id) has no team '\(penalty.team)'")
                }
                state.entries[i].penalties[state.nextPenaltyID] = penalty
                state.nextPenaltyID += 1
                return state.entries[i].summary
            case .removePenalty(let id, let penaltyID, _):
                let i = try state.index(id)
                guard state.entries[i].penalties.removeValue(forKey: penaltyID) != nil else {
                    throw ScoreboardError(.notFound, "run \(id) has no penalty \(penaltyID)")
                }
                return state.entries[i].summary
            }
        }
    }
}
