public import FleetProtocol

/// A rulebook file that cannot be used, with the field at fault (`divisions.P.w_ref`) and
/// the value found there, so whoever edits the file knows what to fix.
public struct RulebookError: FleetError, Sendable {
    public enum Code: String, Sendable {
        /// The bytes are not JSON.
        case invalidJSON = "invalid_json"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        /// A weight, coefficient, threshold or count below zero.
        case negativeValue = "negative_value"
        /// The weights of one criterion do not add up to 1 (within 1e-9).
        case weightsNotSummingToOne = "weights_not_summing_to_one"
        /// A reference to a division id the file does not define.
        case unknownDivision = "unknown_division"
        /// Any other value the scorer cannot use (an unknown name, zero where a divisor is needed).
        case invalidValue = "invalid_value"
    }

    /// Stable; compare this, never `message`.
    public var code: Code
    /// Dotted path of the field, array indexes in brackets: `autonomy.deductions[1].value`.
    public var field: String
    /// What is wrong, naming the field and the value.
    public var message: String
    /// The decoder's own error, where there was one.
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, field: String, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.field = field
        self.message = message
        self.cause = cause
    }

    /// Names the file's field, so whoever edits the rulebook finds it.
    public var description: String { "rulebook \(code.rawValue) at \(field.isEmpty ? "(root)" : field): \(message)" }
}
