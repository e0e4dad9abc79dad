public import FleetPostgres
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One real PostgreSQL server per test process (Debian's postgresql-15, `initdb` in a
/// temporary folder, see `ThrowawayPostgres`), started by the first test that asks and
/// stopped when the process exits; every test gets a database of its own.
///
/// Where no server is installed the PostgreSQL tests are skipped on a developer's machine
/// and fail under `.ci/run` (`ExternalTool.requiredByCI`).
public enum PostgresFixture {
    /// Whether the PostgreSQL tests run: a server is installed, or CI requires one.
    public static var enabled: Bool { ThrowawayPostgres.binaryFolder != nil || ExternalTool.requiredByCI }

    private static let server: Mutex<Result<ThrowawayPostgres, Failure>?> = Mutex(nil)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The shared server, started on first use.
    public static func shared() throws -> ThrowawayPostgres {
        try server.withLock { server in
            if server == nil {
                do {
                    server = .success(try ThrowawayPostgres.start())
                    atexit { PostgresFixture.stopAtExit() }
                } catch {
                    server = .failure(Failure(description: "could not start PostgreSQL: \(error)"))
                }
            }
            return try server!.get()
        }
    }

    /// A fresh, empty database on the shared server.
    public static func database() throws -> PostgresLocation {
        try shared().createDatabase()
    }

    private static func stopAtExit() {
        if case .success(let postgres) = server.withLock({ $0 }) { postgres.stop() }
    }
}
