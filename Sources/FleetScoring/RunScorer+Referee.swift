extension RunScorer {
    /// Penalty points a referee adds to a team by hand (negative: takes them back), applied
    /// after the frames like `award`: the caller applies the run's referee actions in the
    /// order they were taken, so the live scorer and a recompute agree. The score event is
    /// timed at the team's last scoring event, which it does not move (a tie-break).
    public mutating func penalize(
        team: String,
        robot: UInt32?,
        points: Double,
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
        // A referee's decision is not the team's scoring: the tie-break time stays.
        let last = teams[t].lastScoringEvent
        record(
            .refereePenalty,
            robot: robot ?? 0,
            team: t,
            delta: points,
            total: teams[t].refereePenalty,
            time: last ?? runningStart ?? 0,
            evidence: Evidence(sender: 0, bootEpoch: 0, sequence: 0, eventID: eventID)
        )
        teams[t].lastScoringEvent = last
    }

    /// `award`, timed at the team's last scoring event and leaving that tie-break time as it was.
    public mutating func refereeAward(team: String, fraction: Double, eventID: Int64? = nil) throws(ScoringError) {
        guard let t = teams.firstIndex(where: { $0.name == team }) else {
            throw ScoringError(.unknownTeam, "team \"\(team)\" has no robot in run \(run.id)")
        }
        let last = teams[t].lastScoringEvent
        try award(team: team, fraction: fraction, time: last ?? runningStart ?? 0, eventID: eventID)
        teams[t].lastScoringEvent = last
    }
}
