public import FleetBlocking
public import FleetCompetition
public import FleetIngest
public import FleetScoring
public import FleetStorage
public import FleetStore
import Foundation
public import Logging
import Synchronization

/// The `ScoreboardSource` of a real service: runs, teams and results from the competition
/// store (the SQLite file the ingester writes), provisional results and coverage from the
/// live scorer of this process, and run control through the store, so the board, the API
/// and `fleet score` / `fleet run` all see the same runs.
///
/// - RUNNING: the live scorer's newest provisional result (about twice a second).
/// - FINISHED: the live result once the scorer stored it, until then the provisional one.
/// - FINAL: the signed final result.
///
/// Every store call, short reads and finalizing alike (a recompute of the whole run, hash
/// chains, a signature), runs on the blocking pool, off the cooperative pool.
public final class CompetitionScoreboardSource: ScoreboardSource {
    public struct Configuration: Sendable {
        /// Rulebook (parsed and its file's bytes) for runs created over the API.
        public var rulebook: Rulebook
        public var rulebookBytes: [UInt8]
        /// The service key that signs final results (`fleet-service.key` next to the database).
        public var serviceKeyPath: String
        /// Who the store records as the author of API actions.
        public var actor = "api"
        /// Edge of a heatmap cell on the board's map, m.
        public var heatmapCellSize = 1.0
        public var logger = Logger(label: "fleet.scoreboard")
        /// Where the store's blocking reads and writes run, off the cooperative pool.
        public var blockingPool: BlockingPool = .shared

        public init(rulebook: Rulebook, rulebookBytes: [UInt8], serviceKeyPath: String) {
            self.rulebook = rulebook
            self.rulebookBytes = rulebookBytes
            self.serviceKeyPath = serviceKeyPath
        }
    }

    struct Caches {
        /// The run the board shows, when chosen (`feature(runID:)`).
        var featured: UInt32?
        /// Division + seed → arena grid.
        var masks: [String: CoverageMask] = [:]
        /// Rulebook hash → rulebook.
        var rulebooks: [String: Rulebook] = [:]
        /// Coverage of stopped runs this process did not score live, recomputed once from the
        /// database (nil while the recompute runs).
        var coverage: [UInt32: CoverageView?] = [:]
        /// Final results never change once written: decoded once, not on every tick of the
        /// live feed (a live result changes with referee actions until FINAL).
        var results: [String: RunResult] = [:]
        /// Per-run completeness of stopped runs not scored live here, counted once.
        var completeness: [UInt32: [RobotCompleteness]] = [:]
        /// FINAL runs' integrity checks and when they were made (wall ns): rechecked after
        /// `integrityRecheck` so that an edit shows within seconds.
        var integrity: [UInt32: (checked: UInt64, value: Integrity)] = [:]
    }

    /// Wall time after which a FINAL run's integrity is checked again.
    static let integrityRecheck: UInt64 = 5_000_000_000

    public let store: any CompetitionStore
    public let live: LiveScoring?
    public let configuration: Configuration
    let clock: @Sendable () -> UInt64
    let caches = Mutex(Caches())

    /// - Parameters:
    ///   - live: the live scorer of this process (nil: results come from the store only).
    ///   - clock: wall clock, ns (start/stop without a time, signing time).
    public init(
        store: any CompetitionStore,
        live: LiveScoring?,
        configuration: Configuration,
        clock: (@Sendable () -> UInt64)? = nil
    ) {
        self.store = store
        self.live = live
        self.configuration = configuration
        self.clock = clock ?? { UInt64(max(0, Date().timeIntervalSince1970) * 1e9) }
    }

    /// The scoreboard of an ingest service in this process: its database, its live scorer
    /// (when it has one), and the service key next to the database file.
    public convenience init(
        serving ingest: IngestService,
        rulebook: Rulebook,
        rulebookBytes: [UInt8],
        logger: Logger
    ) throws {
        var configuration = Configuration(
            rulebook: rulebook,
            rulebookBytes: rulebookBytes,
            serviceKeyPath: ServiceKey.defaultPath(forDatabase: ingest.configuration.databasePath)
        )
        configuration.logger = logger
        self.init(
            store: ingest.store.competition,
            live: ingest.observer as? LiveScoring,
            configuration: configuration
        )
    }

    // MARK: Reads

    public func runs() async throws -> [RunSummary] {
        try await blocking { [self] in
            let teamsByRun = try store.teamsByRun()
            return try store.runs().map { try summary($0, teams: teamsByRun[$0.id] ?? []) }
        }
    }

    public func scoreboard(runID: UInt32) async throws -> RunResult? {
        try await blocking { [self] in
            let run = try store.run(runID)
            // FINISHED: this process's live scorer has the newest referee actions first.
            if run.state == .finished, let board = live?.board(runID: runID) { return board.result }
            return try storedResult(of: run) ?? live?.board(runID: runID)?.result
        }
    }

