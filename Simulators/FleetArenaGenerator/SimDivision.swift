import FleetProtocol

/// A competition division as the simulator names it (park, sidewalk, …); raw values are the
/// wire protocol's `division` enum, whose Swift type is `FleetProtocol.Division` (P, N, A, H):
/// named apart so a file may use both.
public enum SimDivision: UInt8, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// Park and square: open paving, benches, trees, a 20° ramp, crowds.
    case park = 0
    /// Sidewalk / non-motorized lane: narrow, kerbs, dense pedestrians, parked bikes.
    case sidewalk = 1
    /// Auxiliary road: kerbs both sides, parked and moving vehicles.
    case auxiliaryRoad = 2
    /// Humanoid litter task: bins, litter items, a transfer point.
    case humanoid = 3

    /// The rulebook's one-letter id.
    public var description: String {
        switch self {
        case .park: "P"
        case .sidewalk: "N"
        case .auxiliaryRoad: "A"
        case .humanoid: "H"
        }
    }

    /// The division's default speed limit (m/s) for over-speed seconds; a rulebook field,
    /// so the simulation takes it as a parameter (see `RunSetup.speedLimit`).
    public var defaultSpeedLimit: Double {
        switch self {
        case .park: 2.0
        case .sidewalk: 1.5
        case .auxiliaryRoad: 3.0
        case .humanoid: 1.5
        }
    }
}
