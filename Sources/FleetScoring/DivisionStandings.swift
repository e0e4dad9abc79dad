/// A division's ranking: each team's mean of its best runs, ties broken in rulebook order.
///
/// A run the team has not (yet) scored counts 0, so the score is always Σ best / best-of.
/// Only a team's first `runs_per_division` runs of the division are official; later ones are
/// listed in `unofficialRuns` and never counted.
/// Tie-break values come from the counted runs: mean S, total interventions, mean R_o,
/// total time from RUNNING start to the last scoring event, mean Wh per m². A robot with the
/// disqualifying number of serious contacts over the division's runs is disqualified (listed;
/// its runs with serious contacts already score 0); only a rulebook that says
/// `"disqualifies": "team"` takes the team's entry out: score 0, ranked after every other team.
public struct DivisionStandings: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var team: String
        /// 1 for the best; teams equal in score and every tie-break share a rank.
        public var rank: Int
        public var score: Double
        /// Every run of the team in the division: (run id, run score).
        public var runs: [RunScoreEntry]
        /// The runs that count, best first.
        public var counted: [UInt32]
        public var S: Double
        public var interventions: Int
        public var R_o: Double
        /// Σ over counted runs of (last scoring event − RUNNING start), ns; nil if none scored.
        public var lastScoringEventOffset: UInt64?
        public var whPerSquareMetre: Double?
        public var disqualified: Bool
        public var disqualifiedRobots: [UInt32]
        /// Runs beyond the rulebook's runs per division (the team's later ones): listed,
        /// never counted; nil when there are none.
        public var unofficialRuns: [UInt32]?

        public init(
            team: String,
            rank: Int = 0,
            score: Double,
            runs: [RunScoreEntry] = [],
            counted: [UInt32] = [],
            S: Double = 1,
            interventions: Int = 0,
            R_o: Double = 0,
            lastScoringEventOffset: UInt64? = nil,
            whPerSquareMetre: Double? = nil,
            disqualified: Bool = false,
            disqualifiedRobots: [UInt32] = []
        ) {
            self.team = team
            self.rank = rank
            self.score = score
            self.runs = runs
            self.counted = counted
            self.S = S
            self.interventions = interventions
            self.R_o = R_o
            self.lastScoringEventOffset = lastScoringEventOffset
            self.whPerSquareMetre = whPerSquareMetre
            self.disqualified = disqualified
            self.disqualifiedRobots = disqualifiedRobots
        }
    }

    public struct RunScoreEntry: Sendable, Equatable, Codable {
        public var runID: UInt32
        public var score: Double
    }

    public var division: String
    /// Best first.
    public var entries: [Entry]

    public init(rulebook: Rulebook, division: String, runs: [RunResult]) {
        self.division = division
        let ordered = runs.filter { $0.division == division }.sorted { $0.runID < $1.runID }
        var byTeam: [String: [(run: RunResult, team: TeamResult)]] = [:]
        for run in ordered {
            for team in run.teams { byTeam[team.team, default: []].append((run, team)) }
        }
        let bestOf = rulebook.heats.bestOf
        var entries: [Entry] = []
        for name in byTeam.keys.sorted() {
            // Each team runs a division `runsPerDivision` times: its first runs are official,
            // later ones are shown as unofficial and not counted.
            let everyRun = byTeam[name]!
            let limit = max(1, rulebook.heats.runsPerDivision)
            let all = Array(everyRun.prefix(limit))
            let unofficial = everyRun.dropFirst(limit).map(\.run.runID)
            let best = all.sorted { a, b in
                a.team.runScore != b.team.runScore ? a.team.runScore > b.team.runScore : a.run.runID < b.run.runID
            }.prefix(bestOf)
            var sum = 0.0
            var s = 0.0
            var ro = 0.0
            var interventions = 0
            var offset: UInt64?
            var wh = 0.0
            var whCount = 0
            for item in best {
                sum += item.team.runScore
                s += item.team.safety.S
                ro += item.team.quality.R_o
                interventions += item.team.autonomy.interventions
                if let last = item.team.lastScoringEvent, let start = item.run.runningStart, last >= start {
                    offset = (offset ?? 0) + (last - start)
                }
                if let w = item.team.whPerSquareMetre {
                    wh += w
                    whCount += 1
                }
            }
            var serious: [UInt32: Int] = [:]
            for item in all {
                for robot in item.run.robots where robot.team == name {
                    serious[robot.robot, default: 0] += robot.safety.seriousContacts
                }
            }
            let disqualified = serious.keys.sorted().filter { serious[$0]! >= rulebook.safety.disqualifyAfter }
            // The rulebook disqualifies the robot (its runs' serious contacts already scored them
            // 0) or, if it says so, the whole team.
            let teamOut = rulebook.safety.disqualification == .team && !disqualified.isEmpty
            let n = Double(max(1, best.count))
            entries.append(
                Entry(
                    team: name,
                    rank: 0,
                    score: teamOut ? 0 : sum / Double(bestOf),
                    runs: all.map { RunScoreEntry(runID: $0.run.runID, score: $0.team.runScore) },
                    counted: best.map(\.run.runID),
                    S: s / n,
                    interventions: interventions,
                    R_o: ro / n,
                    lastScoringEventOffset: offset,
                    whPerSquareMetre: whCount > 0 ? wh / Double(whCount) : nil,
                    disqualified: teamOut,
                    disqualifiedRobots: disqualified
                )
            )
            if !unofficial.isEmpty { entries[entries.count - 1].unofficialRuns = unofficial }
        }
        let tieBreaks = rulebook.tieBreaks
        entries.sort { a, b in
            let order = Self.compare(a, b, tieBreaks)
            return order != 0 ? order < 0 : a.team < b.team
        }
        for i in entries.indices {
            entries[i].rank =
                i > 0 && Self.compare(entries[i - 1], entries[i], tieBreaks) == 0 ? entries[i - 1].rank : i + 1
        }
        self.entries = entries
    }

    /// Negative when `a` ranks before `b`, 0 when nothing separates them.
    public static func compare(_ a: Entry, _ b: Entry, _ tieBreaks: [Rulebook.TieBreak]) -> Int {
        if a.disqualified != b.disqualified { return a.disqualified ? 1 : -1 }
        if a.score != b.score { return a.score > b.score ? -1 : 1 }
        for tieBreak in tieBreaks {
            switch tieBreak {
            case .higherS:
                if a.S != b.S { return a.S > b.S ? -1 : 1 }
            case .fewerInterventions:
                if a.interventions != b.interventions { return a.interventions < b.interventions ? -1 : 1 }
            case .higherRo:
                if a.R_o != b.R_o { return a.R_o > b.R_o ? -1 : 1 }
            case .earlierLastScoringEvent:
                // A team that never scored comes after one that did.
                let x = a.lastScoringEventOffset ?? .max
                let y = b.lastScoringEventOffset ?? .max
                if x != y { return x < y ? -1 : 1 }
            case .lowerWhPerSquareMetre:
                let x = a.whPerSquareMetre ?? .infinity
                let y = b.whPerSquareMetre ?? .infinity
                if x != y { return x < y ? -1 : 1 }
            }
        }
        return 0
    }
}
