import FleetArena
import FleetArenaGenerator
import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A simulated sweeper, litter picker or washer: unicycle kinematics, a coverage plan,
/// avoidance, hopper and water, battery, faults and interventions, and the truth about
/// what it did.
struct SanitationRobot: RobotFrameCounts {
    enum Purpose: Equatable { case clean, ramp, toTransfer, returnToPlan, toDock, teleop }

    enum Activity: Equatable {
        case waiting
        case following(Purpose)
        case dumping(until: Double)
        case jammed(since: Double, restart: Bool)
        case backingUp(until: Double, resume: Purpose)
        case stuck(since: Double)
        case docked
        case stopped
    }

    let id: UInt32
    let runIndex: Int
    let params: SanitationParameters
    let skill: SkillProfile
    let planner: CoveragePlanner
    let samplePeriod: Int
    var rng: SeededGenerator
    /// Seeds the robot's per-pass draws of whether it notices a vehicle or bike in time
    /// (see `noticesInTime`); kept apart from `rng` so traffic does not shift its other draws.
    let trafficSeed: UInt64

    // Pose and motion.
    var position: Vec2
    var heading: Double
    var speed = 0.0
    var turnRate = 0.0
    var mode = Mode.auto
    var status = SanitationStatus.idle
    var brushDown = false
    var brushRPM = 0.0
    var suction = 0.0
    var spraying = false
    var waterFlow = 0.0

    // Hopper and water.
    var hopperMass = 0.0
    var hopperVolume = 0.0
    var hopperDust = 0.0
    var hopperGravel = 0.0
    var hopperObjects: [Int] = []
    var cleanWater: Double
    var dirtyWater = 0.0

    // Battery.
    let initialSOC: Double
    var energyWh = 0.0
    var batteryVoltage: Double
    var batteryCurrent = 0.0
    var batteryTemperature = 22.0
    var distance = 0.0
    var areaCleaned = 0.0

    // Navigation.
    var plan: [Waypoint] = []
    var planIndex = 0
    var route: [Waypoint] = []
    var routeIndex = 0
    var legStart: Vec2
    var activity = Activity.waiting
    var headingBias = 0.0
    var missionEnding = false
    var rampAttempted = false
    var rampWillSlip = false
    var onRampFromBottom = false
    var bumpsOnLeg = 0
    /// Where the robot last bumped into something, and how often it has bumped there since.
    var lastBumpAt = Vec2(-1e9, -1e9)
    var bumpsHere = 0
    /// When the robot began waiting for a person standing in its way (-1: not waiting).
    var waitingSince = -1.0
    /// When the robot began facing a standing vehicle or bike too close to go on (-1: not).
    var standoffSince = -1.0
    var progressAnchor: Vec2
    var progressTime = 0.0
    var hintsGiven = 0
    var interventionCounter: UInt32 = 0
    var interventionStart = 0.0
    var teleopInterventionID: UInt32 = 0
    var outsideSince = -1.0
    var stuckPurpose = Purpose.clean
    var brushHoldUntil = 0.0
    var previousStepBrushForObjects = false
    var previousObjectSegmentStart = Vec2.zero
    var candidateBuffer = [Int](repeating: 0, count: 8)

    // Referee bookkeeping.
    var nearMask: UInt64 = 0
    var contactMask: UInt64 = 0
    var touchingObstacle = -1
    var sprayZone = -1
    /// The protected zone the robot was last in, and whether it forgot to stop spraying there.
    var sprayZoneSeen: Int? = nil
    var sprayForgotten = false
    var pendingPatchMass: [Double]
    var pendingStainArea: [Double]
    var anyPending = false

    // Coverage and truth.
    var grid: CoverageGrid
    var telemetryGrid: CoverageGrid?
    var lastSamplePosition: Vec2
    var lastSampleBrush = false
    var lastSampleInRunning = false
    let stateRate: Double
    var truth: RobotTruth
    var dumpedDust = 0.0
    var dumpedGravel = 0.0
    var dumpedObjects: [Int] = []
    var spilledObjects = 0
    var spilledKg = 0.0

    // Heartbeat counters.
    var stateFrames: UInt32 = 0
    var eventFrames: UInt32 = 0
    var heartbeats: UInt64 = 0

