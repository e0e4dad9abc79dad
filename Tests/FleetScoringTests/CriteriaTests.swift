import FleetProtocol
import FleetScoring
import Testing

/// Q, E, A, S with hand-computed expectations. Arena totals (Fixture.totals): M_d 10 kg,
/// M_g 4 kg, Σ ratings 20, S0 8 m².
struct CriteriaTests {
    struct QualityCase: Sendable, CustomTestStringConvertible {
        let name: String
        let messages: [Message]
        let ratios: [Double]  // R_d, R_g, R_o, R_w
        let Q: Double
        var testDescription: String { name }
    }

    static let qualityCases: [QualityCase] = [
        // R_d = 5/10 = 0.5; Q = 0.30·0.5 = 0.15.
        QualityCase(
            name: "dust",
            messages: [
                Fixture.collected(1, item: 900, .dust, mass: 2), Fixture.collected(1, item: 900, .dust, mass: 3),
            ],
            ratios: [0.5, 0, 0, 0],
            Q: 0.15
        ),
        // R_g = 1/4 = 0.25; Q = 0.10·0.25 = 0.025.
        QualityCase(
            name: "gravel",
            messages: [Fixture.collected(1, item: 901, .gravel, mass: 1)],
            ratios: [0, 0.25, 0, 0],
            Q: 0.025
        ),
        // R_o = (3 + 5)/20 = 0.4; the same object reported twice counts once; Q = 0.40·0.4 = 0.16.
        QualityCase(
            name: "objects",
            messages: [
                Fixture.collected(1, item: 1, .object, mass: 0.1, rating: 3),
                Fixture.collected(1, item: 2, .object, mass: 0.1, rating: 5),
                Fixture.collected(1, item: 2, .object, mass: 0.1, rating: 5),
            ],
            ratios: [0, 0, 0.4, 0],
            Q: 0.16
        ),
        // A spilled object no longer counts: R_o = 3/20 = 0.15; Q = 0.06.
        QualityCase(
            name: "object spilled",
            messages: [
                Fixture.collected(1, item: 1, .object, mass: 0.1, rating: 3),
                Fixture.collected(1, item: 2, .object, mass: 0.1, rating: 5),
                Fixture.spilled(1, item: 2, .object, mass: 0.1, rating: 5),
            ],
            ratios: [0, 0, 0.15, 0],
            Q: 0.06
        ),
        // R_w = 2/8 = 0.25; Q = 0.20·0.25 = 0.05.
        QualityCase(
            name: "washed",
            messages: [.stainWashed(StainWashed(runID: 7, robotID: 1, stainID: 3, area: 2))],
            ratios: [0, 0, 0, 0.25],
            Q: 0.05
        ),
        // Everything: 0.15 + 0.025 + 0.16 + 0.05 = 0.385.
        QualityCase(
            name: "all four",
            messages: [
                Fixture.collected(1, item: 900, .dust, mass: 5), Fixture.collected(1, item: 901, .gravel, mass: 1),
                Fixture.collected(1, item: 1, .object, mass: 0.1, rating: 3),
                Fixture.collected(1, item: 2, .object, mass: 0.1, rating: 5),
                .stainWashed(StainWashed(runID: 7, robotID: 1, stainID: 3, area: 2)),
            ],
            ratios: [0.5, 0.25, 0.4, 0.25],
            Q: 0.385
        ),
        // More than the arena held is capped at 1: R_d = min(1, 12/10) = 1; Q = 0.30.
        QualityCase(
            name: "capped",
            messages: [Fixture.collected(1, item: 900, .dust, mass: 12)],
            ratios: [1, 0, 0, 0],
            Q: 0.30
        ),
    ]

