public import FleetStore
import Foundation
public import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The storage boundary on a PostgreSQL server: what `fleet ingest --store postgres://…`
/// writes through, so that several ingesters (one per arena or district) and site
/// forwarders fill one central database. The SQLite file stays the embedded default.
///
/// One `PostgresClient` per store, run for the store's lifetime; every statement binds its
/// parameters. Batches go in as one transaction of multi-row `INSERT … SELECT FROM
/// unnest($1, $2, …)` statements (one round trip a table, binary parameters), and
/// `commit(_:at:)` returns once PostgreSQL has confirmed the commit (synchronous commit, the
/// server default), so reliable-mode acknowledgements follow durable rows.
///
/// Calls block (the `IngestStore` contract): make them from a dedicated thread (the writer)
/// or a command's main thread, never from a task on the cooperative pool.
public final class PostgresStore: Sendable, CustomStringConvertible {
    public let location: PostgresLocation
    /// Names this process's rows where ingesters keep their own (segments, counters,
    /// ledgers): two ingesters writing one database must use different names.
    public let ingesterID: String
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    /// Day partitions known to exist, by partition name.
    let partitions = Mutex<Set<String>>([])
    /// When the partitions ahead were last checked (ns).
    let partitionsCheckedNanos = Atomic<UInt64>(0)
    /// Holds this ingester's name on a connection of its own (`holdIngesterName`).
    let nameHolder = Mutex<Task<Void, Never>?>(nil)

