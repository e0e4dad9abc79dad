/// A point in the arena frame, metres.
public struct Point: Sendable, Equatable, Hashable, Codable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// Squared distance from `p` to the segment `a`–`b` (to `a` when the segment has no length).
/// The arithmetic is the simulator's, operation for operation, so both count the same cells.
@inline(__always)
func squaredDistance(from p: Point, toSegment a: Point, _ b: Point) -> Double {
    let dx = b.x - a.x
    let dy = b.y - a.y
    let len2 = dx * dx + dy * dy
    var t = 0.0
    if len2 > 0 {
        t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2
        if t < 0 { t = 0 } else if t > 1 { t = 1 }
    }
    let qx = a.x + t * dx - p.x
    let qy = a.y + t * dy - p.y
    return qx * qx + qy * qy
}

/// The rulebook's cell grid over an arena: which cells are target cells and which of them
/// are edge cells. Cell `(i, j)` has its centre at `origin + ((i + ½)·cellSize, (j + ½)·cellSize)`
/// and index `j·columns + i`.
public struct CoverageMask: Sendable, Equatable {
    public static let targetBit: UInt8 = 1
    public static let edgeBit: UInt8 = 2

    public let origin: Point
    public let cellSize: Double
    public let columns: Int
    public let rows: Int
    /// Per cell: `targetBit`, and `edgeBit` for target cells near a kerb or wall.
    public let flags: [UInt8]
    public let targetCellCount: Int
    public let edgeCellCount: Int

    /// A mask from per-cell flags (the simulator's `CoverageMap.flags` has this layout).
    public init(origin: Point = Point(0, 0), cellSize: Double, columns: Int, rows: Int, flags: [UInt8]) {
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
        origin: Point = Point(0, 0),
        cellSize: Double,
        width: Double,
        height: Double,
        edgeDistance: Double,
        edges: [(Point, Point)],
        inZone: (Point) -> Bool
    ) {
        let columns = Int((width / cellSize).rounded(.up))
        let rows = Int((height / cellSize).rounded(.up))
        var flags = [UInt8](repeating: 0, count: columns * rows)
        let e2 = edgeDistance * edgeDistance
        for j in 0..<rows {
            for i in 0..<columns {
                let c = Point(
                    origin.x + (Double(i) + 0.5) * cellSize,
                    origin.y + (Double(j) + 0.5) * cellSize
                )
                guard inZone(c) else { continue }
                var f = Self.targetBit
                for (a, b) in edges where squaredDistance(from: c, toSegment: a, b) <= e2 {
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

    public func center(ofCell index: Int) -> Point {
        Point(
            origin.x + (Double(index % columns) + 0.5) * cellSize,
            origin.y + (Double(index / columns) + 0.5) * cellSize
        )
    }

    /// Calls `body` with every cell (target or not) whose centre lies within `halfWidth` of
    /// the segment `a`–`b` (squared distance ≤ halfWidth²), row by row, west to east.
    @inline(__always)
    func forEachCell(within halfWidth: Double, ofSegment a: Point, _ b: Point, _ body: (Int, Point) -> Void) {
        let h2 = halfWidth * halfWidth
        let s = cellSize
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
                let c = Point(origin.x + (Double(i) + 0.5) * s, cy)
                if squaredDistance(from: c, toSegment: a, b) <= h2 { body(j * columns + i, c) }
            }
        }
    }
}
