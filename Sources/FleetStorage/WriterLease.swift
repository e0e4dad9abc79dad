public import FleetStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The right to write a database file, held by one process at a time: `fleet ingest` (or the
/// demo) for as long as it runs, a `fleet` command that writes for as long as it runs.
///
/// SQLite 3.40 can corrupt a WAL database when two connections write or checkpoint at once,
/// so everything that writes takes this lease first. It is an advisory `flock` on a file
/// next to the database (`fleet.db-writer`); the kernel releases it when the holder exits,
/// however it exits. The file names the holder, so a refusal says who has it.
public final class WriterLease: Sendable {
    /// The lock file.
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Takes the lease for the database at `databasePath`, or throws `writerBusy` naming who
    /// holds it. `holder` says who asks (e.g. "fleet ingest").
    public static func acquire(forDatabase databasePath: String, holder: String) throws(StorageError) -> WriterLease {
        // A read-only file or folder: one line naming the file, not "cannot open fleet.db-writer".
        if let problem = FleetDatabase.writeProblem(databasePath) {
            throw FleetDatabase.readOnlyRefusal(databasePath, problem: problem, command: holder)
        }
        let path = databasePath + "-writer"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StorageError(.writerBusy, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let who = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : "another process"
            throw StorageError(
                .writerBusy,
                "\(databasePath) is being written by \(who): while `fleet ingest` runs, control runs through its HTTP API (fleet ingest --http, POST /api/runs/...), or stop it first"
            )
        }
        let text = Array("\(holder) (pid \(getpid()))".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        return WriterLease(path: path, fd: fd)
    }

    /// Keeps the lease until the process exits (for a command-line process that writes and ends).
    public func holdUntilExit() {
        _ = Unmanaged.passRetained(self)
    }
}
