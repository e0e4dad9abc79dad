import FleetArena
import FleetArenaGenerator
import FleetProtocol

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

    /// Advances the robot by one step and emits its events, stamped with the step's end:
    /// decide, move, run the tools, score what the step did (in RUNNING), draw power.
    mutating func step<S: SimulationSink>(_ ctx: StepContext, state: inout ArenaState, sink: inout S) {
        // Run boundaries.
        if ctx.t0 >= ctx.runEnd - 1e-9 {
            if activity != .stopped && activity != .docked { activity = .stopped }
        } else if ctx.t0 >= ctx.runStart - 1e-9 && activity == .waiting {
            startMission(ctx)
        }
        let command = decide(ctx, state: state, sink: &sink)
        let old = position
        let accel = move(ctx, command: command, sink: &sink)
        let stepDistance = (position - old).length
        distance += stepDistance
        let wasBrushDown = brushDown
        let zone = runTools(ctx, wantBrush: command.brush, stepDistance: stepDistance)
        if ctx.running {
            scoreStep(ctx, from: old, wasBrushDown: wasBrushDown, zone: zone, state: &state, sink: &sink)
        }
        drawPower(ctx, accel: accel, sink: &sink)
    }

    /// What the robot's controller asks for this step: speed, turn rate, brush.
    typealias DriveCommand = (speed: Double, turn: Double, brush: Bool)

    /// The controller: what the activity wants this step, and the status it reports.
    mutating func decide<S: SimulationSink>(_ ctx: StepContext, state: ArenaState, sink: inout S) -> DriveCommand {
        let t = ctx.t1
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
        return (vCmd, wCmd, wantBrush)
    }

    /// Moves by the command within the robot's limits; a step into an obstacle is refused
    /// (a contact). Returns the acceleration, for the power drawn.
    mutating func move<S: SimulationSink>(_ ctx: StepContext, command: DriveCommand, sink: inout S) -> Double {
        let dt = ctx.dt
        let arena = ctx.arena
        var vCmd = command.speed
        let wCmd = command.turn
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
            touch(hit, ctx, sink: &sink)
        } else if clear > 0.05 {
            touchingObstacle = -1
        }
        let accel = (finalSpeed - speed) / dt
        heading = wrapAngle(heading + newTurn * dt)
        turnRate = newTurn
        speed = finalSpeed
        position = newPos
        return accel
    }

    /// The robot bumped into obstacle `hit` and stays where it was: the referee counts a
    /// contact once until the robot is clear again; the robot's bumper reports every impact.
    mutating func touch<S: SimulationSink>(_ hit: Int, _ ctx: StepContext, sink: inout S) {
        let t = ctx.t1
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
            emit(ctx, bump(.static), &sink)
        }
        if case let .following(p) = activity, p != .teleop {
            activity = .backingUp(until: t + 1.0, resume: p)
        } else if case .backingUp = activity {
            activity = .backingUp(until: t, resume: .clean)
        }
    }

    /// Brush, suction and spray for the step; returns the protected zone the robot is in.
    mutating func runTools(_ ctx: StepContext, wantBrush: Bool, stepDistance: Double) -> Int? {
        let dt = ctx.dt
        let arena = ctx.arena
        let t = ctx.t1
        let isJammed: Bool = if case .jammed = activity { true } else { false }
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

        return zone
    }

    /// What the step did in RUNNING: coverage, litter and stains (the swept-segment rule at
    /// the simulation step), spray violations, agents, geofence, ramp, over-speed, faults.
    mutating func scoreStep<S: SimulationSink>(
        _ ctx: StepContext,
        from old: Vec2,
        wasBrushDown: Bool,
        zone: Int?,
        state: inout ArenaState,
        sink: inout S
    ) {
        let dt = ctx.dt
        let arena = ctx.arena
        let newPos = position
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

    /// Power drawn in the step, the battery, and a low-battery end of the mission.
    mutating func drawPower<S: SimulationSink>(_ ctx: StepContext, accel: Double, sink: inout S) {
        let dt = ctx.dt
        let arena = ctx.arena
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
            emitReferee(ctx, .collected(o), &sink)
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
