import FleetArena
import FleetArenaGenerator

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A simulated humanoid doing the division H litter task: walk to an item, pick it, put it
/// in a bin, and at the end carry a bin to the transfer point. Joint angles follow a gait
/// and task poses; falls depend on ground and speed.
struct HumanoidRobot {
    enum Activity: Equatable {
        case waiting
        case walkingToItem(Int)
        case picking(item: Int, since: Double, attempt: Int)
        case walkingToBin(item: Int, bin: Int)
        case placing(item: Int, bin: Int, since: Double)
        case walkingToDeliver(bin: Int)
        case liftingBin(bin: Int, since: Double)
        case carryingBin(bin: Int)
        case puttingDownBin(bin: Int, since: Double)
        case fallen(since: Double, resume: Int)
        case gettingUp(since: Double, fellAt: Double, unaided: Bool)
        case done
    }

    static let nominalHeight = 0.9
    static let radius = 0.3

    let id: UInt32
    let runIndex: Int
    let samplePeriod: Int
    let stateRate: Double
    let skill: SkillProfile
    let planner: CoveragePlanner
    var rng: SeededGenerator
    var truth: RobotTruth

    var position: Vec2
    var heading = Double.pi / 2
    var speed = 0.0
    var gaitPhase = 0.0
    var baseHeight = nominalHeight
    var roll = 0.0
    var pitch = 0.0
    var gyro = (0.0, 0.0, 0.0)
    var accel = (0.0, 0.0, 9.81)
    var joints = JointArray()
    var jointVelocity = JointArray()
    var jointEffort = JointArray()
    var jointTemperature = JointArray(repeating: 25)
    var phase = TaskPhase.idle
    var mode = RobotMode.auto
    var activity = Activity.waiting
    var route: [Vec2] = []
    var routeIndex = 0
    var carrying = -1
    var binItems: [Int]
    var skipped: [Bool]
    var delivering = false
    var fallPitchSign = 1.0
    var fallRoll = false
    var fallAngle = 0.0
    var helpPending = false
    var getUpDecided = false
    var lastHeading = Double.pi / 2

    let initialSOC: Double
    var energyWh = 0.0
    var batteryVoltage = 48.0
    var batteryCurrent = 0.0
    var batteryTemperature = 24.0
    var itemsPicked: UInt16 = 0
    var itemsPlaced: UInt16 = 0
    var falls: UInt16 = 0
    var getUps: UInt16 = 0

    var stateFrames: UInt32 = 0
    var eventFrames: UInt32 = 0
    var heartbeats: UInt64 = 0

    init(setup: RobotSetup, runIndex: Int, arena: Arena, start: Vec2, samplePeriod: Int) {
        id = setup.id
        self.runIndex = runIndex
        self.samplePeriod = samplePeriod
        stateRate = setup.stateRate ?? 50
        skill = setup.skill
        planner = CoveragePlanner(arena: arena, radius: Self.radius, brushWidth: 0.5, skill: setup.skill.planner)
        var rng = SeededGenerator(seed: setup.seed)
        initialSOC = setup.initialSOC ?? rng.uniform(0.8...1.0)
        self.rng = rng
        position = start
        truth = RobotTruth(robotID: id, team: setup.team, kind: .humanoid)
        binItems = [Int](repeating: 0, count: arena.layout.bins.count)
        skipped = [Bool](repeating: false, count: arena.layout.objects.count)
        for j in Joint.allCases { joints[j] = min(max(0, j.limits.lowerBound), j.limits.upperBound) }
    }

    var soc: Double { max(0, initialSOC - energyWh / 1500) }

    // MARK: Step