    @Test(arguments: qualityCases)
    func qualityFromRefereeLitterEvents(_ example: QualityCase) {
        let frames = example.messages.enumerated().map { k, m in Fixture.referee(m, Double(k), seq: UInt32(k)) }
        let q = Fixture.score(Fixture.scorer(), frames).teams[0].quality
        let ratios = [q.R_d, q.R_g, q.R_o, q.R_w]
        for (got, want) in zip(ratios, example.ratios) { #expect(abs(got - want) < 1e-12) }
        #expect(abs(q.Q - example.Q) < 1e-12)
    }

    struct EfficiencyCase: Sendable, CustomTestStringConvertible {
        let c: Double
        let seconds: Double
        let wh: Double
        let p: Double
        let w: Double?
        let E: Double
        var testDescription: String { "c \(c), \(seconds) s, \(wh) Wh" }
    }

    /// Target area 1000 m², division P: p_ref 2000 m²/h, w_ref 40 Wh/100 m².
    static let efficiencyCases: [EfficiencyCase] = [
        // 500 m² in 0.5 h: p = 1000, 0.6·(1000/2000) = 0.3; w = 100 Wh / 5 = 20, min(1, 40/20) = 1 → 0.4. E = 0.7.
        EfficiencyCase(c: 0.5, seconds: 1800, wh: 100, p: 1000, w: 20, E: 0.7),
        // 1000 m² in 0.25 h: p = 4000, min(1, 2) = 1 → 0.6; w = 800/10 = 80, 40/80 = 0.5 → 0.2. E = 0.8.
        EfficiencyCase(c: 1, seconds: 900, wh: 800, p: 4000, w: 80, E: 0.8),
        // Nothing covered: p = 0, w undefined → its term 0. E = 0.
        EfficiencyCase(c: 0, seconds: 1800, wh: 100, p: 0, w: nil, E: 0),
        // 100 m² in 1 h with no energy: 0.6·0.05 = 0.03, w = 0 → term 1 → 0.4. E = 0.43.
        EfficiencyCase(c: 0.1, seconds: 3600, wh: 0, p: 100, w: 0, E: 0.43),
        // No operating time: p = 0; w = 10/1 = 10 → 0.4. E = 0.4.
        EfficiencyCase(c: 0.1, seconds: 0, wh: 10, p: 0, w: 10, E: 0.4),
    ]

    @Test(arguments: efficiencyCases)
    func efficiencyCapsBothTermsAtOne(_ example: EfficiencyCase) {
        let e = EfficiencyScore(
            c: example.c,
            targetArea: 1000,
            operatingSeconds: example.seconds,
            energyWh: example.wh,
            pRef: 2000,
            wRef: 40,
            rules: Fixture.rulebook.efficiency
        )
        #expect(abs(e.p - example.p) < 1e-9)
        #expect(e.w.map { abs($0 - example.w!) < 1e-9 } ?? (example.w == nil))
        #expect(abs(e.E - example.E) < 1e-12)
    }

    @Test func efficiencyFromTelemetry() {
        // 40 × 40 cells of 0.25 m = 100 m² target. A 1.0 m brush drives y = 5 from x = 0 to 10 in 10 s
        // (10 samples at 1 s), using 1 Wh per sample: rows within 0.5 m of y = 5 (centres 4.625 ... 5.375,
        // 4 rows) × columns 0...39 (all within 10 m) = 160 cells: c = 160/1600 = 0.1, 10 m².
        // p = 10 m² / (10/3600 h) = 3600 m²/h → min(1, 3600/2000) = 1 → 0.6.
        // w = 10 Wh / (10/100) = 100 Wh/100 m² → 40/100 = 0.4 → 0.4·0.4 = 0.16. E = 0.76.
        let robot = RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper", brushWidth: 1.0)
        let frames = (0...10).map { k in
            Fixture.pose(1, Double(k), x: Double(k), y: 5, energy: Double(k), distance: Double(k), seq: UInt32(k))
        }
        let team = Fixture.score(Fixture.scorer(robots: [robot]), frames).teams[0]
        #expect(team.coverage.counts.coveredCells == 160)
        #expect(team.efficiency.operatingSeconds == 10 && team.efficiency.energyWh == 10)
        #expect(abs(team.efficiency.p - 3600) < 1e-9)
        #expect(abs(team.efficiency.E - 0.76) < 1e-12)
        // 10 m driven, no interventions: no metres-per-intervention figure.
        #expect(team.autonomy.distance == 10 && team.autonomy.metresPerIntervention == nil)
        // Wh per m² for the tie-break: 10 / 10 = 1.
        #expect(team.whPerSquareMetre == 1)
    }

    struct AutonomyCase: Sendable, CustomTestStringConvertible {
        let kinds: [InterventionKind]
        let A: Double
        var testDescription: String { kinds.map(\.schemaName).joined(separator: ",") }
    }

    static let autonomyCases: [AutonomyCase] = [
        AutonomyCase(kinds: [], A: 1),
        AutonomyCase(kinds: [.teleopSegment], A: 0.8),  // 1 − 0.20
        AutonomyCase(kinds: [.rescue], A: 0.9),  // 1 − 0.10
        AutonomyCase(kinds: [.reposition], A: 0.9),  // 1 − 0.10
        AutonomyCase(kinds: [.remoteRestart], A: 0.9),  // 1 − 0.10
        AutonomyCase(kinds: [.operatorHint], A: 0.95),  // 1 − 0.05
        // Third of a kind counts 0: 1 − 0.20 − 0.20 = 0.6.
        AutonomyCase(kinds: [.teleopSegment, .teleopSegment, .teleopSegment], A: 0.6),
        // Rescue and reposition are one kind: two count, 1 − 0.2 = 0.8.
        AutonomyCase(kinds: [.rescue, .reposition, .rescue], A: 0.8),
        // Two of every kind: 1 − (0.4 + 0.2 + 0.2 + 0.1) = 0.1.
        AutonomyCase(
            kinds: [
                .teleopSegment, .teleopSegment, .rescue, .reposition, .remoteRestart, .remoteRestart, .operatorHint,
                .operatorHint,
            ],
            A: 0.1
        ),
        // Five hints: two count, 1 − 0.1 = 0.9.
        AutonomyCase(kinds: Array(repeating: .operatorHint, count: 5), A: 0.9),
    ]

    @Test(arguments: autonomyCases)
    func autonomyDeductionsAndTheThirdOfAKindRule(_ example: AutonomyCase) {
        let frames = example.kinds.enumerated().map { k, kind in
            Fixture.referee(Fixture.intervention(1, kind), Double(k), seq: UInt32(k))
        }
        let team = Fixture.score(Fixture.scorer(), frames).teams[0]
        #expect(abs(team.autonomy.A - example.A) < 1e-12)
        #expect(team.autonomy.interventions == example.kinds.count)
    }

    @Test func thirdOfAKindCountsPerTeam() {
        // Two robots of one team, two teleop segments each: the team's third and fourth count 0 (A = 0.6),
        // while each robot alone has two (A = 0.6 as well); a rescue on robot 2 makes the team 0.5.
        let robots = [
            RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper"),
            RunScorer.Robot(id: 2, team: "alpha", kind: "washer"),
        ]
        let kinds: [(UInt32, InterventionKind)] = [
            (1, .teleopSegment), (2, .teleopSegment), (1, .teleopSegment), (2, .teleopSegment), (2, .rescue),
        ]
        let frames = kinds.enumerated().map { k, e in
            Fixture.referee(Fixture.intervention(e.0, e.1), Double(k), seq: UInt32(k))
        }
        let result = Fixture.score(Fixture.scorer(robots: robots), frames)
        #expect(abs(result.teams[0].autonomy.A - 0.5) < 1e-12)
        #expect(result.teams[0].autonomy.lines[0].count == 4 && result.teams[0].autonomy.lines[0].counted == 2)
        #expect(abs(result.robots[0].autonomy.A - 0.6) < 1e-12)
        #expect(abs(result.robots[1].autonomy.A - 0.5) < 1e-12)
        #expect(result.robots[1].interventionsByKind == ["teleop_segment": 2, "rescue": 1])
    }

    struct SafetyCase: Sendable, CustomTestStringConvertible {
        let name: String
        let staticContacts: Int
        let nearMisses: Int
        let geofenceExits: Int
        let overSpeedSeconds: Int
        let S: Double
        var testDescription: String { name }
    }

    static let safetyCases: [SafetyCase] = [
        SafetyCase(name: "clean", staticContacts: 0, nearMisses: 0, geofenceExits: 0, overSpeedSeconds: 0, S: 1),
        // 1 − 0.10
        SafetyCase(
            name: "static contact",
            staticContacts: 1,
            nearMisses: 0,
            geofenceExits: 0,
            overSpeedSeconds: 0,
            S: 0.9
        ),
        // 1 − 2·0.05
        SafetyCase(
            name: "near misses",
            staticContacts: 0,
            nearMisses: 2,
            geofenceExits: 0,
            overSpeedSeconds: 0,
            S: 0.9
        ),
        // 1 − 0.10
        SafetyCase(
            name: "geofence exit",
            staticContacts: 0,
            nearMisses: 0,
            geofenceExits: 1,
            overSpeedSeconds: 0,
            S: 0.9
        ),
        // 1 − 0.05·(20/10)
        SafetyCase(
            name: "over-speed",
            staticContacts: 0,
            nearMisses: 0,
            geofenceExits: 0,
            overSpeedSeconds: 20,
            S: 0.9
        ),
        // 1 − 0.3 − 0.2 − 0.2 − 0.15 = 0.15
        SafetyCase(name: "all", staticContacts: 3, nearMisses: 4, geofenceExits: 2, overSpeedSeconds: 30, S: 0.15),
        // 1 − 1.1 → floored at 0
        SafetyCase(name: "floored", staticContacts: 11, nearMisses: 0, geofenceExits: 0, overSpeedSeconds: 0, S: 0),
    ]

    @Test(arguments: safetyCases)
    func safetyTermsFromRefereeEventsAndOverSpeedTelemetry(_ example: SafetyCase) {
        var messages: [Message] = []
        messages += Array(repeating: Fixture.contact(1, .static), count: example.staticContacts)
        messages += Array(
            repeating: .nearMissObserved(
                NearMissObserved(
                    runID: 7,
                    robotID: 1,
                    x: 0,
                    y: 0,
                    clearance: 0.3,
                    speed: 1,
                    agentID: 9,
                    other: .pedestrian
                )
            ),
            count: example.nearMisses
        )
        messages += Array(
            repeating: .geofenceExit(GeofenceExit(runID: 7, robotID: 1, x: 0, y: 0, distanceOut: 1)),
            count: example.geofenceExits
        )
        var frames = messages.enumerated().map { k, m in Fixture.referee(m, 0.5 + Double(k), seq: UInt32(k)) }
        // Division P's limit is 2.0 m/s: samples 1 s apart at 2.5 m/s (brush up), the first one opens the
        // interval; each later one adds 1 s.
        if example.overSpeedSeconds > 0 {
            frames += (0...example.overSpeedSeconds).map { k in
                Fixture.pose(1, Double(k), x: 2.5 * Double(k), y: 1, brush: false, speed: 2.5, seq: UInt32(k))
            }
            frames.sort { $0.header.timestampNanoseconds < $1.header.timestampNanoseconds }
        }
        let safety = Fixture.score(Fixture.scorer(), frames).teams[0].safety
        #expect(safety.overSpeedSeconds == Double(example.overSpeedSeconds))
        #expect(abs(safety.S - example.S) < 1e-12)
    }

    @Test func speedAtTheLimitIsNotOverSpeed() {
        // Exactly 2.0 m/s in division P is not above the limit; 1.6 m/s is above division N's 1.5.
        let atLimit = (0...5).map { k in
            Fixture.pose(1, Double(k), x: 0, y: 0, brush: false, speed: 2.0, seq: UInt32(k))
        }
        #expect(Fixture.score(Fixture.scorer(), atLimit).teams[0].safety.overSpeedSeconds == 0)
        let n = (0...5).map { k in Fixture.pose(1, Double(k), x: 0, y: 0, brush: false, speed: 1.6, seq: UInt32(k)) }
        #expect(Fixture.score(Fixture.scorer(division: .N), n).teams[0].safety.overSpeedSeconds == 5)
    }
}
