import ArgumentParser
import FleetProtocol
import FleetRobotClient
import Foundation
import ZeroMQ

/// Sends a replay plan at a fixed pace for a fixed number of frames, each robot from its own
/// socket: the load generator of `fleet bench --sustained`. Pub mode gives every robot an
/// XPUB (as `RobotPublisher` does); reliable mode a `ReliableRobotClient` (a DEALER to the
/// ingester's ROUTER) that numbers, keeps and resends its frames until they are acknowledged.
/// A shard sends only every N-th robot, so robots can be split over processes when one
/// process cannot hold enough sockets.
struct SustainedSender {
    enum Mode: String, Codable {
        case pub
        case reliable
    }

    /// Robots `index`, `index + count`, … of the plan's senders.
    struct Shard: Equatable {
        var index: Int
        var count: Int

        static let all = Shard(index: 0, count: 1)

        /// "K/N", 0 ≤ K < N.
        init(parsing text: String) throws {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else {
                throw ValidationError("--shard must be K/N with 0 ≤ K < N, got '\(text)'")
            }
            self.init(index: k, count: n)
        }

        init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    /// What one load generator did, written as JSON for the bench to add up.
    struct Summary: Codable, Equatable {
        var mode: Mode
        var frames: Int
        var seconds: Double
        var robots: Int
        var sockets: Int
        /// Reliable mode: frames still unacknowledged when the flush gave up.
        var unacknowledged = 0
        /// Reliable mode: frames refused because the window stayed full (never numbered).
        var refused = 0
        var resent = 0
        /// Reliable mode: seconds from the last send until every frame was acknowledged.
        var flushSeconds = 0.0
        /// Wall clock of the last send: the bench times the backlog from it.
        var finishedUnixNanos: UInt64 = 0
        /// getrusage(RUSAGE_SELF) of the sending process: user + system seconds.
        var cpuSeconds = 0.0
        /// Every frame numbered and sent (reliable mode: each once, however often resent), to
        /// check against what the ingester stored.
        var digest = FrameDigest()
        /// Seconds from the first socket until every socket was connected.
        var connectSeconds = 0.0
    }

    let endpoint: String
    let mode: Mode
    let pace: Double
    /// Frames to send in all; the plan is repeated (sequence numbers continue) until then.
    let frames: Int
    let restamp: Bool
    let shard: Shard
    let waitTimeout: Double
    /// Called once every socket is connected, before the first frame: where several
    /// generators wait for each other, so none sends while another still connects.
    var startGate: (() throws -> Void)?

    /// libzmq allows 1023 sockets per context by default: a context per this many.
    static let socketsPerContext = 1000
    /// Sockets connected at once.
    static let connectStep = 100

    /// Robots per context: a reliable client has three sockets (DEALER and its monitor pair).
    static func robotsPerContext(_ mode: Mode) -> Int {
        mode == .reliable ? socketsPerContext / 3 : socketsPerContext
    }

    /// ZeroMQ sockets per robot, and descriptors per robot (a connection, and a mailbox per
    /// socket).
    static func descriptorsPerRobot(_ mode: Mode) -> Int { mode == .reliable ? 4 : 2 }

