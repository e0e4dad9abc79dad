public import FleetStore
import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// Reading a database this process cannot write (a read-only mount, a read-only copy in a
/// read-only folder), and refusing to write one in a single line.
///
/// SQLite 3.40 opens a WAL database read-only only through the `-shm` index beside it,
/// creating the file if it is missing. Where it cannot be created, every query fails
/// ("attempt to write a readonly database" on a cleanly closed file, "unable to open
/// database file" on a copy with its `-wal`). The way around is SQLite's `immutable=1`,
/// which promises SQLite the file cannot change and reads it without locks, `-shm` or
/// `-wal`. Ignoring the WAL is right only when it commits nothing the file lacks, so the
/// WAL is read first (`WriteAheadLog`); when it holds committed changes, opening is
/// refused in one line that says how to read them.
///
/// `immutable` is safe only on a file nobody writes. It is chosen only when SQLite cannot
/// open the file normally: the `-shm` is missing and cannot be created (a writer in WAL
/// mode always has one, so none is writing), or this user may not open it (a writer's
/// `-shm` takes the database file's permissions, so that is a copy made with other ones).
/// GRDB opens paths without `SQLITE_OPEN_URI`; the URI is understood because the SQLite
/// builds this runs on are compiled with `SQLITE_USE_URI` (Debian's: `PRAGMA
/// compile_options`). Where one is not, the URI fails to open ("unable to open database
/// file") rather than reading anything else.
extension FleetDatabase {
    /// Opens an existing database for a command that only reads: read-only, so it works on a
    /// file this user cannot write. A database an older version wrote (migrations missing)
    /// is opened for writing and migrated instead when this user can write it, as every
    /// command did before; when it cannot, the read-only refusal stands.
    public static func forReading(path: String) throws -> FleetDatabase {
        do {
            return try FleetDatabase(path: path, readOnly: true)
        } catch let error as StorageError where error.code == .incompatibleDatabase {
            guard writeProblem(path) == nil else { throw error }
            return try FleetDatabase(path: path)
        }
    }

    /// What a read-only connection opens: `path` itself, or, when SQLite cannot read it that
    /// way for want of a `-shm` file, `path` as an `immutable=1` URI if the WAL beside it
    /// (if any) commits nothing the file lacks. Throws `readOnly` in one line otherwise.
    static func readOnlyLocation(for path: String) throws -> String {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let probe = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? probe.close() }
            _ = try probe.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return path
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
        {
            guard access(path, R_OK) == 0 else {
                throw StorageError(.fileSystem, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let journal = (try? FileManager.default.attributesOfItem(atPath: path + "-journal")[.size] as? Int) ?? 0
            if journal > 0 {
                throw StorageError(
                    .readOnly,
                    "\(path) has a rollback journal (\(name)-journal) from an interrupted write, which only a user who can write the folder can roll back; open it once as such a user, or copy \(name) and \(name)-journal together into a folder you can write and query the copy"
                )
            }
            let logPath = path + "-wal"
            let log = try WriteAheadLog.read(path: logPath)
            if try log.changes(databaseAt: path, log: logPath) {
                throw StorageError(
                    .readOnly,
                    "\(path) has a write-ahead log (\(name)-wal, \(log.commits) committed transaction\(log.commits == 1 ? "" : "s") not yet in \(name)) that SQLite reads only through \(name)-shm, which this user cannot create or open there; copy \(name) and \(name)-wal together into a folder you can write and query the copy, or run `fleet backup --db \(path) --to COPY` as a user who can write the folder"
                )
            }
            return immutableURI(path)
        }
    }

    /// `file:PATH?immutable=1`, the path absolute and percent-encoded (SQLite decodes `%HH`;
    /// `?` and `#` would otherwise end the path).
    static func immutableURI(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var encoded = ""
        for byte in absolute.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return "file:\(encoded)?immutable=1"
    }

    /// Throws `readOnly`, in one line naming the file, when this process cannot write the
    /// database at `path` (or create it): before anything opens it, so a command that writes
    /// fails at once instead of halfway with SQLite's "attempt to write a readonly database".
    /// `command` names who wants to write, for the message.
    static func refuseReadOnly(_ path: String, command: String) throws {
        guard let problem = writeProblem(path) else { return }
        throw readOnlyRefusal(path, problem: problem, command: command)
    }

    static func readOnlyRefusal(_ path: String, problem: String, command: String) -> StorageError {
        let verb = FileManager.default.fileExists(atPath: path) ? "write" : "create"
        return StorageError(
            .readOnly,
            "\(problem): \(command) cannot \(verb) it (the reading commands fleet query, score, verify, standings, export and backup work on a read-only database)"
        )
    }

    /// Why this process cannot write the database at `path`, naming it, or nil when it can:
    /// the file must be writable, and its folder too, where SQLite keeps the `-wal` and
    /// `-shm` files (unless both are there already and writable).
    static func writeProblem(_ path: String) -> String? {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func denied(_ path: String) -> String? {
            access(path, W_OK) == 0 ? nil : String(cString: strerror(errno))
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            return denied(folder).map {
                "\(path) does not exist and its folder \(folder) is read-only for this user (\($0))"
            }
        }
        if let reason = denied(path) { return "\(path) is read-only for this user (\(reason))" }
        if let reason = denied(folder), denied(path + "-wal") != nil || denied(path + "-shm") != nil {
            return
                "\(path) is in a folder that is read-only for this user (\(folder): \(reason)), where SQLite keeps \(name)-wal and \(name)-shm"
        }
        return nil
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
