public import FleetStore
import Logging
import NIOCore
import PostgresNIO

/// A site's runs in the central database (`fleet forward`): each copied as the site holds it,
/// whole, in one transaction, again whenever its version at the site changes; the site's run
/// and action ids are kept (the frames and the signed result name them).
extension PostgresCompetitionStore {
    /// Run id → the version last copied, of the runs forwarded from `site`.
    public func forwardedRunVersions(site: String) throws -> [UInt32: String] {
        try read("reading the runs of site \(site)") { [logger] client in
            var versions: [UInt32: String] = [:]
            let rows = try await client.query(
                "SELECT run_id, coalesce(site_version, '') FROM run WHERE site = \(site)",
                logger: logger
            )
            for try await (id, version) in rows.decode((Int64, String).self) {
                versions[UInt32(truncatingIfNeeded: id)] = version
            }
            return versions
        }
    }

    /// Puts the site's run in the central database as it is, replacing what an earlier copy
    /// of it left. Refuses a run id the central database holds from elsewhere (created here
    /// or forwarded from another site): sites must number their runs apart.
    public func storeForwarded(_ copy: RunCopy, site: String, at nowNanos: UInt64) throws {
        let id = Int64(copy.run.id)
        try write("copying run \(copy.run.id) of site \(site)") { [logger] connection in
            var exists = false
            for try await owner in try await connection.query(
                "SELECT site FROM run WHERE run_id = \(id) FOR UPDATE",
                logger: logger
            ).decode((String?).self) {
                exists = true
                guard owner == site else {
                    throw StorageError(
                        .conflict,
                        "run \(id) of site \(site) is not copied: the central database has a run \(id) "
                            + (owner.map { "from site \($0)" } ?? "created there")
                            + "; give each site its own run ids (fleet run create --id)"
                    )
                }
            }
            try await connection.query(
                """
                INSERT INTO rulebook (hash, rulebook_id, bytes, added_ns)
                VALUES (\(copy.run.rulebookHash), \(copy.rulebookID), \(ByteBuffer(bytes: copy.rulebookBytes)),
                        \(Int64(bitPattern: nowNanos)))
                ON CONFLICT (hash) DO NOTHING
                """,
                logger: logger
            )
            if let hash = copy.run.arenaHash, let bytes = copy.arenaBytes {
                try await Self.insertArena((hash, bytes), at: nowNanos, on: connection, logger: logger)
            }
            if exists {
                for table in ["chain_head", "final_result", "score_event", "run_result", "provisional_score"] {
                    try await connection.query("DELETE FROM \(unescaped: table) WHERE run_id = \(id)", logger: logger)
                }
                try await connection.query("DELETE FROM referee_action WHERE run_id = \(id)", logger: logger)
                try await connection.query("DELETE FROM run_entry WHERE run_id = \(id)", logger: logger)
            }
            try await Self.upsertRun(copy, site: site, on: connection, logger: logger)
            try await Self.insertRows(of: copy, on: connection, logger: logger)
        }
    }

    static func upsertRun(_ copy: RunCopy, site: String, on connection: PostgresConnection, logger: Logger) async throws
    {
        let r = copy.run
        let optional: (UInt64?) -> Int64? = { $0.map { Int64(bitPattern: $0) } }
        try await connection.query(
            """
            INSERT INTO run (run_id, name, division, seed, state, window_source, rulebook_hash, created_ns,
                             started_ns, stopped_ns, finalized_ns, review, site, site_version, arena_hash)
            VALUES (\(Int64(r.id)), \(r.name), \(r.division), \(Int64(bitPattern: r.seed)), \(r.state.rawValue),
                    \(r.window.rawValue), \(r.rulebookHash), \(Int64(bitPattern: r.createdNanos)),
                    \(optional(r.startedNanos)), \(optional(r.stoppedNanos)), \(optional(r.finalizedNanos)),
                    \(r.review), \(site), \(copy.version), \(r.arenaHash))
            ON CONFLICT (run_id) DO UPDATE SET
                name = excluded.name, division = excluded.division, seed = excluded.seed, state = excluded.state,
                window_source = excluded.window_source, rulebook_hash = excluded.rulebook_hash,
                created_ns = excluded.created_ns, started_ns = excluded.started_ns, stopped_ns = excluded.stopped_ns,
                finalized_ns = excluded.finalized_ns, review = excluded.review, site_version = excluded.site_version,
                arena_hash = excluded.arena_hash
            """,
            logger: logger
        )
    }

