/// Periodic state of a humanoid robot; default 50 Hz. Joint arrays follow the joint order of `joints`.
public struct HumanoidState: Sendable, Equatable {
    /// Base position east in the arena frame. [m]
    public var x: Double
    /// Base position north in the arena frame. [m]
    public var y: Double
    /// Energy drawn from the battery since boot (cumulative). [Wh]
    public var energyUsed: Double
    /// Height of the pelvis above the ground. [m]
    public var baseHeight: Float
    /// Base yaw, counter-clockwise from east. [rad]
    public var heading: Float
    /// Walking speed. [m/s]
    public var speed: Float
    /// IMU orientation quaternion, scalar part.
    public var orientationW: Float
    /// IMU orientation quaternion, x.
    public var orientationX: Float
    /// IMU orientation quaternion, y.
    public var orientationY: Float
    /// IMU orientation quaternion, z.
    public var orientationZ: Float
    /// IMU angular rate about x. [rad/s]
    public var gyroX: Float
    /// IMU angular rate about y. [rad/s]
    public var gyroY: Float
    /// IMU angular rate about z. [rad/s]
    public var gyroZ: Float
    /// IMU specific force along x. [m/s2]
    public var accelX: Float
    /// IMU specific force along y. [m/s2]
    public var accelY: Float
    /// IMU specific force along z. [m/s2]
    public var accelZ: Float
    /// Battery state of charge. [%]
    public var batterySOC: Float
    /// Battery voltage. [V]
    public var batteryVoltage: Float
    /// Battery current, positive when discharging. [A]
    public var batteryCurrent: Float
    /// Battery temperature; NaN when not measured. [degC]
    public var batteryTemperature: Float
    /// Joint angles. [rad]
    public var jointPosition: JointArray
    /// Joint velocities. [rad/s]
    public var jointVelocity: JointArray
    /// Joint torques. [N*m]
    public var jointEffort: JointArray
    /// Joint motor temperatures. [degC]
    public var jointTemperature: JointArray
    /// Phase of the litter task.
    public var taskPhase: TaskPhase
    /// Who drives.
    public var mode: Mode
    /// Litter items picked up since boot.
    public var itemsPicked: UInt16
    /// Litter items placed in a bin since boot.
    public var itemsPlaced: UInt16
    /// Falls since boot.
    public var falls: UInt16
    /// Unaided get-ups since boot.
    public var getUps: UInt16

    public init(
        x: Double,
        y: Double,
        energyUsed: Double,
        baseHeight: Float,
        heading: Float,
        speed: Float,
        orientationW: Float,
        orientationX: Float,
        orientationY: Float,
        orientationZ: Float,
        gyroX: Float,
        gyroY: Float,
        gyroZ: Float,
        accelX: Float,
        accelY: Float,
        accelZ: Float,
        batterySOC: Float,
        batteryVoltage: Float,
        batteryCurrent: Float,
        batteryTemperature: Float,
        jointPosition: JointArray,
        jointVelocity: JointArray,
        jointEffort: JointArray,
        jointTemperature: JointArray,
        taskPhase: TaskPhase,
        mode: Mode,
        itemsPicked: UInt16,
        itemsPlaced: UInt16,
        falls: UInt16,
        getUps: UInt16
    ) {
        self.x = x
        self.y = y
        self.energyUsed = energyUsed
        self.baseHeight = baseHeight
        self.heading = heading
        self.speed = speed
        self.orientationW = orientationW
        self.orientationX = orientationX
        self.orientationY = orientationY
        self.orientationZ = orientationZ
        self.gyroX = gyroX
        self.gyroY = gyroY
        self.gyroZ = gyroZ
        self.accelX = accelX
        self.accelY = accelY
        self.accelZ = accelZ
        self.batterySOC = batterySOC
        self.batteryVoltage = batteryVoltage
        self.batteryCurrent = batteryCurrent
        self.batteryTemperature = batteryTemperature
        self.jointPosition = jointPosition
        self.jointVelocity = jointVelocity
        self.jointEffort = jointEffort
        self.jointTemperature = jointTemperature
        self.taskPhase = taskPhase
        self.mode = mode
        self.itemsPicked = itemsPicked
        self.itemsPlaced = itemsPlaced
        self.falls = falls
        self.getUps = getUps
    }
}

