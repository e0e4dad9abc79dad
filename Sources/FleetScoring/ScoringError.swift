public import FleetProtocol

/// A scorer that cannot be set up as asked, or an award the rulebook does not allow.
public struct ScoringError: FleetError, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The run's division is not in the rulebook.
        case unknownDivision = "unknown_division"
        /// A sanitation robot has no brush width and the rulebook has none for its kind.
        case missingBrushWidth = "missing_brush_width"
        /// The arena grid's cell size is not the rulebook's.
        case cellSizeMismatch = "cell_size_mismatch"
        /// The same robot id is registered twice.
        case duplicateRobot = "duplicate_robot"
        case unknownTeam = "unknown_team"
        /// A referee award outside 0 ... the rulebook's maximum.
        case awardOutOfRange = "award_out_of_range"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

}
