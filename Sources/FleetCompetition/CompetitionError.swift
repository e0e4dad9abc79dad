public import FleetProtocol

/// A failure of a competition command or check, with a stable code and a message that says
/// what is wrong and what to do.
public struct CompetitionError: FleetError, Sendable {
    public enum Code: String, Sendable {
        case badArgument = "bad_argument"
        case notFound = "not_found"
        case wrongState = "wrong_state"
        case badRulebook = "bad_rulebook"
        /// An arena file that does not load, or is not of the run's division.
        case badArena = "bad_arena"
        case scoring = "scoring"
        case key = "key"
        /// `fleet verify` found a broken chain, a bad signature or a changed document.
        case integrity = "integrity"
    }

    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message alone: the command line prints it as the whole error.
    public var description: String { message }
}
