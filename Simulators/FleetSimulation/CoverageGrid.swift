/// The rulebook's 0.25 m cell grid laid over an arena: which cells are target cells and
/// which are edge cells. Shared by every robot in a run; never mutated.
///
/// Cell `(i, j)` has its centre at `origin + ((i + 0.5)·cellSize, (j + 0.5)·cellSize)` and
/// linear index `j·columns + i`. A cell is a target cell when its centre lies in the target
/// zone, and an edge cell when it is a target cell whose centre lies within 0.5 m of a kerb
/// or wall.
public struct CoverageMap: Sendable, Equatable {
    public static let targetBit: UInt8 = 1
    public static let edgeBit: UInt8 = 2

    public let origin: Vec2
    public let cellSize: Double
    public let columns: Int
    public let rows: Int
    /// Per cell: `targetBit` and `edgeBit`.
    public let flags: [UInt8]
    public let targetCellCount: Int
    public let edgeCellCount: Int

    public init(origin: Vec2, cellSize: Double, columns: Int, rows: Int, flags: [UInt8]) {
        precondition(flags.count == columns * rows)
        self.origin = origin
        self.cellSize = cellSize
        self.columns = columns
        self.rows = rows
        self.flags = flags
        targetCellCount = flags.reduce(0) { $0 + Int($1 & Self.targetBit) }
        edgeCellCount = flags.reduce(0) { $0 + ($1 & Self.edgeBit != 0 ? 1 : 0) }
    }

    /// Builds the map from a target-zone test and the kerbs and walls, as the rulebook words it.
    public init(
        origin: Vec2 = .zero,
        cellSize: Double = 0.25,
        width: Double,
        height: Double,
        edgeDistance: Double = 0.5,
        inZone: (Vec2) -> Bool,
        edges: [Segment]
    ) {
        let columns = Int((width / cellSize).rounded(.up))
        let rows = Int((height / cellSize).rounded(.up))
        var flags = [UInt8](repeating: 0, count: columns * rows)
        let e2 = edgeDistance * edgeDistance
        for j in 0..<rows {
            for i in 0..<columns {
                let c = Vec2(origin.x + (Double(i) + 0.5) * cellSize, origin.y + (Double(j) + 0.5) * cellSize)
                guard inZone(c) else { continue }
                var f = Self.targetBit
                for s in edges where squaredDistance(from: c, toSegment: s.a, s.b) <= e2 {
                    f |= Self.edgeBit
                    break
                }
                flags[j * columns + i] = f
            }
        }
        self.init(origin: origin, cellSize: cellSize, columns: columns, rows: rows, flags: flags)
    }

    public var cellArea: Double { cellSize * cellSize }
    public var targetArea: Double { Double(targetCellCount) * cellArea }

    @inline(__always) public func center(ofCell index: Int) -> Vec2 {
        let i = index % columns
        let j = index / columns
        return Vec2(origin.x + (Double(i) + 0.5) * cellSize, origin.y + (Double(j) + 0.5) * cellSize)
    }

    /// The index of the cell containing `p`, or nil outside the grid.
    @inline(__always) public func cell(containing p: Vec2) -> Int? {
        let fi = ((p.x - origin.x) / cellSize).rounded(.down)
        let fj = ((p.y - origin.y) / cellSize).rounded(.down)
        guard fi >= 0, fj >= 0, fi < Double(columns), fj < Double(rows) else { return nil }
        return Int(fj) * columns + Int(fi)
    }

    /// Calls `body` with every cell (target or not) whose centre lies within `halfWidth` of
    /// the segment `a`–`b` (distance ≤ halfWidth, computed with `squaredDistance`), row by
    /// row, each row west to east. A zero-length segment is the disc around `a`.
    @inline(__always)
    public func forEachCell(within halfWidth: Double, ofSegment a: Vec2, _ b: Vec2, _ body: (Int, Vec2) -> Void) {
        let h2 = halfWidth * halfWidth
        let s = cellSize
        // Cell centres have coordinate origin + (k + 0.5)s; keep k whose centre is in the
        // segment's bounding box grown by halfWidth.
        let loX = min(a.x, b.x) - halfWidth - origin.x
        let hiX = max(a.x, b.x) + halfWidth - origin.x
        let loY = min(a.y, b.y) - halfWidth - origin.y
        let hiY = max(a.y, b.y) + halfWidth - origin.y
        let i0 = max(0, Int((loX / s - 0.5).rounded(.up)))
        let i1 = min(columns - 1, Int((hiX / s - 0.5).rounded(.down)))
        let j0 = max(0, Int((loY / s - 0.5).rounded(.up)))
        let j1 = min(rows - 1, Int((hiY / s - 0.5).rounded(.down)))
        guard i0 <= i1, j0 <= j1 else { return }
        for j in j0...j1 {
            let cy = origin.y + (Double(j) + 0.5) * s
            for i in i0...i1 {
                let c = Vec2(origin.x + (Double(i) + 0.5) * s, cy)
                if squaredDistance(from: c, toSegment: a, b) <= h2 { body(j * columns + i, c) }
            }
        }
    }
}

/// One robot's coverage of a `CoverageMap`: the rulebook's swept-segment rule.
///
/// Between two consecutive poses with the brush down, the segment swept by the brush width
/// covers every cell whose centre lies within half the brush width of the segment. Every
/// segment adds one visit to each target cell it covers (`visits`, the literal reading:
/// r depends on how often poses are sampled). `passes` counts a visit only when the cell
/// was not covered by the robot's previous brush-down segment as well, which makes the
/// repeat ratio independent of the pose rate; both are reported so the rule can be settled.
public struct CoverageGrid: Sendable {
    public let map: CoverageMap
    /// Visits per cell, saturating at `UInt16.max`.
    public private(set) var cellVisits: [UInt16]
    public private(set) var coveredCells = 0
    public private(set) var coveredEdgeCells = 0
    /// Σ over segments of target cells covered by the segment.
    public private(set) var visits = 0
    /// Like `visits`, but a cell also covered by the previous segment does not count again.
    public private(set) var passes = 0
    private var previous: (a: Vec2, b: Vec2, halfWidth: Double)?

    public init(map: CoverageMap) {
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
            if f & CoverageMap.targetBit != 0 {
                visits += 1
                if newPass { passes += 1 }
                let v = cellVisits[index]
                if v == 0 {
                    coveredCells += 1
                    if f & CoverageMap.edgeBit != 0 { coveredEdgeCells += 1 }
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
            precondition(map.flags[i] & CoverageMap.targetBit != 0, "visit outside the target zone")
            covered += 1
            total += Int(v)
            if map.flags[i] & CoverageMap.edgeBit != 0 { edge += 1 }
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
