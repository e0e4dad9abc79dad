#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point or vector in the arena frame (metres; x east, y north).
public struct Vec2: Hashable, Codable, Sendable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    public static let zero = Vec2(0, 0)

    @inline(__always) public static func + (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x + b.x, a.y + b.y) }
    @inline(__always) public static func - (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x - b.x, a.y - b.y) }
    @inline(__always) public static func * (a: Vec2, k: Double) -> Vec2 { Vec2(a.x * k, a.y * k) }
    @inline(__always) public func dot(_ b: Vec2) -> Double { x * b.x + y * b.y }
    @inline(__always) public var lengthSquared: Double { x * x + y * y }
    @inline(__always) public var length: Double { lengthSquared.squareRoot() }
    @inline(__always) public func distance(to b: Vec2) -> Double { (self - b).length }

    /// The unit vector at `angle` radians counter-clockwise from east.
    public static func unit(_ angle: Double) -> Vec2 { Vec2(cos(angle), sin(angle)) }
}

/// Squared distance from `p` to the segment `a`–`b`.
///
/// This is the one formula the coverage rule uses; the scorer must compute it the same way:
/// `t = clamp(((p − a)·d) / (d·d), 0, 1)` with `d = b − a` (`t = 0` when `d·d == 0`),
/// then `|p − (a + t·d)|²`.
@inline(__always)
public func squaredDistance(from p: Vec2, toSegment a: Vec2, _ b: Vec2) -> Double {
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

/// An axis-aligned rectangle; arenas are laid out along the axes, so this covers zones,
/// benches, parked vehicles and the geofence.
public struct Rect: Hashable, Codable, Sendable {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    public init(center: Vec2, width: Double, height: Double) {
        self.init(
            minX: center.x - width / 2,
            minY: center.y - height / 2,
            maxX: center.x + width / 2,
            maxY: center.y + height / 2
        )
    }

    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    public var area: Double { width * height }
    public var center: Vec2 { Vec2((minX + maxX) / 2, (minY + maxY) / 2) }

    @inline(__always) public func contains(_ p: Vec2) -> Bool {
        p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY
    }

    public func insetBy(_ d: Double) -> Rect {
        Rect(minX: minX + d, minY: minY + d, maxX: maxX - d, maxY: maxY - d)
    }

    /// Distance from `p` to the rectangle (0 inside).
    @inline(__always) public func distance(to p: Vec2) -> Double {
        let dx = max(minX - p.x, 0, p.x - maxX)
        let dy = max(minY - p.y, 0, p.y - maxY)
        return (dx * dx + dy * dy).squareRoot()
    }

    /// How far `p` is outside the rectangle (0 inside).
    public func distanceOutside(_ p: Vec2) -> Double { distance(to: p) }

    /// The closest point of the rectangle to `p`.
    public func clamp(_ p: Vec2) -> Vec2 {
        Vec2(min(max(p.x, minX), maxX), min(max(p.y, minY), maxY))
    }

    public func intersects(_ other: Rect) -> Bool {
        minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
    }

    /// The four edges, counter-clockwise from the south edge.
    public var edges: [Segment] {
        let a = Vec2(minX, minY)
        let b = Vec2(maxX, minY)
        let c = Vec2(maxX, maxY)
        let d = Vec2(minX, maxY)
        return [Segment(a, b), Segment(b, c), Segment(c, d), Segment(d, a)]
    }
}

/// A line segment: kerbs, walls and route legs.
public struct Segment: Hashable, Codable, Sendable {
    public var a: Vec2
    public var b: Vec2
    public init(_ a: Vec2, _ b: Vec2) {
        self.a = a
        self.b = b
    }
    public var length: Double { a.distance(to: b) }
    public func distance(to p: Vec2) -> Double { squaredDistance(from: p, toSegment: a, b).squareRoot() }
}

/// A fixed shape: a circle (tree, bollard) or an axis-aligned rectangle (bench, bike, car).
public enum Shape: Hashable, Codable, Sendable {
    case circle(center: Vec2, radius: Double)
    case rect(Rect)

    /// Distance from `p` to the shape's boundary, negative inside (for circles) or 0 inside (rects).
    @inline(__always) public func clearance(to p: Vec2) -> Double {
        switch self {
        case let .circle(c, r): return p.distance(to: c) - r
        case let .rect(rect):
            let inside = rect.contains(p)
            if !inside { return rect.distance(to: p) }
            let d = min(p.x - rect.minX, rect.maxX - p.x, p.y - rect.minY, rect.maxY - p.y)
            return -d
        }
    }

    public var center: Vec2 {
        switch self {
        case let .circle(c, _): return c
        case let .rect(r): return r.center
        }
    }

    /// The axis-aligned bounds grown by `margin`.
    public func bounds(margin: Double) -> Rect {
        switch self {
        case let .circle(c, r):
            return Rect(minX: c.x - r - margin, minY: c.y - r - margin, maxX: c.x + r + margin, maxY: c.y + r + margin)
        case let .rect(r): return r.insetBy(-margin)
        }
    }

    /// The smallest distance between the segment `a`–`b` and the shape (0 when they touch).
    public func clearance(toSegment a: Vec2, _ b: Vec2) -> Double {
        switch self {
        case let .circle(c, r):
            return squaredDistance(from: c, toSegment: a, b).squareRoot() - r
        case let .rect(rect):
            if rect.contains(a) || rect.contains(b) { return 0 }
            // Sample-free exact test: segment against each edge, else min endpoint distances.
            var best = min(rect.distance(to: a), rect.distance(to: b))
            for e in rect.edges {
                if segmentsIntersect(a, b, e.a, e.b) { return 0 }
                best = min(best, squaredDistance(from: e.a, toSegment: a, b).squareRoot())
            }
            return best
        }
    }
}

/// Whether segments `p1`–`p2` and `q1`–`q2` cross or touch.
public func segmentsIntersect(_ p1: Vec2, _ p2: Vec2, _ q1: Vec2, _ q2: Vec2) -> Bool {
    func orient(_ a: Vec2, _ b: Vec2, _ c: Vec2) -> Double { (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) }
    let d1 = orient(q1, q2, p1)
    let d2 = orient(q1, q2, p2)
    let d3 = orient(p1, p2, q1)
    let d4 = orient(p1, p2, q2)
    if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
    return d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0
        && max(p1.x, p2.x) >= min(q1.x, q2.x) && max(q1.x, q2.x) >= min(p1.x, p2.x)
        && max(p1.y, p2.y) >= min(q1.y, q2.y) && max(q1.y, q2.y) >= min(p1.y, p2.y)
}

/// `angle` wrapped into (−π, π].
@inline(__always)
public func wrapAngle(_ angle: Double) -> Double {
    var a = angle
    if a > .pi || a <= -.pi {
        a = a - 2 * .pi * (a / (2 * .pi)).rounded()
        if a <= -.pi { a += 2 * .pi }
        if a > .pi { a -= 2 * .pi }
    }
    return a
}
