import ArgumentParser
import Foundation

/// A point in time on the command line: nanoseconds since the Unix epoch (`1800000000000000000`),
/// seconds with a suffix (`1800000000s`), or ISO 8601 (`2027-01-15T08:00:00Z`,
/// fractional seconds allowed).
struct TimeArgument: ExpressibleByArgument {
    let nanoseconds: UInt64

    init?(argument: String) {
        if let ns = UInt64(argument) {
            nanoseconds = ns
        } else if argument.hasSuffix("s"), let seconds = Double(argument.dropLast()), seconds >= 0 {
            nanoseconds = UInt64(seconds * 1e9)
        } else if let date = Self.parseISO(argument), date.timeIntervalSince1970 >= 0 {
            nanoseconds = UInt64((date.timeIntervalSince1970 * 1e9).rounded())
        } else {
            return nil
        }
    }

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    static var defaultValueDescription: String { "ns since epoch, 123.5s, or ISO 8601" }

    private static func parseISO(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }

    /// ISO 8601 with milliseconds, UTC.
    static func format(_ nanoseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9))
    }
}
