public import FleetProtocol
public import FleetStore
import Foundation
import GRDB

/// The competition's records (`CompetitionStore`) in a site's SQLite file: teams, runs and
/// their lifecycle, referee actions, results and the signed final record.
///
/// Every write goes through `FleetDatabase.write` (the process's one writer connection); in
/// the ingest process the live scorer's rows travel in the ingest writer's batches instead
/// (`WriteBatch.provisionalScores`, `.runResults`). Transitions check the current state
/// inside the writing transaction, so two commands cannot both move a run.
public struct SQLiteCompetitionStore: CompetitionStore {
    public let database: FleetDatabase

    public init(database: FleetDatabase) {
        self.database = database
    }

    // MARK: Teams

    /// Registers a team (or adds robots to an existing one). A robot already on another
    /// team is refused, naming both.
    public func addTeam(_ name: String, robots: [RegisteredRobot], at nowNanos: UInt64) throws {
        guard !name.isEmpty else { throw StorageError(.badQuery, "a team needs a name") }
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO team (name, created_ns) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, Int64(bitPattern: nowNanos)]
            )
            let teamID = try Int64.fetchOne(db, sql: "SELECT team_id FROM team WHERE name = ?", arguments: [name])!
            for robot in robots {
                if let other = try String.fetchOne(
                    db,
                    sql: "SELECT t.name FROM team_robot r JOIN team t USING (team_id) WHERE r.robot_id = ?",
                    arguments: [Int64(robot.robotID)]
                ), other != name {
                    throw StorageError(.badQuery, "robot \(robot.robotID) is already registered to team \(other)")
                }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO team_robot (robot_id, team_id, name, kind, brush_width)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [Int64(robot.robotID), teamID, robot.name, robot.kind, robot.brushWidth]
                )
            }
        }
    }

    /// Every registered robot, by team name then robot id.
    public func registeredRobots() throws -> [RegisteredRobot] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.robot_id, t.name, r.name, r.kind, r.brush_width
                    FROM team_robot r JOIN team t USING (team_id) ORDER BY t.name, r.robot_id
                    """
            ).map(Self.robot)
        }
    }

    /// Team names, sorted.
    public func teamNames() throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT name FROM team ORDER BY name") }
    }

    // MARK: Runs

    /// Creates a run in PREPARE with the given robots as its entries, the rulebook's bytes
    /// stored under its hash and the arena file's (if any) under its; returns the run id.
    public func createRun(
        id wanted: UInt32?,
        name: String,
        division: String,
        seed: UInt64,
        window: RunWindowSource,
        rulebook: (hash: String, id: String, bytes: [UInt8]),
        arena: (hash: String, bytes: [UInt8])?,
        entries: [RegisteredRobot],
        at nowNanos: UInt64
    ) throws -> UInt32 {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO rulebook (hash, rulebook_id, bytes, added_ns) VALUES (?, ?, ?, ?)",
                arguments: [rulebook.hash, rulebook.id, Data(rulebook.bytes), Int64(bitPattern: nowNanos)]
            )
            if let arena {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO arena (hash, bytes, added_ns) VALUES (?, ?, ?)",
                    arguments: [arena.hash, Data(arena.bytes), Int64(bitPattern: nowNanos)]
                )
            }
            if let wanted, try Self.fetchRuns(db, where: "run_id = ?", [Int64(wanted)]).first != nil {
                throw StorageError(.conflict, "run \(wanted) exists already (fleet run list shows the runs)")
            }
            try db.execute(
                sql: """
                    INSERT INTO run (run_id, name, division, seed, state, window, rulebook_hash, created_ns,
                                     arena_hash)
                    VALUES (?, ?, ?, ?, 'PREPARE', ?, ?, ?, ?)
                    """,
                arguments: [
                    wanted.map { Int64($0) }, name, division, Int64(bitPattern: seed), window.rawValue,
                    rulebook.hash, Int64(bitPattern: nowNanos), arena?.hash,
                ]
            )
            let id = db.lastInsertedRowID
            for entry in entries {
                try db.execute(
                    sql: """
                        INSERT INTO run_entry (run_id, robot_id, team, name, kind, brush_width)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [id, Int64(entry.robotID), entry.team, entry.name, entry.kind, entry.brushWidth]
                )
            }
            return UInt32(id)
        }
    }

    public func runs(id: UInt32?, division: String?, states: Set<RunPhase>?) throws -> [RunRecord] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let id {
            clauses.append("run_id = ?")
            arguments.append(Int64(id))
        }
        if let division {
            clauses.append("division = ?")
            arguments.append(division)
        }
        if let states {
            clauses.append("state IN (\(states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")))")
        }
        return try database.read { db in
            try Self.fetchRuns(db, where: clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
        }
    }

    static func fetchRuns(
        _ db: Database,
        where clause: String,
        _ arguments: [any DatabaseValueConvertible]
    ) throws
        -> [RunRecord]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT run_id, name, division, seed, state, window, rulebook_hash, created_ns, started_ns,
                       stopped_ns, finalized_ns, review, arena_hash
                FROM run WHERE \(clause) ORDER BY run_id
                """,
            arguments: StatementArguments(arguments)
        ).map { row in
            RunRecord(
                id: UInt32(row[0] as Int64),
                name: row[1],
                division: row[2],
                seed: UInt64(bitPattern: row[3]),
                state: RunPhase(rawValue: row[4]) ?? .prepare,
                window: RunWindowSource(rawValue: row[5]) ?? .referee,
                rulebookHash: row[6],
                createdNanos: UInt64(bitPattern: row[7]),
                startedNanos: (row[8] as Int64?).map { UInt64(bitPattern: $0) },
                stoppedNanos: (row[9] as Int64?).map { UInt64(bitPattern: $0) },
                finalizedNanos: (row[10] as Int64?).map { UInt64(bitPattern: $0) },
                review: (row[11] as Int64) != 0,
                arenaHash: row[12]
            )
        }
    }

    /// The robots entered in a run, by id.
    public func entries(runID: UInt32) throws -> [RegisteredRobot] {
        try database.read { db in try Self.fetchEntries(db, runID: runID) }
    }

    static func fetchEntries(_ db: Database, runID: UInt32) throws -> [RegisteredRobot] {
        try Row.fetchAll(
            db,
            sql: "SELECT robot_id, team, name, kind, brush_width FROM run_entry WHERE run_id = ? ORDER BY robot_id",
            arguments: [Int64(runID)]
        ).map(Self.robot)
    }

    /// A row of (robot_id, team, name, kind, brush_width).
    static func robot(_ row: Row) -> RegisteredRobot {
        RegisteredRobot(robotID: UInt32(row[0] as Int64), team: row[1], name: row[2], kind: row[3], brushWidth: row[4])
    }

    /// Run id → the names of the teams entered in it, sorted.
    public func teamsByRun() throws -> [UInt32: [String]] {
        try database.read { db in
            var teams: [UInt32: [String]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT DISTINCT run_id, team FROM run_entry ORDER BY run_id, team"
            ) {
                teams[UInt32(row[0] as Int64), default: []].append(row[1])
            }
            return teams
        }
    }

    /// The rulebook bytes stored under `hash`.
    public func rulebookBytes(hash: String) throws -> [UInt8] {
        guard
            let data = try database.read({ db in
                try Data.fetchOne(db, sql: "SELECT bytes FROM rulebook WHERE hash = ?", arguments: [hash])
            })
        else { throw StorageError(.notFound, "rulebook \(hash) is not stored") }
        return [UInt8](data)
    }

    /// The arena file bytes stored under `hash`.
    public func arenaBytes(hash: String) throws -> [UInt8] {
        guard
            let data = try database.read({ db in
                try Data.fetchOne(db, sql: "SELECT bytes FROM arena WHERE hash = ?", arguments: [hash])
            })
        else { throw StorageError(.notFound, "arena \(hash) is not stored") }
        return [UInt8](data)
    }

    /// Moves a run PREPARE → RUNNING (start) or RUNNING → FINISHED (stop); FINAL only through
    /// `storeFinal`. Refuses any other move, naming the state the run is in.
    @discardableResult
    public func transition(_ id: UInt32, to target: RunPhase, at nowNanos: UInt64) throws -> RunRecord {
        guard target == .running || target == .finished else {
            throw StorageError(.badQuery, "a run becomes \(target.rawValue) only by finalizing it")
        }
        try database.write { db in
            guard let run = try Self.fetchRuns(db, where: "run_id = ?", [Int64(id)]).first else {
                throw StorageError(.notFound, "there is no run \(id)")
            }
            guard run.state.next == target else {
                throw StorageError(
                    .badQuery,
                    "run \(id) is \(run.state.rawValue); only a \(target == .running ? "PREPARE" : "RUNNING") run can become \(target.rawValue)"
                )
            }
            let column = target == .running ? "started_ns" : "stopped_ns"
            try db.execute(
                sql: "UPDATE run SET state = ?, \(column) = ? WHERE run_id = ?",
                arguments: [target.rawValue, Int64(bitPattern: nowNanos), Int64(id)]
            )
        }
        return try run(id)
    }

    public func setReview(_ id: UInt32) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE run SET review = 1 WHERE run_id = ?", arguments: [Int64(id)])
        }
    }

    // MARK: Referee actions

    /// Records a referee action and returns its id. Penalties are refused on a FINAL run,
    /// awards on anything but a FINISHED run (an award counts once the run is FINAL, and a
    /// FINAL result never changes); a removal must name a penalty of the same run that is
    /// not already removed.
    @discardableResult
    public func addAction(_ action: RefereeAction) throws -> Int64 {
        try database.write { db in
            guard let run = try Self.fetchRuns(db, where: "run_id = ?", [Int64(action.runID)]).first else {
                throw StorageError(.notFound, "there is no run \(action.runID)")
            }
            try action.checkAllowed(on: run)
            if action.kind == .penaltyRemove {
                guard let target = action.target,
                    try Int64.fetchOne(
                        db,
                        sql:
                            "SELECT count(*) FROM referee_action WHERE action_id = ? AND run_id = ? AND kind = 'penalty_add'",
                        arguments: [target, Int64(action.runID)]
                    ) == 1
                else {
                    throw StorageError(
                        .notFound,
                        "run \(action.runID) has no penalty \(action.target.map(String.init) ?? "(none given)")"
                    )
                }
                let removed = try Int64.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM referee_action WHERE target_action_id = ? AND kind = 'penalty_remove'",
                    arguments: [target]
                )!
                guard removed == 0 else { throw StorageError(.badQuery, "penalty \(target) is already removed") }
            }
            try db.execute(
                sql: """
                    INSERT INTO referee_action (run_id, kind, team, robot_id, value, target_action_id, by, reason, at_ns)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Int64(action.runID), action.kind.rawValue, action.team, action.robotID.map { Int64($0) },
                    action.value, action.target, action.by, action.reason, Int64(bitPattern: action.atNanos),
                ]
            )
            return db.lastInsertedRowID
        }
    }

    /// A run's referee actions in the order they were taken.
    public func actions(runID: UInt32) throws -> [RefereeAction] {
        try database.read { db in try Self.fetchActions(db, runID: runID) }
    }

    static func fetchActions(_ db: Database, runID: UInt32) throws -> [RefereeAction] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT action_id, run_id, kind, team, robot_id, value, target_action_id, by, reason, at_ns
                FROM referee_action WHERE run_id = ? ORDER BY action_id
                """,
            arguments: [Int64(runID)]
        ).map { row in
            RefereeAction(
                id: row[0],
                runID: UInt32(row[1] as Int64),
                kind: RefereeAction.Kind(rawValue: row[2]) ?? .penaltyAdd,
                team: row[3],
                robotID: (row[4] as Int64?).map { UInt32($0) },
                value: row[5],
                target: row[6],
                by: row[7],
                reason: row[8],
                atNanos: UInt64(bitPattern: row[9])
            )
        }
    }

    // MARK: Final

    /// Marks a FINISHED run FINAL with its signed record, result and chains, in one
    /// transaction; refuses a run that is not FINISHED.
    public func storeFinal(
        _ record: FinalRecord,
        result: RunResultWrite,
        chains: [ChainRecord],
        at nowNanos: UInt64
    ) throws {
        try database.write { db in
            guard let run = try Self.fetchRuns(db, where: "run_id = ?", [Int64(record.runID)]).first else {
                throw StorageError(.notFound, "there is no run \(record.runID)")
            }
            guard run.state == .finished else {
                throw StorageError(
                    .badQuery,
                    "run \(run.id) is \(run.state.rawValue); only a FINISHED run can be finalized (fleet run stop \(run.id) first)"
                )
            }
            try Self.insert(result, into: db, at: nowNanos)
            for chain in chains {
                try db.execute(
                    sql: "INSERT INTO chain_head (run_id, sender_id, frames, head, frame_index) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        Int64(record.runID), Int64(chain.senderID), chain.frames, Data(chain.head),
                        Data(chain.frameIndex),
                    ]
                )
            }
            try db.execute(
                sql:
                    "INSERT INTO final_result (run_id, document, signature, public_key, signed_ns) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    Int64(record.runID), Data(record.document), Data(record.signature), Data(record.publicKey),
                    Int64(bitPattern: record.signedNanos),
                ]
            )
            try db.execute(
                sql: "UPDATE run SET state = 'FINAL', finalized_ns = ? WHERE run_id = ?",
                arguments: [Int64(bitPattern: nowNanos), Int64(record.runID)]
            )
        }
    }

    public func finalRecord(runID: UInt32) throws -> FinalRecord? {
        try database.read { db in try Self.fetchFinal(db, runID: runID) }
    }

    static func fetchFinal(_ db: Database, runID: UInt32) throws -> FinalRecord? {
        try Row.fetchOne(
            db,
            sql: "SELECT document, signature, public_key, signed_ns FROM final_result WHERE run_id = ?",
            arguments: [Int64(runID)]
        ).map {
            FinalRecord(
                runID: runID,
                document: [UInt8]($0[0] as Data),
                signature: [UInt8]($0[1] as Data),
                publicKey: [UInt8]($0[2] as Data),
                signedNanos: UInt64(bitPattern: $0[3])
            )
        }
    }

    public func chains(runID: UInt32) throws -> [ChainRecord] {
        try database.read { db in try Self.fetchChains(db, runID: runID) }
    }

    static func fetchChains(_ db: Database, runID: UInt32) throws -> [ChainRecord] {
        try Row.fetchAll(
            db,
            sql: "SELECT sender_id, frames, head, frame_index FROM chain_head WHERE run_id = ? ORDER BY sender_id",
            arguments: [Int64(runID)]
        ).map {
            ChainRecord(
                senderID: UInt32($0[0] as Int64),
                frames: $0[1],
                head: [UInt8]($0[2] as Data),
                frameIndex: [UInt8]($0[3] as Data)
            )
        }
    }
}
