import ArgumentParser
import FleetPostgres
import FleetStore

/// `--store postgres://USER@HOST:PORT/DB`: a central PostgreSQL instead of the SQLite file.
enum StoreOption {
    /// The parsed address, or a one-line error that says what was wrong with it.
    static func location(_ text: String, option: String = "--store") throws -> PostgresLocation {
        guard PostgresLocation.isURL(text) else {
            throw ValidationError(
                "\(option) must be postgres://USER@HOST:PORT/DB (a SQLite file goes in --db), got '\(text)'"
            )
        }
        do { return try PostgresLocation(url: text) } catch let error as StorageError {
            throw ValidationError("\(option): \(error.message)")
        }
    }
}
