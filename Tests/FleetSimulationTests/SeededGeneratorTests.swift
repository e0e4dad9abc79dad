import Testing

@testable import FleetSimulation

struct SeededGeneratorTests {
    @Test func sameSeedGivesTheSameSequence() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
    }

    @Test func differentSeedsDiffer() {
        var a = SeededGenerator(seed: 1)
        var b = SeededGenerator(seed: 2)
        #expect((0..<8).map { _ in a.next() } != (0..<8).map { _ in b.next() })
    }

    @Test func unitStaysInRangeAndBelowIsUniformEnough() {
        var g = SeededGenerator(seed: 7)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 {
            let u = g.unit()
            #expect(u >= 0 && u < 1)
            counts[g.below(10)] += 1
        }
        for c in counts { #expect(abs(c - 10_000) < 500) }
    }
}
