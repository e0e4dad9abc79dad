public import FleetProtocol

/// The competition's records: teams, runs and their lifecycle, referee actions, results, the
/// signed final record, and the stored telemetry a run is scored from. Two stores implement
/// it, a site's SQLite file (`SQLiteCompetitionStore`) and a central PostgreSQL
/// (`PostgresCompetitionStore`); scoring, verification, standings, export and the HTTP API
/// are written once against this.
///
/// Every method blocks (like SQLite): call it from a thread that may block, never from the
/// cooperative pool. Writes check the run's state inside the writing transaction, so two
/// commands cannot both move a run. Errors are `StorageError`s.
public protocol CompetitionStore: Sendable {
    // MARK: Teams

    /// Registers a team (or adds robots to an existing one). A robot already on another
    /// team is refused, naming both.
    func addTeam(_ name: String, robots: [RegisteredRobot], at nowNanos: UInt64) throws
    /// Every registered robot, by team name then robot id.
    func registeredRobots() throws -> [RegisteredRobot]
    /// Team names, sorted.
    func teamNames() throws -> [String]

    // MARK: Runs

    /// Creates a run in PREPARE with the given robots as its entries, the rulebook's bytes
    /// stored under its hash and, when given, the arena file's bytes under its hash (without
    /// one the run is scored in the arena generated from division and seed); returns the run
    /// id (`id` when given and free).
    func createRun(
        id: UInt32?,
        name: String,
        division: String,
        seed: UInt64,
        window: RunWindowSource,
        rulebook: (hash: String, id: String, bytes: [UInt8]),
        arena: (hash: String, bytes: [UInt8])?,
        entries: [RegisteredRobot],
        at nowNanos: UInt64
    ) throws -> UInt32
    /// Runs, optionally one, of one division or in some states, by id.
    func runs(id: UInt32?, division: String?, states: Set<RunPhase>?) throws -> [RunRecord]
    /// The robots entered in a run, by id.
    func entries(runID: UInt32) throws -> [RegisteredRobot]
    /// Run id → the names of the teams entered in it, sorted.
    func teamsByRun() throws -> [UInt32: [String]]
    /// The rulebook bytes stored under `hash`.
    func rulebookBytes(hash: String) throws -> [UInt8]
    /// The arena file bytes stored under `hash` (a run's `arenaHash`).
    func arenaBytes(hash: String) throws -> [UInt8]
    /// Moves a run PREPARE → RUNNING (start) or RUNNING → FINISHED (stop); FINAL only through
    /// `storeFinal`. Refuses any other move, naming the state the run is in.
    @discardableResult
    func transition(_ id: UInt32, to target: RunPhase, at nowNanos: UInt64) throws -> RunRecord
    /// Flags a run for review.
    func setReview(_ id: UInt32) throws

    // MARK: Referee actions

    /// Records a referee action and returns its id. Penalties are refused on a FINAL run,
    /// awards on anything but a FINISHED run (an award counts once the run is FINAL, and a
    /// FINAL result never changes); a removal must name a penalty of the same run that is
    /// not already removed.
    @discardableResult
    func addAction(_ action: RefereeAction) throws -> Int64
    /// A run's referee actions in the order they were taken.
    func actions(runID: UInt32) throws -> [RefereeAction]

    // MARK: Results

