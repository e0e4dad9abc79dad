import FleetProtocol
import FleetScoring
import Testing

/// Division H: RunScore = 60·(placed/items) + 20·bin + 20·A − falls. Every case starts with two of the
/// arena's 10 items placed (1 s, 2 s) and the bin delivered (3 s), A = 1:
/// 100·(0.6·0.2 + 0.2·1 + 0.2·1) = 52 points before falls.
struct HumanoidTests {
    struct FallCase: Sendable, CustomTestStringConvertible {
        let name: String
        let frames: [Frame]
        let falls: Int
        let unaided: Int
        let runScore: Double
        var withBase = true
        var testDescription: String { name }
    }

    static func fell(_ seconds: Double, unaided: Bool = false, seq: UInt32) -> Frame {
        Fixture.referee(.fallObserved(FallObserved(runID: 7, robotID: 50, unaidedGetUp: unaided)), seconds, seq: seq)
    }

    static let cases: [FallCase] = [
        FallCase(name: "no fall", frames: [], falls: 0, unaided: 0, runScore: 52),
        // Referee fall, then the referee sees it get up by itself: 52 − 5 = 47.
        FallCase(
            name: "referee fall, unaided get-up",
            frames: [fell(10, seq: 10), fell(20, unaided: true, seq: 11)],
            falls: 1,
            unaided: 1,
            runScore: 47
        ),
        // Helped up (no unaided event): 52 − 10 = 42.
        FallCase(name: "referee fall, helped up", frames: [fell(10, seq: 10)], falls: 1, unaided: 0, runScore: 42),
        // Telemetry roll 70° > 60° and the referee's event at the same time are one fall: 42.
        FallCase(
            name: "telemetry roll and referee together",
            frames: [
                Fixture.humanoid(50, 9, seq: 0), Fixture.humanoid(50, 10, rollDegrees: 70, seq: 1), fell(10, seq: 10),
                Fixture.humanoid(50, 11, seq: 2),
            ],
            falls: 1,
            unaided: 0,
            runScore: 42
        ),
        // Pitch 65° first, the referee's event 2 s later (within the 5 s merge window): one fall, 42.
        FallCase(
            name: "telemetry pitch, referee later",
            frames: [
                Fixture.humanoid(50, 9, seq: 0), Fixture.humanoid(50, 10, pitchDegrees: 65, seq: 1),
                Fixture.humanoid(50, 11, seq: 2), fell(12, seq: 10),
            ],
            falls: 1,
            unaided: 0,
            runScore: 42
        ),
        // Base at 0.4 m < 50% of 0.9 m, no referee event: a fall, 42.
        FallCase(
            name: "telemetry base height",
            frames: [
                Fixture.humanoid(50, 9, seq: 0), Fixture.humanoid(50, 10, height: 0.4, seq: 1),
                Fixture.humanoid(50, 10.5, height: 0.4, seq: 2), Fixture.humanoid(50, 11, seq: 3),
            ],
            falls: 1,
            unaided: 0,
            runScore: 42
        ),
        // Roll 55° and a 0.5 m base are within limits: no fall, 52.
        FallCase(
            name: "within limits",
            frames: [Fixture.humanoid(50, 9, rollDegrees: 55, height: 0.5, seq: 0), Fixture.humanoid(50, 10, seq: 1)],
            falls: 0,
            unaided: 0,
            runScore: 52
        ),
        // Two telemetry falls (down, up, down, up): two falls, the second unaided: 52 − 10 − 5 = 37.
        FallCase(
            name: "two falls, second unaided",
            frames: [
                Fixture.humanoid(50, 9, seq: 0), Fixture.humanoid(50, 10, rollDegrees: 80, seq: 1),
                Fixture.humanoid(50, 15, seq: 2), Fixture.humanoid(50, 30, rollDegrees: -80, seq: 3),
                Fixture.humanoid(50, 35, seq: 4), fell(35, unaided: true, seq: 10),
            ],
            falls: 2,
            unaided: 1,
            runScore: 37
        ),
        // The third fall ends the run: the item placed afterwards does not count. 52 − 30 = 22.
        FallCase(
            name: "third fall ends the run",
            frames: [
                fell(10, seq: 10), fell(20, seq: 11), fell(30, seq: 12),
                Fixture.referee(.itemPlaced(ItemPlaced(runID: 7, robotID: 50, itemID: 3, binID: 1)), 40, seq: 13),
            ],
            falls: 3,
            unaided: 0,
            runScore: 22
        ),
        // Three falls and nothing else: 100·0.2·A = 20 − 30, floored at 0.
        FallCase(
            name: "floored at 0",
            frames: [fell(10, seq: 10), fell(20, seq: 11), fell(30, seq: 12)],
            falls: 3,
            unaided: 0,
            runScore: 0,
            withBase: false
        ),
    ]

    @Test(arguments: cases)
    func fallsWithAndWithoutUnaidedGetUp(_ example: FallCase) {
        var frames: [Frame] = []
        if example.withBase {
            frames = [
                Fixture.referee(.itemPlaced(ItemPlaced(runID: 7, robotID: 50, itemID: 1, binID: 1)), 1, seq: 1),
                Fixture.referee(.itemPlaced(ItemPlaced(runID: 7, robotID: 50, itemID: 2, binID: 1)), 2, seq: 2),
                // The same item reported twice counts once.
                Fixture.referee(.itemPlaced(ItemPlaced(runID: 7, robotID: 50, itemID: 2, binID: 1)), 2.5, seq: 3),
                Fixture.referee(.binDelivered(BinDelivered(runID: 7, robotID: 50, binID: 1)), 3, seq: 4),
            ]
        }
        frames += example.frames
        frames.sort { $0.header.timestampNanoseconds < $1.header.timestampNanoseconds }
        let scorer = Fixture.scorer(division: .H, robots: [RunScorer.Robot(id: 50, team: "hum", kind: "humanoid")])
        let result = Fixture.score(scorer, frames)
        let team = result.teams[0]
        #expect(team.humanoid?.falls == example.falls)
        #expect(team.humanoid?.unaidedGetUps == example.unaided)
        #expect(abs(team.runScore - example.runScore) < 1e-9)
        if example.falls >= 3 {
            #expect(team.humanoid?.endedAt == Fixture.at(30))
            #expect(result.events.contains { $0.criterion == .runEnded })
        }
        if example.name == "third fall ends the run" {
            #expect(team.humanoid?.itemsPlaced == 2 && result.ignored.afterRunEnded == 1)
        }
    }
}
