import FleetArena
import FleetArenaGenerator
import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Giving way to vehicles and cyclists.
///
/// One touch of a vehicle or a cyclist zeroes the team's run and a second disqualifies the
/// robot, and on an auxiliary road or a cycle lane a robot works in the traffic's lane all the
/// time. Drivers and riders brake for a robot ahead of them, but cannot dodge one that drives
/// into their side or pulls out in front of them. So a robot predicts the path of the traffic
/// near it (its lane, as wide as the agent plus the robot plus a clearance) and gives way the
/// way a careful driver would: it does not pull into that lane in front of a vehicle or bike
/// that will be there before it is across, it pulls out of it when one comes, it never drives
/// at one, and when one stands in front of it (a driver waiting for it) it gets out of that
/// lane, or backs away, instead of both waiting for each other.
///
/// How well it does this is the team's `avoidance` skill: how far it perceives traffic, the
/// clearance it keeps, and whether it notices each pass of a vehicle or bike in time. An
/// expert notices every pass from far away; a novice or a reckless team misses some passes
/// until the agent is a few metres away, and then may no longer be able to stop.
extension SanitationRobot {
    /// The agent classes this treats (people on foot are left to `avoid`).
    static func isTraffic(_ cls: AgentClass) -> Bool { cls == .vehicle || cls == .cyclist }

    /// Range (m) within which the robot perceives traffic it has noticed in time.
    var trafficRange: Double { 6 + 24 * skill.avoidance }

    /// Clearance (m) the robot keeps to the side of a vehicle's or bike's path.
    var trafficClearance: Double { 0.35 + 0.45 * skill.avoidance }

    /// Whether the robot notices this pass of route `k` in time (otherwise only when it is
    /// a few metres away). Drawn from a hash of the robot, the route and the pass rather
    /// than from the robot's generator, so that traffic does not shift the robot's other
    /// random choices (faults, pickups) and the run stays a function of the seed.
    func noticesInTime(_ route: AgentRoute, delay: Double, at t: Double) -> Bool {
        let late = 0.6 * (1 - skill.avoidance) * (1 - skill.avoidance)
        guard late > 0 else { return true }
        let pass = UInt64(bitPattern: Int64(((t - delay + route.phase) / route.period).rounded(.down)))
        var g = SeededGenerator(
            seed: trafficSeed ^ (UInt64(route.id) &* 0x9E37_79B9_7F4A_7C15) ^ (pass &* 0xD6E8_FEB8_6659_FD93)
        )
        return g.unit() >= late
    }

    /// What the traffic close by asks of the robot this step.
    struct TrafficView {
        var stop = false
        var yielding = false
        var pullOut: Vec2?
        var soonest = Double.infinity
        /// The nearest standing agent the robot faces too close, and the way out of its lane.
        var standoff: (gap: Double, exit: Vec2?)?
        /// Directions to the traffic close by: the robot does not pull out towards any of it.
        var close: [Vec2] = []

        /// Not out towards traffic close by.
        func isOpen(_ dir: Vec2) -> Bool { !close.contains { dir.dot($0) > 0.2 } }
    }

    /// Overrides the speed and turn commands where traffic calls for it; waiting for traffic
    /// to pass counts as progress (it is not being stuck).
    mutating func giveWayToTraffic(_ ctx: StepContext, state: ArenaState, vCmd: inout Double, wCmd: inout Double) {
        let agents = state.agents
        let routes = ctx.arena.layout.routes
        let heading = Vec2(cos(self.heading), sin(self.heading))
        let v = max(vCmd, speed, 0)
        var view = TrafficView()
        for k in agents.indices where agents[k].active && Self.isTraffic(routes[k].agentClass) {
            weigh(agent: k, ctx, state: state, heading: heading, speed: v, into: &view)
        }
        // Not out towards traffic close by.
        if let dir = view.pullOut, !view.isOpen(dir) {
            view.pullOut = nil
            view.stop = true
        }
        if let (_, exit) = view.standoff, view.pullOut == nil {
            if standoffSince < 0 { standoffSince = ctx.t1 }
            if ctx.t1 - standoffSince > 2 {
                if let exit, view.isOpen(exit) {
                    view.pullOut = exit
                } else if view.isOpen(heading * -1) && evadeIsSafe(ctx, heading * -1) {
                    // No way out sideways: back away to give the driver room.
                    vCmd = -0.3
                    wCmd = 0
                    return
                }
            }
        } else {
            standoffSince = -1
        }
        if let dir = view.pullOut {
            // Pulling out goes across the lane, never at the agent: it comes before stopping.
            let err = wrapAngle(atan2(dir.y, dir.x) - self.heading)
            if abs(err) > 2.2 {
                vCmd = -0.4
                wCmd = 0
            } else {
                wCmd = min(max(3 * err, -params.maxTurnRate), params.maxTurnRate)
                vCmd = abs(err) < 0.6 ? 0.8 : 0
            }
        } else if view.stop {
            vCmd = min(vCmd, 0)
        }
        if view.yielding { progressTime = ctx.t1 }
    }

