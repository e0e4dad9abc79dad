/// A run's score: per team (what the rulebook ranks) and per robot (each robot's own
/// contribution), with every score event and the flags a referee should review.
public struct RunResult: Sendable, Equatable, Codable {
    public var runID: UInt32
    /// Division id (`P`, `N`, `A`, `H`).
    public var division: String
    public var rulebookHash: String
    /// RUNNING window, ns, as far as known.
    public var runningStart: UInt64?
    public var runningEnd: UInt64?
    /// Whether the run is FINAL (the referee award counts only then).
    public var isFinal: Bool
    /// Teams by name.
    public var teams: [TeamResult]
    /// Robots by id.
    public var robots: [RobotResult]
    /// Every score change, in processing order (event time, then run-state frames, then sender,
    /// boot epoch, sequence).
    public var events: [ScoreEvent]
    public var flags: [ReviewFlag]
    public var ignored: IgnoredFrames
}

/// A team's run.
public struct TeamResult: Sendable, Equatable, Codable {
    public var team: String
    public var robots: [UInt32]
    /// Sanitation divisions: litter of all the team's robots together.
    public var quality: QualityScore
    /// The union of the team's robots' coverage; visits are the sum of their passes.
    public var coverage: CoverageScore
    /// Team area over the robots' summed operating hours; energy summed.
    public var efficiency: EfficiencyScore
    /// Deductions of all the team's robots, the third-of-a-kind rule applied to the team.
    public var autonomy: AutonomyScore
    /// Safety terms summed over the robots.
    public var safety: SafetyScore
    public var penalties: Penalties
    public var bonuses: Bonuses
    /// Division H only.
    public var humanoid: HumanoidScore?
    /// 100 · (weighted criteria), before penalties and bonuses (division H: its formula).
    public var earned: Double
    /// The run score: floored, 0 after a serious contact.
    public var runScore: Double
    /// A pedestrian, cyclist or vehicle contact set the run score to 0.
    public var zeroedByContact: Bool
    /// Robots with the disqualifying number of serious contacts within this run.
    public var disqualifiedRobots: [UInt32]
    /// Time of the team's last score event that changed its score (tie-break).
    public var lastScoringEvent: UInt64?
    /// Energy per covered m² (tie-break); nil when nothing was covered.
    public var whPerSquareMetre: Double?
}

/// One robot's own contribution; the team result combines these.
public struct RobotResult: Sendable, Equatable, Codable {
    public var robot: UInt32
    public var team: String
    public var kind: String
    public var brushWidth: Double?
    public var quality: QualityScore
    public var coverage: CoverageScore
    public var efficiency: EfficiencyScore
    /// The third-of-a-kind rule applied to this robot's deductions alone.
    public var autonomy: AutonomyScore
    public var safety: SafetyScore
    public var penalties: Penalties
    /// Interventions by protocol kind name (`teleop_segment`, ...).
    public var interventionsByKind: [String: Int]
    public var transferDumps: Int
    public var docked: Bool
    public var rampClimbed: Bool
    public var itemsPlaced: Int
    public var binDelivered: Bool
    public var falls: Int
    public var unaidedGetUps: Int
    /// Frames of this robot that scored (inside RUNNING).
    public var frames: Int
    public var disqualified: Bool
}

/// Something on the board for the referee: the score stands, but someone should look.
public struct ReviewFlag: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// More than the rulebook's gap between two frames of a robot (or from RUNNING start to its first).
        case telemetryGap
        /// A frame whose event time is earlier than one already processed.
        case outOfOrder
        /// A robot entered in the run has no frame inside RUNNING (it did not run, or every
        /// frame was dropped, e.g. as a duplicate of another run's).
        case noFrames
    }

    public var kind: Kind
    public var robot: UInt32
    /// Start and end of the gap (event times, ns).
    public var from: UInt64
    public var to: UInt64
}

/// Frames the scorer saw but did not score, by reason.
public struct IgnoredFrames: Sendable, Equatable, Codable {
    /// Event time outside RUNNING (or before RUNNING was known to start).
    public var outsideRunning = 0
    /// From or about a robot not registered for the run.
    public var unknownRobot = 0
    /// Referee events of another run.
    public var otherRun = 0
    /// Exact duplicates (sender, boot epoch, sequence) within one event time.
    public var duplicate = 0
    /// Frames of a team after the fall that ended its run (division H).
    public var afterRunEnded = 0
    /// Message types the scorer does not use.
    public var unused = 0

    public init() {}
}