    public func liveProgress(runID: UInt32) async throws -> LiveProgress? {
        live?.board(runID: runID).map { LiveProgress(scoredThrough: $0.watermark, computedAt: $0.atNanos) }
    }

    public func completeness(runID: UInt32) async throws -> [RobotCompleteness]? {
        if let board = live?.board(runID: runID), !board.completeness.isEmpty { return board.completeness }
        if let cached = caches.withLock({ $0.completeness[runID] }) { return cached }
        let run = try await blocking { [self] in try store.run(runID) }
        guard run.state == .finished || run.state == .final else { return nil }
        let reads = self.store
        let rows = try await configuration.blockingPool.run {
            try RunCompleteness.stored(store: reads, context: RunContext(store: reads, runID: runID))
        }
        caches.withLock { $0.completeness[runID] = rows }
        return rows
    }

    public func integrity(runID: UInt32) async throws -> Integrity? {
        let now = clock()
        if let cached = caches.withLock({ $0.integrity[runID] }), now &- cached.checked < Self.integrityRecheck {
            return cached.value
        }
        guard try await blocking({ [self] in try store.run(runID) }).state == .final else { return nil }
        let reads = self.store
        let keyPath = configuration.serviceKeyPath
        let value = try await configuration.blockingPool.run {
            Integrity.check(
                store: reads,
                runID: runID,
                anchor: try TrustAnchor.resolve(given: nil, keyPath: keyPath)
            )
        }
        caches.withLock { $0.integrity[runID] = (now, value) }
        return value
    }

    public func standings(division: String) async throws -> DivisionStandings {
        // Standings from signed results check them first (cheaply: no rescoring).
        var void: Set<UInt32> = []
        for run in try await blocking({ [self] in try store.runs(division: division, states: [.final]) }) {
            if try await integrity(runID: run.id)?.verdict == .void { void.insert(run.id) }
        }
        let voided = void
        return try await blocking { [self] in
            guard configuration.rulebook.divisions[division] != nil else {
                throw ScoreboardError(
                    .notFound,
                    "no division '\(division)'; divisions: \(configuration.rulebook.divisionOrder.joined(separator: ", "))"
                )
            }
            // The same runs as `fleet standings`: FINISHED (live result) and FINAL ones.
            var results: [RunResult] = []
            var rulebook = configuration.rulebook
            for run in try store.runs(division: division, states: [.finished, .final]) {
                guard let result = try storedResult(of: run) else { continue }
                // A FINAL run whose data failed integrity is void: it does not count.
                if voided.contains(run.id) { continue }
                results.append(result)
                rulebook = try self.rulebook(hash: run.rulebookHash)
            }
            return DivisionStandings(rulebook: rulebook, division: division, runs: results)
        }
    }

    public func arenaFile(runID: UInt32) async throws -> FleetArena? {
        try await blocking { [self] in try RunContext.arena(of: store.run(runID), store: store) }
    }

    public func arena(runID: UInt32) async throws -> ArenaView? {
        try await blocking { [self] in
            let run = try store.run(runID)
            let board = live?.board(runID: runID)
            let mask = try board?.mask ?? self.mask(of: run)
            var coverage = board.map {
                Self.heatmap(mask: mask, covered: $0.covered, cellSize: configuration.heatmapCellSize)
            }
            if coverage == nil && (run.state == .finished || run.state == .final) {
                coverage = recomputedCoverage(runID)
            }
            return ArenaView(
                originX: mask.origin.x,
                originY: mask.origin.y,
                width: Double(mask.columns) * mask.cellSize,
                height: Double(mask.rows) * mask.cellSize,
                coverage: coverage
            )
        }
    }

    /// The coverage of a stopped run from the database, for a run this process did not score
    /// live: recomputed once on the blocking pool (it takes a while); nil until ready.
    func recomputedCoverage(_ runID: UInt32) -> CoverageView? {
        let (known, cached) = caches.withLock { caches -> (Bool, CoverageView?) in
            if let entry = caches.coverage[runID] { return (true, entry) }
            caches.coverage[runID] = .some(nil)
            return (false, nil)
        }
        if known { return cached }
        let store = self.store
        let cellSize = configuration.heatmapCellSize
        let logger = configuration.logger
        configuration.blockingPool.start { [weak self] in
            do {
                let (mask, covered) = try Recompute.coverage(store: store, runID: runID)
                let view = Self.heatmap(mask: mask, covered: covered, cellSize: cellSize)
                self?.caches.withLock { $0.coverage[runID] = view }
            } catch {
                logger.warning("coverage recompute failed", metadata: ["run.id": "\(runID)", "error": "\(error)"])
            }
        }
        return nil
    }

    /// Chooses the run the board and the live feed show (nil: the newest RUNNING run).
    public func feature(runID: UInt32?) {
        caches.withLock { $0.featured = runID }
    }

