/// The scorer's name for a position in the arena frame: the same type as the simulator's.
public typealias Point = Vec2

/// The rulebook's cell grid over an arena: which cells are target cells and which of them
/// are edge cells, and the swept-segment rule (which cells a brush reaches moving from A to
/// B). The one implementation: the simulator sweeps with it and the scorer counts with it,
/// so both count the same cells.
///
/// Cell `(i, j)` has its centre at `origin + ((i + ½)·cellSize, (j + ½)·cellSize)` and index
/// `j·columns + i`. A cell is a target cell when its centre lies in the target zone, and an
/// edge cell when it is a target cell whose centre lies within the edge distance (0.5 m) of
/// a kerb or wall. Shared by every robot in a run; never mutated.
public struct CoverageMask: Sendable, Equatable {
    public static let targetBit: UInt8 = 1
    public static let edgeBit: UInt8 = 2

    public let origin: Vec2
    public let cellSize: Double
    public let columns: Int
    public let rows: Int
    /// Per cell: `targetBit`, and `edgeBit` for target cells near a kerb or wall.
    public let flags: [UInt8]
    public let targetCellCount: Int
    public let edgeCellCount: Int

    /// A mask from per-cell flags (the layout `flags` has).
    public init(origin: Vec2 = .zero, cellSize: Double, columns: Int, rows: Int, flags: [UInt8]) {
        precondition(columns >= 0 && rows >= 0 && flags.count == columns * rows, "flags must have columns·rows cells")
        precondition(cellSize > 0, "cell size must be positive")
        self.origin = origin
        self.cellSize = cellSize
        self.columns = columns
        self.rows = rows
        // An edge bit without the target bit is not an edge cell.
        self.flags = flags.map { $0 & Self.targetBit == 0 ? 0 : $0 & (Self.targetBit | Self.edgeBit) }
        var targets = 0
        var edges = 0
        for f in self.flags where f != 0 {
            targets += 1
            if f & Self.edgeBit != 0 { edges += 1 }
        }
        targetCellCount = targets
        edgeCellCount = edges
    }

    /// Builds the mask the way the rulebook words it: a cell is a target cell when its centre
    /// is in the target zone, an edge cell when that centre is also within `edgeDistance`
    /// (inclusive) of a kerb or wall segment.
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
    /// Target cells times the cell area: the target area E's productivity uses.
    public var targetArea: Double { Double(targetCellCount) * cellArea }

    /// The centre of cell `index`.
    @inline(__always) public func center(ofCell index: Int) -> Vec2 {
        Vec2(
            origin.x + (Double(index % columns) + 0.5) * cellSize,
            origin.y + (Double(index / columns) + 0.5) * cellSize
        )
    }

    /// The index of the cell containing `p`, or nil outside the grid.
    @inline(__always) public func cell(containing p: Vec2) -> Int? {
        let fi = ((p.x - origin.x) / cellSize).rounded(.down)
        let fj = ((p.y - origin.y) / cellSize).rounded(.down)
        guard fi >= 0, fj >= 0, fi < Double(columns), fj < Double(rows) else { return nil }
        return Int(fj) * columns + Int(fi)
    }

    /// The swept-segment rule: calls `body` with every cell (target or not) whose centre lies
    /// within `halfWidth` of the segment `a`–`b` (squared distance ≤ halfWidth², computed with
    /// `squaredDistance`), row by row, each row west to east. A zero-length segment is the
    /// disc around `a`; a pose that is not finite reaches no cell.
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
        guard loX.isFinite, hiX.isFinite, loY.isFinite, hiY.isFinite else { return }
        // Clamp before converting so a pose far outside the grid cannot overflow Int.
        let span = Double(max(columns, rows)) + 2
        let i0 = max(0, Int(max(-1, min(span, (loX / s - 0.5).rounded(.up)))))
        let i1 = min(columns - 1, Int(max(-1, min(span, (hiX / s - 0.5).rounded(.down)))))
        let j0 = max(0, Int(max(-1, min(span, (loY / s - 0.5).rounded(.up)))))
        let j1 = min(rows - 1, Int(max(-1, min(span, (hiY / s - 0.5).rounded(.down)))))
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
