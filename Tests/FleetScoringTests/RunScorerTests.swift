import FleetProtocol
import FleetScoring
import Testing

/// Whole-run scoring. Baseline: with no telemetry and no referee events a sanitation team has
/// Q = C = E = 0, A = S = 1, so it earns 100 · (0.15·1 + 0.10·1) = 25 points.
struct RunScorerTests {
    struct PointsCase: Sendable, CustomTestStringConvertible {
        let name: String
        let division: Division
        let messages: [Message]
        let final: Bool
        let award: Double?
        let runScore: Double
        var testDescription: String { name }
    }

    static let pointsCases: [PointsCase] = [
        PointsCase(name: "baseline", division: .P, messages: [], final: false, award: nil, runScore: 25),
        // 3 spray events: 25 − 3·2 = 19.
        PointsCase(
            name: "spray",
            division: .P,
            messages: Array(
                repeating: .sprayViolation(SprayViolation(runID: 7, robotID: 1, x: 0, y: 0, zone: .bench)),
                count: 3
            ),
            final: false,
            award: nil,
            runScore: 19
        ),
        // Two objects collected and spilled by overflow: R_o back to 0, 25 − 2·1 = 23.
        PointsCase(
            name: "overflow",
            division: .P,
            messages: [
                Fixture.collected(1, item: 1, .object, mass: 1, rating: 2),
                Fixture.spilled(1, item: 1, .object, mass: 1, rating: 2, overflow: true),
                Fixture.collected(1, item: 2, .object, mass: 1, rating: 3),
                Fixture.spilled(1, item: 2, .object, mass: 1, rating: 3, overflow: true),
            ],
            final: false,
            award: nil,
            runScore: 23
        ),
        // A spill without overflow is no penalty: 25.
        PointsCase(
            name: "spill without overflow",
            division: .P,
            messages: [
                Fixture.collected(1, item: 1, .object, mass: 1, rating: 2),
                Fixture.spilled(1, item: 1, .object, mass: 1, rating: 2),
            ],
            final: false,
            award: nil,
            runScore: 25
        ),
        // Dumped at the transfer point and docked: +10% of 25 = 27.5.
        PointsCase(
            name: "dump and dock",
            division: .P,
            messages: [
                .transferDump(TransferDump(runID: 7, robotID: 1, mass: 3, items: 2)),
                .docked(Docked(runID: 7, robotID: 1)),
            ],
            final: false,
            award: nil,
            runScore: 27.5
        ),
        // Docked without dumping: no bonus.
        PointsCase(
            name: "dock only",
            division: .P,
            messages: [.docked(Docked(runID: 7, robotID: 1))],
            final: false,
            award: nil,
            runScore: 25
        ),
        // Ramp in division P: +5 = 30.
        PointsCase(
            name: "ramp in P",
            division: .P,
            messages: [.rampClimbed(RampClimbed(runID: 7, robotID: 1, rampID: 1))],
            final: false,
            award: nil,
            runScore: 30
        ),
        // No ramp bonus in division N: 25.
        PointsCase(
            name: "ramp in N",
            division: .N,
            messages: [.rampClimbed(RampClimbed(runID: 7, robotID: 1, rampID: 1))],
            final: false,
            award: nil,
            runScore: 25
        ),
        // Referee award 10% before FINAL: nothing yet, 25.
        PointsCase(name: "award, not final", division: .P, messages: [], final: false, award: 0.10, runScore: 25),
        // FINAL: +10% of 25 = 27.5.
        PointsCase(name: "award, final", division: .P, messages: [], final: true, award: 0.10, runScore: 27.5),
        // A static contact: S = 0.9, 100·(0.15 + 0.09) = 24.
        PointsCase(
            name: "static contact",
            division: .P,
            messages: [Fixture.contact(1, .static)],
            final: false,
            award: nil,
            runScore: 24
        ),
        // A pedestrian contact zeroes the run, whatever else was earned.
        PointsCase(
            name: "pedestrian contact",
            division: .P,
            messages: [Fixture.contact(1, .pedestrian), .rampClimbed(RampClimbed(runID: 7, robotID: 1, rampID: 1))],
            final: false,
            award: nil,
            runScore: 0
        ),
        PointsCase(
            name: "cyclist contact",
            division: .N,
            messages: [Fixture.contact(1, .cyclist)],
            final: false,
            award: nil,
            runScore: 0
        ),
        PointsCase(
            name: "vehicle contact",
            division: .A,
            messages: [Fixture.contact(1, .vehicle)],
            final: false,
            award: nil,
            runScore: 0
        ),
        // Penalties beyond the points earned: 25 − 13·2 = −1, floored at 0.
        PointsCase(
            name: "floored at 0",
            division: .P,
            messages: Array(
                repeating: .sprayViolation(SprayViolation(runID: 7, robotID: 1, x: 0, y: 0, zone: .pedestrian)),
                count: 13
            ),
            final: false,
            award: nil,
            runScore: 0
        ),
    ]

