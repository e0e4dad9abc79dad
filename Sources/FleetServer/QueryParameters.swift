import FleetProtocol
import Foundation
import Hummingbird

/// Reads and bounds a request's query and path parameters; every refusal is a 400 that
/// names the parameter, the value and what would be accepted.
struct QueryParameters {
    let request: Request

    func string(_ name: String) -> String? {
        request.uri.queryParameters[name[...]].map(String.init)
    }

    /// A time: ns since the epoch, seconds with an `s` suffix (`1800000000.5s`), or ISO 8601.
    func time(_ name: String) throws -> UInt64? {
        guard let text = string(name) else { return nil }
        guard let value = Self.parseTime(text) else {
            throw APIError.badRequest(
                "\(name) must be ns since the Unix epoch, seconds with an 's' suffix, or ISO 8601 (2027-01-15T08:00:00Z); got '\(text)'"
            )
        }
        return value
    }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError.badRequest(
                "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound); got '\(text)'"
            )
        }
        return n
    }

    func robotID(_ name: String) throws -> UInt32? {
        guard let text = string(name) else { return nil }
        return try Self.robotID(text, name: name)
    }

    /// A comma-separated list of message type names (`fall,contact`), or nil for all.
    func messageTypes(_ name: String) throws -> Set<MessageType>? {
        guard let text = string(name), !text.isEmpty else { return nil }
        var types: Set<MessageType> = []
        for part in text.split(separator: ",") {
            let wanted = part.trimmingCharacters(in: .whitespaces)
            guard let type = MessageType.allCases.first(where: { $0.schemaName == wanted }) else {
                throw APIError.badRequest(
                    "\(name) has an unknown message type '\(wanted)'; known: \(MessageType.allCases.map(\.schemaName).joined(separator: ", "))"
                )
            }
            types.insert(type)
        }
        return types
    }

    /// A time range from `from` and `to`, defaulting to the `window` that ends at
    /// `defaultEnd`, refused when reversed or longer than `maximum`.
    func range(defaultEnd: UInt64, window: UInt64, maximum: UInt64) throws -> ClosedRange<UInt64> {
        // A `from` alone ends its window at the latest time the store holds, not past it.
        let latest = UInt64(Int64.max)
        let to = try time("to") ?? (try time("from")).map { $0 > latest - window ? latest : $0 + window } ?? defaultEnd
        let from = try time("from") ?? (to >= window ? to - window : 0)
        guard from <= to else {
            throw APIError.badRequest("from (\(from) ns) is after to (\(to) ns): swap them")
        }
        guard to - from <= maximum else {
            throw APIError.badRequest(
                "the range is \(Self.seconds(to - from)) long; at most \(Self.seconds(maximum)): narrow from/to"
            )
        }
        guard to <= UInt64(Int64.max) else {
            throw APIError.badRequest("to (\(to) ns) is beyond what the store can hold")
        }
        return from...to
    }

    static func robotID(_ text: String, name: String = "robot") throws -> UInt32 {
        let parsed = text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
        guard let id = parsed else {
            throw APIError.badRequest("\(name) must be a robot id (decimal or 0x-hex 32-bit); got '\(text)'")
        }
        return id
    }

    static func parseTime(_ text: String) -> UInt64? {
        if let ns = UInt64(text) { return ns }
        if text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds >= 0, seconds < 9.2e9 {
            return UInt64(seconds * 1e9)
        }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        guard let date = withFraction.date(from: text) ?? plain.date(from: text), date.timeIntervalSince1970 >= 0
        else { return nil }
        // Microseconds are exact in a Double for centuries; nanoseconds are not.
        return UInt64((date.timeIntervalSince1970 * 1e6).rounded()) * 1000
    }

    static func seconds(_ ns: UInt64) -> String {
        let s = Double(ns) / 1e9
        return s == s.rounded() ? "\(Int64(s)) s" : String(format: "%.3f s", s)
    }
}

extension RequestContext {
    /// A path parameter that must be there (the route declares it).
    func pathParameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else {
            throw APIError.badRequest("missing path parameter \(name)")
        }
        return value
    }
}
