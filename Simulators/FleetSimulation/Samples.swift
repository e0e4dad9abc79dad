import FleetArena
public import FleetArenaGenerator

/// Who drives a robot; the protocol's `mode`.
public enum RobotMode: UInt8, Codable, Sendable {
    case auto = 0
    case teleop = 1
    case estop = 2
}

/// What a sanitation robot is doing; the protocol's `sanitation_status`.
public enum SanitationStatus: UInt8, Codable, Sendable {
    case idle = 0
    case cleaning = 1
    case transit = 2
    case dumping = 3
    case charging = 4
    case fault = 5
    case docked = 6
    case stuck = 7
}

/// Phase of a humanoid's litter task; the protocol's `task_phase`.
public enum TaskPhase: UInt8, Codable, Sendable {
    case idle = 0
    case walking = 1
    case searching = 2
    case picking = 3
    case placing = 4
    case carryingBin = 5
    case delivering = 6
    case fallen = 7
    case
        gettingUp = 8
    case done = 9
}

/// The protocol's `severity`.
public enum Severity: UInt8, Codable, Sendable {
    case info = 0
    case warning = 1
    case error = 2
    case critical = 3
}

/// The protocol's `intervention_kind`, in the order the rulebook's A criterion lists them.
public enum InterventionKind: UInt8, Codable, Sendable, CaseIterable {
    case teleopSegment = 0
    case rescue = 1
    case reposition = 2
    case remoteRestart = 3
    case operatorHint = 4
}

/// The protocol's `run_state`.
public enum RunState: UInt8, Codable, Sendable {
    case prepare = 0
    case running = 1
    case finished = 2
    case final = 3
}

/// Vendor fault codes the simulated robots raise (the protocol's `fault.code`).
public enum FaultCode: UInt16, Codable, Sendable {
    case brushJam = 1
    case lowBattery = 2
    case drive = 3
    case sensor = 4
}

/// One `sanitation_state` message, field for field.
public struct SanitationSample: Equatable, Sendable {
    public var robotID: UInt32
    /// Simulated time (ns since the simulation started).
    public var time: UInt64
    public var x: Double
    public var y: Double
    public var energyUsed: Double
    public var distance: Double
    public var areaCleaned: Double
    public var heading: Float
    public var speed: Float
    public var turnRate: Float
    public var brushRPM: Float
    public var suction: Float
    public var waterFlow: Float
    public var hopperFill: Float
    public var cleanWater: Float
    public var dirtyWater: Float
    public var batterySOC: Float
    public var batteryVoltage: Float
    public var batteryCurrent: Float
    public var batteryTemperature: Float
    public var mode: RobotMode
    public var status: SanitationStatus
    public var brushDown: Bool
    public var spraying: Bool
}

/// One `humanoid_state` message, field for field; joint arrays in the schema's joint order.
public struct HumanoidSample: Equatable, Sendable {
    public var robotID: UInt32
    public var time: UInt64
    public var x: Double
    public var y: Double
    public var energyUsed: Double
    public var baseHeight: Float
    public var heading: Float
    public var speed: Float
    public var orientationW: Float
    public var orientationX: Float
    public var orientationY: Float
    public var orientationZ: Float
    public var gyroX: Float
    public var gyroY: Float
    public var gyroZ: Float
    public var accelX: Float
    public var accelY: Float
    public var accelZ: Float
    public var batterySOC: Float
    public var batteryVoltage: Float
    public var batteryCurrent: Float
    public var batteryTemperature: Float
    public var jointPosition: JointArray
    public var jointVelocity: JointArray
    public var jointEffort: JointArray
    public var jointTemperature: JointArray
    public var taskPhase: TaskPhase
    public var mode: RobotMode
    public var itemsPicked: UInt16
    public var itemsPlaced: UInt16
    public var falls: UInt16
    public var getUps: UInt16
}

/// One `heartbeat` message. Counts cover the frames this simulation produced for the robot
/// (state, robot events, heartbeats); the transport adds its own drops.
public struct HeartbeatSample: Equatable, Sendable {
    public var robotID: UInt32
    public var time: UInt64
    public var framesSent: UInt64
    public var uptime: Double
    public var stateFrames: UInt32
    public var eventFrames: UInt32
    public var queueDrops: UInt32
    public var stateRate: Float
}

