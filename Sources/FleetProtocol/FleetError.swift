/// The one shape of an error that crosses a module: a stable `code` a caller switches on,
/// a `message` for people that names what to fix, and the lower-level error that caused it.
///
/// Every module's error is a struct with its own `Code` (a string-backed enum, so logs,
/// JSON bodies and metrics show the same stable name) that conforms to this protocol; the
/// shared `description` keeps the text the same everywhere (`code: message (cause)`). The
/// shape follows swift-nio's `FileSystemError`: callers compare codes, never messages.
public protocol FleetError: Error, CustomStringConvertible {
    /// The error's stable codes; the raw value is what logs and API bodies show.
    associatedtype Code: RawRepresentable<String> & Sendable

    /// What went wrong; stable across releases.
    var code: Code { get }
    /// For people: what is wrong and, where it helps, what to do.
    var message: String { get }
    /// The lower-level error this one wraps, if any.
    var cause: (any Error & Sendable)? { get }
}

extension FleetError {
    /// Most errors wrap nothing.
    public var cause: (any Error & Sendable)? { nil }

    /// `code: message`, with the cause in parentheses when there is one.
    public var description: String {
        if let cause { return "\(code.rawValue): \(message) (\(cause))" }
        return "\(code.rawValue): \(message)"
    }
}