    public func currentRun() async throws -> RunSummary? {
        let all = try await runs()
        if let featured = caches.withLock({ $0.featured }), let run = all.first(where: { $0.id == featured }) {
            return run
        }
        return all.last(where: { $0.state == .running }) ?? all.last
    }

    // MARK: Mapping

    func summary(_ id: UInt32) throws -> RunSummary {
        try summary(try store.run(id), teams: Set(try store.entries(runID: id).map(\.team)).sorted())
    }

    func summary(_ run: RunRecord, teams: [String]) throws -> RunSummary {
        // The RUNNING window in event time: from the scorer (it reads the referee's run_state
        // frames), else from the stored start/stop for wall-clock runs.
        let result = try live?.board(runID: run.id)?.result ?? storedResult(of: run)
        let wall = run.window == .wall
        return RunSummary(
            id: run.id,
            division: run.division,
            state: RunState(rawValue: run.state.rawValue) ?? .prepare,
            name: run.name,
            seed: run.seed,
            durationSeconds: try rulebook(hash: run.rulebookHash).heats.runDuration,
            runningStart: result?.runningStart ?? (wall ? run.startedNanos : nil),
            runningEnd: result?.runningEnd ?? (wall ? run.stoppedNanos : nil),
            teams: teams,
            arenaHash: run.arenaHash
        )
    }

    /// The result a stopped run settled on: the signed one once FINAL, the live scorer's
    /// once FINISHED; nil before (or while the live scorer has not stored it yet).
    func storedResult(of run: RunRecord) throws -> RunResult? {
        switch run.state {
        case .final: try stored(run.id, .final)
        case .finished: try stored(run.id, .live)
        case .prepare, .running: nil
        }
    }

    func stored(_ runID: UInt32, _ source: RunResultWrite.Source) throws -> RunResult? {
        let key = "\(runID)/\(source.rawValue)"
        if let cached = caches.withLock({ $0.results[key] }) { return cached }
        guard let result = try store.runResult(runID: runID, source: source) else { return nil }
        guard source == .final else { return result }
        caches.withLock { $0.results[key] = result }
        return result
    }

    func rulebook(hash: String) throws -> Rulebook {
        if let cached = caches.withLock({ $0.rulebooks[hash] }) { return cached }
        let rulebook =
            hash == configuration.rulebook.hash
            ? configuration.rulebook : try Rulebook.load(Data(try store.rulebookBytes(hash: hash)))
        caches.withLock { $0.rulebooks[hash] = rulebook }
        return rulebook
    }

    /// The run's grid: of its stored arena file (cached by the file's hash), or of the arena
    /// generated from its division and seed.
    private func mask(of run: RunRecord) throws -> CoverageMask {
        let key = run.arenaHash ?? "\(run.division)/\(run.seed)"
        if let cached = caches.withLock({ $0.masks[key] }) { return cached }
        let mask = try RunContext.arena(of: run, store: store).mask()
        caches.withLock { $0.masks[key] = mask }
        return mask
    }

    /// Coverage on cells of `cellSize` m: the covered fraction of each cell's target cells.
    static func heatmap(mask: CoverageMask, covered: [Bool], cellSize: Double) -> CoverageView {
        let factor = max(1, Int((cellSize / mask.cellSize).rounded()))
        let columns = (mask.columns + factor - 1) / factor
        let rows = (mask.rows + factor - 1) / factor
        var targets = [Int](repeating: 0, count: columns * rows)
        var hits = [Int](repeating: 0, count: columns * rows)
        for j in 0..<mask.rows {
            for i in 0..<mask.columns {
                let index = j * mask.columns + i
                guard mask.flags[index] & CoverageMask.targetBit != 0 else { continue }
                let coarse = (j / factor) * columns + i / factor
                targets[coarse] += 1
                if index < covered.count, covered[index] { hits[coarse] += 1 }
            }
        }
        var cells = [UInt8](repeating: 0, count: columns * rows)
        for k in cells.indices where targets[k] > 0 {
            let fraction = Double(hits[k]) / Double(targets[k])
            cells[k] = UInt8((fraction * 255).rounded())
        }
        return CoverageView(cellSize: Double(factor) * mask.cellSize, columns: columns, rows: rows, cells: cells)
    }

    /// Runs `body`'s store reads and writes on the blocking pool (never on the cooperative
    /// pool), turning the store's and the competition's errors into `ScoreboardError`s.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await configuration.blockingPool.run { try Self.mapError(body) }
    }

    static func mapError<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            switch error.code {
            case .notFound: throw ScoreboardError(.notFound, error.message)
            case .badQuery, .conflict: throw ScoreboardError(.conflict, error.message)
            default: throw error
            }
        } catch let error as CompetitionError {
            switch error.code {
            case .notFound: throw ScoreboardError(.notFound, error.message)
            case .wrongState: throw ScoreboardError(.conflict, error.message)
            case .badArgument, .badRulebook: throw ScoreboardError(.badRequest, error.message)
            default: throw error
            }
        }
    }
}
