public import FleetProtocol
public import FleetStorage
public import FleetStore

/// A robot's data completeness in one run, from sequence numbers: per boot epoch, the frames
/// received with event time inside the run's window over the span of sequence numbers they
/// cover (first to last, so a gap inside the run counts, frames of other runs do not). The
/// live scorer counts the frames it fed; `fleet score` counts the stored ones.
public struct RunCompleteness: Sendable, Equatable {
    struct Span: Sendable, Equatable {
        var first: UInt32
        var last: UInt32
        var count: Int
    }

    /// Robot → boot epoch → span.
    var spans: [UInt32: [UInt32: Span]] = [:]

    public init() {}

    public mutating func add(robot: UInt32, bootEpoch: UInt32, sequence: UInt32) {
        if var span = spans[robot]?[bootEpoch] {
            span.first = min(span.first, sequence)
            span.last = max(span.last, sequence)
            span.count += 1
            spans[robot]![bootEpoch] = span
        } else {
            spans[robot, default: [:]][bootEpoch] = Span(first: sequence, last: sequence, count: 1)
        }
    }

    /// Per robot of `robots`, in id order; a robot without a frame in the run has 0 of 0 and
    /// completeness 0.
    public func rows(robots: [UInt32]) -> [RobotCompleteness] {
        robots.sorted().map { id in
            var received = 0
            var expected = 0
            for span in (spans[id] ?? [:]).values {
                received += span.count
                expected += Int(span.last - span.first) + 1
            }
            return RobotCompleteness(
                robot: id,
                received: received,
                expected: expected,
                completeness: expected == 0 ? 0 : Double(received) / Double(expected)
            )
        }
    }

    /// From the stored frames of the run's robots inside its window (duplicates stored twice
    /// count once).
    public static func stored(store: any CompetitionStore, context: RunContext) throws -> [RobotCompleteness] {
        var counter = RunCompleteness()
        let robots = context.robotIDs
        if let window = try Recompute.readWindow(store: store, run: context.run) {
            let isRobot: (UInt32) -> Bool = { robots.contains($0) }
            try store.forEachFrame(from: window.from, to: window.to, senders: isRobot) { sender, header, _ in
                guard let header, header.robotID == sender else { return }
                counter.add(robot: sender, bootEpoch: header.bootEpoch, sequence: header.sequence)
            }
        }
        return counter.rows(robots: Array(robots))
    }
}
