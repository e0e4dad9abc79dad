public import FleetStore
import Foundation

/// Where a PostgreSQL database is: what `--store postgres://USER[:PASSWORD]@HOST[:PORT]/DB`
/// names. `?host=/run/postgresql` connects over the Unix socket in that folder instead of
/// TCP; `?sslmode=require` asks for TLS (the default, `disable`, suits loopback and private
/// networks). The password can also come from `PGPASSWORD`, so it stays out of `ps`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    /// A folder holding PostgreSQL's Unix socket (`.s.PGSQL.PORT`); when set, `host` is
    /// ignored.
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(
        host: String = "127.0.0.1",
        port: Int = 5432,
        socketFolder: String? = nil,
        user: String,
        password: String? = nil,
        database: String,
        tls: TLSMode = .disable
    ) {
        self.host = host
        self.port = port
        self.socketFolder = socketFolder
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?host=FOLDER&sslmode=MODE]`; throws
    /// a `badQuery` error that names the part that is wrong.
    public init(url text: String, environment: [String: String]? = nil) throws {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw StorageError(.badQuery, "'\(text)' is not a postgres://USER@HOST:PORT/DB address")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StorageError(.badQuery, "\(Self.redacted(text)): no user (postgres://USER@HOST:PORT/DB)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StorageError(.badQuery, "\(Self.redacted(text)): no database name (postgres://USER@HOST:PORT/DB)")
        }
        var tls = TLSMode.disable
        var socketFolder: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StorageError(
                        .badQuery,
                        "\(Self.redacted(text)): sslmode must be disable, prefer or require, got \(item.value ?? "nothing")"
                    )
                }
                tls = mode
            case "host":
                guard let folder = item.value, folder.hasPrefix("/") else {
                    throw StorageError(.badQuery, "\(Self.redacted(text)): host= must be a socket folder (/…)")
                }
                socketFolder = folder
            default:
                throw StorageError(
                    .badQuery,
                    "\(Self.redacted(text)): unknown parameter '\(item.name)' (known: host, sslmode)"
                )
            }
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw StorageError(.badQuery, "\(Self.redacted(text)): port \(port) is not 1...65535")
        }
        self.init(
            host: components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: port,
            socketFolder: socketFolder,
            user: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding ?? environment["PGPASSWORD"],
            database: database.removingPercentEncoding ?? database,
            tls: tls
        )
    }

    /// The address without its password, for logs and errors.
    public var description: String {
        let place = socketFolder.map { "\(host):\(port)?host=\($0)" } ?? "\(host):\(port)"
        return "postgres://\(user)@\(place)/\(database)"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
