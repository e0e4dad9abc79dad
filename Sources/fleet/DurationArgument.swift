import ArgumentParser

/// A span of time on the command line: a number with a unit, `30d`, `12h`, `90m`, `45s`
/// (days, hours, minutes, seconds; whole or decimal).
struct DurationArgument: ExpressibleByArgument, CustomStringConvertible {
    let nanoseconds: UInt64
    let description: String

    init?(argument: String) {
        guard let unit = argument.last, let scale = Self.units[unit], let value = Double(argument.dropLast()),
            value.isFinite, value > 0, value * scale < 9e18
        else { return nil }
        nanoseconds = UInt64(value * scale)
        description = argument
    }

    static let units: [Character: Double] = ["d": 86_400e9, "h": 3_600e9, "m": 60e9, "s": 1e9]

    static var defaultValueDescription: String { "a duration: 30d, 12h, 90m or 45s" }
}
