extension RunScorer {
    // A fall starts an episode from any source: a telemetry sample past the rulebook's angle or
    // height, the robot's own fall event, or a referee fall event. A referee event and a telemetry
    // detection within the merge window (or while the telemetry episode is still open) are one fall.
    // The referee's unaided get-up credits the robot's latest fall that is not yet credited.

    mutating func telemetryFall(_ r: Int, fallen: Bool, time t: UInt64, evidence: Evidence) {
        guard fallen else {
            robots[r].fallOpen = false
            return
        }
        guard !robots[r].fallOpen else { return }
        robots[r].fallOpen = true
        if let last = robots[r].falls.indices.last, robots[r].falls[last].referee, !robots[r].falls[last].telemetry,
            t - robots[r].falls[last].time <= fallMergeNs
        {
            robots[r].falls[last].telemetry = true
            return
        }
        newFall(r, FallRecord(time: t, telemetry: true, referee: false, unaided: false), evidence)
    }

    mutating func refereeFall(_ r: Int, unaided: Bool, time t: UInt64, evidence: Evidence) {
        if unaided {
            guard let last = robots[r].falls.indices.last, !robots[r].falls[last].unaided else { return }
            robots[r].falls[last].unaided = true
            let team = robots[r].team
            let total = teams[team].robots.reduce(0) { $0 + robots[$1].unaidedGetUps }
            record(.unaidedGetUp, r, delta: 1, total: Double(total), t, evidence)
            return
        }
        if let last = robots[r].falls.indices.last, robots[r].falls[last].telemetry, !robots[r].falls[last].referee,
            robots[r].fallOpen || t - robots[r].falls[last].time <= fallMergeNs
        {
            robots[r].falls[last].referee = true
            return
        }
        newFall(r, FallRecord(time: t, telemetry: false, referee: true, unaided: false), evidence)
    }

    mutating func newFall(_ r: Int, _ fall: FallRecord, _ evidence: Evidence) {
        robots[r].falls.append(fall)
        let team = robots[r].team
        teams[team].falls += 1
        record(.fall, r, delta: 1, total: Double(teams[team].falls), fall.time, evidence)
        if isHumanoidDivision, teams[team].falls == rulebook.humanoid.fallsEndRun, teams[team].endedAt == nil {
            teams[team].endedAt = fall.time
            record(.runEnded, r, delta: 1, total: 1, fall.time, evidence)
        }
    }

}