    @Test(arguments: pointsCases)
    func penaltiesBonusesAndContacts(_ example: PointsCase) throws {
        var scorer = Fixture.scorer(division: example.division)
        for (k, m) in example.messages.enumerated() {
            scorer.consume(Fixture.referee(m, Double(k + 1), seq: UInt32(k)))
        }
        if let award = example.award {
            try scorer.award(team: "alpha", fraction: award, time: Fixture.end + 1)
        }
        if example.final {
            // The referee's FINAL run-state frame, after RUNNING.
            scorer.consume(
                Frame(
                    header: Fixture.header(
                        .runState,
                        sender: Fixture.referee,
                        seq: 99,
                        t: Fixture.end + 60 * Fixture.second
                    ),
                    message: .runState(
                        RunState(
                            runID: 7,
                            robotID: 0,
                            state: .final,
                            division: example.division,
                            arenaSeed: 1,
                            duration: 1200
                        )
                    )
                )
            )
        }
        let result = scorer.finish()
        #expect(result.isFinal == example.final)
        #expect(abs(result.teams[0].runScore - example.runScore) < 1e-9)
    }

    @Test func awardAboveTheRulebookMaximumIsRefused() {
        var scorer = Fixture.scorer()
        #expect(throws: ScoringError.self) { try scorer.award(team: "alpha", fraction: 0.11, time: 0) }
        #expect(throws: ScoringError.self) { try scorer.award(team: "nobody", fraction: 0.05, time: 0) }
    }

    @Test func secondSeriousContactDisqualifiesTheRobot() {
        let frames = [
            Fixture.referee(Fixture.contact(1, .pedestrian), 1, seq: 0),
            Fixture.referee(Fixture.contact(1, .vehicle), 2, seq: 1),
        ]
        let one = Fixture.score(Fixture.scorer(), Array(frames.prefix(1)))
        #expect(one.teams[0].zeroedByContact && one.teams[0].runScore == 0)
        #expect(!one.robots[0].disqualified && one.teams[0].disqualifiedRobots.isEmpty)
        let two = Fixture.score(Fixture.scorer(), frames)
        #expect(two.robots[0].disqualified && two.teams[0].disqualifiedRobots == [1])
        #expect(two.events.map(\.criterion) == [.seriousContact, .seriousContact, .disqualified])
        // Serious contacts are not static contacts: S stays 1.
        #expect(two.teams[0].safety.S == 1 && two.teams[0].safety.seriousContacts == 2)
    }