    /// What agent `k` (traffic, active) asks of the robot heading along `heading` at `v`.
    func weigh(
        agent k: Int,
        _ ctx: StepContext,
        state: ArenaState,
        heading: Vec2,
        speed v: Double,
        into view: inout TrafficView
    ) {
        let stopping = v * v / (2 * params.maxAcceleration)
        let clearance = trafficClearance
        let a = state.agents[k]
        let route = ctx.arena.layout.routes[k]
        let rel = a.position - position
        let dist = rel.length
        let range =
            noticesInTime(route, delay: state.agentDelay[k], at: ctx.t1) ? trafficRange : 2 + 4 * skill.avoidance
        guard dist < range, dist > 1e-9 else { return }
        let rr = params.radius + route.radius
        let gap = dist - rr
        let agentSpeed = a.velocity.length
        let moving = agentSpeed > 0.3
        let lane = moving ? a.velocity * (1 / agentSpeed) : route.direction
        let normal = Vec2(-lane.y, lane.x)
        // Where the robot is relative to the agent: ahead of it along its lane, and aside.
        let ahead = -rel.dot(lane)
        let aside = -rel.dot(normal)
        // Never drive at it, moving or standing: stop while it is closer than the braking
        // distance plus the clearance in the direction the robot is heading. One that
        // stands mostly waits for a robot in its lane (this one, often): after a moment the
        // robot gets out of its lane, so that neither waits for the other for ever.
        if gap < clearance + 0.5 { view.close.append(rel * (1 / dist)) }
        if heading.dot(rel * (1 / dist)) > 0.2 && gap < stopping + clearance + 0.1 {
            view.stop = true
            if !moving && (view.standoff == nil || gap < view.standoff!.gap) {
                view.standoff = (gap, laneExit(ctx, from: a.position, lane, ahead: ahead, aside: aside, rr: rr))
            }
        }
        guard moving else { return }
        // Traffic that has passed the robot no longer matters.
        guard ahead > -(rr + 0.5) else { return }
        let arrival = max(0, ahead - rr) / agentSpeed
        // Out of its lane far enough to be passed, the robot keeps its clearance from the
        // lane; closer, it pulls out (to `laneExit`'s spot) when the agent comes.
        let passed = rr + 0.25
        let half = rr + clearance
        if abs(aside) >= passed {
            // Beside its lane: do not pull in unless across well before it comes.
            let lateral = heading.dot(normal) * (aside >= 0 ? -1 : 1)
            let horizon = v / params.maxAcceleration + 0.4
            if lateral > 0.05 && abs(aside) - lateral * v * horizon < half {
                let across = (2 * half) / max(0.3, lateral * v)
                if arrival < across + 1.5 {
                    view.stop = true
                    view.yielding = true
                }
            }
        } else if arrival < 3, arrival < view.soonest {
            // In its lane and it comes: pull out to the side of the lane where the robot
            // fits clear of the agent's path, the nearer one first. Where it fits nowhere
            // it stays, and the driver or rider stops for it.
            view.soonest = arrival
            view.pullOut = laneExit(ctx, from: a.position, lane, ahead: ahead, aside: aside, rr: rr)
            if view.pullOut != nil { view.yielding = true }
        }
    }

    /// The way (a unit vector across the lane) out of the lane of an agent at `agent` going
    /// along `lane`, to the side where the robot fits clear of its path: the robot's side
    /// first; across the lane only when the agent is not beside the robot. Nil where it fits
    /// on neither side (parked cars, a kerb).
    func laneExit(_ ctx: StepContext, from agent: Vec2, _ lane: Vec2, ahead: Double, aside: Double, rr: Double) -> Vec2?
    {
        let normal = Vec2(-lane.y, lane.x)
        let nearer = aside >= 0 ? 1.0 : -1.0
        for side in [nearer, -nearer] {
            if side != nearer && abs(ahead) < rr + 0.1 { continue }
            // Room to get there and turn there: not into a narrow gap between parked cars.
            let spot = agent + lane * ahead + normal * (side * (rr + 0.3))
            let midway = (position + spot) * 0.5
            if ctx.arena.layout.geofence.insetBy(params.radius).contains(spot)
                && ctx.arena.nearestObstacle(to: spot, radius: params.radius).clearance > 0.3
                && ctx.arena.nearestObstacle(to: midway, radius: params.radius).clearance > 0.1
            {
                return normal * side
            }
        }
        return nil
    }

    /// Whether a robot put down at `p` is at least half a metre from every moving agent.
    func isClearOfAgents(_ p: Vec2, state: ArenaState, routes: [AgentRoute]) -> Bool {
        for (k, a) in state.agents.enumerated() where a.active {
            if a.position.distance(to: p) < params.radius + routes[k].radius + 0.5 { return false }
        }
        return true
    }
}
