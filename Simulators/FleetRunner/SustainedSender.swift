public import FleetProtocol
import FleetRobotClient
import Foundation
import ZeroMQ

/// Sends a replay plan at a fixed pace for a fixed number of frames, each robot from its own
/// socket: the load generator of `fleet bench --sustained`. Pub mode gives every robot an
/// XPUB (as `RobotPublisher` does); reliable mode a `ReliableRobotClient` (a DEALER to the
/// ingester's ROUTER) that numbers, keeps and resends its frames until they are acknowledged.
/// A shard sends only every N-th robot, so robots can be split over processes when one
/// process cannot hold enough sockets.
public struct SustainedSender {
    /// How every robot sends: an XPUB each, or a reliable client each.
    public enum Mode: String, Codable, Sendable {
        case pub
        case reliable
    }

    /// Robots `index`, `index + count`, … of the plan's senders.
    public struct Shard: Equatable, Sendable {
        public var index: Int
        public var count: Int

        public static let all = Shard(index: 0, count: 1)

        /// "K/N", 0 ≤ K < N.
        public init(parsing text: String) throws(RunnerError) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else {
                throw RunnerError(.invalidConfiguration, "--shard must be K/N with 0 ≤ K < N, got '\(text)'")
            }
            self.init(index: k, count: n)
        }

        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    /// What one load generator did, written as JSON for the bench to add up.
    public struct Summary: Codable, Equatable, Sendable {
        public var mode: Mode
        public var frames: Int
        public var seconds: Double
        public var robots: Int
        public var sockets: Int
        /// Reliable mode: frames still unacknowledged when the flush gave up.
        public var unacknowledged = 0
        /// Reliable mode: frames refused because the window stayed full (never numbered).
        public var refused = 0
        public var resent = 0
        /// Reliable mode: seconds from the last send until every frame was acknowledged.
        public var flushSeconds = 0.0
        /// Wall clock of the last send: the bench times the backlog from it.
        public var finishedUnixNanos: UInt64 = 0
        /// getrusage(RUSAGE_SELF) of the sending process: user + system seconds.
        public var cpuSeconds = 0.0
        /// Every frame numbered and sent (reliable mode: each once, however often resent), to
        /// check against what the ingester stored.
        public var digest = FrameDigest()
        /// Seconds from the first socket until every socket was connected.
        public var connectSeconds = 0.0
    }

    public let endpoint: String
    public let mode: Mode
    public let pace: Double
    /// Frames to send in all; the plan is repeated (sequence numbers continue) until then.
    public let frames: Int
    public let restamp: Bool
    public let shard: Shard
    public let waitTimeout: Double
    /// Called once every socket is connected, before the first frame: where several
    /// generators wait for each other, so none sends while another still connects.
    public var startGate: (() throws -> Void)?

    public init(
        endpoint: String,
        mode: Mode,
        pace: Double,
        frames: Int,
        restamp: Bool,
        shard: Shard,
        waitTimeout: Double
    ) {
        self.endpoint = endpoint
        self.mode = mode
        self.pace = pace
        self.frames = frames
        self.restamp = restamp
        self.shard = shard
        self.waitTimeout = waitTimeout
    }

    /// libzmq allows 1023 sockets per context by default: a context per this many.
    static let socketsPerContext = 1000
    /// Sockets connected at once.
    static let connectStep = 100

    /// Robots per context: a reliable client has three sockets (DEALER and its monitor pair).
    public static func robotsPerContext(_ mode: Mode) -> Int {
        mode == .reliable ? socketsPerContext / 3 : socketsPerContext
    }

    /// ZeroMQ sockets per robot, and descriptors per robot (a connection, and a mailbox per
    /// socket).
    public static func descriptorsPerRobot(_ mode: Mode) -> Int { mode == .reliable ? 4 : 2 }

    /// Connects a socket per robot of the shard, waits for `startGate`, sends `frames` at
    /// `pace`, then (reliable mode) waits until every frame is acknowledged.
    public func send(_ plan: ReplayPlan, bytes: [UInt8], records: [Recording.Record]) throws -> Summary {
        let (sends, ids) = try shardSends(plan, bytes: bytes, records: records)
        let connectStarted = ContinuousClock.now
        var links = try connect(ids)
        let connectSeconds = (ContinuousClock.now - connectStarted).seconds
        try startGate?()
        let loop = SendLoop(
            plan: plan,
            bytes: bytes,
            records: records,
            mode: mode,
            restamp: restamp,
            timeSpan: ReplayPlan.eventTimeSpan(bytes: bytes, records: records)
        )
        let clock = ContinuousClock()
        let started = clock.now
        while loop.sent < frames {
            for (recordIndex, idOffset, socketIndex) in sends where loop.sent < frames {
                let due = Duration.nanoseconds(Int64(Double(loop.sent) / pace * 1e9))
                let wait = due - (clock.now - started)
                if wait > .microseconds(100) { Thread.sleep(forTimeInterval: wait.seconds) }
                try loop.send(recordIndex, idOffset: idOffset, socket: socketIndex, links: links)
            }
            loop.round += 1
        }
        var summary = Summary(
            mode: mode,
            frames: loop.sent,
            seconds: (clock.now - started).seconds,
            robots: ids.count,
            sockets: ids.count * (mode == .reliable ? 3 : 1)
        )
        summary.refused = loop.refused
        summary.finishedUnixNanos = nowNanos()
        summary.digest = loop.digest
        summary.connectSeconds = connectSeconds
        try links.finish(into: &summary)
        summary.cpuSeconds = processCPUSeconds()
        return summary
    }

    /// The shard's sends, with the index of the local socket that sends each, and its robots.
    private func shardSends(
        _ plan: ReplayPlan,
        bytes: [UInt8],
        records: [Recording.Record]
    ) throws -> (sends: [(record: Int, idOffset: UInt32, socket: Int)], ids: [UInt32]) {
        let senders = plan.senders(bytes: bytes, records: records)
        var sends: [(record: Int, idOffset: UInt32, socket: Int)] = []
        for (index, send) in plan.sends.enumerated() where senders.indexOfSend[index] % shard.count == shard.index {
            sends.append((send.record, send.idOffset, senders.indexOfSend[index] / shard.count))
        }
        let ids = stride(from: shard.index, to: senders.ids.count, by: shard.count).map { senders.ids[$0] }
        guard !sends.isEmpty else {
            throw RunnerError(.invalidConfiguration, "shard \(shard.index)/\(shard.count) has no robots")
        }
        return (sends, ids)
    }

    /// Raises the limit on open files: to the kernel's maximum where allowed (root), else the
    /// soft limit to the hard one. A socket per robot needs descriptors (the connection and
    /// the socket's mailbox). Returns the limit now in force.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        let kernelMaximum =
            (try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8))
            .flatMap { rlim_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? limit.rlim_max
        if limit.rlim_cur < kernelMaximum {
            var wanted = limit
            wanted.rlim_cur = max(kernelMaximum, limit.rlim_cur)
            wanted.rlim_max = max(kernelMaximum, limit.rlim_max)
            if setrlimit(resource, &wanted) != 0 {
                wanted.rlim_cur = limit.rlim_max
                wanted.rlim_max = limit.rlim_max
                _ = setrlimit(resource, &wanted)
            }
            getrlimit(resource, &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}
