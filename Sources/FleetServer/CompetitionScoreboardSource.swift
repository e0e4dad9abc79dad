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
/// Reads are short SQLite queries on the pool's readers; finalizing (a recompute of the
/// whole run, hash chains, a signature) runs on its own thread, off the cooperative pool.
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

        public init(rulebook: Rulebook, rulebookBytes: [UInt8], serviceKeyPath: String) {
            self.rulebook = rulebook
            self.rulebookBytes = rulebookBytes
            self.serviceKeyPath = serviceKeyPath
        }
    }

    private struct Caches {
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
    private let clock: @Sendable () -> UInt64
    private let caches = Mutex(Caches())

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
        try mapped {
            let teamsByRun = try store.teamsByRun()
            return try store.runs().map { try summary($0, teams: teamsByRun[$0.id] ?? []) }
        }
    }

    public func scoreboard(runID: UInt32) async throws -> RunResult? {
        try mapped {
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
        let run = try mapped { try store.run(runID) }
        guard run.state == .finished || run.state == .final else { return nil }
        let reads = self.store
        let rows = try await Self.offPool {
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
        guard try mapped({ try store.run(runID) }).state == .final else { return nil }
        let reads = self.store
        let keyPath = configuration.serviceKeyPath
        let value = try await Self.offPool {
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
        for run in try mapped({ try store.runs(division: division, states: [.final]) }) {
            if try await integrity(runID: run.id)?.verdict == .void { void.insert(run.id) }
        }
        return try mapped {
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
                if void.contains(run.id) { continue }
                results.append(result)
                rulebook = try self.rulebook(hash: run.rulebookHash)
            }
            return DivisionStandings(rulebook: rulebook, division: division, runs: results)
        }
    }

    public func arena(runID: UInt32) async throws -> ArenaView? {
        try mapped {
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
    /// live: recomputed once on a thread of its own (it takes a while); nil until ready.
    private func recomputedCoverage(_ runID: UInt32) -> CoverageView? {
        let (known, cached) = caches.withLock { caches -> (Bool, CoverageView?) in
            if let entry = caches.coverage[runID] { return (true, entry) }
            caches.coverage[runID] = .some(nil)
            return (false, nil)
        }
        if known { return cached }
        let store = self.store
        let cellSize = configuration.heatmapCellSize
        let logger = configuration.logger
        let thread = Thread { [weak self] in
            do {
                let (mask, covered) = try Recompute.coverage(store: store, runID: runID)
                let view = Self.heatmap(mask: mask, covered: covered, cellSize: cellSize)
                self?.caches.withLock { $0.coverage[runID] = view }
            } catch {
                logger.warning("coverage recompute failed", metadata: ["run.id": "\(runID)", "error": "\(error)"])
            }
        }
        thread.name = "fleet.coverage"
        thread.start()
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

    // MARK: Run control

    public func perform(_ command: RunCommand) async throws -> RunSummary {
        let now = clock()
        switch command {
        case .create(let new):
            return try mapped { try create(new, at: now) }
        case .start(let id, let time):
            return try mapped { try transition(id, to: .running, at: time ?? now) }
        case .stop(let id, let time):
            return try mapped { try transition(id, to: .finished, at: time ?? now) }
        case .finalize(let id):
            let store = self.store
            let keyPath = configuration.serviceKeyPath
            try await Self.offPool {
                try Self.mapError {
                    let key = try ServiceKey(path: keyPath, create: true)
                    _ = try Finalizer.finalize(store: store, runID: id, key: key, now: now)
                }
            }
            return try await run(id: id)
        case .award(let id, let team, let fraction):
            return try mapped {
                let maximum = try rulebook(hash: try store.run(id).rulebookHash).bonuses.refereeAwardMax
                guard fraction >= 0, fraction.isFinite else {
                    throw ScoreboardError(.badRequest, "fraction must be 0...\(maximum), got \(fraction)")
                }
                // Within the API's bounds but above this rulebook's: the rulebook is the
                // server's state, so a conflict rather than a bad request.
                guard fraction <= maximum else {
                    throw ScoreboardError(
                        .conflict,
                        "fraction must be at most the rulebook's referee award, \(maximum); got \(fraction)"
                    )
                }
                try requireTeam(team, runID: id)
                try store.addAction(
                    RefereeAction(
                        runID: id,
                        kind: .award,
                        team: team,
                        value: fraction,
                        by: configuration.actor,
                        reason: "award over the API",
                        atNanos: now
                    )
                )
                return try summary(id)
            }
        case .penalty(let id, let penalty):
            return try mapped {
                guard penalty.points > 0, penalty.points.isFinite else {
                    throw ScoreboardError(.badRequest, "points must be a positive number, got \(penalty.points)")
                }
                try requireTeam(penalty.team, runID: id)
                if let robot = penalty.robot {
                    // The scorer refuses a penalty on a robot of another team: stored, it would
                    // stop the run's live scoring for good.
                    let teamRobots = try store.entries(runID: id).filter { $0.team == penalty.team }.map(\.robotID)
                    guard teamRobots.contains(robot) else {
                        throw ScoreboardError(
                            .conflict,
                            "robot \(robot) is not on team '\(penalty.team)' in run \(id); its robots: \(teamRobots.map(String.init).joined(separator: ", "))"
                        )
                    }
                }
                try store.addAction(
                    RefereeAction(
                        runID: id,
                        kind: .penaltyAdd,
                        team: penalty.team,
                        robotID: penalty.robot,
                        value: penalty.points,
                        by: penalty.by ?? configuration.actor,
                        reason: penalty.reason,
                        atNanos: now
                    )
                )
                return try summary(id)
            }
        case .removePenalty(let id, let penaltyID, let reason):
            return try mapped {
                try store.addAction(
                    RefereeAction(
                        runID: id,
                        kind: .penaltyRemove,
                        team: nil,
                        value: nil,
                        target: penaltyID,
                        by: configuration.actor,
                        reason: reason,
                        atNanos: now
                    )
                )
                return try summary(id)
            }
        }
    }

    private func create(_ new: NewRun, at now: UInt64) throws -> RunSummary {
        let rulebook = configuration.rulebook
        guard rulebook.divisions[new.division] != nil else {
            throw ScoreboardError(
                .badRequest,
                "division must be one of \(rulebook.divisionOrder.joined(separator: ", ")), got '\(new.division)'"
            )
        }
        if let duration = new.durationSeconds, abs(duration - rulebook.heats.runDuration) > 1e-9 {
            throw ScoreboardError(
                .conflict,
                "durationSeconds: the run length is the rulebook's \(rulebook.heats.runDuration) s, got \(duration)"
            )
        }
        let window: RunWindowSource
        switch new.window {
        case nil: window = .referee
        case let text?:
            guard let parsed = RunWindowSource(rawValue: text) else {
                throw ScoreboardError(.badRequest, "window must be 'wall' or 'referee', got '\(text)'")
            }
            window = parsed
        }
        // The teams' robots that compete in this division: humanoids in H, the others elsewhere.
        let humanoidDivision = rulebook.divisions[new.division]?.kind == .humanoid
        let registered = try store.registeredRobots().filter { ($0.kind == "humanoid") == humanoidDivision }
        let known = Set(registered.map(\.team))
        if let teams = new.teams, let unknown = teams.first(where: { !known.contains($0) }) {
            throw ScoreboardError(
                .notFound,
                "no team '\(unknown)' with robots for division \(new.division); teams: \(known.isEmpty ? "none registered (fleet team add)" : known.sorted().joined(separator: ", "))"
            )
        }
        let entries = registered.filter { new.teams?.contains($0.team) ?? true }
        guard !entries.isEmpty else {
            throw ScoreboardError(
                .conflict,
                "no registered robots can enter division \(new.division); register teams first (fleet team add)"
            )
        }
        if new.id == 0 { throw ScoreboardError(.badRequest, "a run id is 1 or more") }
        let id = try store.createRun(
            id: new.id,
            name: new.name ?? "run \(try store.runs().count + 1)",
            division: new.division,
            seed: new.seed ?? 0,
            window: window,
            rulebook: (rulebook.hash, rulebook.id, configuration.rulebookBytes),
            entries: entries,
            at: now
        )
        return try summary(id)
    }

    private func transition(_ id: UInt32, to phase: RunPhase, at time: UInt64) throws -> RunSummary {
        try store.transition(id, to: phase, at: time)
        return try summary(id)
    }

    /// A team not entered in the run: a conflict with the run's entries (409), not a missing
    /// resource; the run is there.
    private func requireTeam(_ team: String, runID: UInt32) throws {
        let teams = Set(try store.entries(runID: runID).map(\.team))
        guard teams.contains(team) else {
            throw ScoreboardError(
                .conflict,
                "run \(runID) has no team '\(team)'; teams: \(teams.isEmpty ? "none" : teams.sorted().joined(separator: ", "))"
            )
        }
    }

    // MARK: Mapping

    private func summary(_ id: UInt32) throws -> RunSummary {
        try summary(try store.run(id), teams: Set(try store.entries(runID: id).map(\.team)).sorted())
    }

    private func summary(_ run: RunRecord, teams: [String]) throws -> RunSummary {
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
            teams: teams
        )
    }

    /// The result a stopped run settled on: the signed one once FINAL, the live scorer's
    /// once FINISHED; nil before (or while the live scorer has not stored it yet).
    private func storedResult(of run: RunRecord) throws -> RunResult? {
        switch run.state {
        case .final: try stored(run.id, .final)
        case .finished: try stored(run.id, .live)
        case .prepare, .running: nil
        }
    }

    private func stored(_ runID: UInt32, _ source: RunResultWrite.Source) throws -> RunResult? {
        let key = "\(runID)/\(source.rawValue)"
        if let cached = caches.withLock({ $0.results[key] }) { return cached }
        guard let result = try store.runResult(runID: runID, source: source) else { return nil }
        guard source == .final else { return result }
        caches.withLock { $0.results[key] = result }
        return result
    }

    private func rulebook(hash: String) throws -> Rulebook {
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

    /// Runs `body`, turning the store's and the competition's errors into `ScoreboardError`s.
    private func mapped<T>(_ body: () throws -> T) throws -> T {
        try Self.mapError(body)
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

    /// Runs blocking work on a thread of its own: the cooperative pool has two threads here.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "fleet.finalize"
            thread.start()
        }
    }
}
