public import FleetArena
public import FleetCompetition
public import FleetProtocol
public import FleetScoring

/// Where the HTTP API, the live feed and the board get runs and scores from.
///
/// The server does not know how runs are stored or scored: the competition store (runs table,
/// live scorer) implements this, and `MemoryScoreboardSource` is the implementation for a
/// process that keeps results in memory (and for tests). Every method may be called from many
/// requests at once. Errors should be `ScoreboardError`s (mapped to 404/409/400); anything
/// else is answered 500.
public protocol ScoreboardSource: Sendable {
    /// Every run, oldest first.
    func runs() async throws -> [RunSummary]
    /// The run's current result: provisional while RUNNING/FINISHED, final once FINAL; nil
    /// when the run exists but nothing has been scored yet.
    func scoreboard(runID: UInt32) async throws -> RunResult?
    /// Score events of a run in processing order, `limit` of them starting at index `after`
    /// (0 for the first).
    func scoreEvents(runID: UInt32, after: Int, limit: Int) async throws -> [ScoreEvent]
    /// A division's standings over its runs.
    func standings(division: String) async throws -> DivisionStandings
    /// The arena of a run for the map (size, coverage so far); nil when unknown.
    func arena(runID: UInt32) async throws -> ArenaView?
    /// The arena file a run is scored in (`fleet arena show RUN`): its stored file, or the
    /// arena generated from its division and seed; nil when this source keeps no arenas.
    func arenaFile(runID: UInt32) async throws -> FleetArena?
    /// Run control and referee actions (the admin endpoints).
    func perform(_ command: RunAction) async throws -> RunSummary
    /// The run the board and the live feed show (default: the newest RUNNING run, else the
    /// newest run).
    func currentRun() async throws -> RunSummary?
    func completeness(runID: UInt32) async throws -> [RobotCompleteness]?
    func integrity(runID: UInt32) async throws -> Integrity?
    /// How far the live scorer of this process has scored the run; nil when no live scorer
    /// here follows it.
    func liveProgress(runID: UInt32) async throws -> LiveProgress?
}

/// How far a live scorer has got: every frame with an event time up to `scoredThrough`
/// is in the board computed at `computedAt` (wall clock).
public struct LiveProgress: Sendable, Encodable {
    public var scoredThrough: UInt64?
    public var computedAt: UInt64

    public init(scoredThrough: UInt64?, computedAt: UInt64) {
        self.scoredThrough = scoredThrough
        self.computedAt = computedAt
    }
}

extension ScoreboardSource {
    /// One run by id, or a `not_found` error that lists the runs there are.
    public func run(id: UInt32) async throws -> RunSummary {
        let all = try await runs()
        guard let run = all.first(where: { $0.id == id }) else {
            let known = all.map { String($0.id) }.joined(separator: ", ")
            throw ScoreboardError(
                .notFound,
                "no run \(id); runs: \(known.isEmpty ? "none yet (create one with POST /api/runs)" : known)"
            )
        }
        return run
    }

    /// The newest run in RUNNING, else the newest run: what the board shows by default.
    public func currentRun() async throws -> RunSummary? {
        let all = try await runs()
        return all.last(where: { $0.state == .running }) ?? all.last
    }

    public func scoreEvents(runID: UInt32, after: Int, limit: Int) async throws -> [ScoreEvent] {
        guard let events = try await scoreboard(runID: runID)?.events, after < events.count else { return [] }
        return Array(events[after..<min(events.count, after + limit)])
    }

    public func arena(runID: UInt32) async throws -> ArenaView? { nil }

    public func arenaFile(runID: UInt32) async throws -> FleetArena? { nil }

    /// Per robot of the run: frames received / sent within the run; nil: not known here (the
    /// board falls back to the robots' ledgers).
    public func completeness(runID: UInt32) async throws -> [RobotCompleteness]? { nil }

    /// A FINAL run's signed result as checked now (void when a check fails); nil otherwise.
    public func integrity(runID: UInt32) async throws -> Integrity? { nil }

    public func liveProgress(runID: UInt32) async throws -> LiveProgress? { nil }
}

/// A run's lifecycle state (the rulebook's PREPARE → RUNNING → FINISHED → FINAL).
public enum RunState: String, Sendable, Codable, CaseIterable {
    case prepare = "PREPARE"
    case running = "RUNNING"
    case finished = "FINISHED"
    case final = "FINAL"
}

/// A run as listed: what it is and where it stands.
public struct RunSummary: Sendable, Equatable, Codable {
    public var id: UInt32
    /// Division id (`P`, `N`, `A`, `H`).
    public var division: String
    public var state: RunState
    public var name: String?
    /// Arena seed of the heat.
    public var seed: UInt64?
    /// Planned RUNNING duration, seconds.
    public var durationSeconds: Double?
    /// RUNNING window in event time, ns, as far as known.
    public var runningStart: UInt64?
    public var runningEnd: UInt64?
    public var teams: [String]
    /// SHA-256 of the arena file the run is scored in (`GET /api/runs/{run}/arena`); nil for
    /// a run scored in the arena generated from its division and seed.
    public var arenaHash: String?

