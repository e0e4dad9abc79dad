import FleetArena
public import FleetArenaGenerator
import FleetProtocol

/// What the simulator knows happened, computed from its own state rather than from
/// telemetry: the answer key the scorer is checked against. Encode with
/// `JSONEncoder.outputFormatting = [.sortedKeys]` for a stable text form.
public struct GroundTruth: Codable, Equatable, Sendable {
    public var step: Double
    public var runs: [RunTruth]
}

public struct RunTruth: Codable, Equatable, Sendable {
    public var runID: UInt32
    public var division: SimDivision
    public var arenaSeed: UInt64
    public var duration: Double
    public var speedLimit: Double
    /// The rulebook's denominators for this arena.
    public var totals: ArenaTotals
    public var robots: [RobotTruth]
}

/// M_d, M_g, Σ ratings, S0 and the grid, for one arena.
public struct ArenaTotals: Codable, Equatable, Sendable {
    public var dustMass: Double
    public var gravelMass: Double
    public var objects: Int
    public var ratingSum: Int
    public var stainArea: Double
    public var targetCells: Int
    public var edgeCells: Int
    public var targetArea: Double
    public var items: Int

    public init(_ arena: Arena) {
        dustMass = arena.dustMass
        gravelMass = arena.gravelMass
        objects = arena.layout.objects.count
        ratingSum = arena.ratingSum
        stainArea = arena.stainArea
        targetCells = arena.map.targetCellCount
        edgeCells = arena.map.edgeCellCount
        targetArea = arena.map.targetArea
        items = arena.layout.objects.count
    }
}

/// Material that counts: in the hopper at the end of the run or dumped at the transfer
/// point; spilled material does not.
public struct LitterTruth: Codable, Equatable, Sendable {
    public var dustKg = 0.0
    public var gravelKg = 0.0
    public var objects = 0
    public var ratingSum = 0
    /// Ids of the counted objects, ascending.
    public var objectIDs: [UInt32] = []
    /// Objects that overflowed the hopper and went back to the ground.
    public var spilledObjects = 0
    public var spilledKg = 0.0
    public init() {}
}

public struct ContactCounts: Codable, Equatable, Sendable {
    public var `static` = 0
    public var pedestrian = 0
    public var cyclist = 0
    public var vehicle = 0
    public init() {}

    public var total: Int { `static` + pedestrian + cyclist + vehicle }

    mutating func add(_ c: ContactClass) {
        switch c {
        case .static: `static` += 1
        case .pedestrian: pedestrian += 1
        case .cyclist: cyclist += 1
        case .vehicle: vehicle += 1
        }
    }
}

public struct InterventionCounts: Codable, Equatable, Sendable {
    public var teleopSegment = 0
    public var rescue = 0
    public var reposition = 0
    public var remoteRestart = 0
    public var operatorHint = 0
    public init() {}

    public var total: Int { teleopSegment + rescue + reposition + remoteRestart + operatorHint }

    mutating func add(_ k: InterventionKind) {
        switch k {
        case .teleopSegment: teleopSegment += 1
        case .rescue: rescue += 1
        case .reposition: reposition += 1
        case .remoteRestart: remoteRestart += 1
        case .operatorHint: operatorHint += 1
        }
    }
}

/// One robot's truth. Counts cover RUNNING only (coverage, litter, safety, interventions);
/// energy and distance cover the whole simulation, like the telemetry's cumulative fields.
public struct RobotTruth: Codable, Equatable, Sendable {
    public var robotID: UInt32
    public var team: String
    public var kind: RobotKind
    public var litter = LitterTruth()
    /// Coverage integrated at every simulation step.
    public var coverage: CoverageSummary?
    /// Coverage from the state-sample poses only (both ends brush down), which is what a
    /// scorer working from telemetry computes.
    public var telemetryCoverage: CoverageSummary?
    public var contacts = ContactCounts()
    public var nearMisses = 0
    public var geofenceExits = 0
    public var overSpeedSeconds = 0.0
    public var interventions = InterventionCounts()
    public var energyWh = 0.0
    public var distance = 0.0
    /// Seconds of RUNNING during which the robot was not docked.
    public var operatingSeconds = 0.0
    public var dumps = 0
    public var docked = false
    public var rampClimbed = false
    public var stainAreaWashed = 0.0
    public var sprayViolations = 0
    public var faults = 0
    // Division H
    public var itemsPicked = 0
    public var itemsPlaced = 0
    public var placedItemIDs: [UInt32] = []
    public var binDelivered = false
    public var falls = 0
    public var unaidedGetUps = 0

    public init(robotID: UInt32, team: String, kind: RobotKind) {
        self.robotID = robotID
        self.team = team
        self.kind = kind
    }
}
