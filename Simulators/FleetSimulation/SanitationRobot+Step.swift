import FleetArena
import FleetArenaGenerator

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SanitationRobot {
    static let emptyGrid = CoverageGrid(
        map: CoverageMask(origin: .zero, cellSize: 0.25, columns: 0, rows: 0, flags: [])
    )
    static let dumpDuration = 15.0
    static let dustDensity = 1.2
    static let gravelDensity = 1.6
    static let gravity = 9.81

    /// Advances the robot by one step and emits its events, stamped with the step's end.
    mutating func step<S: SimulationSink>(_ ctx: StepContext, state: inout ArenaState, sink: inout S) {
        let dt = ctx.dt
        let arena = ctx.arena
        let t = ctx.t1

        // Run boundaries.
        if ctx.t0 >= ctx.runEnd - 1e-9 {
            if activity != .stopped && activity != .docked { activity = .stopped }
        } else if ctx.t0 >= ctx.runStart - 1e-9 && activity == .waiting {
            startMission(ctx)
        }

        // Decide.
        var vCmd = 0.0
        var wCmd = 0.0
        var wantBrush = false
        mode = .auto
        switch activity {
        case .waiting, .stopped:
            status = .idle
        case .docked:
            status = .docked
        case let .following(purpose):
            checkMissionTriggers(ctx, purpose: purpose, sink: &sink)
            guard case let .following(p) = activity else { break }
            (vCmd, wCmd, wantBrush) = follow(ctx, purpose: p, sink: &sink)
            if case .following = activity {
                if p != .teleop { avoid(ctx, state: state, vCmd: &vCmd, wCmd: &wCmd) }
                // An operator driving the robot gives way to traffic too.
                giveWayToTraffic(ctx, state: state, vCmd: &vCmd, wCmd: &wCmd)
                status = p == .clean ? .cleaning : .transit
                mode = p == .teleop ? .teleop : .auto
                checkProgress(ctx, purpose: p)
            }
        case let .dumping(until):
            status = .dumping
            if t >= until - 1e-9 { finishDump(ctx, sink: &sink) }
        case let .jammed(since, restart):
            status = .fault
            handleJam(ctx, since: since, restart: restart, sink: &sink)
        case let .backingUp(until, resume):
            status = .transit
            vCmd = -0.3
            if t >= until - 1e-9 { afterBump(resume) }
        case let .stuck(since):
            status = .stuck
            handleStuck(ctx, since: since, state: state, sink: &sink)
        }

        // Move.
        let old = position
        let a = params.maxAcceleration
        vCmd = min(max(vCmd, -0.5), onRamp(arena) ? min(0.6, params.maxSpeed) : params.maxSpeed)
        let newSpeed = speed + min(max(vCmd - speed, -a * dt), a * dt)
        let alpha = params.maxAngularAcceleration
        var newTurn = turnRate + min(max(wCmd - turnRate, -alpha * dt), alpha * dt)
        newTurn = min(max(newTurn, -params.maxTurnRate), params.maxTurnRate)
        let mid = heading + newTurn * dt / 2
        var newPos = Vec2(position.x + cos(mid) * newSpeed * dt, position.y + sin(mid) * newSpeed * dt)
        var finalSpeed = newSpeed
        let (clear, hit) = arena.nearestObstacle(to: newPos, radius: params.radius)
        if clear < 0 {
            newPos = position
            finalSpeed = 0
            // The referee counts a contact once until the robot is clear again; the robot's
            // bumper reports every impact.
            if hit != touchingObstacle {
                touchingObstacle = hit
                if ctx.running {
                    truth.contacts.add(.static)
                    emitReferee(
                        ctx,
                        .contact(x: position.x, y: position.y, speed: Float(abs(speed)), agentID: 0, contact: .static),
                        &sink
                    )
                }
            }
            if abs(speed) > 0.02 {
                emit(
                    ctx,
                    .collision(
                        x: position.x,
                        y: position.y,
                        speed: Float(abs(speed)),
                        impulse: Float(params.mass * abs(speed)),
                        other: .static
                    ),
                    &sink
                )
            }
            if case let .following(p) = activity, p != .teleop {
                activity = .backingUp(until: t + 1.0, resume: p)
            } else if case .backingUp = activity {
                activity = .backingUp(until: t, resume: .clean)
            }
        } else if clear > 0.05 {
            touchingObstacle = -1
        }
        let accel = (finalSpeed - speed) / dt
        heading = wrapAngle(heading + newTurn * dt)
        turnRate = newTurn
        speed = finalSpeed
        position = newPos
        let stepDistance = (newPos - old).length
        distance += stepDistance

        // Tools.
        let isJammed: Bool = if case .jammed = activity { true } else { false }
        let wasBrushDown = brushDown
        brushDown = wantBrush && !isJammed && t >= brushHoldUntil
        let rpmTarget = brushDown ? params.brushRPM : 0
        brushRPM += (rpmTarget - brushRPM) * min(1, dt / 0.3)
        suction = brushDown ? 80 : 0
        var wantSpray = brushDown && (params.washes || params.sprayFlow > 0) && cleanWater > 0
        let zone = arena.protectedZone(at: position)
        // Entering a pedestrian or bench zone, the washer turns its spray off. Careful teams
        // always do; careless ones now and then forget until they leave the zone again.
        if zone != sprayZoneSeen {
            sprayZoneSeen = zone
            sprayForgotten = zone != nil && skill.avoidance < 0.5 && rng.chance(0.5 * (1 - 2 * skill.avoidance) + 0.05)
        }
        if wantSpray && zone != nil && !sprayForgotten { wantSpray = false }
        spraying = wantSpray
        waterFlow = spraying ? params.sprayFlow : 0
        if spraying {
            let used = min(cleanWater, params.sprayFlow * dt / 60)
            cleanWater -= used
            if params.washes { dirtyWater = min(params.waterTank, dirtyWater + 0.85 * used) }
        }
        if brushDown { areaCleaned += params.brushWidth * stepDistance }

        if ctx.running {
            // Coverage, litter and stains (the swept-segment rule at the simulation step).
            if brushDown {
                if !wasBrushDown { grid.liftBrush() }
                sweep(from: old, to: newPos, ctx, state: &state)
                collectObjects(from: old, to: newPos, ctx, state: &state, sink: &sink)
            }
            if !brushDown { previousStepBrushForObjects = false }
            if let k = zone, spraying {
                if sprayZone != k {
                    sprayZone = k
                    truth.sprayViolations += 1
                    emitReferee(
                        ctx,
                        .sprayViolation(x: position.x, y: position.y, zone: arena.layout.protectedZones[k].kind),
                        &sink
                    )
                }
            } else {
                sprayZone = -1
            }
            checkAgents(ctx, state: state, sink: &sink)
            checkGeofence(ctx, state: state, sink: &sink)
            checkRamp(ctx, sink: &sink)
            if abs(speed) > ctx.speedLimit { truth.overSpeedSeconds += dt }
            if activity != .docked { truth.operatingSeconds += dt }
            if brushDown && skill.faultsPerHour > 0 && rng.chance(skill.faultsPerHour * dt / 3600) {
                raiseJam(ctx, sink: &sink)
            }
        }

        // Power and battery.
        var power = 0.0
        if activity != .docked {
            let grade = onRamp(arena) ? sin(arena.layout.ramp!.slopeDegrees * .pi / 180) * cos(heading) : 0
            let force = params.mass * (params.rollingResistance * Self.gravity + accel + Self.gravity * grade)
            let drive = max(0, force * speed) / params.drivetrainEfficiency + 0.05 * params.mass * abs(turnRate)
            power =
                params.idlePower + drive + params.brushPower * brushRPM / params.brushRPM
                + params.suctionPower * suction / 100 + (spraying ? params.sprayPower : 0)
        }
        updateBattery(power: power, dt: dt)
        if soc < 0.15 && !missionEnding && ctx.running {
            emit(ctx, .fault(code: .lowBattery, severity: .warning, active: true), &sink)
            truth.faults += 1
            endMission(ctx)
        }
    }

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

    // MARK: Trouble

    mutating func checkProgress(_ ctx: StepContext, purpose: Purpose) {
        if position.distance(to: progressAnchor) >= 0.5 {
            progressAnchor = position
            progressTime = ctx.t1
        } else if ctx.t1 - progressTime > 30 && ctx.running {
            activity = .stuck(since: ctx.t1)
            stuckPurpose = purpose
        }
    }

    mutating func afterBump(_ resume: Purpose) {
        bumpsOnLeg += 1
        activity = .following(resume)
        guard routeIndex < route.count else { return }
        // Detours reset the count per leg; bumping again and again at the same spot means the
        // way there is blocked (a wall corner the planner does not see): give that part up and
        // go on from the first point of the route well away from here, brush up.
        if position.distance(to: lastBumpAt) < 1.5 {
            bumpsHere += 1
        } else {
            lastBumpAt = position
            bumpsHere = 1
        }
        if bumpsHere >= 3 {
            bumpsHere = 0
            var k = routeIndex
            while k < route.count && route[k].position.distance(to: position) < 2.5 { k += 1 }
            guard k < route.count else {
                routeIndex = route.count
                if resume == .clean { planIndex = routeIndex }
                return
            }
            let detour = planner.route(from: position, to: route[k].position, extraMargin: 0.3)
            var newRoute = Array(route[..<routeIndex])
            newRoute += detour.map { Waypoint($0, brush: false) }
            newRoute += route[(k + 1)...]
            route = newRoute
            legStart = position
            bumpsOnLeg = 0
            if resume == .clean { plan = route }
            return
        }
        if bumpsOnLeg >= 3 && routeIndex + 1 < route.count {
            legStart = route[routeIndex].position
            routeIndex += 1
            if resume == .clean { planIndex = routeIndex }
            bumpsOnLeg = 0
            return
        }
        let target = route[routeIndex]
        let detour = planner.route(from: position, to: target.position, extraMargin: 0.15 * Double(bumpsOnLeg))
        var newRoute = Array(route[..<routeIndex])
        newRoute += detour.map { Waypoint($0, brush: target.brush) }
        newRoute += route[(routeIndex + 1)...]
        route = newRoute
        legStart = position
        if resume == .clean { plan = route }
    }

    mutating func handleStuck<S: SimulationSink>(
        _ ctx: StepContext,
        since: Double,
        state: ArenaState,
        sink: inout S
    ) {
        let wait = 3 + 12 * (1 - skill.planner)
        guard ctx.t1 - since >= wait else { return }
        progressAnchor = position
        progressTime = ctx.t1
        if stuckPurpose == .teleop {
            // The operator could not get it out either: the referee carries it.
            let target = routeIndex < route.count ? route[routeIndex].position : position
            // Not on top of an obstacle, nor of a car or person standing there.
            if ctx.arena.nearestObstacle(to: target, radius: params.radius).clearance > 0
                && isClearOfAgents(target, state: state, routes: ctx.arena.layout.routes)
            {
                teleport(to: target, ctx)
            }
            recordIntervention(.rescue, duration: 0, ctx, &sink)
            endTeleop(ctx, sink: &sink)
            if missionEnding { endMission(ctx) } else { returnToPlan() }
            return
        }
        if hintsGiven < 1 && skill.planner < 0.6 && rng.chance(0.5) {
            hintsGiven += 1
            recordIntervention(.operatorHint, duration: 0, ctx, &sink)
            if routeIndex + 1 < route.count {
                legStart = route[routeIndex].position
                routeIndex += 1
                if stuckPurpose == .clean { planIndex = routeIndex }
            }
            activity = .following(stuckPurpose)
            return
        }
        // Teleoperation: the operator drives it to a point a little further along.
        interventionCounter += 1
        teleopInterventionID = interventionCounter
        interventionStart = ctx.t1
        emit(ctx, .interventionStart(id: teleopInterventionID, kind: .teleopSegment), &sink)
        var target = routeIndex < route.count ? route[routeIndex].position : planner.arena.layout.dock
        if stuckPurpose == .clean {
            var k = routeIndex
            while k < plan.count && plan[k].position.distance(to: position) < 2 { k += 1 }
            if k < plan.count {
                planIndex = k
                target = plan[k].position
            } else {
                planIndex = plan.count
            }
        }
        setRoute(to: target, brush: false, extraMargin: 0.3)
        activity = .following(.teleop)
    }

    mutating func endTeleop<S: SimulationSink>(_ ctx: StepContext, sink: inout S) {
        guard teleopInterventionID != 0 else { return }
        let duration = ctx.t1 - interventionStart
        emit(ctx, .interventionEnd(id: teleopInterventionID, duration: Float(duration), kind: .teleopSegment), &sink)
        recordIntervention(.teleopSegment, duration: duration, ctx, &sink)
        teleopInterventionID = 0
    }

    mutating func recordIntervention<S: SimulationSink>(
        _ kind: InterventionKind,
        duration: Double,
        _ ctx: StepContext,
        _ sink: inout S
    ) {
        guard ctx.running else { return }
        truth.interventions.add(kind)
        emitReferee(ctx, .intervention(kind: kind, duration: Float(duration)), &sink)
    }

    mutating func raiseJam<S: SimulationSink>(_ ctx: StepContext, sink: inout S) {
        guard case let .following(p) = activity, p == .clean else { return }
        truth.faults += 1
        emit(ctx, .fault(code: .brushJam, severity: .error, active: true), &sink)
        activity = .jammed(since: ctx.t1, restart: !rng.chance(0.4 + 0.5 * skill.planner))
    }

    mutating func handleJam<S: SimulationSink>(_ ctx: StepContext, since: Double, restart: Bool, sink: inout S) {
        let selfClear = since + 8
        if !restart {
            if ctx.t1 >= selfClear - 1e-9 {
                emit(ctx, .fault(code: .brushJam, severity: .error, active: false), &sink)
                activity = .following(.clean)
                progressTime = ctx.t1
            }
            return
        }
        if ctx.t0 < selfClear - 1e-9 && ctx.t1 >= selfClear - 1e-9 {
            interventionCounter += 1
            emit(ctx, .interventionStart(id: interventionCounter, kind: .remoteRestart), &sink)
        }
        let done = selfClear + 30
        if ctx.t1 >= done - 1e-9 {
            emit(ctx, .interventionEnd(id: interventionCounter, duration: 30, kind: .remoteRestart), &sink)
            recordIntervention(.remoteRestart, duration: 30, ctx, &sink)
            emit(ctx, .fault(code: .brushJam, severity: .error, active: false), &sink)
            activity = .following(.clean)
            progressTime = ctx.t1
        }
    }

    mutating func teleport(to p: Vec2, _ ctx: StepContext) {
        position = p
        speed = 0
        turnRate = 0
        legStart = p
        brushHoldUntil = ctx.t1 + 0.5
        grid.liftBrush()
        progressAnchor = p
        progressTime = ctx.t1
    }

    // MARK: Referee checks

    mutating func checkGeofence<S: SimulationSink>(_ ctx: StepContext, state: ArenaState, sink: inout S) {
        let fence = ctx.arena.layout.geofence
        if fence.contains(position) {
            outsideSince = -1
            return
        }
        let out = fence.distanceOutside(position)
        if outsideSince < 0 {
            outsideSince = ctx.t1
            truth.geofenceExits += 1
            emitReferee(ctx, .geofenceExit(x: position.x, y: position.y, distanceOut: Float(out)), &sink)
        }
        if ctx.t1 - outsideSince > 5 || out > 1.0 {
            var p = fence.insetBy(params.radius + 0.3).clamp(position)
            if ctx.arena.nearestObstacle(to: p, radius: params.radius).clearance <= 0 { p = legStart }
            // The referee waits for the car or bike there to pass before putting it back.
            guard isClearOfAgents(p, state: state, routes: ctx.arena.layout.routes) else { return }
            teleport(to: p, ctx)
            outsideSince = -1
            recordIntervention(.reposition, duration: 0, ctx, &sink)
        }
    }

    mutating func checkRamp<S: SimulationSink>(_ ctx: StepContext, sink: inout S) {
        guard let ramp = ctx.arena.layout.ramp else { return }
        guard ramp.rect.contains(position) else {
            onRampFromBottom = false
            return
        }
        if position.x < ramp.rect.minX + 0.5 { onRampFromBottom = true }
        if rampWillSlip, case .following(.ramp) = activity, position.x > ramp.rect.minX + 2.5 {
            // Wheels slip: give up and roll back down.
            rampWillSlip = false
            route = [Waypoint(Vec2(ramp.rect.minX - 1.2, ramp.rect.center.y), brush: false)]
            routeIndex = 0
            legStart = position
        }
        if onRampFromBottom && position.x > ramp.rect.maxX - 0.6 && !truth.rampClimbed {
            truth.rampClimbed = true
            emitReferee(ctx, .rampClimbed(rampID: ramp.id), &sink)
        }
    }

    mutating func checkAgents<S: SimulationSink>(_ ctx: StepContext, state: ArenaState, sink: inout S) {
        let agents = state.agents
        let routes = ctx.arena.layout.routes
        for k in agents.indices {
            let bit: UInt64 = k < 64 ? 1 << UInt64(k) : 0
            let a = agents[k]
            let rel = a.position - position
            guard a.active, abs(rel.x) < 4, abs(rel.y) < 4 else {
                nearMask &= ~bit
                contactMask &= ~bit
                continue
            }
            let clearance = rel.length - params.radius - routes[k].radius
            let cls = routes[k].agentClass
            if clearance <= 0 {
                if contactMask & bit == 0 {
                    contactMask |= bit
                    truth.contacts.add(ContactClass(cls))
                    emitReferee(
                        ctx,
                        .contact(
                            x: position.x,
                            y: position.y,
                            speed: Float(abs(speed)),
                            agentID: routes[k].id,
                            contact: ContactClass(cls)
                        ),
                        &sink
                    )
                    emit(
                        ctx,
                        .collision(
                            x: position.x,
                            y: position.y,
                            speed: Float(abs(speed)),
                            impulse: Float(params.mass * abs(speed)),
                            other: cls
                        ),
                        &sink
                    )
                }
            } else if clearance > 0.3 {
                contactMask &= ~bit
            }
            if clearance < 0.5 && abs(speed) > 0.5 {
                if nearMask & bit == 0 {
                    nearMask |= bit
                    truth.nearMisses += 1
                    emitReferee(
                        ctx,
                        .nearMissObserved(
                            x: position.x,
                            y: position.y,
                            clearance: Float(max(0, clearance)),
                            speed: Float(abs(speed)),
                            agentID: routes[k].id,
                            other: cls
                        ),
                        &sink
                    )
                    if rng.chance(0.5 + 0.5 * skill.avoidance) {
                        emit(
                            ctx,
                            .nearMiss(
                                x: position.x,
                                y: position.y,
                                clearance: Float(max(0, clearance)),
                                speed: Float(abs(speed)),
                                other: cls
                            ),
                            &sink
                        )
                    }
                }
            } else if clearance >= 0.5 {
                nearMask &= ~bit
            }
        }
    }

    // MARK: Litter

    mutating func sweep(from a: Vec2, to b: Vec2, _ ctx: StepContext, state: inout ArenaState) {
        let arena = ctx.arena
        let starts = arena.litterStarts
        let entryPatch = arena.litterEntryPatch
        let patches = arena.layout.patches
        let stainOrdinal = arena.cellStainOrdinal
        let stainOf = arena.stainCellStain
        let cellArea = arena.map.cellArea
        let washing = params.washes && spraying
        var g = grid
        grid = Self.emptyGrid
        g.sweep(from: a, to: b, halfWidth: params.brushWidth / 2) { c, _, newPass in
            if newPass {
                var k = Int(starts[c])
                let end = Int(starts[c + 1])
                while k < end {
                    let m = state.litterRemaining[k]
                    if m > 0 && hopperFill < 1 {
                        let p = Int(entryPatch[k])
                        let isDust = patches[p].litter == .dust
                        let take = m * (isDust ? params.dustEfficiency : params.gravelEfficiency)
                        state.litterRemaining[k] = m - take
                        hopperMass += take
                        hopperVolume += take / (isDust ? Self.dustDensity : Self.gravelDensity)
                        if isDust { hopperDust += take } else { hopperGravel += take }
                        pendingPatchMass[p] += take
                        anyPending = true
                    }
                    k += 1
                }
            }
            if washing {
                let o = Int(stainOrdinal[c])
                if o >= 0 && !state.stainWashed[o] {
                    state.stainWashed[o] = true
                    pendingStainArea[Int(stainOf[o])] += cellArea
                    truth.stainAreaWashed += cellArea
                    anyPending = true
                }
            }
        }
        grid = g
    }

    mutating func collectObjects<S: SimulationSink>(
        from a: Vec2,
        to b: Vec2,
        _ ctx: StepContext,
        state: inout ArenaState,
        sink: inout S
    ) {
        let arena = ctx.arena
        let objects = arena.layout.objects
        let h2 = params.pickupWidth * params.pickupWidth / 4
        let hadPrevious = previousStepBrushForObjects
        let prevA = previousObjectSegmentStart
        var found = -1
        var foundCount = 0
        arena.objectIndex.forEach(near: b) { k in
            guard state.objectOnGround[k] else { return }
            let p = objects[k].position
            guard squaredDistance(from: p, toSegment: a, b) <= h2 else { return }
            if hadPrevious && squaredDistance(from: p, toSegment: prevA, a) <= h2 { return }
            if foundCount < candidateBuffer.count { candidateBuffer[foundCount] = k }
            foundCount += 1
            found = k
        }
        previousStepBrushForObjects = true
        previousObjectSegmentStart = a
        guard found >= 0 else { return }
        for n in 0..<min(foundCount, candidateBuffer.count) {
            let k = candidateBuffer[n]
            let o = objects[k]
            guard rng.chance(params.pickupChance[Int(o.rating) - 1]) else { continue }
            emit(
                ctx,
                .litterPickup(x: position.x, y: position.y, itemID: o.id, mass: Float(o.mass), litter: .object),
                &sink
            )
            emitReferee(
                ctx,
                .litterCollected(
                    itemID: o.id,
                    mass: Float(o.mass),
                    x: o.position.x,
                    y: o.position.y,
                    litter: .object,
                    rating: o.rating
                ),
                &sink
            )
            if hopperMass + o.mass <= params.hopperMassLimit && hopperVolume + o.volume <= params.hopperVolume {
                state.objectOnGround[k] = false
                hopperObjects.append(k)
                hopperMass += o.mass
                hopperVolume += o.volume
            } else {
                spilledObjects += 1
                spilledKg += o.mass
                emitReferee(
                    ctx,
                    .litterSpilled(
                        itemID: o.id,
                        mass: Float(o.mass),
                        litter: .object,
                        rating: o.rating,
                        overflow: true
                    ),
                    &sink
                )
            }
        }
    }

    /// Referee events for dust, gravel and stains are summed per patch or stain and sent
    /// with each state sample.
    mutating func flushPending<S: SimulationSink>(_ ctx: StepContext, sink: inout S) {
        guard anyPending else { return }
        anyPending = false
        let layout = ctx.arena.layout
        for p in pendingPatchMass.indices where pendingPatchMass[p] > 0 {
            let patch = layout.patches[p]
            emitReferee(
                ctx,
                .litterCollected(
                    itemID: patch.id,
                    mass: Float(pendingPatchMass[p]),
                    x: position.x,
                    y: position.y,
                    litter: patch.litter,
                    rating: 0
                ),
                &sink
            )
            pendingPatchMass[p] = 0
        }
        for s in pendingStainArea.indices where pendingStainArea[s] > 0 {
            emitReferee(ctx, .stainWashed(stainID: layout.stains[s].id, area: Float(pendingStainArea[s])), &sink)
            pendingStainArea[s] = 0
        }
    }

    // MARK: Battery and output

    mutating func updateBattery(power: Double, dt: Double) {
        let ocv = params.nominalVoltage * (0.9 + 0.2 * soc)
        let r = params.internalResistance
        if power <= 0 {
            batteryCurrent = 0
            batteryVoltage = ocv
        } else {
            let disc = max(0, ocv * ocv - 4 * r * power)
            let current = (ocv - disc.squareRoot()) / (2 * r)
            batteryCurrent = current
            batteryVoltage = ocv - current * r
        }
        energyWh += batteryVoltage * batteryCurrent * dt / 3600
        batteryTemperature += (batteryCurrent * batteryCurrent * r / 4000 - (batteryTemperature - 22) / 1800) * dt
    }

    mutating func emit<S: SimulationSink>(_ ctx: StepContext, _ kind: RobotEventKind, _ sink: inout S) {
        eventFrames += 1
        sink.receive(.robotEvent(RobotEvent(robotID: id, time: ctx.timeNs, kind: kind)))
    }

    func emitReferee<S: SimulationSink>(_ ctx: StepContext, _ kind: RefereeEventKind, _ sink: inout S) {
        sink.receive(.refereeEvent(RefereeEvent(runID: ctx.runID, robotID: id, time: ctx.timeNs, kind: kind)))
    }
}
