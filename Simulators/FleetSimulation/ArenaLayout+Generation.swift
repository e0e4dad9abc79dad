/// Arena generators, one per division. Each draws from its own derived streams so that a
/// change to, say, litter placement leaves obstacles where they were.
extension ArenaLayout {
    /// How far outside the arena vehicles and cyclists start their way through it (m).
    ///
    /// Traffic used to appear a metre or five from the zone, or anywhere along its route at
    /// the start, so it could appear on top of a robot (at the dock, say) or closer than any
    /// robot or rider could stop: contacts nobody could avoid. From 15 m out a rider or driver
    /// sees the robots and brakes or steps round, and a robot sees them coming.
    static let trafficRunUp = 15.0

    public static func generate(division: Division, seed: UInt64) -> ArenaLayout {
        var b = Builder(division: division, seed: seed)
        switch division {
        case .park: b.buildPark()
        case .sidewalk: b.buildSidewalk()
        case .auxiliaryRoad: b.buildRoad()
        case .humanoid: b.buildHumanoid()
        }
        b.addWallObstacles()
        return b.layout
    }
}

private struct Builder {
    var layout: ArenaLayout
    var obstacleRNG: SeededGenerator
    var agentRNG: SeededGenerator
    var litterRNG: SeededGenerator
    var nextItemID: UInt32 = 1

    init(division: Division, seed: UInt64) {
        let root = SeededGenerator(seed: seed).derived(UInt64(division.rawValue) + 1)
        obstacleRNG = root.derived(1)
        agentRNG = root.derived(2)
        litterRNG = root.derived(3)
        layout = ArenaLayout(
            division: division,
            seed: seed,
            width: 0,
            height: 0,
            geofence: Rect(minX: 0, minY: 0, maxX: 0, maxY: 0),
            zone: [],
            kerbs: [],
            walls: [],
            obstacles: [],
            routes: [],
            patches: [],
            objects: [],
            stains: [],
            protectedZones: [],
            bins: [],
            ramp: nil,
            terrain: [],
            transferPoint: .zero,
            dock: .zero
        )
    }

    // MARK: Divisions

    mutating func buildPark() {
        setSize(40, 30)
        let main = Rect(minX: 1, minY: 1, maxX: 31, maxY: 29)
        let path = Rect(minX: 31, minY: 11, maxX: 39, maxY: 19)
        layout.zone = [main, path]
        layout.walls = [Segment(Vec2(31, 29), Vec2(1, 29))]
        layout.kerbs = [
            Segment(Vec2(1, 1), Vec2(31, 1)), Segment(Vec2(31, 1), Vec2(31, 11)), Segment(Vec2(31, 11), Vec2(39, 11)),
            Segment(Vec2(39, 11), Vec2(39, 19)), Segment(Vec2(39, 19), Vec2(31, 19)),
            Segment(Vec2(31, 19), Vec2(31, 29)),
            Segment(Vec2(1, 29), Vec2(1, 1)),
        ]
        layout.ramp = Ramp(id: 1, rect: Rect(minX: 32.5, minY: 22.5, maxX: 38.5, maxY: 25.5), slopeDegrees: 20)
        layout.dock = Vec2(36, 4)
        layout.transferPoint = Vec2(36, 7.5)
        let inner = main.insetBy(1.2)
        for _ in 0..<(6 + obstacleRNG.below(4)) {
            addObstacle(.tree, in: inner, clearance: 1.4) { c, g in .circle(center: c, radius: g.uniform(0.3...0.5)) }
        }
        for _ in 0..<(5 + obstacleRNG.below(4)) {
            addObstacle(.bench, in: inner, clearance: 1.4) { c, g in
                g.chance(0.5)
                    ? .rect(Rect(center: c, width: 1.8, height: 0.6)) : .rect(Rect(center: c, width: 0.6, height: 1.8))
            }
        }
        for k in 0..<4 {
            addFixed(.bollard, .circle(center: Vec2(31.6 + 2 * Double(k), 12.2 + 5.6 * Double(k % 2)), radius: 0.1))
        }
        addObstacle(.planter, in: inner, clearance: 1.6) { c, _ in .rect(Rect(center: c, width: 2, height: 2)) }
        addBenchZones()
        for _ in 0..<(1 + obstacleRNG.below(2)) { addPedestrianZone(in: inner, width: 4, height: 3) }
        // Pedestrians cross between entrances through a point in the square; a few cyclists use the path.
        let entrances = [Vec2(-1, 15), Vec2(16, -1), Vec2(16, 31), Vec2(41, 15), Vec2(-1, 4), Vec2(-1, 26)]
        for _ in 0..<(12 + agentRNG.below(8)) {
            let a = entrances[agentRNG.below(entrances.count)]
            var bIndex = agentRNG.below(entrances.count)
            if entrances[bIndex] == a { bIndex = (bIndex + 1) % entrances.count }
            let mid = Vec2(agentRNG.uniform(4...28), agentRNG.uniform(4...26))
            addRoute(.pedestrian, radius: 0.3, speed: agentRNG.uniform(1.0...1.6), points: [a, mid, entrances[bIndex]])
        }
        let (west, east) = (-ArenaLayout.trafficRunUp, 40 + ArenaLayout.trafficRunUp)
        for k in 0..<2 {
            let pts = k == 0 ? [Vec2(west, 15.5), Vec2(east, 15.5)] : [Vec2(east, 14.5), Vec2(west, 14.5)]
            addRoute(.cyclist, radius: 0.5, speed: agentRNG.uniform(3...4.5), points: pts, traffic: true)
        }
        scatterLitter(
            dust: 6...9,
            dustRadius: 0.8...2.0,
            dustMass: 0.3...1.5,
            gravel: 3...5,
            objects: 25...40,
            stains: 4...6,
            stainRadius: 0.4...1.2,
            region: main.insetBy(0.3)
        )
    }

