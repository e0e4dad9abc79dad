public import FleetProtocol

/// A fleet run the runner refuses or could not complete, with a stable code.
public struct RunnerError: FleetError, Equatable, Sendable {
    public enum Code: String, Sendable {
        /// The `--faults` text does not parse, or asks for something impossible.
        case invalidFaults = "invalid_faults"
        /// A roster or run setting is out of range.
        case invalidConfiguration = "invalid_configuration"
        /// The ingester did not subscribe (pub mode) in time.
        case notConnected = "not_connected"
        /// A socket operation failed.
        case transport
        /// The recording or truth file could not be written.
        case output
    }

    public let code: Code
    public let message: String
    /// The underlying error (a socket's, a file's), when there is one.
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message and the cause's text, without the code: the command line prints this.
    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }

    /// Equal when code, message and the cause's text are: a cause is any error, so its text
    /// is what can be compared.
    public static func == (lhs: RunnerError, rhs: RunnerError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
            && lhs.cause.map { "\($0)" } == rhs.cause.map { "\($0)" }
    }
}