    struct NoProgressCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// (seconds, x, status) samples, brush up.
        let samples: [(Double, Double, SanitationStatus)]
        let penalties: Int
        var testDescription: String { name }
    }

    static let noProgressCases: [NoProgressCase] = [
        // Standing still 0...61 s: at 60 s, 60 s without moving 0.5 m: one penalty (the anchor restarts at 60 s).
        NoProgressCase(name: "standing 61 s", samples: (0...61).map { (Double($0), 0, .cleaning) }, penalties: 1),
        // 59 s is not enough.
        NoProgressCase(name: "standing 59 s", samples: (0...59).map { (Double($0), 0, .cleaning) }, penalties: 0),
        // 121 s: at 60 s and at 120 s.
        NoProgressCase(name: "standing 121 s", samples: (0...121).map { (Double($0), 0, .cleaning) }, penalties: 2),
        // Creeping 0.1 m every 10 s: 0.5 m reached at 50 s, 110 s (the anchor moves each time): none.
        NoProgressCase(
            name: "creeping",
            samples: (0...12).map { (Double($0) * 10, Double($0) * 0.1, .cleaning) },
            penalties: 0
        ),
        // Creeping 0.04 m every 10 s: 0.24 m at 60 s, under 0.5 m: one penalty.
        NoProgressCase(
            name: "too slow",
            samples: (0...6).map { (Double($0) * 10, Double($0) * 0.04, .cleaning) },
            penalties: 1
        ),
        // Docked robots are not penalised.
        NoProgressCase(name: "docked", samples: (0...130).map { (Double($0), 0, .docked) }, penalties: 0),
    ]

    @Test(arguments: noProgressCases)
    func noProgressForSixtySeconds(_ example: NoProgressCase) {
        let frames = example.samples.enumerated().map { k, s in
            Fixture.pose(1, s.0, x: s.1, y: 0, brush: false, speed: 0, status: s.2, seq: UInt32(k))
        }
        let team = Fixture.score(Fixture.scorer(), frames).teams[0]
        #expect(team.penalties.noProgress == example.penalties)
        // Each counts as a rescue deduction: A = 1 − 0.1·min(2, n); points −5 each.
        let n = Double(example.penalties)
        #expect(abs(team.autonomy.A - (1 - 0.1 * min(2, n))) < 1e-12)
        #expect(team.penalties.points == 5 * n)
        // Baseline with that A: 100·(0.15·A + 0.10) − 5n, floored.
        #expect(abs(team.runScore - max(0, 100 * (0.15 * team.autonomy.A + 0.10) - 5 * n)) < 1e-9)
    }

    @Test func framesOutsideRunningAreIgnored() {
        // RUNNING is [start, end]: poses before start and after end sweep nothing; the ones at start and
        // end count (ends included). Referee events outside count for nothing either.
        let robot = RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper", brushWidth: 0.5)
        let scorer = Fixture.scorer(robots: [robot], mask: Fixture.mask(columns: 8, rows: 8))
        let end = 1200.0
        let frames = [
            Fixture.pose(1, -2, x: 0, y: 1, seq: 0),
            Fixture.pose(1, -1, x: 1, y: 1, seq: 1),
            Fixture.referee(Fixture.contact(1, .pedestrian), -0.5, seq: 0),
            Fixture.pose(1, 0, x: 0, y: 1, seq: 2),
            Fixture.pose(1, 1, x: 1, y: 1, seq: 3),
            Fixture.pose(1, end, x: 2, y: 1, seq: 4),
            Fixture.pose(1, end + 1, x: 2, y: 2, seq: 5),
            Fixture.referee(Fixture.contact(1, .static), end + 0.5, seq: 1),
        ]
        let result = Fixture.score(scorer, frames)
        // Inside: 0→1 (10 cells) and 1→end (columns 3...7: 6 more); 16 covered, 16 passes.
        #expect(result.teams[0].coverage.counts.coveredCells == 16)
        #expect(result.ignored.outsideRunning == 5)
        #expect(result.teams[0].safety.staticContacts == 0 && !result.teams[0].zeroedByContact)
        // The gap 1 s → 1200 s is flagged for review.
        #expect(result.flags.contains { $0.kind == .telemetryGap && $0.robot == 1 })
    }

    @Test func runStateFramesSetTheWindow() {
        // Without a window at init: frames before the RUNNING run_state are ignored; a run_state at the same
        // time as a pose is processed first, so that pose counts.
        let scorer = Fixture.scorer(window: false)
        func state(_ s: RunStateValue, _ seconds: Double, _ seq: UInt32) -> Frame {
            Fixture.referee(
                .runState(RunState(runID: 7, robotID: 0, state: s, division: .P, arenaSeed: 1, duration: 1200)),
                seconds,
                seq: seq
            )
        }
        let frames = [
            Fixture.referee(Fixture.contact(1, .static), -1, seq: 0),
            Fixture.pose(1, 0, x: 0, y: 0, brush: false, seq: 0),
            state(.running, 0, 1),
            Fixture.referee(Fixture.contact(1, .static), 5, seq: 2),
            state(.finished, 10, 3),
            Fixture.referee(Fixture.contact(1, .static), 11, seq: 4),
        ]
        let result = Fixture.score(scorer, frames)
        #expect(result.runningStart == Fixture.start && result.runningEnd == Fixture.at(10))
        #expect(result.teams[0].safety.staticContacts == 1)
        #expect(result.robots[0].frames == 1)
    }

    @Test func refereeEventsFromARobotOrAnotherRunDoNotCount() {
        let frames = [
            // A robot claiming a referee event about itself.
            Fixture.referee(Fixture.collected(1, item: 1, .object, mass: 1, rating: 5), 1, seq: 0, sender: 1),
            // Another run's event.
            Fixture.referee(
                .litterCollected(
                    LitterCollected(runID: 8, robotID: 1, itemID: 2, mass: 1, x: 0, y: 0, litter: .object, rating: 5)
                ),
                2,
                seq: 0
            ),
            // A robot not registered.
            Fixture.referee(Fixture.collected(99, item: 3, .object, mass: 1, rating: 5), 3, seq: 1),
        ]
        let result = Fixture.score(Fixture.scorer(), frames)
        #expect(result.teams[0].quality.R_o == 0)
        #expect(result.ignored.unknownRobot == 2 && result.ignored.otherRun == 1)
    }

    @Test func everyChangeIsAScoreEventWithItsEvidence() {
        let frames = [
            Fixture.referee(Fixture.collected(1, item: 1, .object, mass: 1, rating: 4), 1, seq: 10),
            Fixture.referee(Fixture.intervention(1, .operatorHint), 2, seq: 11),
        ]
        var scorer = Fixture.scorer()
        scorer.consume(frames[0], eventID: 501)
        scorer.consume(frames[1], eventID: 502)
        let events = scorer.finish().events
        #expect(events.count == 2)
        // R_o = 4/20 = 0.2, Q = 0.08: 25 + 100·0.4·0.08 = 28.2.
        #expect(events[0].criterion == .objects && events[0].delta == 4 && events[0].total == 4)
        #expect(abs(events[0].score - 28.2) < 1e-9)
        #expect(events[0].evidence == Evidence(sender: Fixture.referee, bootEpoch: 1, sequence: 10, eventID: 501))
        #expect(events[0].time == Fixture.at(1) && events[0].robot == 1 && events[0].team == "alpha")
        // A = 0.95: 28.2 − 100·0.15·0.05 = 27.45.
        #expect(events[1].criterion == .intervention && abs(events[1].score - 27.45) < 1e-9)
    }

    @Test func scoreDoesNotChangeTheScorerAndIncludesBufferedFrames() {
        var scorer = Fixture.scorer()
        scorer.consume(Fixture.referee(Fixture.contact(1, .static), 1, seq: 0))
        // The frame at 1 s is still buffered (same-time frames may follow); score() includes it.
        #expect(scorer.score().teams[0].safety.staticContacts == 1)
        #expect(scorer.score() == scorer.score())
        scorer.consume(Fixture.referee(Fixture.contact(1, .static), 2, seq: 1))
        #expect(scorer.finish().teams[0].safety.staticContacts == 2)
    }

    /// Issue 11 item 10: a team registered with 3 robots of which one ran (dumped and
    /// docked). The rulebook file decides whether the absent two withhold the bonus.
    @Test(arguments: [RulebookDumpScope.present, .all])
    func absentEnteredRobotsAndTheDumpAndDockBonus(_ scope: RulebookDumpScope) throws {
        var book = Fixture.rulebook
        book.bonuses.dumpAndDockRobots = scope == .present ? .present : .all
        let entries = [1, 2, 3].map { RunScorer.Robot(id: UInt32($0), team: "alpha", kind: "sweeper") }
        var scorer = try RunScorer(
            rulebook: book,
            run: RunScorer.Run(id: 7, division: .P, runningStart: Fixture.start, runningEnd: Fixture.end),
            arena: RunScorer.Arena(mask: Fixture.mask(columns: 40, rows: 40), totals: Fixture.totals),
            robots: entries
        )
        let frames = [
            Fixture.referee(.transferDump(TransferDump(runID: 7, robotID: 1, mass: 3, items: 2)), 1, seq: 0),
            Fixture.referee(.docked(Docked(runID: 7, robotID: 1)), 2, seq: 1),
        ]
        for frame in frames { scorer.consume(frame) }
        let result = scorer.finish()
        #expect(result.teams[0].bonuses.dumpAndDock == (scope == .present))
        #expect(result.teams[0].runScore == (scope == .present ? 27.5 : 25))
        #expect(Fixture.rulebook.bonuses.dumpAndDockScope == .present, "rulebook v1 says present")
        #expect(Fixture.rulebook.renderText().contains("an entered robot that sent no frame does not count"))
    }

    enum RulebookDumpScope: Sendable, CaseIterable {
        case present
        case all
    }
}
