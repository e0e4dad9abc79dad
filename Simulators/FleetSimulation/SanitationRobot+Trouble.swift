import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Trouble (no progress, bumps, getting stuck, jams, teleoperation) and the checks a
// referee makes of the robot (geofence, ramp, agents).
extension SanitationRobot {
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
                    emit(ctx, bump(cls), &sink)
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

    /// The robot's bumper report of an impact with `other` at its current speed.
    func bump(_ other: AgentClass) -> RobotEventKind {
        .collision(
            x: position.x,
            y: position.y,
            speed: Float(abs(speed)),
            impulse: Float(params.mass * abs(speed)),
            other: other
        )
    }
}
