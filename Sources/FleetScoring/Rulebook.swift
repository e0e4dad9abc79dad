/// The competition rules as data: every constant of the rulebook is a field, so a new
/// season changes a file, not code, and a run stores the hash of the file it was scored by.
///
/// Load with `Rulebook.load(_:)`, which checks the file and names the field at fault;
/// the memberwise values are then trusted by the scorer.
public struct Rulebook: Codable, Sendable, Equatable {
    public var id: String
    public var version: Int
    public var title: String
    /// Division ids in the order they are listed and shown.
    public var divisionOrder: [String]
    public var divisions: [String: DivisionRules]
    public var heats: Heats
    public var runScore: RunScoreRules
    public var quality: QualityRules
    public var coverage: CoverageRules
    public var efficiency: EfficiencyRules
    public var autonomy: AutonomyRules
    public var safety: SafetyRules
    public var penalties: PenaltyRules
    public var bonuses: BonusRules
    /// Applied in this order when scores are equal.
    public var tieBreaks: [TieBreak]
    public var humanoid: HumanoidRules

    /// SHA-256 of the file the rulebook was loaded from, lowercase hex; empty when built in code.
    /// Not part of the file itself.
    public internal(set) var hash: String = ""

    enum CodingKeys: String, CodingKey {
        case id, version, title
        case divisionOrder = "division_order"
        case divisions, heats
        case runScore = "run_score"
        case quality, coverage, efficiency, autonomy, safety, penalties, bonuses
        case tieBreaks = "tie_breaks"
        case humanoid
    }

    /// The rules of one division.
    public struct DivisionRules: Codable, Sendable, Equatable {
        public var scenario: String
        public var arenaFeatures: String
        /// `sanitation` (RunScore from Q, C, E, A, S) or `humanoid` (division H's formula).
        public var kind: DivisionKind
        /// Over-speed threshold, m/s.
        public var speedLimit: Double
        /// E reference productivity, m²/h; required for sanitation divisions.
        public var pRef: Double?
        /// E reference energy, Wh per 100 m²; required for sanitation divisions.
        public var wRef: Double?

        enum CodingKeys: String, CodingKey {
            case scenario
            case arenaFeatures = "arena_features"
            case kind
            case speedLimit = "speed_limit"
            case pRef = "p_ref"
            case wRef = "w_ref"
        }
    }

    public enum DivisionKind: String, Codable, Sendable {
        case sanitation, humanoid
    }

    public struct Heats: Codable, Sendable, Equatable {
        /// Length of RUNNING, seconds.
        public var runDuration: Double
        public var runsPerDivision: Int
        /// The division score is the mean of this many best runs.
        public var bestOf: Int
        public var runStates: [String]
        public var scoringState: String
        public var finalState: String

        enum CodingKeys: String, CodingKey {
            case runDuration = "run_duration"
            case runsPerDivision = "runs_per_division"
            case bestOf = "best_of"
            case runStates = "run_states"
            case scoringState = "scoring_state"
            case finalState = "final_state"
        }
    }

    public struct RunScoreRules: Codable, Sendable, Equatable {
        public var scale: Double
        public var floor: Double
        public var weights: Weights

        public struct Weights: Codable, Sendable, Equatable {
            public var Q: Double
            public var C: Double
            public var E: Double
            public var A: Double
            public var S: Double
        }
    }

    public struct QualityRules: Codable, Sendable, Equatable {
        public var weights: Weights
        /// Each ratio is capped here (1: more than the arena held cannot count).
        public var ratioCap: Double

        enum CodingKeys: String, CodingKey {
            case weights
            case ratioCap = "ratio_cap"
        }

        public struct Weights: Codable, Sendable, Equatable {
            public var dust: Double
            public var gravel: Double
            public var objects: Double
            public var washed: Double

            enum CodingKeys: String, CodingKey {
                case dust = "R_d"
                case gravel = "R_g"
                case objects = "R_o"
                case washed = "R_w"
            }
        }
    }

    public struct CoverageRules: Codable, Sendable, Equatable {
        /// Grid cell edge, m.
        public var cellSize: Double
        /// A target cell whose centre lies within this distance of a kerb or wall is an edge cell, m.
        public var edgeDistance: Double
        public var weights: Weights
        /// r above this reduces C.
        public var repeatThreshold: Double
        /// What one cell visit is; v1 knows `pass`.
        public var repeatVisit: RepeatVisit
        public var repeatVisitText: String
        /// Default brush width per robot kind, m; a robot's registration may override it.
        public var brushWidth: [String: Double]

        enum CodingKeys: String, CodingKey {
            case cellSize = "cell_size"
            case edgeDistance = "edge_distance"
            case weights
            case repeatThreshold = "repeat_threshold"
            case repeatVisit = "repeat_visit"
            case repeatVisitText = "repeat_visit_text"
            case brushWidth = "brush_width"
        }

        public struct Weights: Codable, Sendable, Equatable {
            public var c: Double
            public var e: Double
        }
    }

    public enum RepeatVisit: String, Codable, Sendable {
        /// A contiguous run of brush-down segments covering a cell is one visit.
        case pass
    }

    public struct EfficiencyRules: Codable, Sendable, Equatable {
        public var weights: Weights

        public struct Weights: Codable, Sendable, Equatable {
            public var p: Double
            public var w: Double
        }
    }

    public struct AutonomyRules: Codable, Sendable, Equatable {
        public var deductions: [Deduction]
        /// Deductions of one kind beyond this many count 0 (v1: the third and later).
        public var countedPerKind: Int

        enum CodingKeys: String, CodingKey {
            case deductions
            case countedPerKind = "counted_per_kind"
        }

