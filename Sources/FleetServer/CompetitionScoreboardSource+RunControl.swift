import FleetBlocking
import FleetCompetition
import FleetScoring
import FleetStorage
import FleetStore
import Foundation

/// Run control over the API: create, start, stop, finalize, and the referee's awards and
/// penalties, each store call on the blocking pool.
extension CompetitionScoreboardSource {
    public func perform(_ command: RunAction) async throws -> RunSummary {
        let now = clock()
        switch command {
        case .create(let new):
            return try await blocking { [self] in try create(new, at: now) }
        case .start(let id, let time):
            return try await blocking { [self] in try transition(id, to: .running, at: time ?? now) }
        case .stop(let id, let time):
            return try await blocking { [self] in try transition(id, to: .finished, at: time ?? now) }
        case .finalize(let id):
            let store = self.store
            let keyPath = configuration.serviceKeyPath
            try await configuration.blockingPool.run {
                try Self.mapError {
                    let key = try ServiceKey(path: keyPath, create: true)
                    _ = try Finalizer.finalize(store: store, runID: id, key: key, now: now)
                }
            }
            return try await run(id: id)
        case .award(let id, let team, let fraction):
            return try await blocking { [self] in try award(runID: id, team: team, fraction: fraction, at: now) }
        case .penalty(let id, let penalty):
            return try await blocking { [self] in try addPenalty(penalty, runID: id, at: now) }
        case .removePenalty(let id, let penaltyID, let reason):
            return try await blocking { [self] in
                try removePenalty(penaltyID, runID: id, reason: reason, at: now)
            }
        }
    }

    func create(_ new: NewRun, at now: UInt64) throws -> RunSummary {
        let rulebook = configuration.rulebook
        guard rulebook.divisions[new.division] != nil else {
            throw ScoreboardError(
                .badRequest,
                "division must be one of \(rulebook.divisionOrder.joined(separator: ", ")), got '\(new.division)'"
            )
        }
        if let duration = new.durationSeconds, abs(duration - rulebook.heats.runDuration) > 1e-9 {
            throw ScoreboardError(
                .conflict,
                "durationSeconds: the run length is the rulebook's \(rulebook.heats.runDuration) s, got \(duration)"
            )
        }
        let window: RunWindowSource
        switch new.window {
        case nil: window = .referee
        case let text?:
            guard let parsed = RunWindowSource(rawValue: text) else {
                throw ScoreboardError(.badRequest, "window must be 'wall' or 'referee', got '\(text)'")
            }
            window = parsed
        }
        // The teams' robots that compete in this division: humanoids in H, the others elsewhere.
        let humanoidDivision = rulebook.divisions[new.division]?.kind == .humanoid
        let registered = try store.registeredRobots().filter { ($0.kind == "humanoid") == humanoidDivision }
        let known = Set(registered.map(\.team))
        if let teams = new.teams, let unknown = teams.first(where: { !known.contains($0) }) {
            throw ScoreboardError(
                .notFound,
                "no team '\(unknown)' with robots for division \(new.division); teams: \(known.isEmpty ? "none registered (fleet team add)" : known.sorted().joined(separator: ", "))"
            )
        }
        let entries = registered.filter { new.teams?.contains($0.team) ?? true }
        guard !entries.isEmpty else {
            throw ScoreboardError(
                .conflict,
                "no registered robots can enter division \(new.division); register teams first (fleet team add)"
            )
        }
        if new.id == 0 { throw ScoreboardError(.badRequest, "a run id is 1 or more") }
        let name = try new.name ?? "run \(store.runs().count + 1)"
        try checkScorable(new, name: name, window: window, entries: entries)
        let id = try store.createRun(
            id: new.id,
            name: name,
            division: new.division,
            seed: new.seed ?? 0,
            window: window,
            rulebook: (rulebook.hash, rulebook.id, configuration.rulebookBytes),
            arena: new.arena?.stored,
            entries: entries,
            at: now
        )
        return try summary(id)
    }

