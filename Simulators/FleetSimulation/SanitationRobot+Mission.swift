import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The mission: plans, routes, dumping and docking, and following the route.
extension SanitationRobot {
    // MARK: Mission

    mutating func startMission(_ ctx: StepContext) {
        plan = planner.plan(from: position)
        planIndex = 0
        if let ramp = ctx.arena.layout.ramp, skill.planner >= 0.5, !rampAttempted {
            rampAttempted = true
            rampWillSlip = !rng.chance(0.4 + 0.6 * skill.planner)
            let cy = ramp.rect.center.y
            let bottom = Vec2(ramp.rect.minX - 1.2, cy)
            let top = Vec2(ramp.rect.maxX - 0.4, cy)
            setRoute(to: bottom, brush: false)
            route.append(Waypoint(top, brush: false))
            route.append(Waypoint(bottom, brush: false))
            activity = .following(.ramp)
        } else {
            returnToPlan()
        }
    }

    mutating func setRoute(to target: Vec2, brush: Bool, extraMargin: Double = 0) {
        route = planner.route(from: position, to: target, extraMargin: extraMargin).map { Waypoint($0, brush: brush) }
        routeIndex = 0
        legStart = position
        bumpsOnLeg = 0
    }

    mutating func returnToPlan() {
        guard planIndex < plan.count else {
            route = []
            routeIndex = 0
            activity = .following(.clean)
            return
        }
        setRoute(to: plan[planIndex].position, brush: false)
        activity = .following(.returnToPlan)
    }

    mutating func beginCleaning() {
        route = plan
        routeIndex = planIndex
        legStart = position
        activity = .following(.clean)
    }

    mutating func goDump() {
        setRoute(to: planner.arena.layout.transferPoint, brush: false)
        activity = .following(.toTransfer)
    }

    mutating func goDock() {
        setRoute(to: planner.arena.layout.dock, brush: false)
        activity = .following(.toDock)
    }

    mutating func endMission(_ ctx: StepContext) {
        missionEnding = true
        if hopperMass > 0 || !hopperObjects.isEmpty { goDump() } else { goDock() }
    }

    /// Dump when the hopper is full enough, refill when the water runs out, go home in time.
    mutating func checkMissionTriggers<S: SimulationSink>(_ ctx: StepContext, purpose: Purpose, sink: inout S) {
        guard !missionEnding, ctx.running else { return }
        let layout = ctx.arena.layout
        let transit = transitSpeed(ctx)
        let needed =
            (position.distance(to: layout.transferPoint) + layout.transferPoint.distance(to: layout.dock)) * 1.3
            / transit
            + Self.dumpDuration + 60 * skill.planner - 10
        if ctx.runEnd - ctx.t1 < needed {
            endMission(ctx)
            return
        }
        guard purpose == .clean else { return }
        let threshold = 0.8 + 0.17 * (1 - skill.planner)
        let waterLow = params.washes && cleanWater < 0.05 * params.waterTank
        if hopperFill >= threshold || waterLow {
            planIndex = routeIndex
            goDump()
        }
    }

    mutating func onRouteComplete<S: SimulationSink>(_ ctx: StepContext, purpose: Purpose, sink: inout S) {
        switch purpose {
        case .ramp, .teleop:
            if purpose == .teleop { endTeleop(ctx, sink: &sink) }
            if missionEnding { endMission(ctx) } else { returnToPlan() }
        case .clean:
            planIndex = plan.count
            if ctx.running { endMission(ctx) } else { activity = .stopped }
        case .returnToPlan:
            beginCleaning()
        case .toTransfer:
            activity = .dumping(until: ctx.t1 + Self.dumpDuration)
        case .toDock:
            activity = .docked
            if ctx.running && !truth.docked {
                truth.docked = true
                emitReferee(ctx, .docked, &sink)
            }
        }
    }

