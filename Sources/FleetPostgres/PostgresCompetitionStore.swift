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

    // MARK: Runs

    public func createRun(
        id wanted: UInt32?,
        name: String,
        division: String,
        seed: UInt64,
        window: RunWindowSource,
        rulebook: (hash: String, id: String, bytes: [UInt8]),
        entries: [RegisteredRobot],
        at nowNanos: UInt64
    ) throws -> UInt32 {
        let (hash, rulebookID, bytes) = rulebook
        return try write("creating run \(name)") { [logger] connection in
            try await connection.query(
                """
                INSERT INTO rulebook (hash, rulebook_id, bytes, added_ns)
                VALUES (\(hash), \(rulebookID), \(ByteBuffer(bytes: bytes)), \(Int64(bitPattern: nowNanos)))
                ON CONFLICT (hash) DO NOTHING
                """,
                logger: logger
            )
            // Ids are taken one creator at a time (a run is created now and then).
            try await connection.query("LOCK TABLE run IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            let id: Int64
            if let wanted {
                id = Int64(wanted)
                for try await _ in try await connection.query(
                    "SELECT 1 FROM run WHERE run_id = \(id)",
                    logger: logger
                ) {
                    throw StorageError(.conflict, "run \(wanted) exists already (fleet run list shows the runs)")
                }
            } else {
                var next: Int64 = 1
                for try await n in try await connection.query(
                    "SELECT coalesce(max(run_id), 0) + 1 FROM run",
                    logger: logger
                ).decode(Int64.self) { next = n }
                guard next <= Int64(UInt32.max) else {
                    throw StorageError(.badQuery, "run ids are used up to \(UInt32.max)")
                }
                id = next
            }
            try await connection.query(
                """
                INSERT INTO run (run_id, name, division, seed, state, window_source, rulebook_hash, created_ns)
                VALUES (\(id), \(name), \(division), \(Int64(bitPattern: seed)), 'PREPARE', \(window.rawValue),
                        \(hash), \(Int64(bitPattern: nowNanos)))
                """,
                logger: logger
            )
            for entry in entries {
                try await connection.query(
                    """
                    INSERT INTO run_entry (run_id, robot_id, team, name, kind, brush_width)
                    VALUES (\(id), \(Int64(entry.robotID)), \(entry.team), \(entry.name), \(entry.kind),
                            \(entry.brushWidth))
                    """,
                    logger: logger
                )
            }
            return UInt32(id)
        }
    }

    static let runColumns = """
        run_id, name, division, seed, state, window_source, rulebook_hash, created_ns, started_ns, stopped_ns,
        finalized_ns, review
        """

    static func runRecord(_ row: PostgresRow) throws -> RunRecord {
        let c = try row.decode(
            (Int64, String, String, Int64, String, String, String, Int64, Int64?, Int64?, Int64?, Bool).self
        )
        return RunRecord(
            id: UInt32(truncatingIfNeeded: c.0),
            name: c.1,
            division: c.2,
            seed: UInt64(bitPattern: c.3),
            state: RunPhase(rawValue: c.4) ?? .prepare,
            window: RunWindowSource(rawValue: c.5) ?? .referee,
            rulebookHash: c.6,
            createdNanos: UInt64(bitPattern: c.7),
            startedNanos: c.8.map { UInt64(bitPattern: $0) },
            stoppedNanos: c.9.map { UInt64(bitPattern: $0) },
            finalizedNanos: c.10.map { UInt64(bitPattern: $0) },
            review: c.11
        )
    }

    /// The run's row, locked for the rest of the transaction, to change it here; nil when
    /// there is none. A run forwarded from a site is refused: the site controls it, and its
    /// next copy would replace a change made here.
    static func lockedRun(_ id: UInt32, on connection: PostgresConnection, logger: Logger) async throws -> RunRecord? {
        let sites = try await connection.query(
            "SELECT site FROM run WHERE run_id = \(Int64(id)) FOR UPDATE",
            logger: logger
        )
        for try await site in sites.decode((String?).self) {
            if let site {
                throw StorageError(
                    .conflict,
                    "run \(id) was forwarded from site \(site): control it there (fleet forward copies it here)"
                )
            }
        }
        let rows = try await connection.query(
            "SELECT \(unescaped: runColumns) FROM run WHERE run_id = \(Int64(id))",
            logger: logger
        )
        for try await row in rows { return try runRecord(row) }
        return nil
    }

    public func runs(id: UInt32?, division: String?, states: Set<RunPhase>?) throws -> [RunRecord] {
        // Runs are few (one a heat): one query, filtered here.
        let all = try read("reading runs") { [logger] client in
            var out: [RunRecord] = []
            let rows: PostgresRowSequence
            if let id {
                rows = try await client.query(
                    "SELECT \(unescaped: Self.runColumns) FROM run WHERE run_id = \(Int64(id))",
                    logger: logger
                )
            } else {
                rows = try await client.query(
                    "SELECT \(unescaped: Self.runColumns) FROM run ORDER BY run_id",
                    logger: logger
                )
            }
            for try await row in rows { out.append(try Self.runRecord(row)) }
            return out
        }
        return all.filter { run in
            (division == nil || run.division == division) && (states == nil || states!.contains(run.state))
        }
    }

    public func entries(runID: UInt32) throws -> [RegisteredRobot] {
        try read("reading the entries of run \(runID)") { [logger] client in
            let rows = try await client.query(
                """
                SELECT robot_id, team, name, kind, brush_width FROM run_entry WHERE run_id = \(Int64(runID))
                ORDER BY robot_id
                """,
                logger: logger
            )
            return try await Self.robots(rows)
        }
    }

    public func teamsByRun() throws -> [UInt32: [String]] {
        try read("reading the teams of each run") { [logger] client in
            var teams: [UInt32: [String]] = [:]
            let rows = try await client.query(
                "SELECT run_id, team FROM run_entry GROUP BY run_id, team ORDER BY run_id, team COLLATE \"C\"",
                logger: logger
            )
            for try await (run, team) in rows.decode((Int64, String).self) {
                teams[UInt32(truncatingIfNeeded: run), default: []].append(team)
            }
            return teams
        }
    }

    public func rulebookBytes(hash: String) throws -> [UInt8] {
        let bytes = try read("reading rulebook \(hash)") { [logger] client -> [UInt8]? in
            let rows = try await client.query("SELECT bytes FROM rulebook WHERE hash = \(hash)", logger: logger)
            for try await blob in rows.decode(ByteBuffer.self) { return Array(blob.readableBytesView) }
            return nil
        }
        guard let bytes else { throw StorageError(.notFound, "rulebook \(hash) is not stored") }
        return bytes
    }

    @discardableResult
    public func transition(_ id: UInt32, to target: RunPhase, at nowNanos: UInt64) throws -> RunRecord {
        guard target == .running || target == .finished else {
            throw StorageError(.badQuery, "a run becomes \(target.rawValue) only by finalizing it")
        }
        try write("moving run \(id) to \(target.rawValue)") { [logger] connection in
            guard let run = try await Self.lockedRun(id, on: connection, logger: logger) else {
                throw StorageError(.notFound, "there is no run \(id)")
            }
            guard run.state.next == target else {
                throw StorageError(
                    .badQuery,
                    "run \(id) is \(run.state.rawValue); only a \(target == .running ? "PREPARE" : "RUNNING") run can become \(target.rawValue)"
                )
            }
            let at = Int64(bitPattern: nowNanos)
            if target == .running {
                try await connection.query(
                    "UPDATE run SET state = 'RUNNING', started_ns = \(at) WHERE run_id = \(Int64(id))",
                    logger: logger
                )
            } else {
                try await connection.query(
                    "UPDATE run SET state = 'FINISHED', stopped_ns = \(at) WHERE run_id = \(Int64(id))",
                    logger: logger
                )
            }
        }
        return try run(id)
    }

    public func setReview(_ id: UInt32) throws {
        try write("flagging run \(id) for review") { [logger] connection in
            try await connection.query("UPDATE run SET review = true WHERE run_id = \(Int64(id))", logger: logger)
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

    // MARK: Inputs

    static let eventColumns = "event_id, robot_id, sender_id, run_id, ts_ns, message_type, frame, boot_epoch, seq"

    static func eventRow(_ row: PostgresRow) throws -> (event: StoredEvent, bootEpoch: UInt32, sequence: UInt32) {
        let c = try row.decode((Int64, Int64, Int64, Int64?, Int64, Int16, ByteBuffer, Int64, Int64).self)
        let event = StoredEvent(
            eventID: c.0,
            robotID: UInt32(truncatingIfNeeded: c.1),
            senderID: UInt32(truncatingIfNeeded: c.2),
            runID: c.3.map { UInt32(truncatingIfNeeded: $0) },
            timestampNanos: UInt64(bitPattern: c.4),
            messageType: UInt8(truncatingIfNeeded: c.5),
            bytes: Array(c.6.readableBytesView)
        )
        return (event, UInt32(truncatingIfNeeded: c.7), UInt32(truncatingIfNeeded: c.8))
    }

    public func runStateEvents(runID: UInt32) throws -> [StoredEvent] {
        try read("reading the referee events of run \(runID)") { [logger] client in
            var out: [StoredEvent] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.eventColumns) FROM event
                WHERE run_id = \(Int64(runID)) AND message_type = \(Int16(MessageType.runState.rawValue))
                ORDER BY ts_ns, event_id
                """,
                logger: logger
            )
            for try await row in rows { out.append(try Self.eventRow(row).event) }
            return out
        }
    }

    public func eventRows(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool
    ) throws -> [(event: StoredEvent, bootEpoch: UInt32, sequence: UInt32)] {
        let (low, high) = (Int64(bitPattern: from), Int64(bitPattern: min(to, UInt64(Int64.max))))
        let rows = try read("reading events") { [logger] client in
            var out: [(event: StoredEvent, bootEpoch: UInt32, sequence: UInt32)] = []
            let rows = try await client.query(
                "SELECT \(unescaped: Self.eventColumns) FROM event WHERE ts_ns BETWEEN \(low) AND \(high) ORDER BY event_id",
                logger: logger
            )
            for try await row in rows { out.append(try Self.eventRow(row)) }
            return out
        }
        return rows.filter { includes($0.event.senderID) }
    }

    public func forEachFrame(
        from: UInt64,
        to: UInt64,
        senders includes: (UInt32) -> Bool,
        _ body: (UInt32, FrameHeader?, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try postgres.forEachFrame(from: from, to: min(to, UInt64(Int64.max)), robotID: nil) { header, frame in
            guard includes(header.robotID) else { return }
            try body(header.robotID, header, frame)
        }
    }
}