    mutating func buildSidewalk() {
        setSize(60, 3)
        layout.zone = [Rect(minX: 0, minY: 0, maxX: 60, maxY: 3)]
        layout.kerbs = [Segment(Vec2(0, 0), Vec2(60, 0))]
        layout.walls = [Segment(Vec2(0, 3), Vec2(60, 3))]
        layout.dock = Vec2(0.6, 2.2)
        layout.transferPoint = Vec2(0.6, 0.9)
        var x = obstacleRNG.uniform(5...8)
        while x < 56 {
            switch obstacleRNG.below(3) {
            case 0: addFixed(.tree, .circle(center: Vec2(x, 0.7), radius: 0.35))
            case 1:
                let n = 1 + obstacleRNG.below(3)
                for k in 0..<n {
                    addFixed(
                        .bike,
                        .rect(Rect(minX: x + 2.0 * Double(k), minY: 0.15, maxX: x + 2.0 * Double(k) + 1.8, maxY: 0.65))
                    )
                }
                x += 2.0 * Double(n)
            default: addFixed(.bollard, .circle(center: Vec2(x, 0.45), radius: 0.1))
            }
            if obstacleRNG.chance(0.35) {
                let bx = min(57, x + obstacleRNG.uniform(1...3))
                addFixed(.bench, .rect(Rect(minX: bx, minY: 2.45, maxX: bx + 1.6, maxY: 2.95)))
            }
            x += obstacleRNG.uniform(5...9)
        }
        addBenchZones()
        for _ in 0..<(2 + obstacleRNG.below(2)) {
            let dx = obstacleRNG.uniform(8...55)
            layout.protectedZones.append(
                ProtectedZone(
                    id: UInt32(layout.protectedZones.count + 1),
                    kind: .pedestrian,
                    rect: Rect(minX: dx, minY: 2.0, maxX: dx + 2, maxY: 3)
                )
            )
        }
        for _ in 0..<(15 + agentRNG.below(10)) {
            let y = agentRNG.uniform(1.1...2.3)
            let east = agentRNG.chance(0.5)
            addRoute(
                .pedestrian,
                radius: 0.3,
                speed: agentRNG.uniform(1.0...1.6),
                points: east ? [Vec2(-1, y), Vec2(61, y)] : [Vec2(61, y), Vec2(-1, y)]
            )
        }
        for _ in 0..<(2 + agentRNG.below(3)) {
            let y = agentRNG.uniform(1.2...1.8)
            let east = agentRNG.chance(0.5)
            let (w, e) = (Vec2(-ArenaLayout.trafficRunUp, y), Vec2(60 + ArenaLayout.trafficRunUp, y))
            addRoute(
                .cyclist,
                radius: 0.5,
                speed: agentRNG.uniform(3...5),
                points: east ? [w, e] : [e, w],
                traffic: true
            )
        }
        scatterLitter(
            dust: 8...12,
            dustRadius: 0.4...1.0,
            dustMass: 0.1...0.6,
            gravel: 3...6,
            objects: 30...50,
            stains: 5...8,
            stainRadius: 0.3...0.7,
            region: Rect(minX: 2, minY: 0.2, maxX: 59.5, maxY: 2.8)
        )
    }