    /// Marks a FINISHED run FINAL with its signed record, result and chains, in one
    /// transaction; refuses a run that is not FINISHED.
    func storeFinal(_ record: FinalRecord, result: RunResultWrite, chains: [ChainRecord], at nowNanos: UInt64) throws
    func finalRecord(runID: UInt32) throws -> FinalRecord?
    func chains(runID: UInt32) throws -> [ChainRecord]
    /// Stores a result outside the ingest writer (a command-line process), replacing an
    /// earlier one of the same source.
    func storeResult(_ result: RunResultWrite, at nowNanos: UInt64) throws
    /// The newest provisional row of a run (only the newest is kept).
    func latestProvisional(runID: UInt32) throws -> ProvisionalScoreRecord?
    /// How many board snapshots the live scorer wrote for a run (each replaced the one before).
    func provisionalCount(runID: UInt32) throws -> Int
    /// A stored result: its JSON without events (nil for a final one) and where its events are.
    func storedResult(runID: UInt32, source: RunResultWrite.Source) throws -> StoredRunResult?
    /// A stored result's score events, all or those at `positions` (clamped to the result's).
    func scoreEvents(of result: StoredRunResult, positions: Range<Int>?) throws -> [ScoreEventRow]

    // MARK: Inputs

    /// The stored `run_state` referee events of a run, oldest first.
    func runStateEvents(runID: UInt32) throws -> [StoredEvent]
    /// The stored event rows (robot and referee events, a copy of their frames for queries)
    /// of `senders` with event time in [from, to], with the sender, boot epoch and sequence
    /// the row names: what `fleet verify` checks against the hash-chained frames.
    func eventRows(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool
    ) throws -> [(event: StoredEvent, bootEpoch: UInt32, sequence: UInt32)]
    /// Calls `body` with every stored frame whose sender passes `includes` and whose event
    /// time (as its header says) lies in [from, to], byte for byte, in no particular order;
    /// a frame stored twice (a live segment and its chunk) is passed once. Frames of a chunk
    /// whose header cannot be read at all are passed with a nil header, so integrity checks
    /// see them.
    func forEachFrame(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool,
        _ body: (UInt32, FrameHeader?, UnsafeRawBufferPointer) throws -> Void
    ) throws
}

extension CompetitionStore {
    public func run(_ id: UInt32) throws -> RunRecord {
        guard let run = try runs(id: id, division: nil, states: nil).first else {
            throw StorageError(.notFound, "there is no run \(id) (fleet run list shows the runs)")
        }
        return run
    }

    /// Runs, optionally of one division or in some states, by id.
    public func runs(division: String? = nil, states: Set<RunPhase>? = nil) throws -> [RunRecord] {
        try runs(id: nil, division: division, states: states)
    }

    /// A run scored in the arena generated from its division and seed (no arena file); the
    /// store numbers it unless `id` is given.
    public func createRun(
        id: UInt32? = nil,
        name: String,
        division: String,
        seed: UInt64,
        window: RunWindowSource,
        rulebook: (hash: String, id: String, bytes: [UInt8]),
        entries: [RegisteredRobot],
        at nowNanos: UInt64
    ) throws -> UInt32 {
        try createRun(
            id: id,
            name: name,
            division: division,
            seed: seed,
            window: window,
            rulebook: rulebook,
            arena: nil,
            entries: entries,
            at: nowNanos
        )
    }

    public func scoreEvents(of result: StoredRunResult) throws -> [ScoreEventRow] {
        try scoreEvents(of: result, positions: nil)
    }

    public func scoreEventCount(runID: UInt32, source: RunResultWrite.Source) throws -> Int {
        try storedResult(runID: runID, source: source)?.eventCount ?? 0
    }
}

extension RefereeAction {
    /// Refuses an action the run's state does not allow: penalties on a FINAL run, awards on
    /// anything but a FINISHED run (an award counts once the run is FINAL, and a FINAL result
    /// never changes).
    public func checkAllowed(on run: RunRecord) throws {
        switch kind {
        case .penaltyAdd, .penaltyRemove:
            guard run.state != .final else {
                throw StorageError(.badQuery, "run \(run.id) is FINAL: its result is signed and never changes")
            }
        case .award:
            guard run.state == .finished else {
                throw StorageError(
                    .badQuery,
                    "run \(run.id) is \(run.state.rawValue): award a bonus after `fleet run stop` and before `fleet run finalize` (it counts once FINAL)"
                )
            }
        }
    }
}
