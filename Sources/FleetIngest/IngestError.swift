public import FleetProtocol

/// A failure of the ingest service, with a stable code and a message for the operator.
public struct IngestError: FleetError, Sendable {
    public enum Code: String, Sendable {
        /// The service was set up with nothing to do or with parts that do not fit (no
        /// endpoint, retention on PostgreSQL, an allowlist reload without CURVE).
        case invalidConfiguration = "invalid_configuration"
        /// An endpoint could not be bound.
        case cannotListen = "cannot_listen"
        /// The receiver, the pipeline or the writer stopped with an error.
        case failed
        /// Frames were lost at shutdown: the database refused their batch.
        case framesLost = "frames_lost"
    }

    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A failure with no more specific code (tests and helpers that stop an ingest).
    public init(_ message: String) {
        self.init(.failed, message)
    }

    /// The message alone: an operator reads it as the whole error.
    public var description: String { message }
}
