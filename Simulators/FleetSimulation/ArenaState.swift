import FleetArena
import FleetArenaGenerator
import FleetProtocol

/// What changes in an arena during a run: litter left on the ground, stains washed, and
/// where the moving agents are now. One per run; robots in the run share it.
struct ArenaState: Sendable {
    /// Per dust/gravel entry of the arena: mass still lying there (kg).
    var litterRemaining: [Double]
    var objectOnGround: [Bool]
    /// Per stain cell.
    var stainWashed: [Bool]
    var agents: [AgentState]
    /// Per agent: how long it has waited for robots (vehicles brake; their route runs late).
    var agentDelay: [Double]
    /// Per agent: sideways step (m) to pass a robot (people and bikes). A vector rather than a
    /// distance across the route, so it carries over smoothly where the route turns.
    var agentShift: [Vec2]
    /// Per agent: pace as a fraction of the route speed (people and bikes slow down or stop
    /// when a robot stands in their way too close to step round).
    var agentPace: [Double]
    /// Per agent: how long (s) a vehicle has stood still.
    var agentStill: [Double]
    /// Robots in the run as of the last step: position, footprint radius and velocity.
    var robotDiscs: [(position: Vec2, radius: Double, velocity: Vec2)] = []
    /// Scratch space of `giveWay`: sideways bands (m, left of the route) robots block.
    var blocked: [(lo: Double, hi: Double)] = []
    /// The same bands at squeezing-past distance.
    var squeezed: [(lo: Double, hi: Double)] = []

    /// Seconds a driver waits, standing, before turning off.
    static let vehiclePatience = 30.0

    init(arena: Arena) {
        litterRemaining = arena.litterEntryMass
        objectOnGround = [Bool](repeating: true, count: arena.layout.objects.count)
        stainWashed = [Bool](repeating: false, count: arena.stainCellStain.count)
        agents = arena.layout.routes.map { $0.state(at: 0) }
        agentDelay = [Double](repeating: 0, count: arena.layout.routes.count)
        agentShift = [Vec2](repeating: .zero, count: arena.layout.routes.count)
        agentPace = [Double](repeating: 1, count: arena.layout.routes.count)
        agentStill = [Double](repeating: 0, count: arena.layout.routes.count)
    }

    /// Moves every agent to time `t`. Agents follow their routes but give way to robots:
    /// people, cyclists and drivers move aside at a limited sideways speed, keep out of the
    /// way until they are past, slow down or stop when a robot stands too close ahead to go
    /// round, and move away from a robot that closes in on them. A robot that drives at
    /// someone fast can still come too close.
    ///
    /// Drivers used to brake for any robot within 0.6 m of their lane and wait until it had
    /// gone, while on an auxiliary road the robots work in that lane: queues of waiting cars
    /// stood in the robots' way for minutes, and robots that went round them touched them.
    /// A driver now passes a robot the way a rider does, as far aside as the road allows.
    mutating func moveAgents(arena: Arena, to t: Double, dt: Double) {
        let routes = arena.layout.routes
        for k in routes.indices {
            let route = routes[k]
            var s = route.state(at: t - agentDelay[k])
            guard s.active else {
                agentShift[k] = .zero
                agentPace[k] = 1
                agents[k] = s
                continue
            }
            // A driver held up for long turns off into a side street: the car leaves the road
            // until its route's next pass. (Robots that wait for it and it for them would
            // otherwise stand there for the rest of the run.)
            if route.agentClass == .vehicle {
                agentStill[k] = agents[k].velocity.lengthSquared < 0.01 ? agentStill[k] + dt : 0
                if agentStill[k] > Self.vehiclePatience {
                    agentStill[k] = 0
                    let u = (t - agentDelay[k] + route.phase).truncatingRemainder(dividingBy: route.period)
                    let off = route.length / route.speed + 0.01
                    agentDelay[k] += (u < 0 ? u + route.period : u) - off
                    agentShift[k] = .zero
                    agentPace[k] = 1
                    agents[k] = route.state(at: t - agentDelay[k])
                    continue
                }
            }
            let dir = s.velocity * (1 / route.speed)
            let before = agents[k]
            let oldShift = agentShift[k]
            let oldDelay = agentDelay[k]
            giveWay(k, route: route, on: s, dir: dir, dt: dt)
            // Slowing down is running late on the route.
            let pace = agentPace[k]
            if pace < 1 {
                agentDelay[k] += (1 - pace) * dt
                s = route.state(at: t - agentDelay[k])
            }
            s.velocity = s.velocity * pace
            if route.agentClass == .vehicle {
                keepOnRoad(k, arena: arena, at: s.position, dir: dir, radius: route.radius)
            }
            s.position = s.position + agentShift[k]
            // Nobody walks or drives into a robot they can see: they stop instead. (A cyclist
            // cannot stop dead, so one who brakes too late still hits.)
            if route.agentClass != .cyclist && before.active && s.active
                && closesIn(from: before.position, to: s.position, radius: route.radius)
            {
                agentDelay[k] = oldDelay + dt
                agentPace[k] = 0
                s = route.state(at: t - agentDelay[k])
                s.velocity = .zero
                // Still stepping aside if that keeps clear; otherwise standing still.
                if closesIn(from: before.position, to: s.position + agentShift[k], radius: route.radius) {
                    agentShift[k] = oldShift
                }
                s.position = s.position + agentShift[k]
            }
            agents[k] = s
        }
    }

