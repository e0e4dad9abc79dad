import FleetArena
import FleetProtocol

/// Arena generators, one per division. Each draws from its own derived streams so that a
/// change to, say, litter placement leaves obstacles where they were.
extension ArenaLayout {
    /// How far outside the arena vehicles and cyclists start their way through it (m).
    ///
    /// Traffic used to appear a metre or five from the zone, or anywhere along its route at
    /// the start, so it could appear on top of a robot (at the dock, say) or closer than any
    /// robot or rider could stop: contacts nobody could avoid. From 15 m out a rider or driver
    /// sees the robots and brakes or steps round, and a robot sees them coming.
    public static let trafficRunUp = 15.0

    public static func generate(division: SimDivision, seed: UInt64) -> ArenaLayout {
        var b = ArenaBuilder(division: division, seed: seed)
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

struct ArenaBuilder {
    var layout: ArenaLayout
    var obstacleRNG: SeededGenerator
    var agentRNG: SeededGenerator
    var litterRNG: SeededGenerator
    var nextItemID: UInt32 = 1

    init(division: SimDivision, seed: UInt64) {
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
}