    mutating func finishDump<S: SimulationSink>(_ ctx: StepContext, sink: inout S) {
        let mass = hopperMass
        let items = hopperObjects.count
        emit(
            ctx,
            .dump(
                x: position.x,
                y: position.y,
                mass: Float(mass),
                items: UInt16(clamping: items),
                atTransferPoint: true
            ),
            &sink
        )
        if ctx.running {
            truth.dumps += 1
            emitReferee(ctx, .transferDump(mass: Float(mass), items: UInt16(clamping: items)), &sink)
        }
        dumpedDust += hopperDust
        dumpedGravel += hopperGravel
        dumpedObjects.append(contentsOf: hopperObjects)
        hopperObjects.removeAll(keepingCapacity: true)
        hopperMass = 0
        hopperVolume = 0
        hopperDust = 0
        hopperGravel = 0
        cleanWater = params.waterTank
        dirtyWater = 0
        if missionEnding { goDock() } else { returnToPlan() }
    }

    // MARK: Path following

    /// Steering and speed toward the current waypoint; advances through the route.
    mutating func follow<S: SimulationSink>(
        _ ctx: StepContext,
        purpose: Purpose,
        sink: inout S
    ) -> (Double, Double, Bool) {
        var target = Vec2.zero
        var dist = 0.0
        while true {
            guard routeIndex < route.count else {
                onRouteComplete(ctx, purpose: purpose, sink: &sink)
                return (0, 0, false)
            }
            target = route[routeIndex].position
            dist = position.distance(to: target)
            let leg = target - legStart
            let legLen2 = leg.lengthSquared
            let passed = legLen2 > 1e-9 && (position - legStart).dot(leg) >= legLen2 && dist < 1.0
            if dist < 0.2 || passed {
                legStart = target
                routeIndex += 1
                bumpsOnLeg = 0
                if purpose == .clean { planIndex = routeIndex }
                continue
            }
            break
        }
        let leg = target - legStart
        let legLen = leg.length
        let toTarget = target - position
        var desired = atan2(toTarget.y, toTarget.x)
        if legLen > 1e-6 {
            let dir = leg * (1 / legLen)
            let cross = dir.x * (position.y - legStart.y) - dir.y * (position.x - legStart.x)
            if abs(cross) < 1.0 { desired = atan2(dir.y, dir.x) - atan(1.5 * cross) }
        }
        // Tracking error: a slowly wandering heading bias, larger for weaker teams.
        let sigma = 0.12 * (1 - skill.planner)
        if sigma > 0 {
            let tau = 5.0
            headingBias +=
                -headingBias * ctx.dt / tau + sigma * (2 * ctx.dt / tau).squareRoot() * (rng.unit() * 2 - 1) * 1.7320508
        }
        let err = wrapAngle(desired - heading + headingBias)
        let brush = route[routeIndex].brush && purpose == .clean
        var cruise = brush ? cleaningSpeed : transitSpeed(ctx)
        if purpose == .teleop { cruise = 0.5 }
        if purpose == .ramp || onRamp(ctx.arena) { cruise = min(cruise, 0.6) }
        var v = abs(err) > 0.7 ? 0 : cruise * cos(err) * cos(err)
        // Slow down into the waypoint if the route turns there.
        if routeIndex + 1 < route.count {
            let next = route[routeIndex + 1].position - target
            let turn = abs(wrapAngle(atan2(next.y, next.x) - atan2(toTarget.y, toTarget.x)))
            if turn > 0.5 { v = min(v, (2 * params.maxAcceleration * 0.7 * dist).squareRoot() + 0.1) }
        } else {
            v = min(v, (2 * params.maxAcceleration * 0.7 * dist).squareRoot() + 0.05)
        }
        let w = min(max(2.5 * err, -params.maxTurnRate), params.maxTurnRate)
        return (v, w, brush)
    }

