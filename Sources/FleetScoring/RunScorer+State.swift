import FleetArena
import FleetProtocol

extension RunScorer {
    /// The last state sample of a robot, for the segment to the next one.
    struct Sample: Sendable {
        var time: UInt64
        var bootEpoch: UInt32
        var position: Point
        var brushDown: Bool
        /// Not operating while docked.
        var docked: Bool
        var energy: Double
        /// Cumulative distance (sanitation) or nil (humanoids: summed from positions).
        var distance: Double?
    }

    /// One fall of a humanoid, from telemetry, the robot's fall event or the referee.
    struct FallRecord: Sendable {
        var time: UInt64
        var telemetry: Bool
        var referee: Bool
        var unaided: Bool
    }

    /// Everything measured about one robot during RUNNING.
    struct RobotState: Sendable {
        let entry: Robot
        let team: Int
        let brushWidth: Double?
        /// Sanitation robots only.
        var coverage: CoverageCounter?
        var frames = 0
        var lastFrameTime: UInt64?
        var lastSample: Sample?
        var anchor: (position: Point, time: UInt64)?

        // Telemetry totals.
        var operatingNs: UInt64 = 0
        var overSpeedNs: UInt64 = 0
        var energyWh = 0.0
        var distance = 0.0

        // Referee: Q.
        var dustKg = 0.0
        var gravelKg = 0.0
        /// Counted objects: item id → rating.
        var objects: [UInt32: Int] = [:]
        var ratingSum = 0
        var washedArea = 0.0

        // Referee: A, S, penalties, bonuses.
        var deductions: [Int]
        var interventionsByKind: [String: Int] = [:]
        var staticContacts = 0
        var nearMisses = 0
        var geofenceExits = 0
        var seriousContacts = 0
        var noProgress = 0
        var overflowObjects = 0
        var sprayEvents = 0
        var transferDumps = 0
        var docked = false
        var rampClimbed = false

        // Division H.
        var itemsPlaced: Set<UInt32> = []
        var binDelivered = false
        var falls: [FallRecord] = []
        var fallOpen = false

        init(entry: Robot, team: Int, brushWidth: Double?, mask: CoverageMask?, deductionKinds: Int) {
            self.entry = entry
            self.team = team
            self.brushWidth = brushWidth
            coverage = mask.map { CoverageCounter(mask: $0) }
            deductions = [Int](repeating: 0, count: deductionKinds)
        }

        var isSanitation: Bool { coverage != nil }
        var unaidedGetUps: Int { falls.reduce(0) { $0 + ($1.unaided ? 1 : 0) } }
    }

    /// A team's union and the things the rulebook counts per team.
    struct TeamState: Sendable {
        let name: String
        var robots: [Int] = []
        /// Union of the robots' coverage; passes are the sum of theirs.
        var coverage: CoverageCounter
        var itemsPlaced: Set<UInt32> = []
        var binDelivered = false
        var falls = 0
        /// Event time of the fall that ended the run (division H).
        var endedAt: UInt64?
        var refereeAward = 0.0
        /// Penalty points referees added by hand.
        var refereePenalty = 0.0
        var dumpAndDock = false
        var rampClimbed = false
        var lastScore: Double = 0
        var lastScoringEvent: UInt64?
        /// The final adjustments as last reported by `settle` (C, E, bonus points, penalty points).
        var settled = Settled()
        /// The team has a score event (`settle` gives every team at least one).
        var hasEvents = false

        init(name: String, mask: CoverageMask) {
            self.name = name
            coverage = CoverageCounter(mask: mask)
        }
    }

    /// What `settle` last reported of a team's end-of-run quantities.
    struct Settled: Sendable {
        var C = 0.0
        var E = 0.0
        var bonuses = 0.0
        var penalties = 0.0
    }
}
