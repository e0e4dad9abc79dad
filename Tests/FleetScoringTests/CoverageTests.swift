import FleetProtocol
import FleetScoring
import Testing

/// Small grids of 0.25 m cells; cell (i, j) has its centre at (0.125 + 0.25 i, 0.125 + 0.25 j).
struct CoverageTests {
    struct Sweep: Sendable, CustomTestStringConvertible {
        let name: String
        let a: Point
        let b: Point
        let brush: Double
        let cells: Int
        let edgeCells: Int
        var testDescription: String { name }
    }

    static let sweeps: [Sweep] = [
        // y = 1.0 from x = 0 to 1, half width 0.25: rows j = 3, 4 (centres 0.875, 1.125, 0.125 away);
        // columns i = 0...3 project onto the segment, i = 4 (x 1.125) is √(0.125² + 0.125²) = 0.177
        // from the end (1, 1) ≤ 0.25, i = 5 is 0.375 away: 5 columns × 2 rows = 10; edge row 3 → 5.
        Sweep(name: "horizontal, 0.5 m brush", a: Point(0, 1), b: Point(1, 1), brush: 0.5, cells: 10, edgeCells: 5),
        // Half width 0.125: rows 3, 4 are exactly 0.125 away, covered (≤); column 4 is 0.177 > 0.125
        // from the end: 4 columns × 2 rows = 8; edge row 3 → 4.
        Sweep(
            name: "horizontal, distance equal to half width",
            a: Point(0, 1),
            b: Point(1, 1),
            brush: 0.25,
            cells: 8,
            edgeCells: 4
        ),
        // y = x from (0, 0) to (1, 1), half width 0.2: a centre is 0.25·|i − j|/√2 = 0.177·|i − j| from the
        // line, so |i − j| ≤ 1 with the projection t = 0.125 + 0.125 (i + j) in [0, 1] (i + j ≤ 7):
        // diagonal i = j = 0...3 (4) plus i = j = 4 (0.177 from the end) = 5; off-diagonal pairs with
        // i + j in {1, 3, 5, 7}: 8. Total 13. Edge row 3: (3,3), (2,3), (4,3) = 3.
        Sweep(name: "diagonal", a: Point(0, 0), b: Point(1, 1), brush: 0.4, cells: 13, edgeCells: 3),
        // A zero-length segment is the disc around its point: (1, 1) with half width 0.2 reaches the four
        // centres at (±0.125, ±0.125), 0.177 away; edge row 3 holds two of them.
        Sweep(name: "standing still", a: Point(1, 1), b: Point(1, 1), brush: 0.4, cells: 4, edgeCells: 2),
        // Outside the grid nothing is covered.
        Sweep(name: "outside", a: Point(-5, -5), b: Point(-3, -5), brush: 1, cells: 0, edgeCells: 0),
    ]

    @Test(arguments: sweeps)
    func coversCellsWhoseCentreIsWithinHalfTheBrushWidth(_ sweep: Sweep) {
        var counter = CoverageCounter(mask: Fixture.mask(columns: 8, rows: 8, edgeRows: [3]))
        counter.sweep(from: sweep.a, to: sweep.b, halfWidth: sweep.brush / 2)
        #expect(counter.coveredCells == sweep.cells)
        #expect(counter.coveredEdgeCells == sweep.edgeCells)
        #expect(counter.passes == sweep.cells)
        counter.checkInvariants()
        // c = cells / 64, e = edge cells / 8.
        #expect(counter.counts.c == Double(sweep.cells) / 64)
        #expect(counter.counts.e == Double(sweep.edgeCells) / 8)
    }

    @Test func onlyTargetCellsCount() {
        // Row 4 is not target: the horizontal 0.5 m sweep keeps only its row 3 half (5 of 10).
        var flags = [UInt8](repeating: CoverageMask.targetBit, count: 64)
        for i in 0..<8 { flags[4 * 8 + i] = CoverageMask.edgeBit }  // an edge bit alone is not a target
        let mask = CoverageMask(cellSize: 0.25, columns: 8, rows: 8, flags: flags)
        #expect(mask.targetCellCount == 56 && mask.edgeCellCount == 0)
        var counter = CoverageCounter(mask: mask)
        counter.sweep(from: Point(0, 1), to: Point(1, 1), halfWidth: 0.25)
        #expect(counter.coveredCells == 5)
    }