    public init(
        id: UInt32,
        division: String,
        state: RunState,
        name: String? = nil,
        seed: UInt64? = nil,
        durationSeconds: Double? = nil,
        runningStart: UInt64? = nil,
        runningEnd: UInt64? = nil,
        teams: [String] = [],
        arenaHash: String? = nil
    ) {
        self.id = id
        self.arenaHash = arenaHash
        self.division = division
        self.state = state
        self.name = name
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.runningStart = runningStart
        self.runningEnd = runningEnd
        self.teams = teams
    }
}

/// What an admin may ask of the run store.
public enum RunAction: Sendable, Equatable {
    case create(NewRun)
    /// PREPARE → RUNNING, at `time` (event time, ns; nil: now).
    case start(runID: UInt32, time: UInt64?)
    /// RUNNING → FINISHED.
    case stop(runID: UInt32, time: UInt64?)
    /// FINISHED → FINAL (after the referee's review).
    case finalize(runID: UInt32)
    /// The referee's outstanding-performance award (a fraction of points earned, FINAL only
    /// per the rulebook; the store decides when it counts).
    case award(runID: UInt32, team: String, fraction: Double)
    /// A referee's penalty on a team (RUNNING or FINISHED; a FINAL result never changes).
    case penalty(runID: UInt32, NewPenalty)
    /// Takes back a penalty (by the id its creation returned), with the reason.
    case removePenalty(runID: UInt32, penaltyID: Int64, reason: String)
}

/// A referee's penalty to record.
public struct NewPenalty: Sendable, Equatable, Codable {
    public var team: String
    /// The robot that caused it, if one did.
    public var robot: UInt32?
    /// Points deducted.
    public var points: Double
    public var reason: String
    /// Who gave it (defaults to the service's name for API actions).
    public var by: String?

    public init(team: String, robot: UInt32? = nil, points: Double, reason: String, by: String? = nil) {
        self.team = team
        self.robot = robot
        self.points = points
        self.reason = reason
        self.by = by
    }
}

/// A run to create.
public struct NewRun: Sendable, Equatable, Codable {
    public var division: String
    public var name: String?
    public var seed: UInt64?
    public var durationSeconds: Double?
    public var teams: [String]?
    /// Where the RUNNING window comes from: `referee` (the arena referee's run_state frames,
    /// the default, as for `fleet run create`) or `wall` (the start/stop times).
    public var window: String?
    /// The run's id (default: the next free one); sites that forward to one central database
    /// number their runs apart.
    public var id: UInt32?
    /// The arena the run is scored in, a `fleet-arena-v1` object (Protocols/arena.md), as
    /// `fleet run create --arena FILE` takes it; without one, the arena generated from the
    /// division and seed.
    public var arena: FleetArena?

    public init(
        division: String,
        name: String? = nil,
        seed: UInt64? = nil,
        durationSeconds: Double? = nil,
        teams: [String]? = nil,
        window: String? = nil,
        id: UInt32? = nil,
        arena: FleetArena? = nil
    ) {
        self.id = id
        self.arena = arena
        self.division = division
        self.name = name
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.teams = teams
        self.window = window
    }
}

/// The arena for the board's map: its extent and, if the scorer shares it, coverage so far.
public struct ArenaView: Sendable, Equatable, Codable {
    /// Arena frame coordinates of the map's lower-left corner and its size, m.
    public var originX: Double
    public var originY: Double
    public var width: Double
    public var height: Double
    public var coverage: CoverageView?

    public init(originX: Double = 0, originY: Double = 0, width: Double, height: Double, coverage: CoverageView? = nil)
    {
        self.originX = originX
        self.originY = originY
        self.width = width
        self.height = height
        self.coverage = coverage
    }
}

/// Coverage on a coarse grid for the heatmap: row-major cells from the lower-left, each the
/// fraction (0–255 for 0–1) of its target area covered; 0 where there is no target.
public struct CoverageView: Sendable, Equatable, Codable {
    public var cellSize: Double
    public var columns: Int
    public var rows: Int
    public var cells: [UInt8]

    public init(cellSize: Double, columns: Int, rows: Int, cells: [UInt8]) {
        self.cellSize = cellSize
        self.columns = columns
        self.rows = rows
        self.cells = cells
    }
}

/// An error of the run store, with a code the API maps to a status.
public struct ScoreboardError: FleetError, Sendable {
    public enum Code: String, Sendable {
        /// No such run, team or division → 404.
        case notFound = "not_found"
        /// The run is not in a state that allows this (start a FINAL run) → 409.
        case conflict = "conflict"
        /// The request names something invalid (an unknown division, a fraction > 0.1) → 400.
        case badRequest = "bad_request"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
