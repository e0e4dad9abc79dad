import FleetPostgres
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Testing

/// The storage backends one suite runs against: the embedded SQLite file and a real
/// PostgreSQL server (`PostgresFixture`).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The backends to test: PostgreSQL only where a server can run (always under CI).
    static var available: [Backend] { PostgresFixture.enabled ? allCases : [.sqlite] }

    /// A new, empty store of this kind, which `Place.open()` opens again (a restart).
    func makePlace() throws -> Place {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backend-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return .sqlite(folder: folder)
        case .postgres:
            return .postgres(try PostgresFixture.database())
        }
    }
}

/// Where a test's store lives, so it can be opened, closed and opened again.
enum Place: Sendable {
    case sqlite(folder: URL)
    case postgres(PostgresLocation)

    static let logger = Logger(label: "backend-test")

    var path: String {
        switch self {
        case .sqlite(let folder): folder.appendingPathComponent("fleet.db").path
        case .postgres: "unused.db"
        }
    }

    /// Opens the store (each call a new connection or pool: a restart).
    func open(ingesterID: String = "default") throws -> any IngestStore & TelemetryReader {
        switch self {
        case .sqlite: try FleetDatabase(path: path)
        case .postgres(let location):
            try PostgresStore.open(location: location, ingesterID: ingesterID, logger: Self.logger)
        }
    }

    /// For `IngestService.Configuration.store`: nil for SQLite (the service opens the file).
    func ingestStore(ingesterID: String = "default") throws -> (any IngestStore)? {
        switch self {
        case .sqlite: nil
        case .postgres: try open(ingesterID: ingesterID)
        }
    }

    func remove() {
        if case .sqlite(let folder) = self { try? FileManager.default.removeItem(at: folder) }
    }
}