    struct PassCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// Segments; nil lifts the brush.
        let path: [(Point, Point)?]
        let covered: Int
        let passes: Int
        var testDescription: String { name }
    }

    static let passCases: [PassCase] = [
        // A = (0,1)→(1,1): columns 0...4 × rows 3, 4 = 10 cells. B = (1,1)→(2,1): columns 3...7 (column 3
        // is 0.177 from (1,1)) = 10 cells, of which columns 3, 4 (4 cells) were in A: 6 new passes.
        // Covered 16 (columns 0...7), passes 10 + 6 = 16: r = 0. (Visits per segment would be 20, r = 0.25.)
        PassCase(
            name: "one contiguous pass",
            path: [(Point(0, 1), Point(1, 1)), (Point(1, 1), Point(2, 1))],
            covered: 16,
            passes: 16
        ),
        // Then the brush goes up and A is swept again: all 10 of its cells are a new pass.
        // Passes 26, covered 16: r = 10/16 = 0.625.
        PassCase(
            name: "second pass after lifting the brush",
            path: [(Point(0, 1), Point(1, 1)), (Point(1, 1), Point(2, 1)), nil, (Point(0, 1), Point(1, 1))],
            covered: 16,
            passes: 26
        ),
        // Turning back on the line without lifting: C = (2,1)→(0,1) covers columns 0...7; the previous
        // segment B covered columns 3...7, so only columns 0...2 (6 cells) are new passes: 22.
        PassCase(
            name: "turning back",
            path: [(Point(0, 1), Point(1, 1)), (Point(1, 1), Point(2, 1)), (Point(2, 1), Point(0, 1))],
            covered: 16,
            passes: 22
        ),
        // Standing still for many samples is one pass: the disc's 4 cells, 4 passes.
        PassCase(
            name: "standing still",
            path: Array(repeating: (Point(1, 1), Point(1, 1)), count: 50),
            covered: 4,
            passes: 4
        ),
    ]

    @Test(arguments: passCases)
    func countsAVisitPerPassNotPerSegment(_ example: PassCase) {
        var counter = CoverageCounter(mask: Fixture.mask(columns: 8, rows: 8))
        for step in example.path {
            if let (a, b) = step {
                counter.sweep(from: a, to: b, halfWidth: 0.25)
            } else {
                counter.liftBrush()
            }
        }
        counter.checkInvariants()
        #expect(counter.coveredCells == example.covered)
        #expect(counter.passes == example.passes)
        #expect(counter.counts.r == Double(example.passes - example.covered) / Double(example.covered))
    }

    @Test func passesDoNotDependOnTheSampleRate() {
        // The same straight 2 m line sampled every 1 m, 0.1 m and 0.01 m: same cells, same passes.
        var results: [CoverageCounts] = []
        for step in [1.0, 0.1, 0.01] {
            var counter = CoverageCounter(mask: Fixture.mask(columns: 8, rows: 8))
            var x = 0.0
            while x < 2 - 1e-9 {
                let next = min(2, x + step)
                counter.sweep(from: Point(x, 1), to: Point(next, 1), halfWidth: 0.25)
                x = next
            }
            results.append(counter.counts)
        }
        #expect(results.allSatisfy { $0 == results[0] })
        #expect(results[0].coveredCells == 16 && results[0].passes == 16)
    }

    struct CoverageFormula: Sendable, CustomTestStringConvertible {
        let counts: CoverageCounts
        let expected: Double
        var testDescription: String { "\(counts.coveredCells)/\(counts.targetCells), passes \(counts.passes)" }
    }

    static let formulas: [CoverageFormula] = [
        // c = 0.5, e = 0.5, r = 0: C = 0.75·0.5 + 0.25·0.5 = 0.5.
        CoverageFormula(
            counts: CoverageCounts(targetCells: 100, edgeCells: 20, coveredCells: 50, coveredEdgeCells: 10, passes: 50),
            expected: 0.5
        ),
        // r = (65 − 50)/50 = 0.3, at the threshold: no reduction, C = 0.5.
        CoverageFormula(
            counts: CoverageCounts(targetCells: 100, edgeCells: 20, coveredCells: 50, coveredEdgeCells: 10, passes: 65),
            expected: 0.5
        ),
        // r = (80 − 50)/50 = 0.6: factor 1 − 0.3 = 0.7, C = 0.35.
        CoverageFormula(
            counts: CoverageCounts(targetCells: 100, edgeCells: 20, coveredCells: 50, coveredEdgeCells: 10, passes: 80),
            expected: 0.35
        ),
        // r = (125 − 50)/50 = 1.5: factor max(0, 1 − 1.2) = 0, C = 0.
        CoverageFormula(
            counts: CoverageCounts(
                targetCells: 100,
                edgeCells: 20,
                coveredCells: 50,
                coveredEdgeCells: 10,
                passes: 125
            ),
            expected: 0
        ),
        // c = 1, e = 0 (no edge cells covered), r = 0: C = 0.75.
        CoverageFormula(
            counts: CoverageCounts(
                targetCells: 100,
                edgeCells: 20,
                coveredCells: 100,
                coveredEdgeCells: 0,
                passes: 100
            ),
            expected: 0.75
        ),
    ]

    @Test(arguments: formulas)
    func coverageCriterion(_ example: CoverageFormula) {
        let score = CoverageScore(counts: example.counts, rules: Fixture.rulebook.coverage)
        #expect(abs(score.C - example.expected) < 1e-12)
    }

    @Test func scorerSweepsBetweenBrushDownPosesOnly() {
        // Telemetry of the "second pass after lifting the brush" path, 0.5 m brush (registered), 1 s apart:
        // 0 (0,1) 1 (1,1) 2 (2,1) down; 3 (2,1) up; 4 (0,1) up; 5 (0,1) down; 6 (1,1) down.
        // Segments 0→1, 1→2 and 5→6 sweep (both ends down); 2→3, 3→4, 4→5 do not.
        let robot = RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper", brushWidth: 0.5)
        let scorer = Fixture.scorer(robots: [robot], mask: Fixture.mask(columns: 8, rows: 8, edgeRows: [3]))
        let poses: [(Double, Double, Bool)] = [
            (0, 0, true), (1, 1, true), (2, 2, true), (3, 2, false), (4, 0, false), (5, 0, true), (6, 1, true),
        ]
        let frames = poses.enumerated().map { k, p in
            Fixture.pose(1, p.0, x: p.1, y: 1, brush: p.2, seq: UInt32(k))
        }
        let result = Fixture.score(scorer, frames)
        let coverage = result.teams[0].coverage
        // Covered 16 of 64, edge (row 3) 8 of 8, passes 26: c = 0.25, e = 1, r = 0.625,
        // C = (0.75·0.25 + 0.25·1)·(1 − 0.325) = 0.4375·0.675 = 0.2953125.
        #expect(coverage.counts.coveredCells == 16 && coverage.counts.passes == 26)
        #expect(coverage.c == 0.25 && coverage.e == 1 && coverage.r == 0.625)
        #expect(abs(coverage.C - 0.2953125) < 1e-12)
        #expect(result.robots[0].coverage == coverage)
    }

    @Test func brushUpCoversNothing() {
        let scorer = Fixture.scorer()
        let frames = (0..<10).map { k in Fixture.pose(1, Double(k), x: Double(k), y: 1, brush: false, seq: UInt32(k)) }
        let result = Fixture.score(scorer, frames)
        #expect(result.teams[0].coverage.counts.coveredCells == 0)
        #expect(result.teams[0].coverage.C == 0)
    }

    @Test func aTeamCoversTheUnionAndAddsItsRobotsPasses() {
        // Robot 1 sweeps A = (0,1)→(1,1) (10 cells), robot 2 sweeps (0.5,1)→(1.5,1): columns 1...6
        // (column 1 at 0.375 is 0.125 before the start... 0.5 − 0.375 = 0.125, √(0.125² + 0.125²) ≤ 0.25;
        // column 6 at 1.625 is 0.177 past the end) = 12 cells; overlap columns 1...4 = 8 cells.
        // Union: columns 0...6 = 14 cells; passes 10 + 12 = 22; team r = (22 − 14)/14.
        let robots = [
            RunScorer.Robot(id: 1, team: "alpha", kind: "sweeper", brushWidth: 0.5),
            RunScorer.Robot(id: 2, team: "alpha", kind: "sweeper", brushWidth: 0.5),
        ]
        let scorer = Fixture.scorer(robots: robots, mask: Fixture.mask(columns: 8, rows: 8))
        let result = Fixture.score(
            scorer,
            [
                Fixture.pose(1, 0, x: 0, y: 1, seq: 0), Fixture.pose(2, 0, x: 0.5, y: 1, seq: 0),
                Fixture.pose(1, 1, x: 1, y: 1, seq: 1), Fixture.pose(2, 1, x: 1.5, y: 1, seq: 1),
            ]
        )
        #expect(result.robots[0].coverage.counts.coveredCells == 10)
        #expect(result.robots[1].coverage.counts.coveredCells == 12)
        #expect(result.teams[0].coverage.counts.coveredCells == 14)
        #expect(result.teams[0].coverage.counts.passes == 22)
        #expect(result.teams[0].coverage.r == 8.0 / 14.0)
    }
}
