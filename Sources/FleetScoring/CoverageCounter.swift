public import FleetArena

/// Coverage of a `CoverageMask` by one robot's brush, or by a team (the union of its robots):
/// the rulebook's swept-segment rule with visits counted as passes.
///
/// A segment between two brush-down poses covers every cell whose centre lies within half
/// the brush width. A cell visit is a pass: the segment covers the cell and the robot's
/// previous brush-down segment did not. Lifting the brush (`liftBrush()`) starts a new pass
/// everywhere.
public struct CoverageCounter: Sendable, Equatable {
    public let mask: CoverageMask
    /// Per cell: covered at least once.
    public private(set) var covered: [Bool]
    public private(set) var coveredCells = 0
    public private(set) var coveredEdgeCells = 0
    /// Σ passes over target cells (the rulebook's cell visits).
    public private(set) var passes = 0
    private var previous: (a: Point, b: Point, halfWidth: Double)?

    public init(mask: CoverageMask) {
        self.mask = mask
        covered = [Bool](repeating: false, count: mask.flags.count)
    }

    public static func == (lhs: CoverageCounter, rhs: CoverageCounter) -> Bool {
        lhs.mask == rhs.mask && lhs.covered == rhs.covered && lhs.passes == rhs.passes
            && lhs.previous?.a == rhs.previous?.a && lhs.previous?.b == rhs.previous?.b
            && lhs.previous?.halfWidth == rhs.previous?.halfWidth
    }

    /// Sweeps `a`–`b` with the brush down. Calls `onTargetCell(index, isEdge, firstTime, newPass)`
    /// for every target cell in reach, in row order, so a team can keep its union in step.
    @discardableResult
    public mutating func sweep(
        from a: Point,
        to b: Point,
        halfWidth: Double,
        onTargetCell: (Int, Bool, Bool, Bool) -> Void = { _, _, _, _ in }
    ) -> (newCells: Int, newPasses: Int) {
        let prev = previous
        let flags = mask.flags
        var newCells = 0
        var newPasses = 0
        mask.forEachCell(within: halfWidth, ofSegment: a, b) { index, centre in
            let f = flags[index]
            guard f & CoverageMask.targetBit != 0 else { return }
            var newPass = true
            if let p = prev, squaredDistance(from: centre, toSegment: p.a, p.b) <= p.halfWidth * p.halfWidth {
                newPass = false
            }
            if newPass { newPasses += 1 }
            let first = !covered[index]
            if first {
                covered[index] = true
                newCells += 1
                coveredCells += 1
                if f & CoverageMask.edgeBit != 0 { coveredEdgeCells += 1 }
            }
            onTargetCell(index, f & CoverageMask.edgeBit != 0, first, newPass)
        }
        passes += newPasses
        previous = (a, b, halfWidth)
        return (newCells, newPasses)
    }

    /// Marks one target cell covered (a team's union); returns whether it was new.
    public mutating func mark(cell index: Int, isEdge: Bool) -> Bool {
        guard !covered[index] else { return false }
        covered[index] = true
        coveredCells += 1
        if isEdge { coveredEdgeCells += 1 }
        return true
    }

    /// Adds visits counted elsewhere (a team adds its robots' passes).
    public mutating func addPasses(_ count: Int) { passes += count }

    /// The brush went up (or the pose stream broke): the next segment starts a new pass.
    public mutating func liftBrush() { previous = nil }

    public var counts: CoverageCounts {
        CoverageCounts(
            targetCells: mask.targetCellCount,
            edgeCells: mask.edgeCellCount,
            coveredCells: coveredCells,
            coveredEdgeCells: coveredEdgeCells,
            passes: passes
        )
    }

    /// Checks the counters against the per-cell flags; for tests and debug builds.
    public func checkInvariants() {
        var cells = 0
        var edges = 0
        for (i, isCovered) in covered.enumerated() where isCovered {
            precondition(mask.flags[i] & CoverageMask.targetBit != 0, "a covered cell outside the target zone")
            cells += 1
            if mask.flags[i] & CoverageMask.edgeBit != 0 { edges += 1 }
        }
        precondition(cells == coveredCells && edges == coveredEdgeCells, "coverage counters disagree with the cells")
        precondition(passes >= coveredCells, "fewer passes than covered cells")
    }
}

/// Coverage counts; c, e and r follow from them.
public struct CoverageCounts: Sendable, Equatable, Codable {
    public var targetCells: Int
    public var edgeCells: Int
    public var coveredCells: Int
    public var coveredEdgeCells: Int
    /// Cell visits, counted as passes.
    public var passes: Int

    public init(targetCells: Int, edgeCells: Int, coveredCells: Int, coveredEdgeCells: Int, passes: Int) {
        self.targetCells = targetCells
        self.edgeCells = edgeCells
        self.coveredCells = coveredCells
        self.coveredEdgeCells = coveredEdgeCells
        self.passes = passes
    }

    /// c = covered target cells / target cells (0 for an empty zone).
    public var c: Double { targetCells == 0 ? 0 : Double(coveredCells) / Double(targetCells) }
    /// e = covered edge cells / edge cells (0 when the arena has no edge cells).
    public var e: Double { edgeCells == 0 ? 0 : Double(coveredEdgeCells) / Double(edgeCells) }
    /// r = (visits − covered cells) / covered cells (0 when nothing is covered).
    public var r: Double { coveredCells == 0 ? 0 : Double(passes - coveredCells) / Double(coveredCells) }
}