    func send(_ plan: ReplayPlan, bytes: [UInt8], records: [Recording.Record]) throws -> Summary {
        let senders = plan.senders(bytes: bytes, records: records)
        // The shard's sends, with the index of the local socket that sends each.
        var sends: [(record: Int, idOffset: UInt32, socket: Int)] = []
        for (index, send) in plan.sends.enumerated() where senders.indexOfSend[index] % shard.count == shard.index {
            sends.append((send.record, send.idOffset, senders.indexOfSend[index] / shard.count))
        }
        let ids = stride(from: shard.index, to: senders.ids.count, by: shard.count).map { senders.ids[$0] }
        guard !sends.isEmpty else { throw ValidationError("shard \(shard.index)/\(shard.count) has no robots") }
        let perContext = Self.robotsPerContext(mode)
        let contexts = try (0..<(ids.count + perContext - 1) / perContext).map { _ in
            try Context()
        }
        // Terminated only after every socket is closed (below): terminating waits for them.

        var publishers: [Socket] = []
        var clients: [ReliableRobotClient] = []
        let connectStarted = ContinuousClock.now
        switch mode {
        case .pub:
            // In steps of 100, each step's subscriptions awaited: the ingester's listen backlog
            // is ZeroMQ's default of 100, and a dropped SYN is retried only after a second.
            let clock = ContinuousClock()
            let subscribed = clock.now + .milliseconds(Int(waitTimeout * 1000))
            for step in stride(from: 0, to: ids.count, by: Self.connectStep) {
                let stepSockets = try (step..<min(step + Self.connectStep, ids.count)).map { index in
                    let socket = try Socket(
                        contexts[index / perContext],
                        type: .extendedPublisher,
                        options: [.sendHighWaterMark(0), .linger(.seconds(30))]
                    )
                    try socket.connect(endpoint)
                    return socket
                }
                for socket in stepSockets {
                    try socket.set(.receiveTimeout(max(.zero, clock.now.duration(to: subscribed))))
                    guard try socket.receive() != nil else {
                        throw ValidationError(
                            "no subscriber at \(endpoint) within \(waitTimeout) s for robot socket \(publishers.count + 1) of \(ids.count)"
                        )
                    }
                    publishers.append(socket)
                }
            }
        case .reliable:
            // In steps of 100 as above, each step connected (its handshake seen by the
            // client's monitor) before the next: frames queued on a connection still being
            // retried would count as the ingester's backlog.
            let clock = ContinuousClock()
            let connected = clock.now + .milliseconds(Int(waitTimeout * 1000))
            for step in stride(from: 0, to: ids.count, by: Self.connectStep) {
                let stepClients = try (step..<min(step + Self.connectStep, ids.count)).map { index in
                    let configuration = ReliableRobotClient.Configuration(
                        endpoint: endpoint,
                        robotID: ids[index],
                        bootEpoch: 1
                    )
                    return try ReliableRobotClient(
                        context: contexts[index / Self.robotsPerContext(mode)],
                        configuration: configuration
                    )
                }
                while true {
                    for client in stepClients { try client.service() }
                    if stepClients.allSatisfy(\.isConnected) { break }
                    guard clock.now < connected else {
                        throw ValidationError(
                            "robots not connected to \(endpoint) within \(waitTimeout) s (\(clients.count + stepClients.filter(\.isConnected).count) of \(ids.count))"
                        )
                    }
                    Thread.sleep(forTimeInterval: 0.005)
                }
                clients += stepClients
            }
        }

        let connectSeconds = (ContinuousClock.now - connectStarted).seconds
        try startGate?()

        // Reliable clients number their own frames: they get the decoded message.
        let messages: [FleetProtocol.Message?] =
            mode == .reliable
            ? bytes.withUnsafeBytes { buffer in
                records.map { try? FrameDecoder.decode(UnsafeRawBufferPointer(rebasing: buffer[$0.frame])).message }
            } : []
        let timeSpan = Self.eventTimeSpan(bytes: bytes, records: records)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        var digest = FrameDigest()
        var refused = 0
        var servicing = 0
        let clock = ContinuousClock()
        let started = clock.now
        var sent = 0
        var round = 0
        while sent < frames {
            for (recordIndex, idOffset, socketIndex) in sends where sent < frames {
                let due = Duration.nanoseconds(Int64(Double(sent) / pace * 1e9))
                let wait = due - (clock.now - started)
                if wait > .microseconds(100) { Thread.sleep(forTimeInterval: wait.seconds) }
                let record = records[recordIndex]
                switch mode {
                case .pub:
                    let length = record.frame.count
                    scratch.withUnsafeMutableBytes { out in
                        bytes.withUnsafeBytes {
                            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[record.frame]))
                        }
                        let frame = UnsafeMutableRawBufferPointer(rebasing: out[..<length])
                        let robot = FrameHeader.unverified(UnsafeRawBufferPointer(frame))?.robotID ?? 0
                        Replayer.rewrite(
                            frame,
                            idOffset: idOffset,
                            sequenceOffset: UInt32(round) &* (plan.sequenceSpan[robot] ?? 0),
                            timeOffset: UInt64(round) &* timeSpan,
                            restamp: restamp
                        )
                    }
                    try scratch.withUnsafeBytes {
                        let frame = UnsafeRawBufferPointer(rebasing: $0[..<length])
                        digest.add(frame)
                        _ = try publishers[socketIndex].send(frame)
                    }
                case .reliable:
                    guard let message = messages[recordIndex],
                        let header = bytes.withUnsafeBytes({
                            FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: $0[record.frame]))
                        })
                    else { continue }
                    let time =
                        restamp ? nowNanos() : header.timestampNanoseconds &+ UInt64(round) &* timeSpan
                    let result = try clients[socketIndex].publish(
                        message,
                        at: time,
                        flags: restamp ? 0 : header.flags,
                        waitingAtMost: .seconds(10)
                    )
                    switch result {
                    case .windowFull: refused += 1
                    case .sent(let sequence):
                        // The client's frame, encoded again (encoding is deterministic).
                        scratch.withUnsafeMutableBytes { out in
                            let length = FrameEncoder.encode(
                                message,
                                robotID: clients[socketIndex].robotID,
                                bootEpoch: clients[socketIndex].bootEpoch,
                                sequence: sequence,
                                timestampNanoseconds: time,
                                flags: restamp ? 0 : header.flags,
                                into: out
                            )
                            digest.add(UnsafeRawBufferPointer(rebasing: out[..<length]))
                        }
                    }
                    // Acks are read a client at a time, round robin: as often as each robot sends.
                    try clients[servicing].service()
                    servicing = (servicing + 1) % clients.count
                }
                sent += 1
            }
            round += 1
        }
        let elapsed = (clock.now - started).seconds
        let finished = nowNanos()
        let socketsPerRobot = mode == .reliable ? 3 : 1
        var summary = Summary(
            mode: mode,
            frames: sent,
            seconds: elapsed,
            robots: ids.count,
            sockets: ids.count * socketsPerRobot
        )
        summary.refused = refused
        summary.finishedUnixNanos = finished
        summary.digest = digest
        summary.connectSeconds = connectSeconds
        if mode == .reliable {
            // Every client serviced in turn until all are acknowledged, so the stragglers'
            // progress timeouts (resends) run side by side, not one after another.
            let flushStarted = clock.now
            let deadline = clock.now + .seconds(60)
            var pending = clients
            while !pending.isEmpty && clock.now < deadline {
                for client in pending { try client.service() }
                pending.removeAll { $0.outstanding == 0 }
                if !pending.isEmpty { Thread.sleep(forTimeInterval: 0.001) }
            }
            for client in clients {
                summary.unacknowledged += client.outstanding
                summary.resent += client.statistics.framesResent
                client.close()
            }
            summary.flushSeconds = (clock.now - flushStarted).seconds
        } else {
            for socket in publishers { socket.close() }
        }
        // Pub mode: waits until the queued frames are out (linger), so none is lost on exit.
        publishers.removeAll()
        clients.removeAll()
        for context in contexts { context.terminate() }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        summary.cpuSeconds =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return summary
    }

    /// Event time a recording covers, so a repeat continues after it.
    static func eventTimeSpan(bytes: [UInt8], records: [Recording.Record]) -> UInt64 {
        var first = UInt64.max
        var last: UInt64 = 0
        bytes.withUnsafeBytes { buffer in
            for record in records {
                guard let header = FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: buffer[record.frame])) else {
                    continue
                }
                first = min(first, header.timestampNanoseconds)
                last = max(last, header.timestampNanoseconds)
            }
        }
        return last >= first ? last - first + 100_000_000 : 0
    }

    /// Raises the limit on open files: to the kernel's maximum where allowed (root), else the
    /// soft limit to the hard one. A socket per robot needs descriptors (the connection and
    /// the socket's mailbox). Returns the limit now in force.
    @discardableResult
    static func raiseOpenFileLimit() -> Int {
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