    /// Whether moving from `a` to `b` brings a disc of `radius` within touching distance of a
    /// robot it was not already touching.
    func closesIn(from a: Vec2, to b: Vec2, radius: Double) -> Bool {
        for robot in robotDiscs {
            let reach = radius + robot.radius + 0.05
            let after = (b - robot.position).lengthSquared
            if after < reach * reach && after < (a - robot.position).lengthSquared { return true }
        }
        return false
    }

    /// Steers a pedestrian or cyclist round the robots near its path: updates its sideways
    /// step and its pace.
    ///
    /// Each robot ahead blocks a band of sideways positions, widened towards where it is
    /// heading by the time they reach it (so people pass behind a robot that crosses their
    /// way). They keep to the route if it is free, otherwise take the nearest free position,
    /// at most `maxShift` aside; a robot too close ahead to step round makes them slow down
    /// and stop short of it.
    mutating func giveWay(_ k: Int, route: AgentRoute, on s: AgentState, dir: Vec2, dt: Double) {
        let cls = route.agentClass
        let cyclist = cls == .cyclist
        let normal = Vec2(-dir.y, dir.x)
        let shift = agentShift[k]
        let offset = shift.dot(normal)
        let here = s.position + shift
        // Sideways clearance they want (m), how far they look ahead (m) and go aside (m).
        let margin = cls == .vehicle ? 0.5 : cyclist ? 0.8 : 0.6
        let look = 2 + 4 * route.speed
        let maxShift = cls == .vehicle ? 2.0 : 3.0
        // How hard they brake (m/s²) and how far from a robot they come to a stop (m).
        let braking = cls == .vehicle ? 4.0 : cyclist ? 3.0 : 2.5
        let standOff = cls == .vehicle ? 1.0 : cyclist ? 0.8 : 0.5
        var paceTarget = 1.0
        var dodge = Vec2.zero
        blocked.removeAll(keepingCapacity: true)
        squeezed.removeAll(keepingCapacity: true)
        for robot in robotDiscs {
            let rel = robot.position - s.position
            let along = rel.dot(dir)
            if along > -(route.radius + robot.radius + 0.5) && along < look {
                let need = route.radius + robot.radius + margin
                let lateral = rel.dot(normal)
                let drift = min(max(robot.velocity.dot(normal) * max(0, along) / route.speed, -3), 3)
                blocked.append((min(lateral, lateral + drift) - need, max(lateral, lateral + drift) + need))
                let tight = route.radius + robot.radius + 0.2
                squeezed.append((lateral - tight, lateral + tight))
                // Too close to step round in time: slow down so as to stop short of it.
                let own = robot.position - here
                let ahead = own.dot(dir)
                if ahead > 0 && abs(own.dot(normal)) < route.radius + robot.radius + 0.15 {
                    let gap = ahead - route.radius - robot.radius - standOff
                    let v = (2 * braking * max(0, gap)).squareRoot()
                    paceTarget = min(paceTarget, v / route.speed)
                }
            }
            // A robot closing in from the side or behind: step away from it.
            let own = here - robot.position
            let dist = own.length
            let clearance = dist - route.radius - robot.radius
            if clearance < 0.8 && dist > 1e-6 {
                let away = own * (1 / dist)
                if robot.velocity.dot(away) > 0.05 || clearance < 0.3 { dodge = dodge + away * (0.8 - clearance) }
            }
        }
        var target = offset
        if isFree(offset, in: blocked) {
            // Back towards the route, as far as the robots beside it allow.
            target = 0
            for (lo, hi) in blocked where hi > min(0, offset) && lo < max(0, offset) {
                target = offset > 0 ? max(target, hi) : min(target, lo)
            }
        } else if let free = nearestFree(to: offset, in: blocked, within: maxShift) {
            target = free
        } else if let gap = nearestFree(to: offset, in: squeezed, within: maxShift) {
            // No room to pass at a comfortable distance: squeeze past, close by.
            target = gap
        }
        var want = normal * target + dir * shift.dot(dir) * 0.98
        if dodge.lengthSquared > 1e-12 { want = shift + dodge * (1 / max(1, dodge.length)) * 2 }
        let rate = (cls == .pedestrian ? 0.8 : 1.0) * dt
        let step = want - shift
        let len = step.length
        var next = len > rate ? shift + step * (rate / len) : want
        if next.length > maxShift + 1 { next = next * ((maxShift + 1) / next.length) }
        agentShift[k] = next
        // Braking harder than planned when it has to, up to a hard stop.
        let paceRate = (paceTarget < agentPace[k] ? braking + 2 : braking) / route.speed * dt
        agentPace[k] += min(max(paceTarget - agentPace[k], -paceRate), paceRate)
    }

