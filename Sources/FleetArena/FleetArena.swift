/// An arena as data: the target zone, kerbs, walls, obstacles, transfer point and the
/// totals the rulebook divides by, so a run can be scored from this value alone.
///
/// The simulator generates one from a division and a seed; a referee team writes one for
/// an arena surveyed on site (`FleetArena+File.swift` is the file form). The scorer needs
/// only `mask()` and `totals`; the rest describes the ground for people and viewers.
public struct FleetArena: Sendable, Equatable {
    /// The rulebook's one-letter division id: "P", "N", "A" or "H".
    public var division: String
    /// Extent of the arena frame from its origin, m: the coverage grid spans it.
    public var width: Double
    public var height: Double
    /// The rulebook grid's cell size, m (0.25).
    public var cellSize: Double
    /// Distance from a kerb or wall within which a target cell is an edge cell, m (0.5).
    public var edgeDistance: Double
    /// Leaving this rectangle is a geofence exit.
    public var geofence: Rect
    /// The target zone: a union of rectangles.
    public var zone: [Rect]
    public var kerbs: [Segment]
    public var walls: [Segment]
    public var obstacles: [ArenaObstacle]
    /// Where litter is handed over (division H) or hoppers are emptied.
    public var transferPoint: Vec2
    /// Where robots start and park.
    public var dock: Vec2
    public var totals: ArenaTotals

    /// The division ids an arena may name (the rulebook's).
    public static let divisions: [String] = ["P", "N", "A", "H"]

    public init(
        division: String,
        width: Double,
        height: Double,
        cellSize: Double = 0.25,
        edgeDistance: Double = 0.5,
        geofence: Rect,
        zone: [Rect],
        kerbs: [Segment],
        walls: [Segment],
        obstacles: [ArenaObstacle],
        transferPoint: Vec2,
        dock: Vec2,
        totals: ArenaTotals
    ) {
        self.division = division
        self.width = width
        self.height = height
        self.cellSize = cellSize
        self.edgeDistance = edgeDistance
        self.geofence = geofence
        self.zone = zone
        self.kerbs = kerbs
        self.walls = walls
        self.obstacles = obstacles
        self.transferPoint = transferPoint
        self.dock = dock
        self.totals = totals
    }

    /// Whether `p` lies in the target zone (in any of its rectangles, edges included).
    public func inZone(_ p: Vec2) -> Bool {
        for r in zone where r.contains(p) { return true }
        return false
    }

    /// The rulebook grid over the arena: target cells in the zone, edge cells near kerbs and walls.
    public func mask() -> CoverageMask {
        CoverageMask(
            cellSize: cellSize,
            width: width,
            height: height,
            edgeDistance: edgeDistance,
            inZone: { inZone($0) },
            edges: kerbs + walls
        )
    }
}

/// A fixed obstacle: a circle (tree, bollard) or a rectangle (bench, bike, car, wall).
public struct ArenaObstacle: Sendable, Equatable {
    public var id: UInt32
    /// What it is, for people and viewers: bench, tree, bollard, bike, car, planter, wall or
    /// any other word a survey uses.
    public var kind: String
    public var shape: Shape

    public init(id: UInt32, kind: String, shape: Shape) {
        self.id = id
        self.kind = kind
        self.shape = shape
    }
}
