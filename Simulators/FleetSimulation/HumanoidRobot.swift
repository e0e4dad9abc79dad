import FleetArena
import FleetArenaGenerator
import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A simulated humanoid doing the division H litter task: walk to an item, pick it, put it
/// in a bin, and at the end carry a bin to the transfer point. Joint angles follow a gait
/// and task poses; falls depend on ground and speed.
struct HumanoidRobot: RobotFrameCounts {
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
    var mode = Mode.auto
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

    /// Advances the humanoid by one step: the task moves on, a fall may happen, the body follows.
    mutating func step<S: SimulationSink>(_ ctx: StepContext, state: inout ArenaState, sink: inout S) {
        if ctx.t0 >= ctx.runEnd - 1e-9 {
            if !isDown { activity = .done }
        } else if ctx.t0 >= ctx.runStart - 1e-9 && activity == .waiting {
            nextTask(ctx, state: state)
        }
        var body = BodyCommand(grip: carrying >= 0 ? 0.9 : 0.0)
        act(ctx, state: &state, body: &body, sink: &sink)
        mayFall(ctx, body: &body)
        updateBody(ctx, body)
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

    /// The body follows the task's command: gait, joints, pelvis, inertial sensors, battery.
    mutating func updateBody(_ ctx: StepContext, _ body: BodyCommand) {
        let dt = ctx.dt
        let oldRoll = roll
        let oldPitch = pitch
        let a = min(1, body.walkSpeed / 0.6)
        let freq = 0.8 + 1.2 * body.walkSpeed
        if body.walkSpeed > 0.01 {
            gaitPhase = (gaitPhase + 2 * .pi * freq * dt).truncatingRemainder(dividingBy: 2 * .pi)
        }
        let phi = gaitPhase
        let target = jointTargets(body, gait: a, phase: phi)
        var power = 150.0 + 300 * body.walkSpeed + (body.binCarry ? 80 : 0)
        driveJoints(toward: target, body, gait: a, dt: dt, power: &power)
        // Pelvis attitude and height.
        if isDown {
            roll = fallRoll ? fallAngle : 0
            pitch = fallRoll ? 0 : fallPitchSign * fallAngle
            baseHeight = Self.nominalHeight - (Self.nominalHeight - 0.2) * fallAngle / 1.45
        } else {
            roll = 0.03 * a * sin(phi)
            pitch = 0.04 * a + 0.02 * a * sin(2 * phi) + 0.2 * body.bend
            baseHeight = Self.nominalHeight - 0.02 * a * (1 - cos(2 * phi)) / 2 - 0.25 * body.bend
        }
        gyro = ((roll - oldRoll) / dt, (pitch - oldPitch) / dt, wrapAngle(heading - lastHeading) / dt)
        lastHeading = heading
        let g = 9.81
        let bob = -pow(2 * .pi * freq, 2) * 0.01 * a * cos(2 * phi)
        accel = (
            -g * sin(pitch) + (body.walkSpeed - speed) / dt, g * sin(roll) * cos(pitch),
            g * cos(roll) * cos(pitch) + bob
        )
        speed = body.walkSpeed
        if ctx.running { truth.operatingSeconds += dt }
        updateBattery(power: power, dt: dt)
    }

    /// Where each joint wants to be: the gait at amplitude `a` and phase `phi`, the bend,
    /// the arms' reach and grip, a bin in the arms; limp on the ground.
    func jointTargets(_ body: BodyCommand, gait a: Double, phase phi: Double) -> JointArray {
        var target = JointArray()
        target[.headPitch] = Float(0.2 + 0.5 * body.bend)
        target[.waistPitch] = Float(0.05 + 0.9 * body.bend)
        target[.waistYaw] = Float(0.05 * a * sin(phi))
        let swing = 0.3 * a
        target[.leftShoulderPitch] = Float(body.binCarry ? -0.6 : swing * sin(phi + .pi) - 1.2 * body.armReach * 0.3)
        target[.rightShoulderPitch] = Float(body.binCarry ? -0.6 : swing * sin(phi) - 1.3 * body.armReach)
        target[.leftShoulderRoll] = 0.15
        target[.rightShoulderRoll] = -0.15
        target[.leftElbow] = Float(body.binCarry ? 1.2 : 0.4)
        target[.rightElbow] = Float(body.binCarry ? 1.2 : 0.4 + 0.4 * body.armReach)
        target[.leftGripper] = Float(body.binCarry ? 1 : 0)
        target[.rightGripper] = Float(body.grip)
        for (side, offset) in [(0, 0.0), (1, Double.pi)] {
            let p = phi + offset
            let hip = -0.1 * a - 0.35 * a * sin(p) - 0.9 * body.bend
            let knee = 0.2 + 0.55 * a * max(0, sin(p)) + 1.0 * body.bend
            let ankle = -0.1 + 0.3 * a * sin(p) + 0.3 * body.bend
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
        return target
    }

    /// Moves every joint toward its target within its limits and speed; efforts, heating,
    /// and the power the joints draw (added to `power`, joint by joint).
    mutating func driveJoints(
        toward target: JointArray,
        _ body: BodyCommand,
        gait a: Double,
        dt: Double,
        power: inout Double
    ) {
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
                ? Float(25 * (1 - body.bend * 0.3)) : (body.binCarry ? 12 : (carrying >= 0 ? 2 : 1))
            let effort = load * sin(new) + 0.5 * vel + (j.rawValue >= Joint.leftHipYaw.rawValue ? Float(8 * a) : 0)
            jointEffort[j] = effort
            power += 0.5 * Double(abs(effort * vel))
            let temp = jointTemperature[j]
            jointTemperature[j] = temp + Float((0.00005 * Double(effort * effort) - Double(temp - 25) / 600) * dt)
        }
    }

    mutating func updateBattery(power: Double, dt: Double) {
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
        let state = HumanoidState(
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
            jointPosition: joints.wire,
            jointVelocity: jointVelocity.wire,
            jointEffort: jointEffort.wire,
            jointTemperature: jointTemperature.wire,
            taskPhase: phase,
            mode: mode,
            itemsPicked: itemsPicked,
            itemsPlaced: itemsPlaced,
            falls: falls,
            getUps: getUps
        )
        return HumanoidSample(robotID: id, time: timeNs, state)
    }

    mutating func emit<S: SimulationSink>(_ ctx: StepContext, _ kind: RobotEventKind, _ sink: inout S) {
        eventFrames += 1
        sink.receive(.robotEvent(RobotEvent(robotID: id, time: ctx.timeNs, kind: kind)))
    }

    func emitReferee<S: SimulationSink>(_ ctx: StepContext, _ kind: RefereeEventKind, _ sink: inout S) {
        sink.receive(.refereeEvent(RefereeEvent(runID: ctx.runID, robotID: id, time: ctx.timeNs, kind: kind)))
    }
}
