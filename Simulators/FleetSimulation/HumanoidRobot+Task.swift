import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The humanoid's litter task, activity by activity: what each step of it does to the
// arena, what it emits, and what it asks of the body.
extension HumanoidRobot {
    /// What the task asks of the body this step: legs, torso, arm, hand, a bin in the arms.
    struct BodyCommand {
        var walkSpeed = 0.0
        var bend = 0.0
        var armReach = 0.0
        var grip: Double
        var binCarry = false
    }

    /// The current activity's step; it may move on to the next activity.
    mutating func act<S: SimulationSink>(
        _ ctx: StepContext,
        state: inout ArenaState,
        body: inout BodyCommand,
        sink: inout S
    ) {
        let t = ctx.t1
        let layout = ctx.arena.layout
        switch activity {
        case .waiting, .done:
            phase = activity == .done ? .done : .idle
        case let .walkingToItem(k):
            phase = .walking
            if walk(ctx, &body.walkSpeed) { activity = .picking(item: k, since: t, attempt: 1) }
        case let .picking(k, since, attempt):
            pick(k, since: since, attempt: attempt, ctx, state: &state, body: &body, sink: &sink)
        case let .walkingToBin(k, bin):
            phase = .walking
            if walk(ctx, &body.walkSpeed) { activity = .placing(item: k, bin: bin, since: t) }
        case let .placing(k, bin, since):
            place(k, in: bin, since: since, ctx, state: state, body: &body, sink: &sink)
        case let .walkingToDeliver(bin):
            phase = .walking
            if walk(ctx, &body.walkSpeed) { activity = .liftingBin(bin: bin, since: t) }
        case let .liftingBin(bin, since):
            phase = .carryingBin
            body.bend = sin(.pi / 2 * min(1, (t - since) / 3))
            body.armReach = 0.6
            body.grip = 1
            if t - since >= 3 {
                setRoute(to: layout.transferPoint, stopShort: 0.3)
                activity = .carryingBin(bin: bin)
            }
        case let .carryingBin(bin):
            phase = .delivering
            body.binCarry = true
            body.grip = 1
            if walk(ctx, &body.walkSpeed, maxSpeed: 0.4) { activity = .puttingDownBin(bin: bin, since: t) }
        case let .puttingDownBin(bin, since):
            putDownBin(bin, since: since, ctx, body: &body, sink: &sink)
        case let .fallen(since, _):
            lieFallen(since: since, ctx, state: &state, sink: &sink)
        case let .gettingUp(since, fellAt, unaided):
            getUp(since: since, fellAt: fellAt, unaided: unaided, ctx, state: state, sink: &sink)
        }
    }

    /// Falls: the hazard grows with speed, rough ground and carrying a bin.
    mutating func mayFall(_ ctx: StepContext, body: inout BodyCommand) {
        let t = ctx.t1
        let dt = ctx.dt
        if ctx.running && !isDown && activity != .done && falls < 3 {
            let rough = ctx.arena.roughness(at: position)
            let hazard =
                (0.2 + skill.faultsPerHour) / 3600 * rough * (1 + 2 * speed * speed) * (body.binCarry ? 1.5 : 1)
            if rng.chance(hazard * dt) {
                fallRoll = rng.chance(0.3)
                fallPitchSign = rng.chance(0.5) ? 1 : -1
                activity = .fallen(since: t, resume: 0)
                helpPending = false
                getUpDecided = false
                body.walkSpeed = 0
            }
        }
    }

    /// Bending for an item; at the end of the motion it is picked (or the attempt failed).
    mutating func pick<S: SimulationSink>(
        _ k: Int,
        since: Double,
        attempt: Int,
        _ ctx: StepContext,
        state: inout ArenaState,
        body: inout BodyCommand,
        sink: inout S
    ) {
        let t = ctx.t1
        let layout = ctx.arena.layout
        phase = .picking
        let s = min(1, (t - since) / 2.5)
        body.bend = sin(.pi * s)
        body.armReach = body.bend
        body.grip = s > 0.5 ? 1 : 0
        if s >= 1 {
            if state.objectOnGround[k] && rng.chance(0.75 + 0.2 * skill.planner) {
                state.objectOnGround[k] = false
                carrying = k
                itemsPicked += 1
                let o = layout.objects[k]
                if ctx.running { truth.itemsPicked += 1 }
                emit(
                    ctx,
                    .litterPickup(
                        x: o.position.x,
                        y: o.position.y,
                        itemID: o.id,
                        mass: Float(o.mass),
                        litter: .object
                    ),
                    &sink
                )
                emitReferee(ctx, .collected(o), &sink)
                let bin = nearestBin(to: position, layout)
                setRoute(to: layout.bins[bin].position, stopShort: 0.6)
                activity = .walkingToBin(item: k, bin: bin)
            } else if attempt < 2 && state.objectOnGround[k] {
                activity = .picking(item: k, since: t, attempt: attempt + 1)
            } else {
                skipped[k] = true
                nextTask(ctx, state: state)
            }
        }
    }

