public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server in a temporary folder, for the tests and `fleet bench`: `initdb`
/// (as the `postgres` user when running as root: the server refuses root), started on a free
/// loopback port with its socket in the folder, stopped and removed by `stop()`.
///
/// `startStandby()` makes a streaming-replication standby of a running one (a second folder,
/// another port), so a test reads from a replica what the primary committed; the helpers in
/// `ThrowawayPostgres+Replication.swift` read WAL positions and wait for a replica to catch up.
public final class ThrowawayPostgres: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let folder: URL
    public let port: Int
    /// The superuser `initdb` made (trust authentication on loopback).
    public let user = "fleet"
    /// The server this one replicates (`startStandby()`), nil for a primary.
    public let primary: ThrowawayPostgres?
    let binaries: URL
    private let stopped = Mutex(false)

    /// The folder with `initdb` and `pg_ctl` of the newest PostgreSQL installed (Debian keeps
    /// them out of PATH), nil when there is none.
    public static var binaryFolder: URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map {
            root.appendingPathComponent("\($0)/bin")
        }.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
    }

    /// Creates the cluster and starts the server; throws with the server's log when it
    /// cannot.
    public static func start() throws -> ThrowawayPostgres {
        guard let binaries = binaryFolder else {
            throw Failure(description: "no PostgreSQL server installed (Debian: apt-get install postgresql-15)")
        }
        var lastError: (any Error)?
        // A free port can be taken between choosing and binding it: try a few.
        for _ in 0..<3 {
            do {
                return try ThrowawayPostgres(binaries: binaries, port: try freePort(), primary: nil)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// A streaming-replication standby of this (running) server: `pg_basebackup -R -X stream`
    /// into a folder of its own, started on another free port as a hot standby (read-only,
    /// replaying what this server commits). `stop()` it before or after this one; it is
    /// removed with its folder.
    public func startStandby() throws -> ThrowawayPostgres {
        var lastError: (any Error)?
        for _ in 0..<3 {
            do {
                return try ThrowawayPostgres(binaries: binaries, port: try Self.freePort(), primary: self)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// `initdb` for a primary; for a standby, a base backup of `primary` that `-R` makes
    /// follow it (`standby.signal` and `primary_conninfo`). A primary's `pg_hba.conf` from
    /// `initdb -A trust` already lets loopback replication connections in, and the defaults
    /// (`wal_level=replica`, `max_wal_senders=10`) stream.
    private init(binaries: URL, port: Int, primary: ThrowawayPostgres?) throws {
        self.binaries = binaries
        self.port = port
        self.primary = primary
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-pg-\(UUID().uuidString)")
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if geteuid() == 0 {
            // The server runs as `postgres`; it needs the folder (and the way to it).
            try Self.run("/bin/chown", ["-R", "postgres:postgres", folder.path])
            try Self.run("/bin/chmod", ["755", folder.path])
        }
        let data = folder.appendingPathComponent("data").path
        do {
            if let primary {
                try runAsServerUser(
                    "pg_basebackup",
                    [
                        "-D", data, "-h", "127.0.0.1", "-p", "\(primary.port)", "-U", user, "-X", "stream", "-R",
                        "--checkpoint=fast", "--no-sync",
                    ]
                )
            } else {
                try runAsServerUser("initdb", ["-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync"])
            }
            try startServer()
        } catch {
            let log = (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: folder)
            throw Failure(description: "\(error)\n\(log.suffix(2000))")
        }
    }

    /// Creates an empty database and returns its address.
    public func createDatabase(
        _ name: String = "fleet_\(UUID().uuidString.prefix(8).lowercased())"
    ) throws
        -> PostgresLocation
    {
        try runAsServerUser("createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, name])
        return PostgresLocation(host: "127.0.0.1", port: port, user: user, database: name)
    }

    /// `postgres://fleet@127.0.0.1:PORT/NAME`.
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Runs one of the server's programs (`psql`, `pg_basebackup`, …) as the server's user;
    /// returns what it printed (standard output and error).
    @discardableResult
    public func runAsServerUser(_ program: String, _ arguments: [String]) throws -> String {
        let path = binaries.appendingPathComponent(program).path
        if geteuid() == 0 {
            return try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            return try Self.run(path, arguments)
        }
    }

    private func startServer() throws {
        var options = "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c max_connections=200"
        if primary != nil {
            // Named in the primary's pg_stat_replication; feedback keeps the primary's vacuum
            // from removing rows a standby query still reads (no query cancelled by replay).
            options += " -c cluster_name=standby-\(port) -c hot_standby_feedback=on"
        }
        try runAsServerUser(
            "pg_ctl",
            [
                "-D", folder.appendingPathComponent("data").path, "-l",
                folder.appendingPathComponent("server.log").path,
                "-w", "-t", "60", "-o", options, "start",
            ]
        )
    }

    /// Stops the server and keeps its data (an outage); `resume()` starts it again on the
    /// same port.
    public func pause() throws {
        try runAsServerUser("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "fast", "-w", "stop"])
    }

    /// Starts a paused server again, its data as it was.
    public func resume() throws { try startServer() }

    /// Stops the server (fast: open sessions are ended) and removes its folder.
    public func stop() {
        guard
            stopped.withLock({ was in
                defer { was = true }
                return !was
            })
        else { return }
        try? runAsServerUser("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "fast", "-w", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }

    /// Runs a program to its end with posix_spawn and waitpid (Foundation's `Process` did not
    /// notice `pg_ctl start` ending here: the server it leaves behind holds the descendants'
    /// process group); output goes to a file, returned, and shown when the program fails.
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fleet-pg-out-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "could not start \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard exited && code == 0 else {
            throw Failure(
                description:
                    "\(URL(fileURLWithPath: path).lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(status)): \(text.suffix(1500))"
            )
        }
        return text
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
