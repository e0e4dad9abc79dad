public import FleetArena

/// One robot's coverage of a `CoverageMask`: the rulebook's swept-segment rule.
///
/// Between two consecutive poses with the brush down, the segment swept by the brush width
/// covers every cell whose centre lies within half the brush width of the segment. Every
/// segment adds one visit to each target cell it covers (`visits`, the literal reading:
/// r depends on how often poses are sampled). `passes` counts a visit only when the cell
/// was not covered by the robot's previous brush-down segment as well, which makes the
/// repeat ratio independent of the pose rate; both are reported so the rule can be settled.
public struct CoverageGrid: Sendable {
    public let map: CoverageMask
    /// Visits per cell, saturating at `UInt16.max`.
    public private(set) var cellVisits: [UInt16]
    public private(set) var coveredCells = 0
    public private(set) var coveredEdgeCells = 0
    /// Σ over segments of target cells covered by the segment.
    public private(set) var visits = 0
    /// Like `visits`, but a cell also covered by the previous segment does not count again.
    public private(set) var passes = 0
    private var previous: (a: Vec2, b: Vec2, halfWidth: Double)?

    public init(map: CoverageMask) {
        self.map = map
        cellVisits = [UInt16](repeating: 0, count: map.flags.count)
    }

    /// Sweeps the segment `a`–`b` with the brush down. Calls `onCell(index, centre, newPass)`
    /// for every cell in reach (target or not), so litter lying in the grid can be collected
    /// in the same pass.
    @inline(__always)
    public mutating func sweep(
        from a: Vec2,
        to b: Vec2,
        halfWidth: Double,
        onCell: (Int, Vec2, Bool) -> Void = { _, _, _ in }
    ) {
        let prev = previous
        let m = map
        let flags = m.flags
        m.forEachCell(within: halfWidth, ofSegment: a, b) { index, centre in
            var newPass = true
            if let p = prev, squaredDistance(from: centre, toSegment: p.a, p.b) <= p.halfWidth * p.halfWidth {
                newPass = false
            }
            let f = flags[index]
            if f & CoverageMask.targetBit != 0 {
                visits += 1
                if newPass { passes += 1 }
                let v = cellVisits[index]
                if v == 0 {
                    coveredCells += 1
                    if f & CoverageMask.edgeBit != 0 { coveredEdgeCells += 1 }
                }
                if v < UInt16.max { cellVisits[index] = v + 1 }
            }
            onCell(index, centre, newPass)
        }
        previous = (a, b, halfWidth)
    }

    /// The brush went up: the next sweep starts a new pass everywhere.
    public mutating func liftBrush() { previous = nil }

    /// c: covered target cells / target cells.
    public var coverage: Double {
        map.targetCellCount == 0 ? 0 : Double(coveredCells) / Double(map.targetCellCount)
    }

    /// e: covered edge cells / edge cells.
    public var edgeCoverage: Double {
        map.edgeCellCount == 0 ? 0 : Double(coveredEdgeCells) / Double(map.edgeCellCount)
    }

    /// r with per-segment visits (the rulebook read literally).
    public var repeatRatio: Double {
        coveredCells == 0 ? 0 : Double(visits - coveredCells) / Double(coveredCells)
    }

    /// r with visits counted per pass.
    public var passRepeatRatio: Double {
        coveredCells == 0 ? 0 : Double(passes - coveredCells) / Double(coveredCells)
    }

    public var summary: CoverageSummary {
        CoverageSummary(
            targetCells: map.targetCellCount,
            edgeCells: map.edgeCellCount,
            coveredCells: coveredCells,
            coveredEdgeCells: coveredEdgeCells,
            visits: visits,
            passes: passes
        )
    }

    /// Checks the counters against the per-cell visits; for tests and debug builds.
    public func checkInvariants() {
        var covered = 0
        var edge = 0
        var total = 0
        for (i, v) in cellVisits.enumerated() where v > 0 {
            precondition(map.flags[i] & CoverageMask.targetBit != 0, "visit outside the target zone")
            covered += 1
            total += Int(v)
            if map.flags[i] & CoverageMask.edgeBit != 0 { edge += 1 }
        }
        precondition(covered == coveredCells && edge == coveredEdgeCells)
        precondition(visits >= passes && passes >= coveredCells)
        if visits < Int(UInt16.max) { precondition(total == visits) }
    }
}

/// Coverage counts as the scorer needs them (c, r, e follow from these).
public struct CoverageSummary: Codable, Equatable, Sendable {
    public var targetCells: Int
    public var edgeCells: Int
    public var coveredCells: Int
    public var coveredEdgeCells: Int
    public var visits: Int
    public var passes: Int

    public var c: Double { targetCells == 0 ? 0 : Double(coveredCells) / Double(targetCells) }
    public var e: Double { edgeCells == 0 ? 0 : Double(coveredEdgeCells) / Double(edgeCells) }
    public var r: Double { coveredCells == 0 ? 0 : Double(visits - coveredCells) / Double(coveredCells) }
    public var passR: Double { coveredCells == 0 ? 0 : Double(passes - coveredCells) / Double(coveredCells) }
}
