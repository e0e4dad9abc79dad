extension RunScorer {
    /// Penalty points a referee adds to a team by hand (negative: takes them back), as
    /// `award` applied after the frames: the caller applies the run's referee actions in the
    /// order they were taken, so the live scorer and a recompute agree.
    public mutating func penalize(
        team: String,
        robot: UInt32?,
        points: Double,
        time: UInt64,
        eventID: Int64? = nil
    ) throws(ScoringError) {
        guard let t = teams.firstIndex(where: { $0.name == team }) else {
            throw ScoringError(.unknownTeam, "team \"\(team)\" has no robot in run \(run.id)")
        }
        if let robot, robotIndex[robot].map({ robots[$0].team }) != t {
            throw ScoringError(.unknownTeam, "robot \(robot) is not on team \"\(team)\" in run \(run.id)")
        }
        guard points.isFinite else {
            throw ScoringError(.awardOutOfRange, "penalty points must be a finite number, got \(points)")
        }
        flush()
        teams[t].refereePenalty += points
        record(
            .refereePenalty,
            robot: robot ?? 0,
            team: t,
            delta: points,
            total: teams[t].refereePenalty,
            time: time,
            evidence: Evidence(sender: 0, bootEpoch: 0, sequence: 0, eventID: eventID)
        )
    }
}
