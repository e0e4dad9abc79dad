public import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The competition's records (`CompetitionStore`) on the central PostgreSQL: the same rows as
/// a site's SQLite file (migration `v3-competition`), so a run created, scored, finalized or
/// forwarded here reads back exactly as it does there.
///
/// Every write is one transaction that locks the run's row first (`FOR UPDATE`), so two
/// commands, two ingesters or a forwarder cannot both move a run. Run ids are the referee's
/// (the frames' `run_state` carry them): a run created here takes the next free id unless
/// given one, and a run forwarded from a site keeps the site's.
public struct PostgresCompetitionStore: CompetitionStore {
    public let postgres: PostgresStore

    public init(_ postgres: PostgresStore) {
        self.postgres = postgres
    }

    /// Runs `body` in one transaction; errors say what was being done.
    func write<Result: Sendable>(
        _ what: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) throws -> Result {
        try postgres.run(what) { [postgres] in
            try await postgres.client.withTransaction(logger: postgres.logger) { try await body($0) }
        }
    }

    func read<Result: Sendable>(
        _ what: String,
        _ body: @escaping @Sendable (PostgresClient) async throws -> Result
    )
        throws -> Result
    {
        try postgres.run(what) { [postgres] in try await body(postgres.client) }
    }

    var logger: Logger { postgres.logger }

    // MARK: Teams

    public func addTeam(_ name: String, robots: [RegisteredRobot], at nowNanos: UInt64) throws {
        guard !name.isEmpty else { throw StorageError(.badQuery, "a team needs a name") }
        try write("registering team \(name)") { [logger] connection in
            try await connection.query(
                """
                INSERT INTO team (name, created_ns) VALUES (\(name), \(Int64(bitPattern: nowNanos)))
                ON CONFLICT (name) DO NOTHING
                """,
                logger: logger
            )
            var teamID: Int64 = 0
            for try await id in try await connection.query(
                "SELECT team_id FROM team WHERE name = \(name) FOR UPDATE",
                logger: logger
            ).decode(Int64.self) { teamID = id }
            for robot in robots {
                let others = try await connection.query(
                    """
                    SELECT t.name FROM team_robot r JOIN team t USING (team_id)
                    WHERE r.robot_id = \(Int64(robot.robotID)) FOR UPDATE OF r
                    """,
                    logger: logger
                )
                for try await other in others.decode(String.self) where other != name {
                    throw StorageError(.badQuery, "robot \(robot.robotID) is already registered to team \(other)")
                }
                try await connection.query(
                    """
                    INSERT INTO team_robot (robot_id, team_id, name, kind, brush_width)
                    VALUES (\(Int64(robot.robotID)), \(teamID), \(robot.name), \(robot.kind), \(robot.brushWidth))
                    ON CONFLICT (robot_id) DO UPDATE SET
                        team_id = excluded.team_id, name = excluded.name, kind = excluded.kind,
                        brush_width = excluded.brush_width
                    """,
                    logger: logger
                )
            }
        }
    }

    public func registeredRobots() throws -> [RegisteredRobot] {
        try read("reading the registered robots") { [logger] client in
            let rows = try await client.query(
                """
                SELECT r.robot_id, t.name, r.name, r.kind, r.brush_width
                FROM team_robot r JOIN team t USING (team_id) ORDER BY t.name COLLATE "C", r.robot_id
                """,
                logger: logger
            )
            return try await Self.robots(rows)
        }
    }

    /// Rows of (robot_id, team, name, kind, brush_width).
    static func robots(_ rows: PostgresRowSequence) async throws -> [RegisteredRobot] {
        var out: [RegisteredRobot] = []
        for try await (id, team, name, kind, width) in rows.decode((Int64, String, String?, String, Double?).self) {
            out.append(
                RegisteredRobot(
                    robotID: UInt32(truncatingIfNeeded: id),
                    team: team,
                    name: name,
                    kind: kind,
                    brushWidth: width
                )
            )
        }
        return out
    }

    public func teamNames() throws -> [String] {
        try read("reading the teams") { [logger] client in
            var out: [String] = []
            let rows = try await client.query("SELECT name FROM team ORDER BY name COLLATE \"C\"", logger: logger)
            for try await name in rows.decode(String.self) { out.append(name) }
            return out
        }
    }

    // MARK: Referee actions