    /// Keeps a vehicle's sideways step on the road: its disc stays inside the geofence across
    /// its lane (along the lane it comes in from outside and leaves).
    mutating func keepOnRoad(_ k: Int, arena: Arena, at p: Vec2, dir: Vec2, radius: Double) {
        let normal = Vec2(-dir.y, dir.x)
        let q = p + agentShift[k]
        let inside = arena.layout.geofence.insetBy(radius).clamp(q)
        let across = (inside - q).dot(normal)
        if abs(across) > 1e-12 { agentShift[k] = agentShift[k] + normal * across }
    }

    /// Whether a sideways position lies outside every band.
    func isFree(_ x: Double, in bands: [(lo: Double, hi: Double)]) -> Bool {
        for (lo, hi) in bands where x > lo + 1e-9 && x < hi - 1e-9 { return false }
        return true
    }

    /// The free sideways position nearest `x` (the route itself or the edge of a band), at
    /// most `limit` aside; nil when there is none.
    func nearestFree(to x: Double, in bands: [(lo: Double, hi: Double)], within limit: Double) -> Double? {
        var best: Double?
        func consider(_ c: Double) {
            guard abs(c) <= limit, isFree(c, in: bands) else { return }
            if best == nil || abs(c - x) < abs(best! - x) { best = c }
        }
        consider(0)
        for (lo, hi) in bands {
            consider(lo)
            consider(hi)
        }
        return best
    }
}

/// What a robot needs to know about the step it is taking.
struct StepContext {
    let runID: UInt32
    let division: SimDivision
    let arena: Arena
    /// Start and end of the step (s).
    let t0: Double
    let t1: Double
    let dt: Double
    /// End of the step in ns.
    let timeNs: UInt64
    /// The step lies inside RUNNING.
    let running: Bool
    let runStart: Double
    let runEnd: Double
    let speedLimit: Double
}
