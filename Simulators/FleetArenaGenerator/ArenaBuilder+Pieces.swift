import FleetArena
import FleetProtocol

/// The arena builder's pieces: walls, obstacles, zones, routes, litter; each division's
/// generator (ArenaLayout+Generation.swift) puts them together.
extension ArenaBuilder {
    // MARK: Pieces

    mutating func setSize(_ w: Double, _ h: Double) {
        layout.width = w
        layout.height = h
        layout.geofence = Rect(minX: 0, minY: 0, maxX: w, maxY: h)
    }

    /// Walls are solid: each becomes a 0.2 m thick obstacle on the side away from the zone.
    mutating func addWallObstacles() {
        for w in layout.walls {
            let mid = (w.a + w.b) * 0.5
            let t = 0.2
            let r: Rect
            if w.a.y == w.b.y {
                let north = !layout.inZone(mid + Vec2(0, 0.05))
                r = Rect(
                    minX: min(w.a.x, w.b.x),
                    minY: north ? w.a.y : w.a.y - t,
                    maxX: max(w.a.x, w.b.x),
                    maxY: north ? w.a.y + t : w.a.y
                )
            } else {
                let east = !layout.inZone(mid + Vec2(0.05, 0))
                r = Rect(
                    minX: east ? w.a.x : w.a.x - t,
                    minY: min(w.a.y, w.b.y),
                    maxX: east ? w.a.x + t : w.a.x,
                    maxY: max(w.a.y, w.b.y)
                )
            }
            addFixed(.wall, .rect(r))
        }
    }

    mutating func addFixed(_ kind: ObstacleKind, _ shape: Shape) {
        layout.obstacles.append(Obstacle(id: UInt32(layout.obstacles.count + 1), kind: kind, shape: shape))
    }

    /// Places an obstacle at a random spot at least `clearance` from the others and the
    /// special points (up to 50 tries).
    mutating func addObstacle(
        _ kind: ObstacleKind,
        in region: Rect,
        clearance: Double,
        _ make: (Vec2, inout SeededGenerator) -> Shape
    ) {
        for _ in 0..<50 {
            let c = Vec2(obstacleRNG.uniform(region.minX...region.maxX), obstacleRNG.uniform(region.minY...region.maxY))
            let shape = make(c, &obstacleRNG)
            let b = shape.bounds(margin: clearance)
            if layout.obstacles.contains(where: { $0.shape.bounds(margin: 0).intersects(b) }) { continue }
            if b.contains(layout.dock) || b.contains(layout.transferPoint) { continue }
            if layout.bins.contains(where: { b.contains($0.position) }) { continue }
            addFixed(kind, shape)
            return
        }
    }

    mutating func addBenchZones() {
        for o in layout.obstacles where o.kind == .bench {
            layout.protectedZones.append(
                ProtectedZone(
                    id: UInt32(layout.protectedZones.count + 1),
                    kind: .bench,
                    rect: o.shape.bounds(margin: 1.0)
                )
            )
        }
    }

    mutating func addPedestrianZone(in region: Rect, width: Double, height: Double) {
        let c = Vec2(
            obstacleRNG.uniform((region.minX + width / 2)...(region.maxX - width / 2)),
            obstacleRNG.uniform((region.minY + height / 2)...(region.maxY - height / 2))
        )
        layout.protectedZones.append(
            ProtectedZone(
                id: UInt32(layout.protectedZones.count + 1),
                kind: .pedestrian,
                rect: Rect(center: c, width: width, height: height)
            )
        )
    }

    /// Adds a route walked or driven again and again. `traffic` routes (vehicles, cyclists)
    /// are off the arena when the simulation starts and first come in from the route's start
    /// some time later, instead of starting part way along.
    mutating func addRoute(
        _ cls: AgentClass,
        radius: Double,
        speed: Double,
        points: [Vec2],
        period: Double? = nil,
        traffic: Bool = false
    ) {
        var length = 0.0
        for k in 1..<points.count { length += points[k - 1].distance(to: points[k]) }
        let travel = length / speed
        let p0 = period ?? (travel + agentRNG.uniform(5...60))
        let p = traffic ? max(p0, travel + 1) : p0
        // At time 0 the agent is `phase` seconds into its period: past `travel`, it is off the
        // arena and enters `p - phase` seconds later.
        let phase = agentRNG.uniform(traffic ? travel...p : 0...p)
        layout.routes.append(
            AgentRoute(
                id: UInt32(layout.routes.count + 1),
                agentClass: cls,
                radius: radius,
                speed: speed,
                points: points,
                period: p,
                phase: phase
            )
        )
    }

