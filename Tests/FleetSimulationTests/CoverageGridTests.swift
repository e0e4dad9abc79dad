import Testing

@testable import FleetSimulation

struct CoverageGridTests {
    /// A 1 m × 1 m grid of 4 × 4 cells, all target cells, with a wall along x = 0.
    func tinyMap(zone: @escaping (Vec2) -> Bool = { _ in true }, edges: [Segment] = []) -> CoverageMask {
        CoverageMask(width: 1, height: 1, inZone: zone, edges: edges)
    }

    @Test func aHorizontalSegmentCoversTheRowsWithinHalfTheBrushWidth() {
        var g = CoverageGrid(map: tinyMap())
        g.sweep(from: Vec2(0, 0.4), to: Vec2(1, 0.4), halfWidth: 0.2)
        // Centres at y 0.375 (0.025 away) and 0.125 (0.275 away) / 0.625 (0.225 away).
        #expect(g.coveredCells == 4)
        #expect((0..<4).allSatisfy { g.cellVisits[4 + $0] == 1 })
        g.checkInvariants()
    }

    @Test func aCellCentreExactlyHalfTheWidthAwayIsCovered() {
        var g = CoverageGrid(map: tinyMap())
        g.sweep(from: Vec2(0, 0.5), to: Vec2(1, 0.5), halfWidth: 0.125)
        #expect(g.coveredCells == 8)
    }

    @Test func aDiagonalSegmentCoversTheDiagonalAndItsNeighbours() {
        var g = CoverageGrid(map: tinyMap())
        g.sweep(from: Vec2(0, 0), to: Vec2(1, 1), halfWidth: 0.2)
        // Diagonal cells are 0 away, their side neighbours 0.25/√2 ≈ 0.177, the next 0.354.
        #expect(g.coveredCells == 10)
        for j in 0..<4 {
            for i in 0..<4 {
                #expect((g.cellVisits[j * 4 + i] == 1) == (abs(i - j) <= 1))
            }
        }
        g.checkInvariants()
    }

    @Test func segmentEndsAreRoundedLikeADisc() {
        var g = CoverageGrid(map: tinyMap())
        g.sweep(from: Vec2(0.5, 0.5), to: Vec2(0.5, 0.5), halfWidth: 0.2)
        #expect(g.coveredCells == 4)
        var h = CoverageGrid(map: tinyMap())
        h.sweep(from: Vec2(0.125, 0.125), to: Vec2(0.375, 0.125), halfWidth: 0.3)
        // (0.625, 0.125) is 0.25 past the end: covered; (0.625, 0.375) is √(0.25²+0.25²) ≈ 0.354: not.
        #expect(h.cellVisits[2] == 1 && h.cellVisits[6] == 0)
    }

    @Test func everySegmentCountsAVisitButAPassOnlyOnce() {
        var g = CoverageGrid(map: tinyMap())
        g.sweep(from: Vec2(0, 0.375), to: Vec2(0.5, 0.375), halfWidth: 0.1)
        g.sweep(from: Vec2(0.5, 0.375), to: Vec2(1, 0.375), halfWidth: 0.1)
        #expect(g.coveredCells == 4)
        // Cell centres lie 0.125 from the shared end, beyond the 0.1 half width: each counted once.
        #expect(g.visits == 4 && g.passes == 4)
        // Back over the whole line: every cell gets a visit; the two under the previous segment get no new pass.
        g.sweep(from: Vec2(1, 0.375), to: Vec2(0, 0.375), halfWidth: 0.1)
        #expect(g.visits == 8)
        #expect(g.passes == 6)  // cells at 0.625 and 0.875 were within the previous segment
        #expect(g.repeatRatio == 1.0)
        #expect(g.passRepeatRatio == 0.5)
        g.liftBrush()
        g.sweep(from: Vec2(0, 0.375), to: Vec2(1, 0.375), halfWidth: 0.1)
        #expect(g.visits == 12 && g.passes == 10)
        g.checkInvariants()
    }

    @Test func aStationaryBrushAddsVisitsButNoPasses() {
        var g = CoverageGrid(map: tinyMap())
        for _ in 0..<5 { g.sweep(from: Vec2(0.5, 0.5), to: Vec2(0.5, 0.5), halfWidth: 0.2) }
        #expect(g.coveredCells == 4 && g.visits == 20 && g.passes == 4)
    }

    @Test func cellsOutsideTheTargetZoneNeverCount() {
        let map = tinyMap(zone: { $0.x < 0.5 })
        #expect(map.targetCellCount == 8)
        var g = CoverageGrid(map: map)
        var seen = 0
        g.sweep(from: Vec2(0, 0.5), to: Vec2(1, 0.5), halfWidth: 0.2) { _, _, _ in seen += 1 }
        #expect(seen == 8)
        #expect(g.coveredCells == 4)
        #expect(g.coverage == 0.5)
        g.checkInvariants()
    }

    @Test func edgeCellsAreTargetCellsWithinHalfAMetreOfAKerbOrWall() {
        let map = tinyMap(zone: { $0.y < 0.75 }, edges: [Segment(Vec2(0, 0), Vec2(0, 1))])
        // Columns 0 and 1 (centres 0.125, 0.375), rows 0...2.
        #expect(map.edgeCellCount == 6)
        var g = CoverageGrid(map: map)
        g.sweep(from: Vec2(0.125, 0), to: Vec2(0.125, 1), halfWidth: 0.1)
        #expect(g.coveredEdgeCells == 3)
        #expect(g.edgeCoverage == 0.5)
    }

    @Test func coverageMatchesABruteForceCountOnRandomSegments() {
        let map = CoverageMask(width: 3, height: 2, inZone: { $0.x + $0.y < 4 }, edges: [])
        var g = CoverageGrid(map: map)
        var rng = SeededGenerator(seed: 11)
        var visits = [Int](repeating: 0, count: map.flags.count)
        var p = Vec2(1, 1)
        for _ in 0..<200 {
            let q = Vec2(rng.uniform(0...3), rng.uniform(0...2))
            let h = rng.uniform(0.05...0.6)
            g.sweep(from: p, to: q, halfWidth: h)
            for k in 0..<map.flags.count where map.flags[k] & CoverageMask.targetBit != 0 {
                if squaredDistance(from: map.center(ofCell: k), toSegment: p, q) <= h * h { visits[k] += 1 }
            }
            p = q
        }
        #expect(g.cellVisits.map(Int.init) == visits)
        #expect(g.visits == visits.reduce(0, +))
        g.checkInvariants()
    }
}