    /// The run's entries, actions, board, results, event pages, signed record and chains.
    static func insertRows(of copy: RunCopy, on connection: PostgresConnection, logger: Logger) async throws {
        let id = Int64(copy.run.id)
        for entry in copy.entries {
            try await connection.query(
                """
                INSERT INTO run_entry (run_id, robot_id, team, name, kind, brush_width)
                VALUES (\(id), \(Int64(entry.robotID)), \(entry.team), \(entry.name), \(entry.kind), \(entry.brushWidth))
                """,
                logger: logger
            )
        }
        for a in copy.actions {
            try await connection.query(
                """
                INSERT INTO referee_action
                    (run_id, action_id, kind, team, robot_id, value, target_action_id, referee, reason, at_ns)
                VALUES (\(id), \(a.id), \(a.kind.rawValue), \(a.team), \(a.robotID.map { Int64($0) }), \(a.value),
                        \(a.target), \(a.by), \(a.reason), \(Int64(bitPattern: a.atNanos)))
                """,
                logger: logger
            )
        }
        if let board = copy.provisional {
            try await connection.query(
                """
                INSERT INTO provisional_score (run_id, at_ns, watermark_ns, summary, snapshots)
                VALUES (\(id), \(Int64(bitPattern: board.atNanos)), \(board.watermarkNanos.map { Int64(bitPattern: $0) }),
                        \(board.summary), \(copy.provisionalSnapshots))
                """,
                logger: logger
            )
        }
        for r in copy.results {
            try await connection.query(
                """
                INSERT INTO run_result (run_id, source, summary, shared, own_first, own_count, stored_ns)
                VALUES (\(id), \(r.source.rawValue), \(r.summary), \(r.shared), \(r.ownFirst), \(r.ownCount),
                        \(Int64(bitPattern: r.storedNanos)))
                """,
                logger: logger
            )
        }
        if !copy.eventPages.isEmpty {
            try await connection.query(
                """
                INSERT INTO score_event (run_id, first_ordinal, count, page)
                SELECT \(id), * FROM unnest(\(copy.eventPages.map(\.firstOrdinal))::int8[],
                    \(copy.eventPages.map(\.count))::int8[], \(copy.eventPages.map { ByteBuffer(bytes: $0.page) })::bytea[])
                """,
                logger: logger
            )
        }
        if let final = copy.final {
            try await insertFinal(final, chains: copy.chains, on: connection, logger: logger)
        }
    }
}

extension PostgresCompetitionStore {
    /// Registers a site's teams and robots where the central database has no registration for
    /// them yet (a robot registered to another team here keeps it: one line each says so).
    public func storeForwardedTeams(_ robots: [RegisteredRobot], at nowNanos: UInt64) throws -> [String] {
        try write("copying teams") { [logger] connection in
            var conflicts: [String] = []
            for robot in robots {
                try await connection.query(
                    """
                    INSERT INTO team (name, created_ns) VALUES (\(robot.team), \(Int64(bitPattern: nowNanos)))
                    ON CONFLICT (name) DO NOTHING
                    """,
                    logger: logger
                )
                let rows = try await connection.query(
                    """
                    INSERT INTO team_robot (robot_id, team_id, name, kind, brush_width)
                    SELECT \(Int64(robot.robotID)), team_id, \(robot.name), \(robot.kind), \(robot.brushWidth)
                    FROM team WHERE name = \(robot.team)
                    ON CONFLICT (robot_id) DO NOTHING
                    RETURNING robot_id
                    """,
                    logger: logger
                )
                var inserted = false
                for try await _ in rows { inserted = true }
                guard !inserted else { continue }
                let existing = try await connection.query(
                    """
                    SELECT t.name FROM team_robot r JOIN team t USING (team_id)
                    WHERE r.robot_id = \(Int64(robot.robotID))
                    """,
                    logger: logger
                )
                for try await team in existing.decode(String.self) where team != robot.team {
                    conflicts.append(
                        "robot \(robot.robotID) is registered to team \(team) on the central database, "
                            + "to \(robot.team) at the site; the central registration is kept"
                    )
                }
            }
            return conflicts
        }
    }
}
