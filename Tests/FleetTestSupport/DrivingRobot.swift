public import FleetProtocol

/// Telemetry of a test robot: a sanitation robot driving east at 1 m/s with its brush down,
/// one sample per 100 ms from `start`.
public enum DrivingRobot {
    /// Event time of sample 0, ns (2027-01-15T08:00:00Z).
    public static let start: UInt64 = 1_800_000_000_000_000_000

    /// Event time of sample `step`, ns.
    public static func time(_ step: Int) -> UInt64 { start + UInt64(step) * 100_000_000 }

    /// Sample `step`: x grows 0.1 m a step unless given; counters grow with the step.
    public static func state(
        step: Int,
        x: Double? = nil,
        y: Double = 2,
        battery: Float = 80,
        hopperFill: Float = 10
    ) -> SanitationState {
        SanitationState(
            x: x ?? Double(step) * 0.1,
            y: y,
            energyUsed: Double(step) * 0.01,
            distance: Double(step) * 0.1,
            areaCleaned: Double(step) * 0.05,
            heading: 0,
            speed: 1,
            turnRate: 0,
            brushRpm: 120,
            suction: 50,
            waterFlow: 0,
            hopperFill: hopperFill,
            cleanWater: 100,
            dirtyWater: 0,
            batterySOC: battery,
            batteryVoltage: 48,
            batteryCurrent: 10,
            batteryTemperature: 30,
            mode: .auto,
            status: .cleaning,
            brushDown: true,
            spraying: false
        )
    }
}
