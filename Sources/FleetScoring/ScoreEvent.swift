import FleetProtocol

/// Identifies the frame a score change came from: (sender, boot epoch, sequence) is unique
/// per the protocol, and the stored event row id where the caller has one.
public struct Evidence: Sendable, Equatable, Hashable, Codable {
    /// The frame's sender (a robot, or the referee system for referee events).
    public var sender: UInt32
    public var bootEpoch: UInt32
    public var sequence: UInt32
    /// The stored event's id, for referee and robot events kept in the events table.
    public var eventID: Int64?

    public init(sender: UInt32, bootEpoch: UInt32, sequence: UInt32, eventID: Int64? = nil) {
        self.sender = sender
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.eventID = eventID
    }

    init(_ header: FrameHeader, eventID: Int64?) {
        self.init(sender: header.robotID, bootEpoch: header.bootEpoch, sequence: header.sequence, eventID: eventID)
    }
}

/// What a score event changed. `delta` and `total` are in the criterion's own unit.
public enum ScoreCriterion: String, Sendable, Codable, CaseIterable {
    /// kg of dust counted.
    case dust
    /// kg of gravel counted.
    case gravel
    /// Σ ratings of objects counted.
    case objects
    /// m² of stain washed.
    case washed
    /// Covered target cells (the team's union); an event also when only the passes grew.
    case coverage
    /// Autonomy deductions (interventions), count.
    case intervention
    case staticContact
    case nearMiss
    case geofenceExit
    /// Seconds above the speed limit.
    case overSpeed
    /// Pedestrian, cyclist or vehicle contacts: the run scores 0.
    case seriousContact
    /// A robot reached the disqualifying number of serious contacts in this run.
    case disqualified
    /// Penalty points, count of penalties.
    case noProgress
    case overflow
    case spray
    /// Bonuses: 1 when earned.
    case dumpAndDock
    case ramp
    case refereeAward
    /// Penalty points a referee added (negative delta: taken back).
    case refereePenalty
    /// Division H.
    case itemPlaced
    case binDelivered
    case fall
    case unaidedGetUp
    /// The fall that ended the team's run.
    case runEnded
    /// Settling at the end of the scored frames (`RunScorer.finish`): the quantities that
    /// change with every frame or only take their value at the end, reported so that the
    /// team's last score event carries its run score. Team coverage score C (repeat factor).
    case coverageScore
    /// Efficiency E.
    case efficiency
    /// Bonus points (dump-and-dock, ramp, referee award).
    case bonusPoints
    /// Penalty points.
    case penaltyPoints
    /// Whatever else moved the run score since the team's last event.
    case settled

    /// The final adjustments `RunScorer.finish` reports.
    public static let settling: Set<ScoreCriterion> = [
        .coverageScore, .efficiency, .bonusPoints, .penaltyPoints, .settled,
    ]
}

/// One change of a team's score, with the frame that caused it.
public struct ScoreEvent: Sendable, Equatable, Codable {
    /// Event time of the frame, ns.
    public var time: UInt64
    /// The robot the change is about.
    public var robot: UInt32
    public var team: String
    public var criterion: ScoreCriterion
    /// Change of the criterion's quantity (see `ScoreCriterion`).
    public var delta: Double
    /// The team's total of that quantity after the change.
    public var total: Double
    /// The team's provisional RunScore after the change.
    public var score: Double
    public var evidence: Evidence

    public init(
        time: UInt64,
        robot: UInt32,
        team: String,
        criterion: ScoreCriterion,
        delta: Double,
        total: Double,
        score: Double,
        evidence: Evidence
    ) {
        self.time = time
        self.robot = robot
        self.team = team
        self.criterion = criterion
        self.delta = delta
        self.total = total
        self.score = score
        self.evidence = evidence
    }
}
