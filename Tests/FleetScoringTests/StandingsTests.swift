import FleetProtocol
import FleetScoring
import Foundation
import Testing

struct StandingsTests {
    typealias Entry = DivisionStandings.Entry

    struct TieCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// Ranks first although the score is equal.
        let winner: Entry
        let loser: Entry
        var testDescription: String { name }
    }

    static let tieCases: [TieCase] = [
        TieCase(
            name: "higher S",
            winner: Entry(team: "w", score: 50, S: 0.9),
            loser: Entry(team: "l", score: 50, S: 0.8)
        ),
        TieCase(
            name: "fewer interventions",
            winner: Entry(team: "w", score: 50, interventions: 1),
            loser: Entry(team: "l", score: 50, interventions: 2)
        ),
        TieCase(
            name: "higher R_o",
            winner: Entry(team: "w", score: 50, R_o: 0.5),
            loser: Entry(team: "l", score: 50, R_o: 0.4)
        ),
        TieCase(
            name: "earlier last scoring event",
            winner: Entry(team: "w", score: 50, lastScoringEventOffset: 100),
            loser: Entry(team: "l", score: 50, lastScoringEventOffset: 200)
        ),
        TieCase(
            name: "a team that never scored comes later",
            winner: Entry(team: "w", score: 50, lastScoringEventOffset: 200),
            loser: Entry(team: "l", score: 50, lastScoringEventOffset: nil)
        ),
        TieCase(
            name: "lower Wh per m²",
            winner: Entry(team: "w", score: 50, whPerSquareMetre: 1.0),
            loser: Entry(team: "l", score: 50, whPerSquareMetre: 2.0)
        ),
        // Order: S decides before interventions even when the other team intervened less.
        TieCase(
            name: "S before interventions",
            winner: Entry(team: "w", score: 50, S: 0.9, interventions: 5),
            loser: Entry(team: "l", score: 50, S: 0.8, interventions: 0)
        ),
        // Interventions before R_o.
        TieCase(
            name: "interventions before R_o",
            winner: Entry(team: "w", score: 50, interventions: 0, R_o: 0.1),
            loser: Entry(team: "l", score: 50, interventions: 1, R_o: 0.9)
        ),
        // R_o before the last scoring event.
        TieCase(
            name: "R_o before time",
            winner: Entry(team: "w", score: 50, R_o: 0.5, lastScoringEventOffset: 900),
            loser: Entry(team: "l", score: 50, R_o: 0.4, lastScoringEventOffset: 100)
        ),
        // Time before energy.
        TieCase(
            name: "time before energy",
            winner: Entry(team: "w", score: 50, lastScoringEventOffset: 100, whPerSquareMetre: 9),
            loser: Entry(team: "l", score: 50, lastScoringEventOffset: 200, whPerSquareMetre: 1)
        ),
        // The score itself comes first of all.
        TieCase(name: "score", winner: Entry(team: "w", score: 51, S: 0), loser: Entry(team: "l", score: 50, S: 1)),
        // A disqualified entry ranks after everyone.
        TieCase(
            name: "disqualified last",
            winner: Entry(team: "w", score: 0),
            loser: Entry(team: "l", score: 90, disqualified: true)
        ),
    ]

    @Test(arguments: tieCases)
    func tieBreaksInRulebookOrder(_ example: TieCase) {
        let order = Fixture.rulebook.tieBreaks
        #expect(DivisionStandings.compare(example.winner, example.loser, order) < 0)
        #expect(DivisionStandings.compare(example.loser, example.winner, order) > 0)
    }

    @Test func equalInEverythingSharesARank() {
        let a = Entry(team: "a", score: 50)
        #expect(DivisionStandings.compare(a, Entry(team: "b", score: 50), Fixture.rulebook.tieBreaks) == 0)
    }

    /// One run of robots 1 (alpha) and 2 (beta) with these referee events, as run `id`.
    static func run(_ id: UInt32, _ messages: [Message]) -> RunResult {
        let robots = [
            RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper"),
            RunScorer.Robot(id: 2, team: "beta", kind: "sweeper"),
        ]
        let frames = messages.enumerated().map { k, m in Fixture.referee(m, Double(k + 1), seq: UInt32(k)) }
        var result = Fixture.score(Fixture.scorer(robots: robots), frames)
        result.runID = id
        return result
    }

    static func spray(_ robot: UInt32) -> Message {
        .sprayViolation(SprayViolation(runID: 7, robotID: robot, x: 0, y: 0, zone: .bench))
    }

    static func ramp(_ robot: UInt32) -> Message { .rampClimbed(RampClimbed(runID: 7, robotID: robot, rampID: 1)) }

    @Test func runsBeyondTheRulebooksRunsPerDivisionAreUnofficialAndNotCounted() {
        // Issue 11 item 9: four runs of division P; the rulebook allows 3 per team. The fourth
        // (where alpha climbed the ramp: 30) is listed as unofficial and does not count.
        #expect(Fixture.rulebook.heats.runsPerDivision == 3)
        let runs = [
            Self.run(1, [Self.spray(1)]), Self.run(2, [Self.spray(1)]), Self.run(3, [Self.spray(1)]),
            Self.run(4, [Self.ramp(1)]),
        ]
        let standings = DivisionStandings(rulebook: Fixture.rulebook, division: "P", runs: runs)
        let alpha = try! #require(standings.entries.first { $0.team == "alpha" })
        #expect(alpha.unofficialRuns == [4])
        #expect(alpha.runs.map(\.runID) == [1, 2, 3] && !alpha.counted.contains(4))
        #expect(alpha.score == 23)
        #expect(standings.entries.first { $0.team == "beta" }?.unofficialRuns == [4])
    }

    @Test func meanOfTheBestTwoOfThreeRuns() {
        // alpha: 25 (baseline), 19 (3 sprays), 30 (ramp) → best 30, 25 → 27.5.
        // beta: 24 (static contact), 23 (spray: 25 − 2), 25 → best 25, 24 → 24.5.
        let runs = [
            Self.run(1, [Fixture.contact(2, .static)]),
            Self.run(2, [Self.spray(1), Self.spray(1), Self.spray(1), Self.spray(2)]),
            Self.run(3, [Self.ramp(1)]),
        ]
        let standings = DivisionStandings(rulebook: Fixture.rulebook, division: "P", runs: runs)
        #expect(standings.entries.map(\.team) == ["alpha", "beta"])
        #expect(abs(standings.entries[0].score - 27.5) < 1e-9 && standings.entries[0].counted == [3, 1])
        #expect(abs(standings.entries[1].score - 24.5) < 1e-9 && standings.entries[1].counted == [3, 1])
        #expect(standings.entries.map(\.rank) == [1, 2])
        // Tie-break values come from the counted runs: beta's S = mean(1, 0.9) = 0.95.
        #expect(abs(standings.entries[1].S - 0.95) < 1e-12)
    }

    @Test func aRunNotYetScoredCountsZero() {
        // One run of 25 each: 25 / 2 = 12.5.
        let standings = DivisionStandings(rulebook: Fixture.rulebook, division: "P", runs: [Self.run(1, [])])
        #expect(standings.entries.map(\.score) == [12.5, 12.5])
        #expect(standings.entries.map(\.rank) == [1, 1])
    }

    @Test func tiedScoresAreBrokenByS() {
        // alpha: a geofence exit at 1 s (S 0.9, 24 points); beta: a static contact at 2 s (S 0.9, 24).
        // One run each: 24 / 2 = 12. Equal S, interventions (0) and R_o (0): the earlier last scoring
        // event decides, alpha's at 1 s.
        let runs = [
            Self.run(
                1,
                [
                    .geofenceExit(GeofenceExit(runID: 7, robotID: 1, x: 0, y: 0, distanceOut: 1)),
                    Fixture.contact(2, .static),
                ]
            )
        ]
        let standings = DivisionStandings(rulebook: Fixture.rulebook, division: "P", runs: runs)
        #expect(standings.entries.map(\.score) == [12, 12])
        #expect(standings.entries.map(\.team) == ["alpha", "beta"])
        #expect(standings.entries.map(\.rank) == [1, 2])
        #expect(standings.entries[0].lastScoringEventOffset == Fixture.second)
        #expect(standings.entries[1].lastScoringEventOffset == 2 * Fixture.second)
    }

    @Test func secondSeriousContactInADivisionDisqualifiesTheRobotNotTheTeam() {
        // Robot 1 (alpha) touches a pedestrian in run 1 and a cyclist in run 2: robot 1 is
        // disqualified from the division (its runs with those contacts score 0), and alpha keeps
        // what it earned otherwise: (30 + 0) / 2.
        let runs = [
            Self.run(1, [Fixture.contact(1, .pedestrian)]),
            Self.run(2, [Fixture.contact(1, .cyclist)]),
            Self.run(3, [Self.ramp(1)]),
        ]
        #expect(Fixture.rulebook.safety.disqualification == .robot)
        let standings = DivisionStandings(rulebook: Fixture.rulebook, division: "P", runs: runs)
        #expect(standings.entries.map(\.team) == ["beta", "alpha"])
        #expect(!standings.entries[1].disqualified && standings.entries[1].disqualifiedRobots == [1])
        #expect(standings.entries[1].score == 15)
        #expect(standings.entries[0].score == 25)
    }

    @Test func aRulebookThatDisqualifiesTheTeamZeroesItsEntry() throws {
        var book = Fixture.rulebook
        book.safety.disqualifies = .team
        let runs = [
            Self.run(1, [Fixture.contact(1, .pedestrian)]),
            Self.run(2, [Fixture.contact(1, .cyclist)]),
            Self.run(3, [Self.ramp(1)]),
        ]
        let standings = DivisionStandings(rulebook: book, division: "P", runs: runs)
        #expect(standings.entries.map(\.team) == ["beta", "alpha"])
        #expect(standings.entries[1].disqualified && standings.entries[1].disqualifiedRobots == [1])
        #expect(standings.entries[1].score == 0)
        // The file says so, and `fleet rules show` renders it.
        let text = try Rulebook.load(
            Data(
                String(decoding: Fixture.rulebookData, as: UTF8.self)
                    .replacingOccurrences(of: #""disqualifies": "robot""#, with: #""disqualifies": "team""#).utf8
            )
        ).renderText()
        #expect(text.contains("disqualify the robot's team from that division"))
        #expect(Fixture.rulebook.renderText().contains("disqualify the robot from that division (its team keeps"))
    }
}
