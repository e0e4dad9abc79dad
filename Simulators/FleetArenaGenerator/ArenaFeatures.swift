public import FleetArena
public import FleetProtocol

// Agent, contact, litter and zone classes are the wire protocol's own enums
// (FleetProtocol's `AgentClass`, `ContactClass`, `LitterClass`, `ZoneKind`).

extension ContactClass {
    /// What touching an agent of this class is, for the referee.
    public init(_ agent: AgentClass) {
        switch agent {
        case .pedestrian: self = .pedestrian
        case .cyclist: self = .cyclist
        case .vehicle: self = .vehicle
        default: self = .static
        }
    }
}

public enum ObstacleKind: String, Codable, Sendable {
    case bench, tree, bollard, bike, car, planter
    /// A wall: a thin rectangle just outside the zone edge it bounds.
    case wall
}

/// A fixed obstacle a robot must not touch.
public struct Obstacle: Codable, Equatable, Sendable {
    public var id: UInt32
    public var kind: ObstacleKind
    public var shape: Shape
}

/// A route a pedestrian, cyclist or vehicle walks or drives again and again.
///
/// Position is a pure function of time: the agent enters at the route's first point at
/// `phase + k·period` and moves along the polyline at `speed`; between the end of the route
/// and its next start it is off the arena (inactive).
public struct AgentRoute: Codable, Equatable, Sendable {
    public var id: UInt32
    public var agentClass: AgentClass
    public var radius: Double
    public var speed: Double
    public var points: [Vec2]
    public var period: Double
    public var phase: Double
    /// Cumulative length at each point.
    public let cumulative: [Double]

    public init(
        id: UInt32,
        agentClass: AgentClass,
        radius: Double,
        speed: Double,
        points: [Vec2],
        period: Double,
        phase: Double
    ) {
        self.id = id
        self.agentClass = agentClass
        self.radius = radius
        self.speed = speed
        self.points = points
        var c = [0.0]
        for k in 1..<points.count { c.append(c[k - 1] + points[k - 1].distance(to: points[k])) }
        cumulative = c
        let travel = c[c.count - 1] / speed
        self.period = max(period, travel + 1)
        self.phase = phase
    }

    public var length: Double { cumulative[cumulative.count - 1] }

    /// Unit vector from the route's start to its end: the way a vehicle or a bike goes
    /// (their routes are straight).
    public var direction: Vec2 {
        let d = points[points.count - 1] - points[0]
        let l = d.length
        return l > 0 ? d * (1 / l) : .zero
    }

    /// Where the agent is at simulated time `t` seconds.
    @inline(__always) public func state(at t: Double) -> AgentState {
        var u = (t + phase).truncatingRemainder(dividingBy: period)
        if u < 0 { u += period }
        let s = u * speed
        guard s <= length else { return AgentState(position: Vec2(-1e6, -1e6), velocity: .zero, active: false) }
        var k = 1
        while k < cumulative.count - 1 && cumulative[k] < s { k += 1 }
        let a = points[k - 1]
        let b = points[k]
        let segLen = cumulative[k] - cumulative[k - 1]
        let f = segLen > 0 ? (s - cumulative[k - 1]) / segLen : 0
        let dir = segLen > 0 ? (b - a) * (1 / segLen) : .zero
        return AgentState(position: a + (b - a) * f, velocity: dir * speed, active: true)
    }
}

public struct AgentState: Equatable, Sendable {
    public var position: Vec2
    public var velocity: Vec2
    public var active: Bool
}

/// A dust or gravel patch: its mass is spread evenly over the grid cells inside its disc.
public struct LitterPatch: Codable, Equatable, Sendable {
    public var id: UInt32
    public var litter: LitterClass
    public var center: Vec2
    public var radius: Double
    /// Total mass (kg): the sum over its cells, so collecting every cell gives exactly this.
    public var mass: Double
    /// Area of its grid cells (m²).
    public var area: Double
}

/// Kinds of litter object, with their rating, mass and volume.
public enum ObjectCategory: UInt8, Codable, Sendable, CaseIterable {
    case cigaretteButt, wrapper, paperCup, can, plasticBottle, glassBottle, plasticBag, branch, box

    public var rating: UInt8 {
        switch self {
        case .cigaretteButt, .wrapper: 1
        case .paperCup: 2
        case .can, .plasticBottle: 3
        case .glassBottle, .plasticBag: 4
        case .branch, .box: 5
        }
    }

    /// Typical mass (kg).
    public var mass: Double {
        switch self {
        case .cigaretteButt: 0.001
        case .wrapper: 0.005
        case .paperCup: 0.012
        case .can: 0.015
        case .plasticBottle: 0.03
        case .glassBottle: 0.35
        case .plasticBag: 0.02
        case .branch: 0.4
        case .box: 0.3
        }
    }

    /// Bulk volume in a hopper (litres).
    public var volume: Double {
        switch self {
        case .cigaretteButt: 0.002
        case .wrapper: 0.05
        case .paperCup: 0.3
        case .can: 0.35
        case .plasticBottle: 0.6
        case .glassBottle: 0.7
        case .plasticBag: 1.0
        case .branch: 2.5
        case .box: 6.0
        }
    }
}

/// One rated litter object.
public struct LitterObject: Codable, Equatable, Sendable {
    public var id: UInt32
    public var category: ObjectCategory
    public var rating: UInt8
    public var mass: Double
    public var volume: Double
    public var position: Vec2
}

/// A stain to wash; its area is the area of its grid cells.
public struct Stain: Codable, Equatable, Sendable {
    public var id: UInt32
    public var center: Vec2
    public var radius: Double
    public var area: Double
}

/// A pedestrian or bench zone: no spraying inside.
public struct ProtectedZone: Codable, Equatable, Sendable {
    public var id: UInt32
    public var kind: ZoneKind
    public var rect: Rect
}

/// A litter bin (division H): items are placed in it, then it is carried to the transfer point.
public struct Bin: Codable, Equatable, Sendable {
    public var id: UInt32
    public var position: Vec2
}

/// The division P ramp: climbed going east from `rect.minX` to `rect.maxX`.
public struct Ramp: Codable, Equatable, Sendable {
    public var id: UInt32
    public var rect: Rect
    public var slopeDegrees: Double
}

/// Ground that makes humanoids fall more often (division H).
public struct TerrainPatch: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case grass, gravel, cobbles }
    public var kind: Kind
    public var rect: Rect
    /// Multiplies the fall hazard (paving is 1).
    public var roughness: Double
}