    @discardableResult
    public func addAction(_ action: RefereeAction) throws -> Int64 {
        try write("recording a referee action on run \(action.runID)") { [logger] connection in
            guard let run = try await Self.lockedRun(action.runID, on: connection, logger: logger) else {
                throw StorageError(.notFound, "there is no run \(action.runID)")
            }
            try action.checkAllowed(on: run)
            if action.kind == .penaltyRemove {
                guard let target = action.target else {
                    throw StorageError(.notFound, "run \(action.runID) has no penalty (none given)")
                }
                var penalties: Int64 = 0
                var removals: Int64 = 0
                let rows = try await connection.query(
                    """
                    SELECT
                        count(*) FILTER (WHERE action_id = \(target) AND run_id = \(Int64(action.runID))
                                         AND kind = 'penalty_add'),
                        count(*) FILTER (WHERE target_action_id = \(target) AND kind = 'penalty_remove')
                    FROM referee_action WHERE run_id = \(Int64(action.runID))
                    """,
                    logger: logger
                )
                for try await (p, r) in rows.decode((Int64, Int64).self) { (penalties, removals) = (p, r) }
                guard penalties == 1 else {
                    throw StorageError(.notFound, "run \(action.runID) has no penalty \(target)")
                }
                guard removals == 0 else { throw StorageError(.badQuery, "penalty \(target) is already removed") }
            }
            let rows = try await connection.query(
                """
                INSERT INTO referee_action
                    (run_id, kind, team, robot_id, value, target_action_id, referee, reason, at_ns)
                VALUES (\(Int64(action.runID)), \(action.kind.rawValue), \(action.team),
                        \(action.robotID.map { Int64($0) }), \(action.value), \(action.target), \(action.by),
                        \(action.reason), \(Int64(bitPattern: action.atNanos)))
                RETURNING action_id
                """,
                logger: logger
            )
            for try await id in rows.decode(Int64.self) { return id }
            throw StorageError(.badQuery, "the referee action was not stored")
        }
    }

    public func actions(runID: UInt32) throws -> [RefereeAction] {
        try read("reading the referee actions of run \(runID)") { [logger] client in
            var out: [RefereeAction] = []
            let rows = try await client.query(
                """
                SELECT action_id, kind, team, robot_id, value, target_action_id, referee, reason, at_ns
                FROM referee_action WHERE run_id = \(Int64(runID)) ORDER BY action_id
                """,
                logger: logger
            )
            for try await (id, kind, team, robot, value, target, by, reason, at) in rows.decode(
                (Int64, String, String?, Int64?, Double?, Int64?, String, String, Int64).self
            ) {
                out.append(
                    RefereeAction(
                        id: id,
                        runID: runID,
                        kind: RefereeAction.Kind(rawValue: kind) ?? .penaltyAdd,
                        team: team,
                        robotID: robot.map { UInt32(truncatingIfNeeded: $0) },
                        value: value,
                        target: target,
                        by: by,
                        reason: reason,
                        atNanos: UInt64(bitPattern: at)
                    )
                )
            }
            return out
        }
    }

    // MARK: Results

    public func storeFinal(
        _ record: FinalRecord,
        result: RunResultWrite,
        chains: [ChainRecord],
        at nowNanos: UInt64
    ) throws {
        try write("finalizing run \(record.runID)") { [logger] connection in
            guard let run = try await Self.lockedRun(record.runID, on: connection, logger: logger) else {
                throw StorageError(.notFound, "there is no run \(record.runID)")
            }
            guard run.state == .finished else {
                throw StorageError(
                    .badQuery,
                    "run \(run.id) is \(run.state.rawValue); only a FINISHED run can be finalized (fleet run stop \(run.id) first)"
                )
            }
            try await Self.insert(result, on: connection, at: nowNanos, logger: logger)
            try await Self.insertFinal(record, chains: chains, on: connection, logger: logger)
            try await connection.query(
                """
                UPDATE run SET state = 'FINAL', finalized_ns = \(Int64(bitPattern: nowNanos))
                WHERE run_id = \(Int64(record.runID))
                """,
                logger: logger
            )
        }
    }

