public import FleetArena

/// One point of a robot's route.
public struct Waypoint: Equatable, Sendable {
    public var position: Vec2
    /// Brush down on the leg that ends here.
    public var brush: Bool

    public init(_ position: Vec2, brush: Bool) {
        self.position = position
        self.brush = brush
    }
}

/// Plans coverage routes: an edge pass along kerbs and walls, then boustrophedon lanes,
/// with detours around obstacles. How well it does it depends on the team's planner skill.
public struct CoveragePlanner: Sendable {
    public let arena: Arena
    public let radius: Double
    public let brushWidth: Double
    public let skill: Double
    /// This robot's share of the zone: a band across the lanes, as fractions (0…1) of the
    /// width of each zone rectangle. The whole zone for a robot working alone.
    public let sector: ClosedRange<Double>

    public init(arena: Arena, radius: Double, brushWidth: Double, skill: Double, sector: ClosedRange<Double> = 0...1) {
        self.arena = arena
        self.radius = radius
        self.brushWidth = brushWidth
        self.skill = skill
        self.sector = sector
    }

    /// Clearance the planner keeps from obstacles beyond the footprint.
    public var margin: Double { 0.03 + 0.15 * skill }
    /// Distance of the robot's centre from kerbs and walls on the edge pass.
    public var edgeOffset: Double { radius + 0.04 + 0.45 * (1 - skill) }
    /// Lane spacing: a little under the brush width, so neighbouring lanes overlap slightly;
    /// poor planners, unsure where they are, overlap a lot more or leave gaps.
    public var laneSpacing: Double { brushWidth * (0.92 - 0.25 * (1 - skill)) }

    /// The coverage plan starting from `start`: boustrophedon lanes along the long side of
    /// each zone rectangle, in this robot's band of it.
    ///
    /// A team splits the zone between its robots: each robot sweeps its own band across the
    /// lanes (`sector`, a fraction of the zone's width), so the robots do not sweep the same
    /// ground twice. The outermost lanes run along the kerbs and walls (for planners good
    /// enough to do the edges); the lane ends sweep the short sides. Legs between lanes keep
    /// the brush down; moving to the first lane of a rectangle lifts it.
    public func plan(from start: Vec2) -> [Waypoint] {
        var out: [Waypoint] = []
        var at = start
        func go(_ p: Vec2, brush: Bool) {
            for q in route(from: at, to: p) { out.append(Waypoint(q, brush: brush)) }
            at = p
        }
        let doEdge = skill >= 0.3
        for rect in arena.layout.zone {
            let inner = rect.insetBy(edgeOffset)
            guard inner.width > 0, inner.height > 0 else { continue }
            let alongX = inner.width >= inner.height
            let across = alongX ? (inner.minY, inner.maxY) : (inner.minX, inner.maxX)
            // The strip swept across the lanes, split between the team's robots.
            let half = brushWidth / 2
            let full = (across.0 - half, across.1 + half)
            let s0 = full.0 + sector.lowerBound * (full.1 - full.0)
            let s1 = full.0 + sector.upperBound * (full.1 - full.0)
            let inset = doEdge ? 0 : laneSpacing / 2
            let lo = max(across.0 + inset, s0 + laneSpacing / 2)
            let hi = min(across.1 - inset, s1 - laneSpacing / 2)
            var lanes: [Double]
            if hi <= lo {
                guard s1 > s0 + 0.2 else { continue }
                lanes = [min(max((s0 + s1) / 2, across.0), across.1)]
            } else {
                let n = Int(((hi - lo) / laneSpacing).rounded(.up)) + 1
                let step = (hi - lo) / Double(n - 1)
                lanes = (0..<n).map { lo + Double($0) * step }
            }
            func end(_ c: Double, _ first: Bool) -> Vec2 {
                alongX ? Vec2(first ? inner.minX : inner.maxX, c) : Vec2(c, first ? inner.minY : inner.maxY)
            }
            // Start with the lane end nearest to where the robot is.
            let firstLane = lanes[0]
            let lastLane = lanes[lanes.count - 1]
            let nearFirst = min(at.distance(to: end(firstLane, true)), at.distance(to: end(firstLane, false)))
            let nearLast = min(at.distance(to: end(lastLane, true)), at.distance(to: end(lastLane, false)))
            if nearLast < nearFirst { lanes.reverse() }
            var forward = at.distance(to: end(lanes[0], true)) <= at.distance(to: end(lanes[0], false))
            for (k, c) in lanes.enumerated() {
                let (s, e) = forward ? (end(c, true), end(c, false)) : (end(c, false), end(c, true))
                go(s, brush: k > 0)
                go(e, brush: true)
                forward.toggle()
            }
        }
        return out
    }

    /// A route from `a` to `b` (excluding `a`, ending at `b`) that goes around obstacles
    /// on the side that is free, by the corners of each obstacle's grown bounds.
    public func route(from a: Vec2, to b: Vec2, extraMargin: Double = 0, depth: Int = 4) -> [Vec2] {
        let clear = radius + margin + extraMargin
        var hit = -1
        var hitT = Double.infinity
        let d = b - a
        let len2 = d.lengthSquared
        for (k, o) in arena.layout.obstacles.enumerated()
        where o.kind != .wall && o.shape.clearance(toSegment: a, b) < clear {
            let t = len2 > 0 ? (o.shape.center - a).dot(d) / len2 : 0
            if t < hitT {
                hitT = t
                hit = k
            }
        }
        guard hit >= 0, depth > 0, len2 > 0 else { return [b] }
        let box = arena.layout.obstacles[hit].shape.bounds(margin: clear + 0.02)
        let corners = [
            Vec2(box.minX, box.minY), Vec2(box.maxX, box.minY), Vec2(box.maxX, box.maxY), Vec2(box.minX, box.maxY),
        ]
        var best: [Vec2]? = nil
        var bestLength = Double.infinity
        for side in [1.0, -1.0] {
            var pts = corners.filter { side * (d.x * ($0.y - a.y) - d.y * ($0.x - a.x)) > 0 }
            if pts.isEmpty { continue }
            pts.sort { ($0 - a).dot(d) < ($1 - a).dot(d) }
            guard pts.allSatisfy({ usable($0) }) else { continue }
            var length = a.distance(to: pts[0]) + pts[pts.count - 1].distance(to: b)
            for k in 1..<pts.count { length += pts[k - 1].distance(to: pts[k]) }
            if length < bestLength {
                bestLength = length
                best = pts
            }
        }
        guard let via = best else { return [b] }
        var out: [Vec2] = []
        var from = a
        for p in via + [b] {
            out += route(from: from, to: p, extraMargin: extraMargin, depth: depth - 1)
            from = p
        }
        return out
    }

    /// Whether a detour point can be driven to: inside the geofence, clear of obstacles.
    func usable(_ p: Vec2) -> Bool {
        let fence = arena.layout.geofence
        return fence.contains(p) && arena.isFree(p, radius: radius, margin: 0.01)
    }
}
