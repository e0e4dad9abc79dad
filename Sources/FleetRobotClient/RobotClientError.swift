public import FleetProtocol

/// A robot client refused to start or to go on, with a stable `code` and a message that says
/// what to fix.
public struct RobotClientError: FleetError, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// A configuration value is out of range.
        case invalidConfiguration = "invalid_configuration"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

}
