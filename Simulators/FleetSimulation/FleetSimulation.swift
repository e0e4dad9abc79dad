import FleetArena
public import FleetArenaGenerator
import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A robot entered in a run.
public struct RobotSetup: Codable, Equatable, Sendable {
    /// Robot id, 1…0xEFFFFFFF, unique across the simulation.
    public var id: UInt32
    public var team: String
    public var kind: RobotKind
    public var skill: SkillProfile
    /// Physical parameters; nil takes the kind's standard robot (sanitation kinds only).
    public var parameters: SanitationParameters?
    /// State sample rate (Hz); nil takes 10 Hz for sanitation robots and 50 Hz for humanoids.
    public var stateRate: Double?
    /// Battery charge at boot (0…1); nil draws it from the robot's seed.
    public var initialSOC: Double?
    /// The robot's own randomness (tracking noise, faults, pickups).
    public var seed: UInt64

    public init(
        id: UInt32,
        team: String,
        kind: RobotKind,
        skill: SkillProfile = .solid,
        parameters: SanitationParameters? = nil,
        stateRate: Double? = nil,
        initialSOC: Double? = nil,
        seed: UInt64? = nil
    ) {
        self.id = id
        self.team = team
        self.kind = kind
        self.skill = skill
        self.parameters = parameters
        self.stateRate = stateRate
        self.initialSOC = initialSOC
        self.seed = seed ?? (UInt64(id) &* 0x9E37_79B9_7F4A_7C15 ^ 0xD1B5_4A32_D192_ED03)
    }
}

/// One run: an arena from a seed, a schedule, and the robots in it.
public struct RunSetup: Codable, Equatable, Sendable {
    public var runID: UInt32
    public var division: SimDivision
    public var arenaSeed: UInt64
    /// RUNNING lasts this long (s); the rulebook's 20 minutes, shorter for demos.
    public var duration: Double
    /// PREPARE lasts this long before RUNNING (s).
    public var prepare: Double
    /// Over-speed threshold (m/s); a rulebook field.
    public var speedLimit: Double
    public var robots: [RobotSetup]

    public init(
        runID: UInt32,
        division: SimDivision,
        arenaSeed: UInt64,
        duration: Double = 1200,
        prepare: Double = 1,
        speedLimit: Double? = nil,
        robots: [RobotSetup]
    ) {
        self.runID = runID
        self.division = division
        self.arenaSeed = arenaSeed
        self.duration = duration
        self.prepare = prepare
        self.speedLimit = speedLimit ?? division.defaultSpeedLimit
        self.robots = robots
    }
}

public struct SimulationConfiguration: Codable, Equatable, Sendable {
    /// Simulation step (s); telemetry periods are rounded to whole steps.
    public var step: Double
    public var heartbeatRate: Double
    /// Also integrate coverage from state-sample poses (what a telemetry scorer sees).
    public var telemetryCoverage: Bool
    public var runs: [RunSetup]

    public init(step: Double = 0.02, heartbeatRate: Double = 1, telemetryCoverage: Bool = true, runs: [RunSetup]) {
        self.step = step
        self.heartbeatRate = heartbeatRate
        self.telemetryCoverage = telemetryCoverage
        self.runs = runs
    }
}

/// The simulated world: arenas, moving agents, robots, and the arena as referee.
///
/// Steps every robot at a fixed simulation step and emits, in order of time and then robot
/// id, state samples at each robot's rate, heartbeats, robot events and referee events.
/// Everything is a function of the configuration: the same configuration gives the same
/// outputs, bit for bit.
public struct FleetSimulation {
    struct Run {
        let setup: RunSetup
        let arena: Arena
        var state: ArenaState
        let startStep: Int
        let endStep: Int
    }

    enum Slot {
        case sanitation(Int)
        case humanoid(Int)
    }

    public let configuration: SimulationConfiguration
    var runs: [Run]
    var sanitation: [SanitationRobot] = []
    var humanoids: [HumanoidRobot] = []
    /// Robots in id order.
    var order: [Slot] = []
    let stepNs: UInt64
    let heartbeatPeriod: Int
    /// Steps taken; time is `stepIndex · step`.
    public private(set) var stepIndex = 0
    var emittedInitial = false
    let lastStep: Int

