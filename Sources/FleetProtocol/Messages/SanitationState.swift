/// Periodic state of a sanitation robot (sweeper, litter picker, washer); default 10 Hz.
public struct SanitationState: Sendable, Equatable {
    /// Position east in the arena frame. [m]
    public var x: Double
    /// Position north in the arena frame. [m]
    public var y: Double
    /// Energy drawn from the battery since boot (cumulative). [Wh]
    public var energyUsed: Double
    /// Distance driven since boot (cumulative). [m]
    public var distance: Double
    /// Area the robot believes it has cleaned since boot (cumulative, its own estimate). [m2]
    public var areaCleaned: Double
    /// Heading, counter-clockwise from east, in (-pi, pi]. [rad]
    public var heading: Float
    /// Ground speed (signed: negative when reversing). [m/s]
    public var speed: Float
    /// Yaw rate. [rad/s]
    public var turnRate: Float
    /// Main brush speed. [rpm]
    public var brushRpm: Float
    /// Suction fan power. [%]
    public var suction: Float
    /// Spray water flow. [l/min]
    public var waterFlow: Float
    /// Hopper fill level. [%]
    public var hopperFill: Float
    /// Clean water tank level. [%]
    public var cleanWater: Float
    /// Dirty water tank level. [%]
    public var dirtyWater: Float
    /// Battery state of charge. [%]
    public var batterySOC: Float
    /// Battery voltage. [V]
    public var batteryVoltage: Float
    /// Battery current, positive when discharging. [A]
    public var batteryCurrent: Float
    /// Battery temperature; NaN when not measured. [degC]
    public var batteryTemperature: Float
    /// Who drives.
    public var mode: Mode
    /// What the robot is doing.
    public var status: SanitationStatus
    /// Main brush lowered onto the ground (counts for coverage).
    public var brushDown: Bool
    /// Spray nozzles open.
    public var spraying: Bool

    public init(
        x: Double,
        y: Double,
        energyUsed: Double,
        distance: Double,
        areaCleaned: Double,
        heading: Float,
        speed: Float,
        turnRate: Float,
        brushRpm: Float,
        suction: Float,
        waterFlow: Float,
        hopperFill: Float,
        cleanWater: Float,
        dirtyWater: Float,
        batterySOC: Float,
        batteryVoltage: Float,
        batteryCurrent: Float,
        batteryTemperature: Float,
        mode: Mode,
        status: SanitationStatus,
        brushDown: Bool,
        spraying: Bool
    ) {
        self.x = x
        self.y = y
        self.energyUsed = energyUsed
        self.distance = distance
        self.areaCleaned = areaCleaned
        self.heading = heading
        self.speed = speed
        self.turnRate = turnRate
        self.brushRpm = brushRpm
        self.suction = suction
        self.waterFlow = waterFlow
        self.hopperFill = hopperFill
        self.cleanWater = cleanWater
        self.dirtyWater = dirtyWater
        self.batterySOC = batterySOC
        self.batteryVoltage = batteryVoltage
        self.batteryCurrent = batteryCurrent
        self.batteryTemperature = batteryTemperature
        self.mode = mode
        self.status = status
        self.brushDown = brushDown
        self.spraying = spraying
    }
}

extension SanitationState: MessageBody {
    public static var messageType: MessageType { .sanitationState }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("energy_used", .f64, at: 16),
        FieldLayout("distance", .f64, at: 24),
        FieldLayout("area_cleaned", .f64, at: 32),
        FieldLayout("heading", .f32, at: 40),
        FieldLayout("speed", .f32, at: 44),
        FieldLayout("turn_rate", .f32, at: 48),
        FieldLayout("brush_rpm", .f32, at: 52, min: 0),
        FieldLayout("suction", .f32, at: 56, min: 0, max: 100),
        FieldLayout("water_flow", .f32, at: 60, min: 0),
        FieldLayout("hopper_fill", .f32, at: 64, min: 0, max: 100),
        FieldLayout("clean_water", .f32, at: 68, min: 0, max: 100),
        FieldLayout("dirty_water", .f32, at: 72, min: 0, max: 100),
        FieldLayout("battery_soc", .f32, at: 76, min: 0, max: 100),
        FieldLayout("battery_voltage", .f32, at: 80, min: 0),
        FieldLayout("battery_current", .f32, at: 84),
        FieldLayout("battery_temperature", .f32, at: 88, nanAllowed: true),
        FieldLayout("mode", .u8, at: 92, enum: "mode"),
        FieldLayout("status", .u8, at: 93, enum: "sanitation_status"),
        FieldLayout("brush_down", .bool, at: 94),
        FieldLayout("spraying", .bool, at: 95),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        energyUsed = try body.f64(16, "energy_used")
        distance = try body.f64(24, "distance")
        areaCleaned = try body.f64(32, "area_cleaned")
        heading = try body.f32(40, "heading")
        speed = try body.f32(44, "speed")
        turnRate = try body.f32(48, "turn_rate")
        brushRpm = try body.f32(52, "brush_rpm", min: 0)
        suction = try body.f32(56, "suction", min: 0, max: 100)
        waterFlow = try body.f32(60, "water_flow", min: 0)
        hopperFill = try body.f32(64, "hopper_fill", min: 0, max: 100)
        cleanWater = try body.f32(68, "clean_water", min: 0, max: 100)
        dirtyWater = try body.f32(72, "dirty_water", min: 0, max: 100)
        batterySOC = try body.f32(76, "battery_soc", min: 0, max: 100)
        batteryVoltage = try body.f32(80, "battery_voltage", min: 0)
        batteryCurrent = try body.f32(84, "battery_current")
        batteryTemperature = try body.f32(88, "battery_temperature", nanAllowed: true)
        mode = try body.enumeration(92, "mode", as: Mode.self)
        status = try body.enumeration(93, "status", as: SanitationStatus.self)
        brushDown = try body.bool(94, "brush_down")
        spraying = try body.bool(95, "spraying")
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(energyUsed, at: 16)
        body.write(distance, at: 24)
        body.write(areaCleaned, at: 32)
        body.write(heading, at: 40)
        body.write(speed, at: 44)
        body.write(turnRate, at: 48)
        body.write(brushRpm, at: 52)
        body.write(suction, at: 56)
        body.write(waterFlow, at: 60)
        body.write(hopperFill, at: 64)
        body.write(cleanWater, at: 68)
        body.write(dirtyWater, at: 72)
        body.write(batterySOC, at: 76)
        body.write(batteryVoltage, at: 80)
        body.write(batteryCurrent, at: 84)
        body.write(batteryTemperature, at: 88)
        body.write(mode, at: 92)
        body.write(status, at: 93)
        body.write(brushDown, at: 94)
        body.write(spraying, at: 95)
    }
}