extension HumanoidState: MessageBody {
    public static var messageType: MessageType { .humanoidState }

    public static let layout: [FieldLayout] = [
        FieldLayout("x", .f64, at: 0),
        FieldLayout("y", .f64, at: 8),
        FieldLayout("energy_used", .f64, at: 16),
        FieldLayout("base_height", .f32, at: 24),
        FieldLayout("heading", .f32, at: 28),
        FieldLayout("speed", .f32, at: 32),
        FieldLayout("orientation_w", .f32, at: 36, min: -1, max: 1),
        FieldLayout("orientation_x", .f32, at: 40, min: -1, max: 1),
        FieldLayout("orientation_y", .f32, at: 44, min: -1, max: 1),
        FieldLayout("orientation_z", .f32, at: 48, min: -1, max: 1),
        FieldLayout("gyro_x", .f32, at: 52),
        FieldLayout("gyro_y", .f32, at: 56),
        FieldLayout("gyro_z", .f32, at: 60),
        FieldLayout("accel_x", .f32, at: 64),
        FieldLayout("accel_y", .f32, at: 68),
        FieldLayout("accel_z", .f32, at: 72),
        FieldLayout("battery_soc", .f32, at: 76, min: 0, max: 100),
        FieldLayout("battery_voltage", .f32, at: 80, min: 0),
        FieldLayout("battery_current", .f32, at: 84),
        FieldLayout("battery_temperature", .f32, at: 88, nanAllowed: true),
        FieldLayout("joint_position", .f32, count: 24, at: 92),
        FieldLayout("joint_velocity", .f32, count: 24, at: 188),
        FieldLayout("joint_effort", .f32, count: 24, at: 284),
        FieldLayout("joint_temperature", .f32, count: 24, at: 380),
        FieldLayout("task_phase", .u8, at: 476, enum: "task_phase"),
        FieldLayout("mode", .u8, at: 477, enum: "mode"),
        FieldLayout("items_picked", .u16, at: 478),
        FieldLayout("items_placed", .u16, at: 480),
        FieldLayout("falls", .u16, at: 482),
        FieldLayout("get_ups", .u16, at: 484),
        FieldLayout("reserved", .u16, at: 486),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        x = try body.f64(0, "x")
        y = try body.f64(8, "y")
        energyUsed = try body.f64(16, "energy_used")
        baseHeight = try body.f32(24, "base_height")
        heading = try body.f32(28, "heading")
        speed = try body.f32(32, "speed")
        orientationW = try body.f32(36, "orientation_w", min: -1, max: 1)
        orientationX = try body.f32(40, "orientation_x", min: -1, max: 1)
        orientationY = try body.f32(44, "orientation_y", min: -1, max: 1)
        orientationZ = try body.f32(48, "orientation_z", min: -1, max: 1)
        gyroX = try body.f32(52, "gyro_x")
        gyroY = try body.f32(56, "gyro_y")
        gyroZ = try body.f32(60, "gyro_z")
        accelX = try body.f32(64, "accel_x")
        accelY = try body.f32(68, "accel_y")
        accelZ = try body.f32(72, "accel_z")
        batterySOC = try body.f32(76, "battery_soc", min: 0, max: 100)
        batteryVoltage = try body.f32(80, "battery_voltage", min: 0)
        batteryCurrent = try body.f32(84, "battery_current")
        batteryTemperature = try body.f32(88, "battery_temperature", nanAllowed: true)
        jointPosition = try body.joints(92, "joint_position")
        jointVelocity = try body.joints(188, "joint_velocity")
        jointEffort = try body.joints(284, "joint_effort")
        jointTemperature = try body.joints(380, "joint_temperature")
        taskPhase = try body.enumeration(476, "task_phase", as: TaskPhase.self)
        mode = try body.enumeration(477, "mode", as: Mode.self)
        itemsPicked = body.u16(478)
        itemsPlaced = body.u16(480)
        falls = body.u16(482)
        getUps = body.u16(484)
    }