        public struct Deduction: Codable, Sendable, Equatable {
            /// The rulebook's kind; the third-of-a-kind rule counts per kind.
            public var kind: String
            public var text: String
            public var value: Double
            /// Referee intervention kinds (the protocol's `intervention_kind` names) of this kind.
            public var interventions: [String]
        }
    }

    public struct SafetyRules: Codable, Sendable, Equatable {
        public var staticContact: Double
        public var nearMiss: Double
        public var geofenceExit: Double
        /// Coefficient per `overSpeedPer` seconds above the speed limit.
        public var overSpeed: Double
        public var overSpeedPer: Double
        public var nearMissClearance: Double
        public var nearMissSpeed: Double
        /// Contact classes (protocol `contact_class` names) that zero the run.
        public var seriousContacts: [String]
        /// This many serious contacts of one robot in a division disqualify it.
        public var disqualifyAfter: Int
        /// Who a disqualification takes out of the division: the robot (its team keeps what
        /// its other robots earned) or the whole team. Absent (rulebooks before the field): robot.
        public var disqualifies: Disqualification?

        /// `disqualifies`, defaulted.
        public var disqualification: Disqualification { disqualifies ?? .robot }

        public enum Disqualification: String, Codable, Sendable, Equatable {
            case robot
            case team
        }

        enum CodingKeys: String, CodingKey {
            case staticContact = "static_contact"
            case nearMiss = "near_miss"
            case geofenceExit = "geofence_exit"
            case overSpeed = "over_speed"
            case overSpeedPer = "over_speed_per"
            case nearMissClearance = "near_miss_clearance"
            case nearMissSpeed = "near_miss_speed"
            case seriousContacts = "serious_contacts"
            case disqualifyAfter = "disqualify_after"
            case disqualifies
        }
    }

    public struct PenaltyRules: Codable, Sendable, Equatable {
        /// Seconds without moving `noProgressDistance` that make a no-progress penalty.
        public var noProgressWindow: Double
        public var noProgressDistance: Double
        public var noProgressPoints: Double
        /// The autonomy deduction kind a no-progress penalty also counts as.
        public var noProgressDeduction: String
        public var overflowPerObject: Double
        public var sprayPerEvent: Double
        /// Seconds between a robot's frames above which the run is flagged for review.
        public var telemetryGap: Double

        enum CodingKeys: String, CodingKey {
            case noProgressWindow = "no_progress_window"
            case noProgressDistance = "no_progress_distance"
            case noProgressPoints = "no_progress_points"
            case noProgressDeduction = "no_progress_deduction"
            case overflowPerObject = "overflow_per_object"
            case sprayPerEvent = "spray_per_event"
            case telemetryGap = "telemetry_gap"
        }
    }

    public struct BonusRules: Codable, Sendable, Equatable {
        /// Fraction of points earned for dumping at the transfer point and docking before time.
        public var dumpAndDock: Double
        /// Points for climbing the ramp, in `rampDivisions`.
        public var ramp: Double
        public var rampDivisions: [String]
        /// Largest referee award, a fraction of points earned; FINAL only.
        public var refereeAwardMax: Double
        /// Whose dump and dock the bonus needs: every sanitation robot entered in the run
        /// (`all`; rulebooks before the field), or those present, i.e. that sent a frame in
        /// RUNNING or were seen dumping or docking (`present`): an entered robot that never
        /// ran does not withhold its team's bonus.
        public var dumpAndDockRobots: DumpAndDockRobots?

        public var dumpAndDockScope: DumpAndDockRobots { dumpAndDockRobots ?? .all }

        public enum DumpAndDockRobots: String, Codable, Sendable, Equatable {
            case all
            case present
        }

        enum CodingKeys: String, CodingKey {
            case dumpAndDock = "dump_and_dock"
            case ramp
            case rampDivisions = "ramp_divisions"
            case refereeAwardMax = "referee_award_max"
            case dumpAndDockRobots = "dump_and_dock_robots"
        }
    }

    public enum TieBreak: String, Codable, Sendable, CaseIterable {
        case higherS = "higher_S"
        case fewerInterventions = "fewer_interventions"
        case higherRo = "higher_R_o"
        case earlierLastScoringEvent = "earlier_last_scoring_event"
        case lowerWhPerSquareMetre = "lower_wh_per_m2"
    }

    public struct HumanoidRules: Codable, Sendable, Equatable {
        public var divisions: [String]
        public var weights: Weights
        /// Points off per fall.
        public var fall: Double
        /// Points off per fall the robot got up from unaided.
        public var fallUnaided: Double
        /// The fall that ends the run (v1: the third).
        public var fallsEndRun: Int
        /// |roll| or |pitch| above this many degrees is a fall.
        public var fallAngle: Double
        /// Base height below this fraction of `nominalHeight` is a fall.
        public var fallHeightFraction: Double
        public var nominalHeight: Double
        /// A referee fall event and a telemetry fall less than this many seconds apart are one fall.
        public var fallMergeWindow: Double

        enum CodingKeys: String, CodingKey {
            case divisions, weights, fall
            case fallUnaided = "fall_unaided"
            case fallsEndRun = "falls_end_run"
            case fallAngle = "fall_angle"
            case fallHeightFraction = "fall_height_fraction"
            case nominalHeight = "nominal_height"
            case fallMergeWindow = "fall_merge_window"
        }

        public struct Weights: Codable, Sendable, Equatable {
            public var items: Double
            public var bin: Double
            public var A: Double
        }
    }
}

extension Rulebook {
    /// The rules of division `id` (`P`, `N`, `A`, `H`).
    public func division(_ id: String) -> DivisionRules? { divisions[id] }

    /// The autonomy deduction a referee intervention of this protocol kind counts as.
    public func deduction(forIntervention name: String) -> AutonomyRules.Deduction? {
        autonomy.deductions.first { $0.interventions.contains(name) }
    }
}