    init(
        setup: RobotSetup,
        runIndex: Int,
        arena: Arena,
        start: Vec2,
        sector: ClosedRange<Double> = 0...1,
        samplePeriod: Int,
        telemetryCoverage: Bool
    ) {
        id = setup.id
        self.runIndex = runIndex
        params = setup.parameters ?? .standard(setup.kind)
        skill = setup.skill
        planner = CoveragePlanner(
            arena: arena,
            radius: params.radius,
            brushWidth: params.brushWidth,
            skill: skill.planner,
            sector: sector
        )
        self.samplePeriod = samplePeriod
        stateRate = setup.stateRate ?? 10
        var rng = SeededGenerator(seed: setup.seed)
        var trafficStream = rng.derived(0x74_7261_6666)
        initialSOC = setup.initialSOC ?? rng.uniform(0.75...1.0)
        self.rng = rng
        trafficSeed = trafficStream.next()
        position = start
        heading = .pi / 2
        legStart = start
        progressAnchor = start
        lastSamplePosition = start
        cleanWater = params.waterTank
        batteryVoltage = params.nominalVoltage * (0.9 + 0.2 * initialSOC)
        pendingPatchMass = [Double](repeating: 0, count: arena.layout.patches.count)
        pendingStainArea = [Double](repeating: 0, count: arena.layout.stains.count)
        grid = CoverageGrid(map: arena.map)
        telemetryGrid = telemetryCoverage ? CoverageGrid(map: arena.map) : nil
        truth = RobotTruth(robotID: id, team: setup.team, kind: params.kind)
        hopperObjects.reserveCapacity(64)
        dumpedObjects.reserveCapacity(64)
    }

    var soc: Double { max(0, initialSOC - energyWh / params.batteryWh) }

    var hopperFill: Double {
        max(hopperMass / params.hopperMassLimit, hopperVolume / params.hopperVolume)
    }

    /// Working speed with the brush down.
    /// Less confident localisation makes weaker teams drive slower while cleaning.
    var cleaningSpeed: Double { Self.cleaningSpeed(params, skill) }

    static func cleaningSpeed(_ params: SanitationParameters, _ skill: SkillProfile) -> Double {
        min(params.maxSpeed, params.cleaningSpeed * skill.speed * (0.75 + 0.25 * skill.planner))
    }

    /// How fast the robot sweeps ground (m²/s): what a team splits its zone by.
    static func sweepRate(_ setup: RobotSetup) -> Double {
        let params = setup.parameters ?? .standard(setup.kind)
        return params.brushWidth * cleaningSpeed(params, setup.skill)
    }

    /// Transit speed: teams aim a little under the division limit, times their speed factor.
    func transitSpeed(_ ctx: StepContext) -> Double {
        min(params.maxSpeed, 0.9 * ctx.speedLimit * skill.speed)
    }

    /// Counts a state frame and, during RUNNING, sweeps the telemetry-rate coverage grid
    /// between this sample's pose and the previous one when both have the brush down.
    mutating func recordSample(inRunning: Bool) {
        stateFrames += 1
        if telemetryGrid != nil {
            if inRunning && lastSampleInRunning && brushDown && lastSampleBrush {
                telemetryGrid!.sweep(from: lastSamplePosition, to: position, halfWidth: params.brushWidth / 2)
            } else {
                telemetryGrid!.liftBrush()
            }
        }
        lastSamplePosition = position
        lastSampleBrush = brushDown
        lastSampleInRunning = inRunning
    }

    func sample(timeNs: UInt64) -> SanitationSample {
        SanitationSample(
            robotID: id,
            time: timeNs,
            SanitationState(
                x: position.x,
                y: position.y,
                energyUsed: energyWh,
                distance: distance,
                areaCleaned: areaCleaned,
                heading: Float(heading),
                speed: Float(speed),
                turnRate: Float(turnRate),
                brushRpm: Float(brushRPM),
                suction: Float(suction),
                waterFlow: Float(waterFlow),
                hopperFill: Float(min(100, hopperFill * 100)),
                cleanWater: Float(params.waterTank > 0 ? 100 * cleanWater / params.waterTank : 0),
                dirtyWater: Float(params.waterTank > 0 ? 100 * dirtyWater / params.waterTank : 0),
                batterySOC: Float(soc * 100),
                batteryVoltage: Float(batteryVoltage),
                batteryCurrent: Float(batteryCurrent),
                batteryTemperature: Float(batteryTemperature),
                mode: mode,
                status: status,
                brushDown: brushDown,
                spraying: spraying
            )
        )
    }

    /// The truth as of now, with hopper contents counted.
    func currentTruth(arena: Arena) -> RobotTruth {
        var t = truth
        let objects = (dumpedObjects + hopperObjects).map { arena.layout.objects[$0] }
        t.litter.dustKg = dumpedDust + hopperDust
        t.litter.gravelKg = dumpedGravel + hopperGravel
        t.litter.objects = objects.count
        t.litter.ratingSum = objects.reduce(0) { $0 + Int($1.rating) }
        t.litter.objectIDs = objects.map(\.id).sorted()
        t.litter.spilledObjects = spilledObjects
        t.litter.spilledKg = spilledKg
        t.coverage = grid.summary
        t.telemetryCoverage = telemetryGrid?.summary
        t.energyWh = energyWh
        t.distance = distance
        return t
    }
}
