/// An arena file that cannot be used, with the field at fault (`zone[2].maxX`) and the value
/// found there, so whoever surveyed the arena knows what to fix.
public struct ArenaError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The bytes are not JSON, or not an object.
        case invalidJSON = "invalid_json"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        /// A format this build does not read.
        case unknownFormat = "unknown_format"
        /// Any other value that does not describe an arena (a negative size, an empty zone).
        case invalidValue = "invalid_value"
    }

    /// Stable; compare this, never `message`.
    public var code: Code
    /// Dotted path of the field, array indexes in brackets: `obstacles[3].circle.radius`.
    public var field: String
    /// What is wrong, naming the field and the value.
    public var message: String

    public init(_ code: Code, field: String, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "arena \(code.rawValue) at \(field.isEmpty ? "(root)" : field): \(message)" }
}

/// Every problem found in one arena file, in file order: `fleet arena check` prints one a line.
public struct ArenaErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ArenaError]

    public init(_ errors: [ArenaError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