    /// A random point in `region`, inside the zone and clear of obstacles by `clearance`.
    mutating func freePoint(in region: Rect, clearance: Double) -> Vec2 {
        var p = region.center
        for _ in 0..<100 {
            p = Vec2(litterRNG.uniform(region.minX...region.maxX), litterRNG.uniform(region.minY...region.maxY))
            if layout.inZone(p) && layout.obstacles.allSatisfy({ $0.shape.clearance(to: p) >= clearance }) { return p }
        }
        return p
    }

    mutating func addObject(in region: Rect) {
        let category = ObjectCategory.allCases[weightedCategory()]
        let p = freePoint(in: region, clearance: 0.3)
        let massJitter = litterRNG.uniform(0.7...1.3)
        layout.objects.append(
            LitterObject(
                id: 1000 + nextItemID,
                category: category,
                rating: category.rating,
                mass: category.mass * massJitter,
                volume: category.volume,
                position: p
            )
        )
        nextItemID += 1
    }

    /// Small litter is common, big litter rare.
    mutating func weightedCategory() -> Int {
        let weights = [20, 18, 12, 10, 10, 5, 6, 3, 2]
        var r = litterRNG.below(weights.reduce(0, +))
        for (k, w) in weights.enumerated() {
            if r < w { return k }
            r -= w
        }
        return 0
    }

    mutating func scatterLitter(
        dust: ClosedRange<Int>,
        dustRadius: ClosedRange<Double>,
        dustMass: ClosedRange<Double>,
        gravel: ClosedRange<Int>,
        objects: ClosedRange<Int>,
        stains: ClosedRange<Int>,
        stainRadius: ClosedRange<Double>,
        region: Rect
    ) {
        let map = CoverageMask(
            width: layout.width,
            height: layout.height,
            inZone: { [layout] in layout.inZone($0) },
            edges: []
        )
        func gridArea(_ c: Vec2, _ r: Double) -> (cells: Int, area: Double) {
            var n = 0
            map.forEachCell(within: r, ofSegment: c, c) { k, _ in
                if map.flags[k] & CoverageMask.targetBit != 0 { n += 1 }
            }
            return (n, Double(n) * map.cellArea)
        }
        func count(_ r: ClosedRange<Int>) -> Int { r.lowerBound + litterRNG.below(r.upperBound - r.lowerBound + 1) }
        for (cls, n, radius, mass) in [
            (LitterClass.dust, count(dust), dustRadius, dustMass),
            (LitterClass.gravel, count(gravel), 0.5...1.2, 0.5...2.5),
        ] {
            for _ in 0..<n {
                let r = litterRNG.uniform(radius)
                // Dust gathers along kerbs and walls: half the patches start at an edge.
                var c = freePoint(in: region, clearance: 0)
                if litterRNG.chance(0.5), let e = (layout.kerbs + layout.walls).randomElementDeterministic(&litterRNG) {
                    let t = litterRNG.unit()
                    let q = e.a + (e.b - e.a) * t
                    let inward = region.clamp(q)
                    c = inward
                }
                let (cells, area) = gridArea(c, r)
                guard cells > 0 else { continue }
                layout.patches.append(
                    LitterPatch(
                        id: nextItemID,
                        litter: cls,
                        center: c,
                        radius: r,
                        mass: litterRNG.uniform(mass),
                        area: area
                    )
                )
                nextItemID += 1
            }
        }
        for _ in 0..<count(objects) { addObject(in: region) }
        var stainID: UInt32 = 1
        for _ in 0..<count(stains) {
            let r = litterRNG.uniform(stainRadius)
            let c = freePoint(in: region.insetBy(min(r, region.height / 3)), clearance: r)
            if layout.stains.contains(where: { $0.center.distance(to: c) < $0.radius + r + 0.3 }) { continue }
            let (cells, area) = gridArea(c, r)
            guard cells > 0 else { continue }
            layout.stains.append(Stain(id: stainID, center: c, radius: r, area: area))
            stainID += 1
        }
    }
}

extension Array {
    func randomElementDeterministic(_ g: inout SeededGenerator) -> Element? {
        isEmpty ? nil : self[g.below(count)]
    }
}
