public import FleetProtocol

/// An error from the storage layer or a query, with a stable code a caller can switch on and
/// a message that tells the user what to fix.
public struct StorageError: FleetError, Sendable {
    public enum Code: String, Sendable {
        /// A query's parameters are out of bounds or contradictory (e.g. `from` after `to`).
        case badQuery = "bad_query"
        /// The query named something that does not exist (a robot, a metric, a run).
        case notFound = "not_found"
        /// The database file is not one this program wrote, or is from a newer version.
        case incompatibleDatabase = "incompatible_database"
        /// A stored row could not be read back (corrupt blob, wrong length).
        case corruptRow = "corrupt_row"
        /// Another process holds the database's writer lease (`WriterLease`).
        case writerBusy = "writer_busy"
        /// A file the operation would replace exists (a backup's target without `--force`).
        case targetExists = "target_exists"
        /// Reading or writing a file failed (a backup's copy, its rename).
        case fileSystem = "file_system"
        /// This process cannot write the database (a read-only file, folder or mount): a
        /// command that writes is refused, or a read-only copy holds changes it cannot read.
        case readOnly = "read_only"
        /// The rows name something the database holds from elsewhere (a run id another site
        /// or the central database itself uses).
        case conflict
    }

    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
}