    /// Connects, waits until the server answers, and applies the migrations that are missing
    /// (under an advisory lock, so ingesters starting at once apply each exactly once). For
    /// async callers: nothing blocks.
    ///
    /// `readOnly` opens for reading (queries, the API; a streaming-replication standby
    /// included): nothing is created or written, and a database without the fleet schema,
    /// or with migrations this program does not know, is refused in one line. A writer
    /// (`readOnly` false) pointed at a standby is refused in one line (`readOnly` code) that
    /// says so, before anything is tried: the standby would fail its first write.
    public static func connect(
        location: PostgresLocation,
        ingesterID: String = "default",
        readOnly: Bool = false,
        connectTimeout: Duration = .seconds(15),
        logger: Logger
    ) async throws -> PostgresStore {
        guard !ingesterID.isEmpty, ingesterID.utf8.count <= 200 else {
            throw StorageError(.badQuery, "ingester id must be 1...200 bytes, got '\(ingesterID)'")
        }
        let store = PostgresStore(location: location, ingesterID: ingesterID, logger: logger)
        do {
            // The client retries a refused connection forever; a store that cannot open says so.
            // The deadline is for the server's first answer only: migrations wait for another
            // ingester's (an advisory lock) as long as they take.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await store.client.query("SELECT 1", logger: store.logger).collect()
                }
                group.addTask {
                    try await Task.sleep(for: connectTimeout)
                    throw StorageError(
                        .badQuery,
                        "opening \(location): no answer within \(connectTimeout) (is the server running and the address right?)"
                    )
                }
                try await group.next()
                group.cancelAll()
            }
            let standby = try await store.inRecovery()
            if readOnly {
                try await store.checkSchema(standby: standby)
            } else if standby {
                throw StorageError(
                    .readOnly,
                    "\(location) is a read-only standby (streaming replication): point writers at its primary; readers (fleet query, serve, standings) can use the standby"
                )
            } else {
                try await store.migrate()
                try await store.createPartitions(days: store.daysAhead(at: UInt64(Date().timeIntervalSince1970 * 1e9)))
            }
        } catch {
            store.close()
            let described = Self.describe(error, doing: "opening \(location)")
            throw StorageError(described.code, described.message.replacingOccurrences(of: "\n", with: " "))
        }
        return store
    }

    /// `connect` for a caller on its own thread (a command's main thread): blocks until the
    /// store is ready.
    public static func open(
        location: PostgresLocation,
        ingesterID: String = "default",
        readOnly: Bool = false,
        logger: Logger
    ) throws -> PostgresStore {
        try blockingAwait {
            try await connect(location: location, ingesterID: ingesterID, readOnly: readOnly, logger: logger)
        }
    }

    private init(location: PostgresLocation, ingesterID: String, logger: Logger) {
        self.location = location
        self.ingesterID = ingesterID
        self.logger = logger
        var configuration: PostgresClient.Configuration
        if let folder = location.socketFolder {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(folder)/.s.PGSQL.\(location.port)",
                username: location.user,
                password: location.password,
                database: location.database
            )
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            configuration = PostgresClient.Configuration(
                host: location.host,
                port: location.port,
                username: location.user,
                password: location.password,
                database: location.database,
                tls: tls
            )
        }
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 8
        // The pool reports every failed connection attempt at info, closing included (a store
        // refused at open is closed while a connection is still being made); the store's
        // callers say what failed in a line of their own, so the pool's reports show from
        // debug on.
        var background = logger
        if background.logLevel > .debug { background.logLevel = max(background.logLevel, .notice) }
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        // On the store's own threads: callers that block the cooperative pool (a synchronous
        // caller waiting in `blockingAwait`) must not starve the client they wait for.
        self.running = Task(executorPreference: BlockingExecutor.shared) { await client.run() }
    }

    deinit {
        nameHolder.withLock { $0?.cancel() }
        running.cancel()
    }

    /// The address without its password, and this ingester's name.
    public var description: String { "\(location) (ingester \(ingesterID))" }

    /// Closes the connections (the store cannot be used after).
    public func close() {
        nameHolder.withLock { $0?.cancel() }
        running.cancel()
    }

    /// The names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try blockingAwait { [client, logger] in
            var names: [String] = []
            let rows = try await client.query("SELECT name FROM fleet_migration ORDER BY applied_order", logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }

    /// Whether the server is a streaming-replication standby (`pg_is_in_recovery()`): it
    /// answers reads and refuses every write.
    public func isStandby() throws -> Bool {
        try blockingAwait { [self] in try await inRecovery() }
    }

    private func inRecovery() async throws -> Bool {
        var recovering = false
        for try await value in try await client.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) {
            recovering = value
        }
        return recovering
    }

    /// For a reader: the fleet schema is there, and written by this version or an older one.
    private func checkSchema(standby: Bool) async throws {
        let rows = try await client.query(
            "SELECT to_regclass('fleet_migration') IS NOT NULL",
            logger: logger
        )
        var present = false
        for try await exists in rows.decode(Bool.self) { present = exists }
        guard present else {
            throw StorageError(
                .notFound,
                standby
                    ? "\(location) holds no fleet data (no fleet schema) on this standby: is it a replica of the database `fleet ingest --store` writes, caught up?"
                    : "\(location) holds no fleet data (no fleet schema): point --store at the database `fleet ingest --store` writes"
            )
        }
        let known = Set(PostgresSchema.migrations.map(\.name))
        let applied = try await client.query("SELECT name FROM fleet_migration", logger: logger)
        for try await name in applied.decode(String.self) where !known.contains(name) {
            throw StorageError(
                .badQuery,
                "the database has migration '\(name)' this program does not know: it was written by a newer version"
            )
        }
    }

    private func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            // One migrating process at a time; the others wait, then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS fleet_migration (
                    name text PRIMARY KEY,
                    applied_order integer NOT NULL,
                    applied_ns bigint NOT NULL
                )
                """,
                logger: logger
            )
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM fleet_migration", logger: logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            let known = Set(PostgresSchema.migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StorageError(
                    .incompatibleDatabase,
                    "the database has migration '\(unknown)' this program does not know: it was written by a newer version"
                )
            }
            for (order, migration) in PostgresSchema.migrations.enumerated() where !applied.contains(migration.name) {
                // One statement at a time: the extended protocol takes one per query.
                for statement in PostgresSchema.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let now = Int64(Date().timeIntervalSince1970 * 1e9)
                try await connection.query(
                    "INSERT INTO fleet_migration (name, applied_order, applied_ns) VALUES (\(migration.name), \(order), \(now))",
                    logger: logger
                )
            }
        }
    }

    /// Advisory lock keys (any 64-bit numbers no other program on the server uses).
    static let migrationLock: Int64 = 0x466C_6565_744D_6967  // "FleetMig"
    static let partitionLock: Int64 = 0x466C_6565_7450_6172  // "FleetPar"
    /// With `hashtext(ingester)`: the two-key lock an ingester holds on its name.
    static let ingesterNameLock: Int32 = 0x466C_6E6D  // "Flnm"

    /// A storage error that says what the store was doing and what PostgreSQL answered
    /// (postgres-nio's errors hide the server's message from `description`).
    static func describe(_ error: any Error, doing what: String) -> StorageError {
        if let error = error as? StorageError { return error }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError {
                return describe(inner, doing: what)
            }
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState] ?? "?"
                return StorageError(.badQuery, "\(what): PostgreSQL says \(message) (SQLSTATE \(code))", cause: error)
            }
            return StorageError(.badQuery, "\(what): \(error.code)", cause: error)
        }
        return StorageError(.badQuery, "\(what): \(error)")
    }
}