    mutating func buildRoad() {
        setSize(80, 7)
        layout.zone = [Rect(minX: 0, minY: 0, maxX: 80, maxY: 7)]
        layout.kerbs = [Segment(Vec2(0, 0), Vec2(80, 0)), Segment(Vec2(0, 7), Vec2(80, 7))]
        // Dock and transfer point at the kerbs, out of the traffic lane: a robot docked or
        // dumping in the lane held drivers up for as long as it stood there, and they in turn
        // held up every robot going to the dock.
        layout.dock = Vec2(1.0, 6.35)
        layout.transferPoint = Vec2(1.0, 0.9)
        var x = obstacleRNG.uniform(4...10)
        while x < 74 {
            if obstacleRNG.chance(0.7) {
                addFixed(.car, .rect(Rect(minX: x, minY: 0.25, maxX: x + 4.5, maxY: 2.05)))
                x += 4.5 + obstacleRNG.uniform(0.8...6)
            } else {
                x += obstacleRNG.uniform(3...8)
            }
        }
        for _ in 0..<(2 + obstacleRNG.below(3)) {
            addFixed(.bollard, .circle(center: Vec2(obstacleRNG.uniform(5...75), 6.75), radius: 0.1))
        }
        for _ in 0..<(4 + agentRNG.below(4)) {
            let y = agentRNG.uniform(3.8...4.8)
            let east = agentRNG.chance(0.5)
            let (w, e) = (Vec2(-ArenaLayout.trafficRunUp, y), Vec2(80 + ArenaLayout.trafficRunUp, y))
            addRoute(
                .vehicle,
                radius: 1.0,
                speed: agentRNG.uniform(4...8),
                points: east ? [w, e] : [e, w],
                period: agentRNG.uniform(40...120),
                traffic: true
            )
        }
        for _ in 0..<(2 + agentRNG.below(3)) {
            let y = agentRNG.uniform(5.8...6.3)
            addRoute(
                .cyclist,
                radius: 0.5,
                speed: agentRNG.uniform(3...5),
                points: [Vec2(-ArenaLayout.trafficRunUp, y), Vec2(80 + ArenaLayout.trafficRunUp, y)],
                traffic: true
            )
        }
        for _ in 0..<(3 + agentRNG.below(3)) {
            let cx = agentRNG.uniform(10...70)
            addRoute(
                .pedestrian,
                radius: 0.3,
                speed: agentRNG.uniform(1.0...1.5),
                points: [Vec2(cx, -1), Vec2(cx, 8)],
                period: agentRNG.uniform(60...150)
            )
            layout.protectedZones.append(
                ProtectedZone(
                    id: UInt32(layout.protectedZones.count + 1),
                    kind: .pedestrian,
                    rect: Rect(minX: cx - 1.5, minY: 0, maxX: cx + 1.5, maxY: 7)
                )
            )
        }
        scatterLitter(
            dust: 10...14,
            dustRadius: 0.4...1.2,
            dustMass: 0.2...1.2,
            gravel: 5...8,
            objects: 30...45,
            stains: 3...5,
            stainRadius: 0.5...1.2,
            region: Rect(minX: 3, minY: 0.2, maxX: 79.5, maxY: 6.8)
        )
    }

    mutating func buildHumanoid() {
        setSize(20, 15)
        let zone = Rect(minX: 0.5, minY: 0.5, maxX: 19.5, maxY: 14.5)
        layout.zone = [zone]
        layout.walls = zone.edges
        layout.dock = Vec2(1.5, 1.5)
        layout.transferPoint = Vec2(10, 1.2)
        layout.bins = [Bin(id: 1, position: Vec2(2.5, 12.5)), Bin(id: 2, position: Vec2(17.5, 12.5))]
        if obstacleRNG.chance(0.5) { layout.bins.append(Bin(id: 3, position: Vec2(17.5, 3))) }
        for _ in 0..<(2 + obstacleRNG.below(2)) {
            addObstacle(.tree, in: zone.insetBy(2), clearance: 1.5) { c, g in
                .circle(center: c, radius: g.uniform(0.25...0.4))
            }
        }
        for _ in 0..<(1 + obstacleRNG.below(2)) {
            addObstacle(.bench, in: zone.insetBy(2.5), clearance: 1.5) { c, _ in
                .rect(Rect(center: c, width: 1.8, height: 0.6))
            }
        }
        let kinds: [(TerrainPatch.Kind, Double)] = [(.grass, 1.6), (.gravel, 2.5), (.cobbles, 2.0)]
        for _ in 0..<(2 + obstacleRNG.below(3)) {
            let (kind, rough) = kinds[obstacleRNG.below(kinds.count)]
            let c = Vec2(obstacleRNG.uniform(3...17), obstacleRNG.uniform(3...12))
            layout.terrain.append(
                TerrainPatch(
                    kind: kind,
                    rect: Rect(
                        center: c,
                        width: obstacleRNG.uniform(2...5),
                        height: obstacleRNG.uniform(2...4)
                    ),
                    roughness: rough
                )
            )
        }
        for _ in 0..<(2 + agentRNG.below(3)) {
            let y = agentRNG.uniform(4...11)
            addRoute(
                .pedestrian,
                radius: 0.3,
                speed: agentRNG.uniform(0.9...1.4),
                points: [Vec2(-1, y), Vec2(21, y)],
                period: agentRNG.uniform(40...90)
            )
        }
        let n = 10 + litterRNG.below(7)
        for _ in 0..<n { addObject(in: zone.insetBy(1)) }
    }

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
        let map = CoverageMap(
            width: layout.width,
            height: layout.height,
            inZone: { [layout] in layout.inZone($0) },
            edges: []
        )
        func gridArea(_ c: Vec2, _ r: Double) -> (cells: Int, area: Double) {
            var n = 0
            map.forEachCell(within: r, ofSegment: c, c) { k, _ in
                if map.flags[k] & CoverageMap.targetBit != 0 { n += 1 }
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
