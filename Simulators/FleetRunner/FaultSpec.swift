/// Which transport faults to inject, parsed from `drop=0.01,dup=0.005,reorder=0.01,corrupt=0.001,reboot=1,disconnect=1`.
///
/// Probabilities are per robot frame and exclusive (one draw per frame picks at most one
/// fault), so their sum must stay at or below 1. `reboot` and `disconnect` count robots.
public struct FaultSpec: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Consume the sequence number and send nothing: a gap the ingester must report.
    public var drop = 0.0
    /// Send the same bytes twice in a row: the ingester must store one and count the other.
    public var duplicate = 0.0
    /// Hold the frame and send it right after the robot's next frame.
    public var reorder = 0.0
    /// Flip one body byte and send that instead of the valid frame (pub mode): a checksum
    /// failure the ingester attributes to the robot and sequence the header claims.
    public var corrupt = 0.0
    /// Robots that restart once, at a seeded time: new boot epoch, sequence from 0.
    public var reboots = 0
    /// Robots whose link goes down once for `disconnectSeconds` (simulated), at a seeded time.
    public var disconnects = 0
    /// How long a disconnect lasts, in simulated seconds.
    public var disconnectSeconds = 2.0

    public init() {}

    /// No faults at all.
    public static let none = FaultSpec()

    /// Whether any fault is configured.
    public var isEmpty: Bool { self == FaultSpec(disconnectSeconds: disconnectSeconds) }

    init(disconnectSeconds: Double) {
        self.disconnectSeconds = disconnectSeconds
    }

    /// Parses the command-line form; the error names the key and value at fault.
    public init(parsing text: String) throws(RunnerError) {
        self.init()
        let trimmed = text.trimmingWhitespace
        if trimmed.isEmpty || trimmed == "none" { return }
        var seen = Set<String>()
        for item in trimmed.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1)
            let key = String(parts[0]).trimmingWhitespace
            guard parts.count == 2 else {
                throw RunnerError(.invalidFaults, "fault '\(item)' needs a value: KEY=VALUE, e.g. drop=0.01")
            }
            let value = String(parts[1]).trimmingWhitespace
            guard seen.insert(key).inserted else { throw RunnerError(.invalidFaults, "fault '\(key)' given twice") }
            switch key {
            case "drop": drop = try Self.probability(key, value)
            case "dup", "duplicate": duplicate = try Self.probability(key, value)
            case "reorder": reorder = try Self.probability(key, value)
            case "corrupt": corrupt = try Self.probability(key, value)
            case "reboot": reboots = try Self.count(key, value)
            case "disconnect": disconnects = try Self.count(key, value)
            case "disconnect-seconds":
                guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
                    throw RunnerError(.invalidFaults, "disconnect-seconds must be a positive number, got '\(value)'")
                }
                disconnectSeconds = seconds
            default:
                throw RunnerError(
                    .invalidFaults,
                    "unknown fault '\(key)'; known: drop, dup, reorder, corrupt (probabilities), reboot, disconnect (robot counts), disconnect-seconds"
                )
            }
        }
        let total = drop + duplicate + reorder + corrupt
        guard total <= 1 else {
            throw RunnerError(
                .invalidFaults,
                "drop+dup+reorder+corrupt is \(total); one draw per frame needs at most 1"
            )
        }
    }

    public var description: String {
        var parts: [String] = []
        if drop > 0 { parts.append("drop=\(drop)") }
        if duplicate > 0 { parts.append("dup=\(duplicate)") }
        if reorder > 0 { parts.append("reorder=\(reorder)") }
        if corrupt > 0 { parts.append("corrupt=\(corrupt)") }
        if reboots > 0 { parts.append("reboot=\(reboots)") }
        if disconnects > 0 {
            parts.append("disconnect=\(disconnects)")
            parts.append("disconnect-seconds=\(disconnectSeconds)")
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    private static func probability(_ key: String, _ value: String) throws(RunnerError) -> Double {
        guard let p = Double(value), p >= 0, p <= 1 else {
            throw RunnerError(.invalidFaults, "\(key) must be a probability 0...1, got '\(value)'")
        }
        return p
    }

    private static func count(_ key: String, _ value: String) throws(RunnerError) -> Int {
        guard let n = Int(value), n >= 0 else {
            throw RunnerError(.invalidFaults, "\(key) must be a number of robots (0 or more), got '\(value)'")
        }
        return n
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