    /// Refuses, before anything is stored, a run the scorer could not score: an arena of
    /// another division or grid (400), robots the rulebook cannot score (409), as
    /// `fleet run create` does.
    private func checkScorable(_ new: NewRun, name: String, window: RunWindowSource, entries: [RegisteredRobot]) throws
    {
        let rulebook = configuration.rulebook
        if let arena = new.arena {
            guard arena.division == new.division else {
                throw ScoreboardError(
                    .badRequest,
                    "arena.division is \(arena.division); the run's division is \(new.division)"
                )
            }
            guard abs(arena.cellSize - rulebook.coverage.cellSize) <= 1e-12 else {
                throw ScoreboardError(
                    .badRequest,
                    "arena.grid.cellSize is \(arena.cellSize) m; rulebook \(rulebook.id) scores cells of \(rulebook.coverage.cellSize) m"
                )
            }
        }
        let context = try RunContext(
            run: RunRecord(
                id: 0,
                name: name,
                division: new.division,
                seed: new.seed ?? 0,
                state: .prepare,
                window: window,
                rulebookHash: rulebook.hash,
                createdNanos: 0,
                review: false
            ),
            rulebook: rulebook,
            entries: entries,
            arena: new.arena
        )
        do {
            _ = try context.makeScorer()
        } catch {
            throw ScoreboardError(.conflict, "\(error)")
        }
    }

    func transition(_ id: UInt32, to phase: RunPhase, at time: UInt64) throws -> RunSummary {
        try store.transition(id, to: phase, at: time)
        return try summary(id)
    }

    /// A team not entered in the run: a conflict with the run's entries (409), not a missing
    /// resource; the run is there.
    func requireTeam(_ team: String, runID: UInt32) throws {
        let teams = Set(try store.entries(runID: runID).map(\.team))
        guard teams.contains(team) else {
            throw ScoreboardError(
                .conflict,
                "run \(runID) has no team '\(team)'; teams: \(teams.isEmpty ? "none" : teams.sorted().joined(separator: ", "))"
            )
        }
    }

    /// The referee's award: within the rulebook's maximum, for a team in the run.
    func award(runID id: UInt32, team: String, fraction: Double, at now: UInt64) throws -> RunSummary {
        let maximum = try rulebook(hash: try store.run(id).rulebookHash).bonuses.refereeAwardMax
        guard fraction >= 0, fraction.isFinite else {
            throw ScoreboardError(.badRequest, "fraction must be 0...\(maximum), got \(fraction)")
        }
        // Within the API's bounds but above this rulebook's: the rulebook is the
        // server's state, so a conflict rather than a bad request.
        guard fraction <= maximum else {
            throw ScoreboardError(
                .conflict,
                "fraction must be at most the rulebook's referee award, \(maximum); got \(fraction)"
            )
        }
        try requireTeam(team, runID: id)
        try store.addAction(
            RefereeAction(
                runID: id,
                kind: .award,
                team: team,
                value: fraction,
                by: configuration.actor,
                reason: "award over the API",
                atNanos: now
            )
        )
        return try summary(id)
    }

    /// A referee's penalty: positive points, on a team in the run (and a robot of that team).
    func addPenalty(_ penalty: NewPenalty, runID id: UInt32, at now: UInt64) throws -> RunSummary {
        guard penalty.points > 0, penalty.points.isFinite else {
            throw ScoreboardError(.badRequest, "points must be a positive number, got \(penalty.points)")
        }
        try requireTeam(penalty.team, runID: id)
        if let robot = penalty.robot {
            // The scorer refuses a penalty on a robot of another team: stored, it would
            // stop the run's live scoring for good.
            let teamRobots = try store.entries(runID: id).filter { $0.team == penalty.team }.map(\.robotID)
            guard teamRobots.contains(robot) else {
                throw ScoreboardError(
                    .conflict,
                    "robot \(robot) is not on team '\(penalty.team)' in run \(id); its robots: \(teamRobots.map(String.init).joined(separator: ", "))"
                )
            }
        }
        try store.addAction(
            RefereeAction(
                runID: id,
                kind: .penaltyAdd,
                team: penalty.team,
                robotID: penalty.robot,
                value: penalty.points,
                by: penalty.by ?? configuration.actor,
                reason: penalty.reason,
                atNanos: now
            )
        )
        return try summary(id)
    }

    /// Takes back a penalty by its id.
    func removePenalty(_ penaltyID: Int64, runID id: UInt32, reason: String, at now: UInt64) throws -> RunSummary {
        try store.addAction(
            RefereeAction(
                runID: id,
                kind: .penaltyRemove,
                team: nil,
                value: nil,
                target: penaltyID,
                by: configuration.actor,
                reason: reason,
                atNanos: now
            )
        )
        return try summary(id)
    }
}
