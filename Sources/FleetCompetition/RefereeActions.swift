public import FleetScoring
public import FleetStorage
public import FleetStore

extension RunScorer {
    /// Applies a run's referee actions after its frames, in the order they were taken:
    /// penalties still standing (a removed penalty and its removal are skipped), then, when
    /// the run is FINAL, the FINAL mark and each team's last award. The live scorer and the
    /// recompute both call this, so they agree.
    public mutating func apply(_ actions: [RefereeAction], isFinal: Bool) throws {
        let removed = Set(actions.filter { $0.kind == .penaltyRemove }.compactMap(\.target))
        do {
            for action in actions where action.kind == .penaltyAdd && !removed.contains(action.id) {
                try penalize(
                    team: action.team ?? "",
                    robot: action.robotID,
                    points: action.value ?? 0,
                    eventID: action.id
                )
            }
            guard isFinal else { return }
            markFinal()
            var lastAward: [String: RefereeAction] = [:]
            for action in actions where action.kind == .award { lastAward[action.team ?? ""] = action }
            for team in lastAward.keys.sorted() {
                let action = lastAward[team]!
                try refereeAward(team: team, fraction: action.value ?? 0, eventID: action.id)
            }
        } catch {
            throw CompetitionError(.scoring, "a referee action does not apply: \(error)", cause: error)
        }
    }
}