    /// Waits for or steps out of the way of people; vehicles and cyclists only slow it down
    /// here (`giveWayToTraffic` gives way to them).
    mutating func avoid(_ ctx: StepContext, state: ArenaState, vCmd: inout Double, wCmd: inout Double) {
        let agents = state.agents
        let routes = ctx.arena.layout.routes
        let horizon = 1.0 + 1.5 * skill.avoidance
        let safety = 0.15 + 0.25 * skill.avoidance
        let myV = Vec2(cos(heading), sin(heading)) * max(vCmd, speed)
        var bestT = Double.infinity
        var threat = -1
        var closest = Double.infinity
        for k in agents.indices where agents[k].active {
            let a = agents[k]
            let rel = a.position - position
            if abs(rel.x) > 40 || abs(rel.y) > 40 { continue }
            let rr = params.radius + routes[k].radius
            let relV = a.velocity - myV
            // Only agents we are closing on call for caution.
            if rel.dot(relV) < 0 { closest = min(closest, rel.length - rr) }
            if Self.isTraffic(routes[k].agentClass) { continue }
            let rv2 = relV.lengthSquared
            let tca = rv2 > 1e-9 ? min(max(-rel.dot(relV) / rv2, 0), horizon) : 0
            let dmin = (rel + relV * tca).length - rr
            if dmin < safety && tca < bestT {
                bestT = tca
                threat = k
            }
        }
        if threat < 0 || agents[threat].velocity.lengthSquared >= 0.01 { waitingSince = -1 }
        if threat >= 0 {
            let a = agents[threat]
            let rel = a.position - position
            let rr = params.radius + routes[threat].radius
            let v0 = a.velocity
            let v02 = v0.lengthSquared
            let tca0 = v02 > 1e-9 ? min(max(-rel.dot(v0) / v02, 0), horizon) : 0
            let d0 = (rel + v0 * tca0).length - rr
            if v02 < 0.01 && routes[threat].agentClass != .vehicle && skill.avoidance >= 0.3 {
                // Someone standing in the way: a careful team waits for them to step aside, then
                // creeps on along its own path.
                if waitingSince < 0 { waitingSince = ctx.t1 }
                vCmd = ctx.t1 - waitingSince < 2 + 4 * skill.avoidance ? 0 : min(vCmd, 0.3)
                progressTime = ctx.t1
                return
            }
            if v02 < 0.01 {
                // A vehicle waiting for us, or someone standing: steer round it, slowly.
                let side = cos(heading) * rel.y - sin(heading) * rel.x >= 0 ? 1.0 : -1.0
                let err = wrapAngle(atan2(rel.y, rel.x) - side * 1.2 - heading)
                wCmd = min(max(2.5 * err, -params.maxTurnRate), params.maxTurnRate)
                vCmd = abs(err) < 0.8 ? min(vCmd > 0 ? vCmd : 0.4, 0.45) : 0
                progressTime = ctx.t1
                return
            }
            if d0 < safety && skill.avoidance >= 0.25 && v02 > 1e-9 && routes[threat].agentClass == .vehicle {
                let n = Vec2(-v0.y, v0.x) * (1 / v02.squareRoot())
                var dir = n.dot(rel) <= 0 ? n : n * -1
                if skill.avoidance >= 0.5 && !evadeIsSafe(ctx, dir) {
                    dir = dir * -1
                    if !evadeIsSafe(ctx, dir) {
                        vCmd = 0
                        return
                    }
                }
                let err = wrapAngle(atan2(dir.y, dir.x) - heading)
                let evadeSpeed = routes[threat].agentClass == .vehicle ? 1.2 : (skill.avoidance >= 0.5 ? 0.45 : 1.0)
                if abs(err) > 2.2 {
                    vCmd = -0.4
                    wCmd = 0
                } else {
                    wCmd = min(max(3 * err, -params.maxTurnRate), params.maxTurnRate)
                    vCmd = abs(err) < 0.6 ? evadeSpeed : 0
                }
            } else {
                vCmd = 0
            }
            // Yielding is not being stuck.
            progressTime = ctx.t1
        }
        if skill.avoidance >= 0.5 && closest < 1.0 { vCmd = min(vCmd, 0.45) }
    }

    func evadeIsSafe(_ ctx: StepContext, _ dir: Vec2) -> Bool {
        let p = position + dir * 1.5
        return ctx.arena.layout.geofence.insetBy(params.radius).contains(p)
            && ctx.arena.nearestObstacle(to: p, radius: params.radius).clearance > 0.1
    }

    func onRamp(_ arena: Arena) -> Bool {
        guard let r = arena.layout.ramp else { return false }
        return r.rect.contains(position)
    }
}
