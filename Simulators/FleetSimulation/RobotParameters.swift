/// The kinds of robot the competition knows.
public enum RobotKind: String, Codable, Sendable, CaseIterable {
    case sweeper, litterPicker, washer, humanoid
}

/// Physical parameters of a sanitation robot: what limits it and what it costs to run.
public struct SanitationParameters: Codable, Equatable, Sendable {
    public var kind: RobotKind
    /// Footprint radius (m): contacts and clearances use a disc of this size.
    public var radius: Double
    /// Width swept with the brush down (m); coverage uses half of it.
    public var brushWidth: Double
    /// Width within which objects are picked up (m).
    public var pickupWidth: Double
    /// Hardware top speed (m/s).
    public var maxSpeed: Double
    /// Normal working speed with the brush down (m/s).
    public var cleaningSpeed: Double
    public var maxAcceleration: Double
    public var maxTurnRate: Double
    public var maxAngularAcceleration: Double
    public var mass: Double
    public var hopperVolume: Double
    public var hopperMassLimit: Double
    /// Clean water tank (l); 0 when the robot has none.
    public var waterTank: Double
    /// Spray flow while spraying (l/min).
    public var sprayFlow: Double
    public var batteryWh: Double
    public var nominalVoltage: Double
    public var internalResistance: Double
    public var idlePower: Double
    public var brushPower: Double
    /// Suction fan power at 100 %.
    public var suctionPower: Double
    public var sprayPower: Double
    public var brushRPM: Double
    public var rollingResistance: Double
    public var drivetrainEfficiency: Double
    /// Fraction of dust / gravel lying in a cell that one pass collects.
    public var dustEfficiency: Double
    public var gravelEfficiency: Double
    /// Chance to pick up an object of rating 1…5 in one pass.
    public var pickupChance: [Double]
    /// Whether the robot washes stains (scrubs while spraying).
    public var washes: Bool

    public static let sweeper = SanitationParameters(
        kind: .sweeper,
        radius: 0.55,
        brushWidth: 1.1,
        pickupWidth: 1.1,
        maxSpeed: 2.6,
        cleaningSpeed: 1.2,
        maxAcceleration: 0.8,
        maxTurnRate: 1.2,
        maxAngularAcceleration: 3,
        mass: 350,
        hopperVolume: 60,
        hopperMassLimit: 50,
        waterTank: 30,
        sprayFlow: 0.5,
        batteryWh: 3000,
        nominalVoltage: 48,
        internalResistance: 0.05,
        idlePower: 60,
        brushPower: 400,
        suctionPower: 300,
        sprayPower: 40,
        brushRPM: 120,
        rollingResistance: 0.03,
        drivetrainEfficiency: 0.8,
        dustEfficiency: 0.9,
        gravelEfficiency: 0.8,
        pickupChance: [0.95, 0.9, 0.7, 0.3, 0],
        washes: false
    )

    public static let litterPicker = SanitationParameters(
        kind: .litterPicker,
        radius: 0.4,
        brushWidth: 0.7,
        pickupWidth: 1.0,
        maxSpeed: 2.2,
        cleaningSpeed: 1.0,
        maxAcceleration: 1.0,
        maxTurnRate: 1.6,
        maxAngularAcceleration: 4,
        mass: 150,
        hopperVolume: 90,
        hopperMassLimit: 30,
        waterTank: 0,
        sprayFlow: 0,
        batteryWh: 1500,
        nominalVoltage: 24,
        internalResistance: 0.03,
        idlePower: 50,
        brushPower: 120,
        suctionPower: 200,
        sprayPower: 0,
        brushRPM: 90,
        rollingResistance: 0.03,
        drivetrainEfficiency: 0.8,
        dustEfficiency: 0.4,
        gravelEfficiency: 0.2,
        pickupChance: [0.95, 0.95, 0.95, 0.9, 0.85],
        washes: false
    )

    public static let washer = SanitationParameters(
        kind: .washer,
        radius: 0.5,
        brushWidth: 0.9,
        pickupWidth: 0.9,
        maxSpeed: 2.2,
        cleaningSpeed: 0.8,
        maxAcceleration: 0.6,
        maxTurnRate: 1.0,
        maxAngularAcceleration: 2.5,
        mass: 420,
        hopperVolume: 20,
        hopperMassLimit: 15,
        waterTank: 120,
        sprayFlow: 4,
        batteryWh: 4000,
        nominalVoltage: 48,
        internalResistance: 0.05,
        idlePower: 60,
        brushPower: 500,
        suctionPower: 400,
        sprayPower: 150,
        brushRPM: 200,
        rollingResistance: 0.035,
        drivetrainEfficiency: 0.8,
        dustEfficiency: 0.6,
        gravelEfficiency: 0.3,
        pickupChance: [0.8, 0.3, 0, 0, 0],
        washes: true
    )

    public static func standard(_ kind: RobotKind) -> SanitationParameters {
        switch kind {
        case .sweeper, .humanoid: .sweeper
        case .litterPicker: .litterPicker
        case .washer: .washer
        }
    }
}

/// How good a team's software is; teams with different profiles score differently.
public struct SkillProfile: Codable, Equatable, Sendable {
    /// 0…1: lane spacing accuracy, edge following, tracking, detour margins, dump and return timing.
    public var planner: Double
    /// 0…1: how early and how carefully the robot reacts to people and vehicles.
    public var avoidance: Double
    /// Brush jams per hour of brushing (for humanoids: scales the fall hazard).
    public var faultsPerHour: Double
    /// Factor on the robot's working and transit speeds.
    public var speed: Double

    public init(planner: Double, avoidance: Double, faultsPerHour: Double, speed: Double) {
        self.planner = planner
        self.avoidance = avoidance
        self.faultsPerHour = faultsPerHour
        self.speed = speed
    }

    public static let expert = SkillProfile(planner: 0.95, avoidance: 0.95, faultsPerHour: 0.5, speed: 1.0)
    public static let solid = SkillProfile(planner: 0.75, avoidance: 0.75, faultsPerHour: 1.5, speed: 1.0)
    public static let novice = SkillProfile(planner: 0.35, avoidance: 0.4, faultsPerHour: 4, speed: 0.9)
    /// Fast and careless: over-speeds and cuts it close around people.
    public static let reckless = SkillProfile(planner: 0.55, avoidance: 0.15, faultsPerHour: 2, speed: 1.35)
}