    /// Putting the carried item into a bin.
    mutating func place<S: SimulationSink>(
        _ k: Int,
        in bin: Int,
        since: Double,
        _ ctx: StepContext,
        state: ArenaState,
        body: inout BodyCommand,
        sink: inout S
    ) {
        let t = ctx.t1
        let layout = ctx.arena.layout
        phase = .placing
        let s = min(1, (t - since) / 1.5)
        body.bend = 0.3 * sin(.pi * s)
        body.armReach = sin(.pi * s)
        body.grip = s > 0.6 ? 0 : 0.9
        if s >= 1 {
            carrying = -1
            binItems[bin] += 1
            itemsPlaced += 1
            if ctx.running {
                truth.itemsPlaced += 1
                truth.placedItemIDs.append(layout.objects[k].id)
            }
            emitReferee(ctx, .itemPlaced(itemID: layout.objects[k].id, binID: layout.bins[bin].id), &sink)
            nextTask(ctx, state: state)
        }
    }

    /// Setting the bin down at the transfer point: the delivery.
    mutating func putDownBin<S: SimulationSink>(
        _ bin: Int,
        since: Double,
        _ ctx: StepContext,
        body: inout BodyCommand,
        sink: inout S
    ) {
        let t = ctx.t1
        let layout = ctx.arena.layout
        phase = .delivering
        body.binCarry = true
        body.bend = sin(.pi * min(1, (t - since) / 2))
        body.grip = 1
        if t - since >= 2 {
            if ctx.running && !truth.binDelivered {
                truth.binDelivered = true
                emitReferee(ctx, .binDelivered(binID: layout.bins[bin].id), &sink)
            }
            emit(
                ctx,
                .dump(
                    x: position.x,
                    y: position.y,
                    mass: 0,
                    items: UInt16(clamping: binItems[bin]),
                    atTransferPoint: true
                ),
                &sink
            )
            activity = .done
        }
    }

    /// On the ground: the fall itself (counted once the body passes 60°, dropping what it
    /// carried), then getting up unaided or waiting for a rescue.
    mutating func lieFallen<S: SimulationSink>(
        since: Double,
        _ ctx: StepContext,
        state: inout ArenaState,
        sink: inout S
    ) {
        let t = ctx.t1
        let layout = ctx.arena.layout
        phase = .fallen
        let s = min(1, (t - since) / 0.6)
        let before = fallAngle
        fallAngle = 1.45 * s
        if before < Double.pi / 3 && fallAngle >= Double.pi / 3 {
            falls += 1
            if ctx.running { truth.falls += 1 }
            emit(
                ctx,
                .fall(
                    x: position.x,
                    y: position.y,
                    roll: Float(fallRoll ? fallAngle : 0),
                    pitch: Float(fallRoll ? 0 : fallPitchSign * fallAngle),
                    baseHeight: Float(baseHeight)
                ),
                &sink
            )
            emitReferee(ctx, .fallObserved(unaidedGetUp: false), &sink)
            if carrying >= 0 {
                let o = layout.objects[carrying]
                state.objectOnGround[carrying] = true
                emitReferee(
                    ctx,
                    .litterSpilled(
                        itemID: o.id,
                        mass: Float(o.mass),
                        litter: .object,
                        rating: o.rating,
                        overflow: false
                    ),
                    &sink
                )
                carrying = -1
            }
        }
        if falls >= 3 && fallAngle >= Double.pi / 3 { return }  // the third fall ends the run
        if !getUpDecided && t - since >= 2.6 {
            getUpDecided = true
            helpPending = !rng.chance(0.3 + 0.65 * skill.planner)
            if !helpPending { activity = .gettingUp(since: t, fellAt: since, unaided: true) }
        }
        if helpPending && t - since >= 15 {
            helpPending = false
            mode = .teleop
            if ctx.running { truth.interventions.add(.rescue) }
            emitReferee(ctx, .intervention(kind: .rescue, duration: Float(t - since)), &sink)
            activity = .gettingUp(since: t, fellAt: since, unaided: false)
        }
    }

    /// Getting up; afterwards the next task (or done, after the run).
    mutating func getUp<S: SimulationSink>(
        since: Double,
        fellAt: Double,
        unaided: Bool,
        _ ctx: StepContext,
        state: ArenaState,
        sink: inout S
    ) {
        let t = ctx.t1
        phase = .gettingUp
        let s = min(1, (t - since) / 6)
        fallAngle = 1.45 * (1 - s)
        if s >= 1 {
            fallAngle = 0
            getUps += unaided ? 1 : 0
            if unaided && ctx.running { truth.unaidedGetUps += 1 }
            emit(ctx, .getUp(duration: Float(t - fellAt), unaided: unaided), &sink)
            if unaided { emitReferee(ctx, .fallObserved(unaidedGetUp: true), &sink) }
            if ctx.t1 < ctx.runEnd { nextTask(ctx, state: state) } else { activity = .done }
        }
    }
}
