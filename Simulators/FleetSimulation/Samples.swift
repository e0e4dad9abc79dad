import FleetArena
public import FleetArenaGenerator
public import FleetProtocol

/// Vendor fault codes the simulated robots raise (the protocol's `fault.code`).
public enum FaultCode: UInt16, Codable, Sendable {
    case brushJam = 1
    case lowBattery = 2
    case drive = 3
    case sensor = 4
}

/// One frame of a robot's own telemetry as the simulation emits it: who sent it, when (in
/// simulated time: ns since the simulation started), and the wire message itself. The
/// message's fields read as the sample's own (`sample.x`, `sample.status`).
@dynamicMemberLookup
public struct Sample<Message: Equatable & Sendable>: Equatable, Sendable {
    public var robotID: UInt32
    public var time: UInt64
    public var message: Message

    public init(robotID: UInt32, time: UInt64, _ message: Message) {
        self.robotID = robotID
        self.time = time
        self.message = message
    }

    public subscript<Value>(dynamicMember field: KeyPath<Message, Value>) -> Value { message[keyPath: field] }
}

/// One `sanitation_state` frame.
public typealias SanitationSample = Sample<SanitationState>
/// One `humanoid_state` frame; joint arrays in the schema's joint order.
public typealias HumanoidSample = Sample<HumanoidState>
/// One `heartbeat` frame. Counts cover the frames this simulation produced for the robot
/// (state, robot events, heartbeats); the transport adds its own drops.
public typealias HeartbeatSample = Sample<Heartbeat>

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
    case runState(state: RunStateValue, division: SimDivision, arenaSeed: UInt64, duration: Double)
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

extension RefereeEventKind {
    /// The referee saw litter object `o` collected (where it lay, its mass and rating).
    static func collected(_ o: LitterObject) -> RefereeEventKind {
        .litterCollected(
            itemID: o.id,
            mass: Float(o.mass),
            x: o.position.x,
            y: o.position.y,
            litter: .object,
            rating: o.rating
        )
    }
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
