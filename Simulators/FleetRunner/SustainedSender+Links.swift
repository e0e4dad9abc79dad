import FleetProtocol
import FleetRobotClient
import Foundation
import ZeroMQ

extension SustainedSender {
    /// Every robot's socket (pub mode) or reliable client, and the contexts that hold them.
    struct Links {
        var contexts: [Context]
        var publishers: [Socket] = []
        var clients: [ReliableRobotClient] = []

        /// Reliable mode: every client serviced in turn until all are acknowledged, so the
        /// stragglers' progress timeouts (resends) run side by side, not one after another;
        /// then every socket closed and every context terminated.
        mutating func finish(into summary: inout Summary) throws {
            if summary.mode == .reliable {
                let clock = ContinuousClock()
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
        }
    }

    /// A context per `robotsPerContext` robots, and every robot's socket or client connected.
    /// Terminated only after every socket is closed (`Links.finish`): terminating waits for them.
    func connect(_ ids: [UInt32]) throws -> Links {
        let perContext = Self.robotsPerContext(mode)
        var links = Links(contexts: try (0..<(ids.count + perContext - 1) / perContext).map { _ in try Context() })
        switch mode {
        case .pub: links.publishers = try connectPublishers(ids, contexts: links.contexts)
        case .reliable: links.clients = try connectClients(ids, contexts: links.contexts)
        }
        return links
    }

    /// In steps of 100, each step's subscriptions awaited: the ingester's listen backlog is
    /// ZeroMQ's default of 100, and a dropped SYN is retried only after a second.
    private func connectPublishers(_ ids: [UInt32], contexts: [Context]) throws -> [Socket] {
        let perContext = Self.robotsPerContext(mode)
        var publishers: [Socket] = []
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
                    throw RunnerError(
                        .notConnected,
                        "no subscriber at \(endpoint) within \(waitTimeout) s for robot socket \(publishers.count + 1) of \(ids.count)"
                    )
                }
                publishers.append(socket)
            }
        }
        return publishers
    }

    /// In steps of 100 as above, each step connected (its handshake seen by the client's
    /// monitor) before the next: frames queued on a connection still being retried would
    /// count as the ingester's backlog.
    private func connectClients(_ ids: [UInt32], contexts: [Context]) throws -> [ReliableRobotClient] {
        var clients: [ReliableRobotClient] = []
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
                    throw RunnerError(
                        .notConnected,
                        "robots not connected to \(endpoint) within \(waitTimeout) s (\(clients.count + stepClients.filter(\.isConnected).count) of \(ids.count))"
                    )
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
            clients += stepClients
        }
        return clients
    }

    /// What the sending loop carries from frame to frame (a class: the scratch buffer and the
    /// digest are used together inside one closure; one thread uses it).
    final class SendLoop {
        let plan: ReplayPlan
        let bytes: [UInt8]
        let records: [Recording.Record]
        let mode: Mode
        let restamp: Bool
        /// Event time the recording covers: how far each repeat shifts time.
        let timeSpan: UInt64
        /// Reliable clients number their own frames: they get the decoded message.
        let messages: [FleetProtocol.Message?]
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        var digest = FrameDigest()
        var refused = 0
        var servicing = 0
        var sent = 0
        var round = 0

        init(plan: ReplayPlan, bytes: [UInt8], records: [Recording.Record], mode: Mode, restamp: Bool, timeSpan: UInt64)
        {
            self.plan = plan
            self.bytes = bytes
            self.records = records
            self.mode = mode
            self.restamp = restamp
            self.timeSpan = timeSpan
            self.messages =
                mode == .reliable
                ? bytes.withUnsafeBytes { buffer in
                    records.map {
                        try? FrameDecoder.decode(UnsafeRawBufferPointer(rebasing: buffer[$0.frame])).message
                    }
                } : []
        }

        /// Sends one planned frame from its robot's socket or client.
        func send(_ recordIndex: Int, idOffset: UInt32, socket: Int, links: Links) throws {
            switch mode {
            case .pub: try publish(records[recordIndex], idOffset: idOffset, on: links.publishers[socket])
            case .reliable:
                // A frame recorded unreadable is not sent and not counted.
                guard try publishReliably(recordIndex, client: links.clients[socket], links: links) else { return }
            }
            sent += 1
        }

        private func publish(_ record: Recording.Record, idOffset: UInt32, on socket: Socket) throws {
            let length = record.frame.count
            let (round, timeSpan, restamp, sequenceSpan, bytes) = (round, timeSpan, restamp, plan.sequenceSpan, bytes)
            scratch.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes {
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[record.frame]))
                }
                let frame = UnsafeMutableRawBufferPointer(rebasing: out[..<length])
                let robot = FrameHeader.unverified(UnsafeRawBufferPointer(frame))?.robotID ?? 0
                Replayer.rewrite(
                    frame,
                    idOffset: idOffset,
                    sequenceOffset: UInt32(round) &* (sequenceSpan[robot] ?? 0),
                    timeOffset: UInt64(round) &* timeSpan,
                    restamp: restamp
                )
            }
            try scratch.withUnsafeBytes {
                let frame = UnsafeRawBufferPointer(rebasing: $0[..<length])
                digest.add(frame)
                _ = try socket.send(frame)
            }
        }

        private func publishReliably(_ recordIndex: Int, client: ReliableRobotClient, links: Links) throws -> Bool {
            let record = records[recordIndex]
            guard let message = messages[recordIndex],
                let header = bytes.withUnsafeBytes({
                    FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: $0[record.frame]))
                })
            else { return false }
            let time = restamp ? nowNanos() : header.timestampNanoseconds &+ UInt64(round) &* timeSpan
            let flags = restamp ? 0 : header.flags
            let result = try client.publish(message, at: time, flags: flags, waitingAtMost: .seconds(10))
            switch result {
            case .windowFull: refused += 1
            case .sent(let sequence):
                // The client's frame, encoded again (encoding is deterministic).
                scratch.withUnsafeMutableBytes { out in
                    let length = FrameEncoder.encode(
                        message,
                        robotID: client.robotID,
                        bootEpoch: client.bootEpoch,
                        sequence: sequence,
                        timestampNanoseconds: time,
                        flags: flags,
                        into: out
                    )
                    digest.add(UnsafeRawBufferPointer(rebasing: out[..<length]))
                }
            }
            // Acks are read a client at a time, round robin: as often as each robot sends.
            try links.clients[servicing].service()
            servicing = (servicing + 1) % links.clients.count
            return true
        }
    }
}