    mutating func step<S: SimulationSink>(_ ctx: StepContext, state: inout ArenaState, sink: inout S) {
        let t = ctx.t1
        let dt = ctx.dt
        let layout = ctx.arena.layout
        if ctx.t0 >= ctx.runEnd - 1e-9 {
            if !isDown { activity = .done }
        } else if ctx.t0 >= ctx.runStart - 1e-9 && activity == .waiting {
            nextTask(ctx, state: state)
        }
        var walkSpeed = 0.0
        var bend = 0.0
        var armReach = 0.0
        var grip = carrying >= 0 ? 0.9 : 0.0
        var binCarry = false
        switch activity {
        case .waiting, .done:
            phase = activity == .done ? .done : .idle
        case let .walkingToItem(k):
            phase = .walking
            if walk(ctx, &walkSpeed) { activity = .picking(item: k, since: t, attempt: 1) }
        case let .picking(k, since, attempt):
            phase = .picking
            let s = min(1, (t - since) / 2.5)
            bend = sin(.pi * s)
            armReach = bend
            grip = s > 0.5 ? 1 : 0
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
        case let .walkingToBin(k, bin):
            phase = .walking
            if walk(ctx, &walkSpeed) { activity = .placing(item: k, bin: bin, since: t) }
        case let .placing(k, bin, since):
            phase = .placing
            let s = min(1, (t - since) / 1.5)
            bend = 0.3 * sin(.pi * s)
            armReach = sin(.pi * s)
            grip = s > 0.6 ? 0 : 0.9
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
        case let .walkingToDeliver(bin):
            phase = .walking
            if walk(ctx, &walkSpeed) { activity = .liftingBin(bin: bin, since: t) }
        case let .liftingBin(bin, since):
            phase = .carryingBin
            bend = sin(.pi / 2 * min(1, (t - since) / 3))
            armReach = 0.6
            grip = 1
            if t - since >= 3 {
                setRoute(to: layout.transferPoint, stopShort: 0.3)
                activity = .carryingBin(bin: bin)
            }
        case let .carryingBin(bin):
            phase = .delivering
            binCarry = true
            grip = 1
            if walk(ctx, &walkSpeed, maxSpeed: 0.4) { activity = .puttingDownBin(bin: bin, since: t) }
        case let .puttingDownBin(bin, since):
            phase = .delivering
            binCarry = true
            bend = sin(.pi * min(1, (t - since) / 2))
            grip = 1
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
        case let .fallen(since, _):
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
            if falls >= 3 && fallAngle >= Double.pi / 3 { break }  // the third fall ends the run
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
        case let .gettingUp(since, fellAt, unaided):
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

        // Falls: hazard grows with speed, rough ground and carrying a bin.
        if ctx.running && !isDown && activity != .done && falls < 3 {
            let rough = ctx.arena.roughness(at: position)
            let hazard = (0.2 + skill.faultsPerHour) / 3600 * rough * (1 + 2 * speed * speed) * (binCarry ? 1.5 : 1)
            if rng.chance(hazard * dt) {
                fallRoll = rng.chance(0.3)
                fallPitchSign = rng.chance(0.5) ? 1 : -1
                activity = .fallen(since: t, resume: 0)
                helpPending = false
                getUpDecided = false
                walkSpeed = 0
            }
        }
        updateBody(ctx, walkSpeed: walkSpeed, bend: bend, armReach: armReach, grip: grip, binCarry: binCarry)
    }

    var isDown: Bool {
        switch activity {
        case .fallen, .gettingUp: true
        default: false
        }
    }

    mutating func nextTask(_ ctx: StepContext, state: ArenaState) {
        let layout = ctx.arena.layout
        let timeLeft = ctx.runEnd - ctx.t1
        // Keep enough time to carry the fullest bin to the transfer point.
        let fullest = binItems.indices.max { binItems[$0] < binItems[$1] } ?? 0
        let deliverTime =
            position.distance(to: layout.bins[fullest].position) / 0.6
            + layout.bins[fullest].position.distance(to: layout.transferPoint) / 0.4 + 12 + 60 * skill.planner
        var best = -1
        var bestD = Double.infinity
        for k in layout.objects.indices where state.objectOnGround[k] && !skipped[k] {
            let d = position.distance(to: layout.objects[k].position)
            if d < bestD {
                bestD = d
                best = k
            }
        }
        if best >= 0 && timeLeft > deliverTime + bestD / 0.6 + 10 {
            setRoute(to: layout.objects[best].position, stopShort: 0.45)
            activity = .walkingToItem(best)
        } else if !delivering && binItems[fullest] > 0 {
            delivering = true
            setRoute(to: layout.bins[fullest].position, stopShort: 0.6)
            activity = .walkingToDeliver(bin: fullest)
        } else {
            activity = .done
        }
    }

    func nearestBin(to p: Vec2, _ layout: ArenaLayout) -> Int {
        var best = 0
        for k in layout.bins.indices
        where layout.bins[k].position.distance(to: p) < layout.bins[best].position.distance(to: p) {
            best = k
        }
        return best
    }

    mutating func setRoute(to target: Vec2, stopShort: Double) {
        let d = target - position
        let len = d.length
        let goal = len > stopShort ? position + d * ((len - stopShort) / len) : position
        route = planner.route(from: position, to: goal)
        routeIndex = 0
    }

    /// Walks along the route; true on arrival.
    mutating func walk(_ ctx: StepContext, _ walkSpeed: inout Double, maxSpeed: Double = 0.7) -> Bool {
        guard routeIndex < route.count else { return true }
        let target = route[routeIndex]
        let toT = target - position
        let dist = toT.length
        if dist < 0.1 {
            routeIndex += 1
            return routeIndex >= route.count
        }
        let err = wrapAngle(atan2(toT.y, toT.x) - heading)
        let turn = min(max(2 * err, -1.0), 1.0)
        heading = wrapAngle(heading + turn * ctx.dt)
        let cruise = min(maxSpeed, 0.6 * skill.speed)
        walkSpeed = abs(err) > 0.6 ? 0.05 : min(cruise * cos(err), dist / 0.5 + 0.05)
        let step = min(walkSpeed * ctx.dt, dist)
        position = position + Vec2(cos(heading), sin(heading)) * step
        truth.distance += step
        return false
    }

    // MARK: Body

    mutating func updateBody(
        _ ctx: StepContext,
        walkSpeed: Double,
        bend: Double,
        armReach: Double,
        grip: Double,
        binCarry: Bool
    ) {
        let dt = ctx.dt
        let oldRoll = roll
        let oldPitch = pitch
        let a = min(1, walkSpeed / 0.6)
        let freq = 0.8 + 1.2 * walkSpeed
        if walkSpeed > 0.01 { gaitPhase = (gaitPhase + 2 * .pi * freq * dt).truncatingRemainder(dividingBy: 2 * .pi) }
        let phi = gaitPhase
        var target = JointArray()
        target[.headPitch] = Float(0.2 + 0.5 * bend)
        target[.waistPitch] = Float(0.05 + 0.9 * bend)
        target[.waistYaw] = Float(0.05 * a * sin(phi))
        let swing = 0.3 * a
        target[.leftShoulderPitch] = Float(binCarry ? -0.6 : swing * sin(phi + .pi) - 1.2 * armReach * 0.3)
        target[.rightShoulderPitch] = Float(binCarry ? -0.6 : swing * sin(phi) - 1.3 * armReach)
        target[.leftShoulderRoll] = 0.15
        target[.rightShoulderRoll] = -0.15
        target[.leftElbow] = Float(binCarry ? 1.2 : 0.4)
        target[.rightElbow] = Float(binCarry ? 1.2 : 0.4 + 0.4 * armReach)
        target[.leftGripper] = Float(binCarry ? 1 : 0)
        target[.rightGripper] = Float(grip)
        for (side, offset) in [(0, 0.0), (1, Double.pi)] {
            let p = phi + offset
            let hip = -0.1 * a - 0.35 * a * sin(p) - 0.9 * bend
            let knee = 0.2 + 0.55 * a * max(0, sin(p)) + 1.0 * bend
            let ankle = -0.1 + 0.3 * a * sin(p) + 0.3 * bend
            let hipRoll = 0.06 * a * sin(phi)
            let base = side == 0 ? Joint.leftHipYaw.rawValue : Joint.rightHipYaw.rawValue
            target[base + 1] = Float(hipRoll)
            target[base + 2] = Float(hip)
            target[base + 3] = Float(knee)
            target[base + 4] = Float(ankle)
            target[base + 5] = Float(-hipRoll)
        }
        if isDown {
            for j in Joint.allCases { target[j] = 0 }
            let k = Float(fallAngle / 1.45)
            target[.leftKnee] = 1.2 * k
            target[.rightKnee] = 1.2 * k
            target[.leftHipPitch] = -1.0 * k
            target[.rightHipPitch] = -1.0 * k
            target[.leftShoulderPitch] = -1.5 * k
            target[.rightShoulderPitch] = -1.5 * k
        }
        var power = 150.0 + 300 * walkSpeed + (binCarry ? 80 : 0)
        for j in Joint.allCases {
            let lim = j.limits
            let old = joints[j]
            let goal = min(max(target[j], lim.lowerBound), lim.upperBound)
            let maxStep = Float(5 * dt)
            let new = min(max(old + min(max(goal - old, -maxStep), maxStep), lim.lowerBound), lim.upperBound)
            joints[j] = new
            let vel = (new - old) / Float(dt)
            jointVelocity[j] = vel
            let load: Float =
                j.rawValue >= Joint.leftHipYaw.rawValue
                ? Float(25 * (1 - bend * 0.3)) : (binCarry ? 12 : (carrying >= 0 ? 2 : 1))
            let effort = load * sin(new) + 0.5 * vel + (j.rawValue >= Joint.leftHipYaw.rawValue ? Float(8 * a) : 0)
            jointEffort[j] = effort
            power += 0.5 * Double(abs(effort * vel))
            let temp = jointTemperature[j]
            jointTemperature[j] = temp + Float((0.00005 * Double(effort * effort) - Double(temp - 25) / 600) * dt)
        }
        // Pelvis attitude and height.
        if isDown {
            roll = fallRoll ? fallAngle : 0
            pitch = fallRoll ? 0 : fallPitchSign * fallAngle
            baseHeight = Self.nominalHeight - (Self.nominalHeight - 0.2) * fallAngle / 1.45
        } else {
            roll = 0.03 * a * sin(phi)
            pitch = 0.04 * a + 0.02 * a * sin(2 * phi) + 0.2 * bend
            baseHeight = Self.nominalHeight - 0.02 * a * (1 - cos(2 * phi)) / 2 - 0.25 * bend
        }
        gyro = ((roll - oldRoll) / dt, (pitch - oldPitch) / dt, wrapAngle(heading - lastHeading) / dt)
        lastHeading = heading
        let g = 9.81
        let bob = -pow(2 * .pi * freq, 2) * 0.01 * a * cos(2 * phi)
        accel = (
            -g * sin(pitch) + (walkSpeed - speed) / dt, g * sin(roll) * cos(pitch), g * cos(roll) * cos(pitch) + bob
        )
        speed = walkSpeed
        if ctx.running { truth.operatingSeconds += dt }
        // Battery.
        let ocv = 48 * (0.9 + 0.2 * soc)
        batteryCurrent = power / ocv
        batteryVoltage = ocv - 0.05 * batteryCurrent
        energyWh += batteryVoltage * batteryCurrent * dt / 3600
        truth.energyWh = energyWh
        batteryTemperature += (batteryCurrent * batteryCurrent * 0.05 / 3000 - (batteryTemperature - 24) / 1800) * dt
    }

    // MARK: Output

    func sample(timeNs: UInt64) -> HumanoidSample {
        let cy = cos(heading / 2)
        let sy = sin(heading / 2)
        let cp = cos(pitch / 2)
        let sp = sin(pitch / 2)
        let cr = cos(roll / 2)
        let sr = sin(roll / 2)
        return HumanoidSample(
            robotID: id,
            time: timeNs,
            x: position.x,
            y: position.y,
            energyUsed: energyWh,
            baseHeight: Float(baseHeight),
            heading: Float(heading),
            speed: Float(speed),
            orientationW: Float(cr * cp * cy + sr * sp * sy),
            orientationX: Float(sr * cp * cy - cr * sp * sy),
            orientationY: Float(cr * sp * cy + sr * cp * sy),
            orientationZ: Float(cr * cp * sy - sr * sp * cy),
            gyroX: Float(gyro.0),
            gyroY: Float(gyro.1),
            gyroZ: Float(gyro.2),
            accelX: Float(accel.0),
            accelY: Float(accel.1),
            accelZ: Float(accel.2),
            batterySOC: Float(soc * 100),
            batteryVoltage: Float(batteryVoltage),
            batteryCurrent: Float(batteryCurrent),
            batteryTemperature: Float(batteryTemperature),
            jointPosition: joints,
            jointVelocity: jointVelocity,
            jointEffort: jointEffort,
            jointTemperature: jointTemperature,
            taskPhase: phase,
            mode: mode,
            itemsPicked: itemsPicked,
            itemsPlaced: itemsPlaced,
            falls: falls,
            getUps: getUps
        )
    }

    mutating func heartbeat(timeNs: UInt64, uptime: Double) -> HeartbeatSample {
        let sent = UInt64(stateFrames) + UInt64(eventFrames) + heartbeats
        heartbeats += 1
        return HeartbeatSample(
            robotID: id,
            time: timeNs,
            framesSent: sent,
            uptime: uptime,
            stateFrames: stateFrames,
            eventFrames: eventFrames,
            queueDrops: 0,
            stateRate: Float(stateRate)
        )
    }

    mutating func emit<S: SimulationSink>(_ ctx: StepContext, _ kind: RobotEventKind, _ sink: inout S) {
        eventFrames += 1
        sink.receive(.robotEvent(RobotEvent(robotID: id, time: ctx.timeNs, kind: kind)))
    }

    func emitReferee<S: SimulationSink>(_ ctx: StepContext, _ kind: RefereeEventKind, _ sink: inout S) {
        sink.receive(.refereeEvent(RefereeEvent(runID: ctx.runID, robotID: id, time: ctx.timeNs, kind: kind)))
    }
}
