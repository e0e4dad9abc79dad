/// A fleet run the runner refuses or could not complete, with a stable code.
public struct RunnerError: Error, Equatable, Sendable, CustomStringConvertible {
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
    /// The underlying error's text, when there is one.
    public let cause: String?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause.map { "\($0)" }
    }

    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }
}