    public init(_ configuration: SimulationConfiguration) {
        self.configuration = configuration
        let dt = configuration.step
        stepNs = UInt64((dt * 1e9).rounded())
        heartbeatPeriod = max(1, Int((1 / configuration.heartbeatRate / dt).rounded()))
        var runs: [Run] = []
        for setup in configuration.runs {
            // Runs on the same arena share one generated layout.
            let arena =
                runs.first { $0.setup.division == setup.division && $0.setup.arenaSeed == setup.arenaSeed }?.arena
                ?? Arena(division: setup.division, seed: setup.arenaSeed)
            let start = Int((setup.prepare / dt).rounded())
            runs.append(
                Run(
                    setup: setup,
                    arena: arena,
                    state: ArenaState(arena: arena),
                    startStep: start,
                    endStep: start + Int((setup.duration / dt).rounded())
                )
            )
        }
        self.runs = runs
        lastStep = runs.map(\.endStep).max() ?? 0

        var entries: [(UInt32, Slot)] = []
        var ids = Set<UInt32>()
        for (r, run) in runs.enumerated() {
            let sectors = Self.sectors(run.setup.robots)
            for (k, robot) in run.setup.robots.enumerated() {
                precondition(ids.insert(robot.id).inserted, "robot id \(robot.id) used twice")
                precondition(robot.id >= 1 && robot.id <= 0xEFFF_FFFF, "robot id \(robot.id) out of range")
                let dock = run.arena.layout.dock
                let along = run.setup.division == .park || run.setup.division == .humanoid ? -1.5 : 1.5
                let start = Vec2(dock.x + along * Double(k), dock.y)
                if robot.kind == .humanoid {
                    let period = max(1, Int((1 / (robot.stateRate ?? 50) / dt).rounded()))
                    humanoids.append(
                        HumanoidRobot(setup: robot, runIndex: r, arena: run.arena, start: start, samplePeriod: period)
                    )
                    entries.append((robot.id, .humanoid(humanoids.count - 1)))
                } else {
                    let period = max(1, Int((1 / (robot.stateRate ?? 10) / dt).rounded()))
                    let radius = (robot.parameters ?? .standard(robot.kind)).radius
                    let start = Self.freeStart(near: start, radius: radius, in: run.arena)
                    sanitation.append(
                        SanitationRobot(
                            setup: robot,
                            runIndex: r,
                            arena: run.arena,
                            start: start,
                            sector: sectors[k],
                            samplePeriod: period,
                            telemetryCoverage: configuration.telemetryCoverage
                        )
                    )
                    entries.append((robot.id, .sanitation(sanitation.count - 1)))
                }
            }
        }
        order = entries.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Each robot's share of the zone: a team's sanitation robots split it into bands, in
    /// entry order, each as wide as its share of the team's sweep rate.
    static func sectors(_ robots: [RobotSetup]) -> [ClosedRange<Double>] {
        var out = [ClosedRange<Double>](repeating: 0...1, count: robots.count)
        var teams: [String: [Int]] = [:]
        var order: [String] = []
        for (k, robot) in robots.enumerated() where robot.kind != .humanoid {
            if teams[robot.team] == nil { order.append(robot.team) }
            teams[robot.team, default: []].append(k)
        }
        for team in order {
            let members = teams[team]!
            let rates = members.map { SanitationRobot.sweepRate(robots[$0]) }
            let total = rates.reduce(0, +)
            guard total > 0 else { continue }
            var from = 0.0
            for (n, k) in members.enumerated() {
                let to = n == members.count - 1 ? 1 : from + rates[n] / total
                out[k] = from...max(from, to)
                from = to
            }
        }
        return out
    }

    /// The robot's start spot, or the nearest free one to it: a team sets its robot down
    /// clear of benches and bins, not on top of one.
    static func freeStart(near p: Vec2, radius: Double, in arena: Arena) -> Vec2 {
        let fence = arena.layout.geofence.insetBy(radius)
        func ok(_ q: Vec2) -> Bool { fence.contains(q) && arena.isFree(q, radius: radius, margin: 0.15) }
        if ok(p) { return p }
        for ring in 1...16 {
            let d = 0.5 * Double(ring)
            for k in 0..<8 {
                let a = Double(k) * .pi / 4
                let q = Vec2(p.x + d * cos(a), p.y + d * sin(a))
                if ok(q) { return q }
            }
        }
        return p
    }

    /// Simulated time (s).
    public var time: Double { Double(stepIndex) * configuration.step }
    /// Simulated time (ns).
    public var timeNs: UInt64 { UInt64(stepIndex) * stepNs }
    /// Every run has reached FINISHED.
    public var isFinished: Bool { stepIndex >= lastStep }

    /// The arena of the run at `index` (configuration order).
    public func arena(ofRun index: Int) -> Arena { runs[index].arena }

    /// Takes one simulation step and emits everything stamped with its end (and, on the
    /// first call, everything at time 0).
    public mutating func step<S: SimulationSink>(into sink: inout S) {
        if !emittedInitial {
            emittedInitial = true
            emitRunStates(at: 0, into: &sink)
            for slot in order { emitSamples(slot, at: 0, into: &sink) }
        }
        guard !isFinished else { return }
        let dt = configuration.step
        let k1 = stepIndex + 1
        let t0 = Double(stepIndex) * dt
        let t1 = Double(k1) * dt
        let ns = UInt64(k1) * stepNs
        for r in runs.indices { runs[r].state.robotDiscs.removeAll(keepingCapacity: true) }
        for slot in order {
            switch slot {
            case let .sanitation(i):
                let robot = sanitation[i]
                runs[robot.runIndex].state.robotDiscs.append(
                    (robot.position, robot.params.radius, Vec2(cos(robot.heading), sin(robot.heading)) * robot.speed)
                )
            case let .humanoid(i):
                let robot = humanoids[i]
                runs[robot.runIndex].state.robotDiscs.append(
                    (robot.position, 0.3, Vec2(cos(robot.heading), sin(robot.heading)) * robot.speed)
                )
            }
        }
        for r in runs.indices { runs[r].state.moveAgents(arena: runs[r].arena, to: t1, dt: dt) }
        emitRunStates(at: k1, into: &sink)
        for slot in order {
            switch slot {
            case let .sanitation(i):
                let r = sanitation[i].runIndex
                let ctx = context(run: r, t0: t0, t1: t1, ns: ns, k0: stepIndex)
                sanitation[i].step(ctx, state: &runs[r].state, sink: &sink)
            case let .humanoid(i):
                let r = humanoids[i].runIndex
                let ctx = context(run: r, t0: t0, t1: t1, ns: ns, k0: stepIndex)
                humanoids[i].step(ctx, state: &runs[r].state, sink: &sink)
            }
            emitSamples(slot, at: k1, into: &sink)
        }
        stepIndex = k1
    }

    /// Steps until `time` seconds (or the end).
    public mutating func run<S: SimulationSink>(until time: Double, into sink: inout S) {
        let target = Int((time / configuration.step).rounded())
        while stepIndex < target && !isFinished { step(into: &sink) }
        if !emittedInitial { step(into: &sink) }
    }

    /// Steps until every run is FINISHED.
    public mutating func runToEnd<S: SimulationSink>(into sink: inout S) {
        repeat { step(into: &sink) } while !isFinished
    }

    func context(run r: Int, t0: Double, t1: Double, ns: UInt64, k0: Int) -> StepContext {
        let run = runs[r]
        let dt = configuration.step
        return StepContext(
            runID: run.setup.runID,
            division: run.setup.division,
            arena: run.arena,
            t0: t0,
            t1: t1,
            dt: dt,
            timeNs: ns,
            running: k0 >= run.startStep && k0 < run.endStep,
            runStart: Double(run.startStep) * dt,
            runEnd: Double(run.endStep) * dt,
            speedLimit: run.setup.speedLimit
        )
    }

    mutating func emitRunStates<S: SimulationSink>(at k: Int, into sink: inout S) {
        let ns = UInt64(k) * stepNs
        for run in runs {
            let state: RunStateValue? =
                k == 0 ? .prepare : k == run.startStep ? .running : k == run.endStep ? .finished : nil
            if let state {
                let s = run.setup
                sink.receive(
                    .refereeEvent(
                        RefereeEvent(
                            runID: s.runID,
                            robotID: 0,
                            time: ns,
                            kind: .runState(
                                state: state,
                                division: s.division,
                                arenaSeed: s.arenaSeed,
                                duration: s.duration
                            )
                        )
                    )
                )
            }
        }
    }

    mutating func emitSamples<S: SimulationSink>(_ slot: Slot, at k: Int, into sink: inout S) {
        let ns = UInt64(k) * stepNs
        let dt = configuration.step
        switch slot {
        case let .sanitation(i):
            let r = sanitation[i].runIndex
            let period = sanitation[i].samplePeriod
            let run = runs[r]
            let final = k == run.endStep
            if k % period == 0 || final {
                let ctx = context(run: r, t0: Double(k) * dt, t1: Double(k) * dt, ns: ns, k0: k)
                sanitation[i].flushPending(ctx, sink: &sink)
            }
            if k % period == 0 {
                sanitation[i].recordSample(inRunning: k >= run.startStep && k <= run.endStep)
                sink.receive(.sanitation(sanitation[i].sample(timeNs: ns)))
            }
            if k % heartbeatPeriod == 0 {
                sink.receive(.heartbeat(sanitation[i].heartbeat(timeNs: ns, uptime: Double(k) * dt)))
            }
        case let .humanoid(i):
            let period = humanoids[i].samplePeriod
            if k % period == 0 {
                humanoids[i].stateFrames += 1
                sink.receive(.humanoid(humanoids[i].sample(timeNs: ns)))
            }
            if k % heartbeatPeriod == 0 {
                sink.receive(.heartbeat(humanoids[i].heartbeat(timeNs: ns, uptime: Double(k) * dt)))
            }
        }
    }

    /// The ground truth so far (final once `isFinished`).
    public func groundTruth() -> GroundTruth {
        var out: [RunTruth] = []
        for (r, run) in runs.enumerated() {
            var robots: [RobotTruth] = []
            for slot in order {
                switch slot {
                case let .sanitation(i) where sanitation[i].runIndex == r:
                    robots.append(sanitation[i].currentTruth(arena: run.arena))
                case let .humanoid(i) where humanoids[i].runIndex == r:
                    robots.append(humanoids[i].truth)
                default: break
                }
            }
            out.append(
                RunTruth(
                    runID: run.setup.runID,
                    division: run.setup.division,
                    arenaSeed: run.setup.arenaSeed,
                    duration: run.setup.duration,
                    speedLimit: run.setup.speedLimit,
                    totals: ArenaTotals(run.arena),
                    robots: robots
                )
            )
        }
        return GroundTruth(step: configuration.step, runs: out)
    }
}
