import ArgumentParser
import FleetCompetition
import FleetPostgres
import FleetScoring
import FleetStorage
import FleetStore
import Foundation
import Logging

/// The database (and service key) every competition command works on.
struct CompetitionOptions: ParsableArguments {
    @Option(help: "SQLite database file.")
    var db = "fleet.db"

    @Option(
        help: ArgumentHelp(
            "A central PostgreSQL instead of --db: postgres://USER@HOST:PORT/DB (a standby for reading).",
            valueName: "url"
        )
    )
    var store: String?

    /// Opens the database. `writing`: the command writes, so it creates and migrates the
    /// database if needed, takes its writer lease for the rest of the process and is
    /// refused while `fleet ingest` (or another writer) runs on the same file. Otherwise it
    /// opens read-only (`FleetDatabase.forReading`), so it reads a copy this user cannot write.
    ///
    /// With `--store`, the central PostgreSQL: a command that writes migrates its schema
    /// first; one that reads opens it read-only (a streaming-replication standby works).
    func store(mustExist: Bool = true, writing: Bool = false) throws -> any CompetitionStore {
        if let store {
            let postgres = try PostgresStore.open(
                location: try StoreOption.location(store),
                readOnly: !writing,
                logger: makeLogger(label: "fleet.store", level: .warning)
            )
            return PostgresCompetitionStore(postgres)
        }
        if mustExist && !FileManager.default.fileExists(atPath: db) {
            throw ValidationError("no database at \(db): run `fleet ingest` or `fleet team add` first, or pass --db")
        }
        if writing {
            try WriterLease.acquire(
                forDatabase: db,
                holder: "fleet \(CommandLine.arguments.dropFirst().prefix(2).joined(separator: " "))"
            )
            .holdUntilExit()
            return SQLiteCompetitionStore(database: try FleetDatabase(path: db))
        }
        return SQLiteCompetitionStore(database: try FleetDatabase.forReading(path: db))
    }

    /// The SQLite database at `db`, read-only (`FleetDatabase.forReading`); refused when
    /// there is none. What a reading command opens without `--store`.
    static func readingStore(db: String) throws -> any CompetitionStore {
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no database at \(db): run `fleet ingest` or `fleet team add` first, or pass --db")
        }
        return SQLiteCompetitionStore(database: try FleetDatabase.forReading(path: db))
    }

    /// The competition records and the stored telemetry of the same database, for a reader
    /// of both (the HTTP API of `fleet serve`).
    func stores(writing: Bool) throws -> (competition: any CompetitionStore, telemetry: any TelemetryQueries) {
        let competition = try store(writing: writing)
        switch competition {
        case let sqlite as SQLiteCompetitionStore: return (sqlite, sqlite.database)
        case let postgres as PostgresCompetitionStore: return (postgres, postgres.postgres)
        default: throw ValidationError("\(type(of: competition)) holds no telemetry")
        }
    }

    /// The key FINAL results must be signed with: `--public-key`, else the service key's
    /// `.pub` (or the key) next to the database; nil when there is none.
    func anchor(publicKey: String?) throws -> TrustAnchor? {
        try TrustAnchor.resolve(given: publicKey, keyPath: ServiceKey.defaultPath(forDatabase: db))
    }
}
