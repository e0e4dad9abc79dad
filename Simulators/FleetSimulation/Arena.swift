public import FleetArena
public import FleetArenaGenerator

/// A generated arena with the lookup structures robots need while they move.
///
/// Immutable and shared by every run that uses the same seed; what changes during a run
/// (litter left, stains washed) lives in `ArenaState`.
public struct Arena: Sendable {
    public let layout: ArenaLayout
    /// The rulebook's 0.25 m grid.
    public let map: CoverageMask

    // Dust and gravel, per grid cell (compressed rows): entries `litterStarts[c]..<litterStarts[c+1]`.
    let litterStarts: [Int32]
    /// Per entry: index into `layout.patches`.
    let litterEntryPatch: [Int32]
    /// Per entry: mass lying in that cell at the start (kg).
    let litterEntryMass: [Double]
    /// Per grid cell: index into the stain-cell list, or −1.
    let cellStainOrdinal: [Int32]
    /// Per stain cell: index into `layout.stains`.
    let stainCellStain: [Int32]
    /// Static obstacles, filed with a 1.5 m margin.
    let obstacleIndex: BucketGrid
    /// Litter objects, filed with a 1.0 m margin.
    let objectIndex: BucketGrid

    public static let obstacleMargin = 1.5
    public static let objectMargin = 1.0

    public init(layout: ArenaLayout) {
        self.layout = layout
        let map = layout.fleetArena.mask()
        self.map = map
        let n = map.flags.count

        // Litter patch cells: target cells whose centre lies in the patch disc.
        var cellsOfPatch = [[Int]](repeating: [], count: layout.patches.count)
        for (k, p) in layout.patches.enumerated() {
            map.forEachCell(within: p.radius, ofSegment: p.center, p.center) { c, _ in
                if map.flags[c] & CoverageMask.targetBit != 0 { cellsOfPatch[k].append(c) }
            }
        }
        var entriesByCell = [Int32: [(Int32, Double)]]()
        for (k, cells) in cellsOfPatch.enumerated() where !cells.isEmpty {
            let each = layout.patches[k].mass / Double(cells.count)
            for c in cells { entriesByCell[Int32(c), default: []].append((Int32(k), each)) }
        }
        var starts = [Int32](repeating: 0, count: n + 1)
        var entryPatch: [Int32] = []
        var entryMass: [Double] = []
        for c in 0..<n {
            starts[c] = Int32(entryPatch.count)
            if let list = entriesByCell[Int32(c)] {
                for (p, m) in list {
                    entryPatch.append(p)
                    entryMass.append(m)
                }
            }
        }
        starts[n] = Int32(entryPatch.count)
        litterStarts = starts
        litterEntryPatch = entryPatch
        litterEntryMass = entryMass

        var stainOrdinal = [Int32](repeating: -1, count: n)
        var stainCells: [Int32] = []
        for (k, s) in layout.stains.enumerated() {
            map.forEachCell(within: s.radius, ofSegment: s.center, s.center) { c, _ in
                if stainOrdinal[c] < 0 {
                    stainOrdinal[c] = Int32(stainCells.count)
                    stainCells.append(Int32(k))
                }
            }
        }
        cellStainOrdinal = stainOrdinal
        stainCellStain = stainCells

        obstacleIndex = BucketGrid(
            width: layout.width,
            height: layout.height,
            bucketSize: 2,
            bounds: layout.obstacles.map { $0.shape.bounds(margin: Self.obstacleMargin) }
        )
        objectIndex = BucketGrid(
            width: layout.width,
            height: layout.height,
            bucketSize: 2,
            bounds: layout.objects.map {
                Shape.circle(center: $0.position, radius: 0).bounds(margin: Self.objectMargin)
            }
        )
    }

    /// Generates the arena of `division` from `seed`: same seed, same arena.
    public init(division: SimDivision, seed: UInt64) {
        self.init(layout: ArenaLayout.generate(division: division, seed: seed))
    }

    // MARK: Totals the rulebook divides by

    /// M_d: total dust mass (kg).
    public var dustMass: Double { layout.dustMass }
    /// M_g: total gravel mass (kg).
    public var gravelMass: Double { layout.gravelMass }
    /// Σ all object ratings.
    public var ratingSum: Int { layout.ratingSum }
    /// S0: total stain area (m²).
    public var stainArea: Double { layout.stainArea }

    // MARK: Queries robots make

    /// The smallest clearance from a disc of `radius` at `p` to any static obstacle, and which.
    /// Only obstacles within `Arena.obstacleMargin` are seen.
    @inline(__always)
    public func nearestObstacle(to p: Vec2, radius: Double) -> (clearance: Double, index: Int) {
        var best = Double.infinity
        var which = -1
        let obstacles = layout.obstacles
        obstacleIndex.forEach(near: p) { k in
            let c = obstacles[k].shape.clearance(to: p) - radius
            if c < best {
                best = c
                which = k
            }
        }
        return (best, which)
    }

    /// Whether a disc of `radius` at `p` is clear of obstacles by `margin` (brute force; planning only).
    public func isFree(_ p: Vec2, radius: Double, margin: Double = 0) -> Bool {
        for o in layout.obstacles where o.shape.clearance(to: p) < radius + margin { return false }
        return true
    }

    /// The protected zone containing `p`, if any.
    @inline(__always) public func protectedZone(at p: Vec2) -> Int? {
        let zones = layout.protectedZones
        for k in zones.indices where zones[k].rect.contains(p) { return k }
        return nil
    }

    /// Fall-hazard multiplier of the ground at `p`.
    public func roughness(at p: Vec2) -> Double {
        for t in layout.terrain where t.rect.contains(p) { return t.roughness }
        return 1
    }
}