/// Events a robot reports about itself (message types 0x10–0x18).
public enum RobotEventKind: Equatable, Sendable {
    case collision(x: Double, y: Double, speed: Float, impulse: Float, other: AgentClass)
    case nearMiss(x: Double, y: Double, clearance: Float, speed: Float, other: AgentClass)
    case fault(code: FaultCode, severity: Severity, active: Bool)
    case interventionStart(id: UInt32, kind: InterventionKind)
    case interventionEnd(id: UInt32, duration: Float, kind: InterventionKind)
    case fall(x: Double, y: Double, roll: Float, pitch: Float, baseHeight: Float)
    case getUp(duration: Float, unaided: Bool)
    case dump(x: Double, y: Double, mass: Float, items: UInt16, atTransferPoint: Bool)
    case litterPickup(x: Double, y: Double, itemID: UInt32, mass: Float, litter: LitterClass)
}

public struct RobotEvent: Equatable, Sendable {
    public var robotID: UInt32
    public var time: UInt64
    public var kind: RobotEventKind
}

/// Events the arena, as referee, reports (message types 0x20–0x2E).
public enum RefereeEventKind: Equatable, Sendable {
    case runState(state: RunState, division: SimDivision, arenaSeed: UInt64, duration: Double)
    case litterCollected(itemID: UInt32, mass: Float, x: Double, y: Double, litter: LitterClass, rating: UInt8)
    case litterSpilled(itemID: UInt32, mass: Float, litter: LitterClass, rating: UInt8, overflow: Bool)
    case contact(x: Double, y: Double, speed: Float, agentID: UInt32, contact: ContactClass)
    case nearMissObserved(x: Double, y: Double, clearance: Float, speed: Float, agentID: UInt32, other: AgentClass)
    case geofenceExit(x: Double, y: Double, distanceOut: Float)
    case intervention(kind: InterventionKind, duration: Float)
    case stainWashed(stainID: UInt32, area: Float)
    case rampClimbed(rampID: UInt32)
    case sprayViolation(x: Double, y: Double, zone: ZoneKind)
    case transferDump(mass: Float, items: UInt16)
    case docked
    case itemPlaced(itemID: UInt32, binID: UInt32)
    case binDelivered(binID: UInt32)
    case fallObserved(unaidedGetUp: Bool)
}

public struct RefereeEvent: Equatable, Sendable {
    public var runID: UInt32
    /// The robot the event is about; 0 for the run as a whole.
    public var robotID: UInt32
    public var time: UInt64
    public var kind: RefereeEventKind
}

/// Everything the simulation emits, in the order it emits it: by time, then robot id
/// (run-wide referee events, robot id 0, first); for one robot at one time its robot
/// events and referee events in the order they happened, then its state sample, then its
/// heartbeat.
public enum SimulationOutput: Equatable, Sendable {
    case sanitation(SanitationSample)
    case humanoid(HumanoidSample)
    case heartbeat(HeartbeatSample)
    case robotEvent(RobotEvent)
    case refereeEvent(RefereeEvent)

    public var time: UInt64 {
        switch self {
        case let .sanitation(s): s.time
        case let .humanoid(s): s.time
        case let .heartbeat(s): s.time
        case let .robotEvent(e): e.time
        case let .refereeEvent(e): e.time
        }
    }

    /// The robot the output is from or about (0 for run-wide referee events).
    public var robotID: UInt32 {
        switch self {
        case let .sanitation(s): s.robotID
        case let .humanoid(s): s.robotID
        case let .heartbeat(s): s.robotID
        case let .robotEvent(e): e.robotID
        case let .refereeEvent(e): e.robotID
        }
    }
}

/// Where outputs go. Generic, so the world's stepping loop is specialised per sink and
/// nothing is boxed per output.
public protocol SimulationSink {
    mutating func receive(_ output: SimulationOutput)
}

/// Keeps every output; for tests and small runs.
public struct CollectingSink: SimulationSink {
    public var outputs: [SimulationOutput] = []
    public init() {}
    public mutating func receive(_ output: SimulationOutput) { outputs.append(output) }
}

/// Hands every output to a closure.
public struct ClosureSink: SimulationSink {
    let body: (SimulationOutput) -> Void
    public init(_ body: @escaping (SimulationOutput) -> Void) { self.body = body }
    public mutating func receive(_ output: SimulationOutput) { body(output) }
}

/// Counts outputs and drops them; for measuring the simulation alone.
public struct CountingSink: SimulationSink {
    public var count = 0
    public init() {}
    public mutating func receive(_ output: SimulationOutput) { count += 1 }
}
