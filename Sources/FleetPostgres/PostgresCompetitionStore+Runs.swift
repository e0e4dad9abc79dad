public import FleetProtocol
public import FleetStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Runs on the central PostgreSQL: creation (with the rulebook and arena files under their
/// hashes), reads, and the lifecycle moves, each in one transaction that locks the run's row.
extension PostgresCompetitionStore {
    // MARK: Runs

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
            if let arena {
                try await Self.insertArena(arena, at: nowNanos, on: connection, logger: logger)
            }
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
                INSERT INTO run (run_id, name, division, seed, state, window_source, rulebook_hash, created_ns,
                                 arena_hash)
                VALUES (\(id), \(name), \(division), \(Int64(bitPattern: seed)), 'PREPARE', \(window.rawValue),
                        \(hash), \(Int64(bitPattern: nowNanos)), \(arena?.hash))
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
        finalized_ns, review, arena_hash
        """

    static func runRecord(_ row: PostgresRow) throws -> RunRecord {
        let c = try row.decode(
            (Int64, String, String, Int64, String, String, String, Int64, Int64?, Int64?, Int64?, Bool, String?).self
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
            review: c.11,
            arenaHash: c.12
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

    public func arenaBytes(hash: String) throws -> [UInt8] {
        let bytes = try read("reading arena \(hash)") { [logger] client -> [UInt8]? in
            let rows = try await client.query("SELECT bytes FROM arena WHERE hash = \(hash)", logger: logger)
            for try await blob in rows.decode(ByteBuffer.self) { return Array(blob.readableBytesView) }
            return nil
        }
        guard let bytes else { throw StorageError(.notFound, "arena \(hash) is not stored") }
        return bytes
    }

    /// Stores an arena file under its hash (once: the same file for several runs is one row).
    static func insertArena(
        _ arena: (hash: String, bytes: [UInt8]),
        at nowNanos: UInt64,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO arena (hash, bytes, added_ns)
            VALUES (\(arena.hash), \(ByteBuffer(bytes: arena.bytes)), \(Int64(bitPattern: nowNanos)))
            ON CONFLICT (hash) DO NOTHING
            """,
            logger: logger
        )
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
}
