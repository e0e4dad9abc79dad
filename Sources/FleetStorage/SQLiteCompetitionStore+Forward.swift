public import FleetStore
import Foundation
import GRDB

/// What `fleet forward` reads of a site's competition records: a version of each run that
/// changes whenever anything stored about it does, and the run's rows as they are.
extension SQLiteCompetitionStore {
    /// Run id → its version: the state, review flag and times, the referee actions, the
    /// board, the results and the signed record, as far as they tell a change.
    public func runVersions() throws -> [UInt32: String] {
        try database.read { db in
            var versions: [UInt32: String] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.run_id,
                        r.state || '|' || r.review || '|' || coalesce(r.started_ns, '') || '|'
                        || coalesce(r.stopped_ns, '') || '|' || coalesce(r.finalized_ns, '') || '|'
                        || (SELECT count(*) || ':' || coalesce(max(action_id), 0) FROM referee_action a
                            WHERE a.run_id = r.run_id) || '|'
                        || coalesce((SELECT at_ns || ':' || snapshots FROM provisional_score p
                            WHERE p.run_id = r.run_id), '') || '|'
                        || coalesce((SELECT group_concat(source || ':' || stored_ns || ':' || own_count, ',')
                            FROM run_result s WHERE s.run_id = r.run_id), '') || '|'
                        || coalesce((SELECT signed_ns FROM final_result f WHERE f.run_id = r.run_id), '')
                    FROM run r ORDER BY r.run_id
                    """
            )
            for row in rows { versions[UInt32(truncatingIfNeeded: row[0] as Int64)] = row[1] }
            return versions
        }
    }

    /// Everything stored about run `id`, in one read transaction (a consistent copy).
    public func runCopy(_ id: UInt32) throws -> RunCopy {
        let versions = try runVersions()
        return try database.read { db in
            guard let run = try Self.fetchRuns(db, where: "run_id = ?", [Int64(id)]).first else {
                throw StorageError(.notFound, "there is no run \(id)")
            }
            var copy = RunCopy(run: run, version: versions[id] ?? "")
            let key: [any DatabaseValueConvertible] = [Int64(id)]
            copy.entries = try Self.fetchEntries(db, runID: id)
            if let rulebook = try Row.fetchOne(
                db,
                sql: "SELECT rulebook_id, bytes FROM rulebook WHERE hash = ?",
                arguments: [run.rulebookHash]
            ) {
                copy.rulebookID = rulebook[0]
                copy.rulebookBytes = [UInt8](rulebook[1] as Data)
            }
            if let hash = run.arenaHash {
                copy.arenaBytes = try Data.fetchOne(
                    db,
                    sql: "SELECT bytes FROM arena WHERE hash = ?",
                    arguments: [hash]
                )
                .map { [UInt8]($0) }
            }
            copy.actions = try Self.fetchActions(db, runID: id)
            if let board = try Row.fetchOne(
                db,
                sql: "SELECT at_ns, watermark_ns, summary, snapshots FROM provisional_score WHERE run_id = ?",
                arguments: StatementArguments(key)
            ) {
                copy.provisional = ProvisionalScoreRecord(
                    runID: id,
                    atNanos: UInt64(bitPattern: board[0]),
                    watermarkNanos: (board[1] as Int64?).map { UInt64(bitPattern: $0) },
                    summary: board[2]
                )
                copy.provisionalSnapshots = board[3]
            }
            copy.results = try Row.fetchAll(
                db,
                sql: """
                    SELECT source, summary, shared, own_first, own_count, stored_ns FROM run_result
                    WHERE run_id = ? ORDER BY source
                    """,
                arguments: StatementArguments(key)
            ).map {
                RunCopy.ResultRow(
                    source: RunResultWrite.Source(rawValue: $0[0]) ?? .live,
                    summary: $0[1],
                    shared: $0[2],
                    ownFirst: $0[3],
                    ownCount: $0[4],
                    storedNanos: UInt64(bitPattern: $0[5])
                )
            }
            copy.eventPages = try Row.fetchAll(
                db,
                sql: "SELECT first_ordinal, count, page FROM score_event WHERE run_id = ? ORDER BY first_ordinal",
                arguments: StatementArguments(key)
            ).map { RunCopy.EventPage(firstOrdinal: $0[0], count: $0[1], page: [UInt8]($0[2] as Data)) }
            copy.final = try Self.fetchFinal(db, runID: id)
            copy.chains = try Self.fetchChains(db, runID: id)
            return copy
        }
    }
}