    static func insertFinal(
        _ record: FinalRecord,
        chains: [ChainRecord],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let run = Int64(record.runID)
        if !chains.isEmpty {
            try await connection.query(
                """
                INSERT INTO chain_head (run_id, sender_id, frames, head, frame_index)
                SELECT \(run), * FROM unnest(
                    \(chains.map { Int64($0.senderID) })::int8[], \(chains.map(\.frames))::int8[],
                    \(chains.map { ByteBuffer(bytes: $0.head) })::bytea[],
                    \(chains.map { ByteBuffer(bytes: $0.frameIndex) })::bytea[])
                """,
                logger: logger
            )
        }
        try await connection.query(
            """
            INSERT INTO final_result (run_id, document, signature, public_key, signed_ns)
            VALUES (\(run), \(ByteBuffer(bytes: record.document)), \(ByteBuffer(bytes: record.signature)),
                    \(ByteBuffer(bytes: record.publicKey)), \(Int64(bitPattern: record.signedNanos)))
            """,
            logger: logger
        )
    }

    public func finalRecord(runID: UInt32) throws -> FinalRecord? {
        try read("reading the final result of run \(runID)") { [logger] client in
            let rows = try await client.query(
                "SELECT document, signature, public_key, signed_ns FROM final_result WHERE run_id = \(Int64(runID))",
                logger: logger
            )
            for try await (document, signature, key, signed) in rows.decode(
                (ByteBuffer, ByteBuffer, ByteBuffer, Int64).self
            ) {
                return FinalRecord(
                    runID: runID,
                    document: Array(document.readableBytesView),
                    signature: Array(signature.readableBytesView),
                    publicKey: Array(key.readableBytesView),
                    signedNanos: UInt64(bitPattern: signed)
                )
            }
            return nil
        }
    }

    public func chains(runID: UInt32) throws -> [ChainRecord] {
        try read("reading the hash chains of run \(runID)") { [logger] client in
            var out: [ChainRecord] = []
            let rows = try await client.query(
                """
                SELECT sender_id, frames, head, frame_index FROM chain_head WHERE run_id = \(Int64(runID))
                ORDER BY sender_id
                """,
                logger: logger
            )
            for try await (sender, frames, head, index) in rows.decode((Int64, Int64, ByteBuffer, ByteBuffer).self) {
                out.append(
                    ChainRecord(
                        senderID: UInt32(truncatingIfNeeded: sender),
                        frames: Int(frames),
                        head: Array(head.readableBytesView),
                        frameIndex: Array(index.readableBytesView)
                    )
                )
            }
            return out
        }
    }

    public func storeResult(_ result: RunResultWrite, at nowNanos: UInt64) throws {
        try write("storing the \(result.source.rawValue) result of run \(result.runID)") { [logger] connection in
            try await Self.insert(result, on: connection, at: nowNanos, logger: logger)
        }
    }

    public func latestProvisional(runID: UInt32) throws -> ProvisionalScoreRecord? {
        try read("reading the board of run \(runID)") { [logger] client in
            let rows = try await client.query(
                "SELECT at_ns, watermark_ns, summary FROM provisional_score WHERE run_id = \(Int64(runID))",
                logger: logger
            )
            for try await (at, watermark, summary) in rows.decode((Int64, Int64?, String).self) {
                return ProvisionalScoreRecord(
                    runID: runID,
                    atNanos: UInt64(bitPattern: at),
                    watermarkNanos: watermark.map { UInt64(bitPattern: $0) },
                    summary: summary
                )
            }
            return nil
        }
    }

    public func provisionalCount(runID: UInt32) throws -> Int {
        try read("reading the board of run \(runID)") { [logger] client in
            let rows = try await client.query(
                "SELECT snapshots FROM provisional_score WHERE run_id = \(Int64(runID))",
                logger: logger
            )
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    public func storedResult(runID: UInt32, source: RunResultWrite.Source) throws -> StoredRunResult? {
        try read("reading the \(source.rawValue) result of run \(runID)") { [logger] client in
            try await Self.fetchResult(client, runID: runID, source: source, logger: logger)
        }
    }

    public func scoreEvents(of result: StoredRunResult, positions: Range<Int>?) throws -> [ScoreEventRow] {
        let all = 0..<result.eventCount
        let wanted = (positions ?? all).clamped(to: all)
        guard !wanted.isEmpty else { return [] }
        return try read("reading the score events of run \(result.runID)") { [logger] client in
            var events: [ScoreEventRow] = []
            events.reserveCapacity(wanted.count)
            for ordinals in result.ordinals(wanted) {
                events += try await Self.fetchEvents(client, runID: result.runID, ordinals: ordinals, logger: logger)
            }
            return events
        }
    }
}
