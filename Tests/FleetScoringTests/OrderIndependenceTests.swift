import FleetProtocol
import FleetScoring
import Testing

/// The score is a function of the frames, not of how same-time frames of different senders
/// happen to arrive.
struct OrderIndependenceTests {
    /// SplitMix64: small, seeded, the same on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let robots = [
        RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper"),
        RunScorer.Robot(id: 2, team: "alpha", kind: "litterPicker"),
        RunScorer.Robot(id: 3, team: "beta", kind: "washer"),
    ]

    /// 30 s of three robots sampling at the same instants on crossing paths, with referee events at the
    /// same instants; grouped by event time, each group in canonical order.
    static func groups() -> [[Frame]] {
        var groups: [[Frame]] = []
        var refereeSeq: UInt32 = 0
        for k in 0...300 {
            let s = Double(k) / 10
            var group: [Frame] = []
            // Robot 1 sweeps east along y = 4, robot 2 north along x = 4, robot 3 diagonally: their cells
            // overlap, so the team union depends on nothing but the set of segments.
            group.append(Fixture.pose(1, s, x: s / 3, y: 4, brush: k % 70 < 60, speed: 1.1, energy: s, seq: UInt32(k)))
            group.append(Fixture.pose(2, s, x: 4, y: s / 3, brush: true, speed: 2.4, energy: 2 * s, seq: UInt32(k)))
            group.append(
                Fixture.pose(3, s, x: s / 4, y: s / 4, brush: k % 50 > 5, speed: 0.8, energy: s, seq: UInt32(k))
            )
            if k % 7 == 3 {
                group.append(
                    Fixture.referee(
                        Fixture.collected(
                            UInt32(1 + k % 3),
                            item: UInt32(k),
                            .object,
                            mass: 0.2,
                            rating: UInt8(1 + k % 5)
                        ),
                        s,
                        seq: refereeSeq
                    )
                )
                refereeSeq += 1
                group.append(
                    Fixture.referee(
                        Fixture.collected(UInt32(1 + (k + 1) % 3), item: 9000, .dust, mass: 0.013),
                        s,
                        seq: refereeSeq
                    )
                )
                refereeSeq += 1
            }
            if k % 40 == 20 {
                group.append(
                    Fixture.referee(Fixture.intervention(UInt32(1 + k % 3), .operatorHint), s, seq: refereeSeq)
                )
                refereeSeq += 1
                group.append(Fixture.referee(Fixture.contact(3, .static), s, seq: refereeSeq))
                refereeSeq += 1
            }
            groups.append(group)
        }
        return groups
    }

    static func score(_ groups: [[Frame]]) -> RunResult {
        Fixture.score(Fixture.scorer(robots: robots), groups.flatMap { $0 })
    }

    @Test(arguments: 1...12)
    func seededShufflesOfSameTimeFramesGiveIdenticalResults(seed: UInt64) {
        let groups = Self.groups()
        let reference = Self.score(groups)
        // The scenario exercises what it should.
        #expect(reference.teams.count == 2 && reference.teams[0].coverage.counts.coveredCells > 0)
        #expect(reference.teams[0].quality.R_o > 0 && reference.teams[0].safety.overSpeedSeconds > 0)
        var rng = SeededGenerator(state: seed)
        let shuffled = groups.map { $0.shuffled(using: &rng) }
        #expect(shuffled.flatMap { $0 } != groups.flatMap { $0 })
        let result = Self.score(shuffled)
        // Equal to the last bit: every number, every event, in the same order.
        #expect(result == reference)
    }

    @Test func recomputingGivesTheSameNumbers() {
        let groups = Self.groups()
        #expect(Self.score(groups) == Self.score(groups))
    }
}