    func write(to body: BodyWriter) {
        body.write(x, at: 0)
        body.write(y, at: 8)
        body.write(energyUsed, at: 16)
        body.write(baseHeight, at: 24)
        body.write(heading, at: 28)
        body.write(speed, at: 32)
        body.write(orientationW, at: 36)
        body.write(orientationX, at: 40)
        body.write(orientationY, at: 44)
        body.write(orientationZ, at: 48)
        body.write(gyroX, at: 52)
        body.write(gyroY, at: 56)
        body.write(gyroZ, at: 60)
        body.write(accelX, at: 64)
        body.write(accelY, at: 68)
        body.write(accelZ, at: 72)
        body.write(batterySOC, at: 76)
        body.write(batteryVoltage, at: 80)
        body.write(batteryCurrent, at: 84)
        body.write(batteryTemperature, at: 88)
        body.write(jointPosition, at: 92)
        body.write(jointVelocity, at: 188)
        body.write(jointEffort, at: 284)
        body.write(jointTemperature, at: 380)
        body.write(taskPhase, at: 476)
        body.write(mode, at: 477)
        body.write(itemsPicked, at: 478)
        body.write(itemsPlaced, at: 480)
        body.write(falls, at: 482)
        body.write(getUps, at: 484)
    }
}

extension HumanoidState {
    /// Field by field, with the IEEE semantics synthesized equality would give (NaN is
    /// unequal to itself); written out because `InlineArray` is not `Equatable`.
    public static func == (lhs: HumanoidState, rhs: HumanoidState) -> Bool {
        lhs.x == rhs.x
            && lhs.y == rhs.y
            && lhs.energyUsed == rhs.energyUsed
            && lhs.baseHeight == rhs.baseHeight
            && lhs.heading == rhs.heading
            && lhs.speed == rhs.speed
            && lhs.orientationW == rhs.orientationW
            && lhs.orientationX == rhs.orientationX
            && lhs.orientationY == rhs.orientationY
            && lhs.orientationZ == rhs.orientationZ
            && lhs.gyroX == rhs.gyroX
            && lhs.gyroY == rhs.gyroY
            && lhs.gyroZ == rhs.gyroZ
            && lhs.accelX == rhs.accelX
            && lhs.accelY == rhs.accelY
            && lhs.accelZ == rhs.accelZ
            && lhs.batterySOC == rhs.batterySOC
            && lhs.batteryVoltage == rhs.batteryVoltage
            && lhs.batteryCurrent == rhs.batteryCurrent
            && lhs.batteryTemperature == rhs.batteryTemperature
            && jointsEqual(lhs.jointPosition, rhs.jointPosition)
            && jointsEqual(lhs.jointVelocity, rhs.jointVelocity)
            && jointsEqual(lhs.jointEffort, rhs.jointEffort)
            && jointsEqual(lhs.jointTemperature, rhs.jointTemperature)
            && lhs.taskPhase == rhs.taskPhase
            && lhs.mode == rhs.mode
            && lhs.itemsPicked == rhs.itemsPicked
            && lhs.itemsPlaced == rhs.itemsPlaced
            && lhs.falls == rhs.falls
            && lhs.getUps == rhs.getUps
    }

    private static func jointsEqual(_ lhs: JointArray, _ rhs: JointArray) -> Bool {
        for index in 0..<JointArray.count where lhs[index] != rhs[index] { return false }
        return true
    }
}
