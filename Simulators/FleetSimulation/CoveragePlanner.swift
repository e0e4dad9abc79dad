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

    public init(arena: Arena, radius: Double, brushWidth: Double, skill: Double) {
        self.arena = arena
        self.radius = radius
        self.brushWidth = brushWidth
        self.skill = skill
    }

    /// Clearance the planner keeps from obstacles beyond the footprint.
    public var margin: Double { 0.03 + 0.15 * skill }
    /// Distance of the robot's centre from kerbs and walls on the edge pass.
    public var edgeOffset: Double { radius + 0.04 + 0.45 * (1 - skill) }
    /// Lane spacing: good planners overlap lanes a little, poor ones leave gaps.
    public var laneSpacing: Double { brushWidth * (0.9 + 0.3 * (1 - skill)) }

    /// The coverage plan starting from `start`.
    public func plan(from start: Vec2) -> [Waypoint] {
        var out: [Waypoint] = []
        var at = start
        func go(_ p: Vec2, brush: Bool) {
            for q in route(from: at, to: p) { out.append(Waypoint(q, brush: brush)) }
            at = p
        }
        for rect in arena.layout.zone {
            let d = edgeOffset
            let inner = rect.insetBy(d)
            guard inner.width > 0, inner.height > 0 else { continue }
            let doEdge = skill >= 0.3
            if doEdge {
                // Edge pass: start at the corner nearest to where we are.
                var corners = [
                    Vec2(inner.minX, inner.minY), Vec2(inner.maxX, inner.minY),
                    Vec2(inner.maxX, inner.maxY), Vec2(inner.minX, inner.maxY),
                ]
                var first = 0
                for k in 1..<4 where corners[k].distance(to: at) < corners[first].distance(to: at) { first = k }
                corners = Array(corners[first...] + corners[..<first])
                go(corners[0], brush: false)
                for k in 1...4 { go(corners[k % 4], brush: true) }
            }
            // Lanes along the long side.
            let alongX = inner.width >= inner.height
            let across = alongX ? (inner.minY, inner.maxY) : (inner.minX, inner.maxX)
            let lo = across.0 + (doEdge ? laneSpacing : 0)
            let hi = across.1 - (doEdge ? laneSpacing * 0.5 : 0)
            guard hi >= lo else { continue }
            let n = Int(((hi - lo) / laneSpacing).rounded(.down)) + 1
            var forward = true
            for k in 0..<n {
                let c = lo + Double(k) * laneSpacing
                let (a, b) =
                    alongX ? (Vec2(inner.minX, c), Vec2(inner.maxX, c)) : (Vec2(c, inner.minY), Vec2(c, inner.maxY))
                let (s, e) = forward ? (a, b) : (b, a)
                go(s, brush: k > 0 || doEdge)
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
