import FleetKeys
import FleetProtocol
import FleetRobotClient
import Foundation
import ZeroMQ

/// Sends a recording's frames from an XPUB socket (a PUB that also hears subscriptions), so it
/// can wait until the ingester has subscribed instead of losing the first frames: `fleet
/// replay`, the load generator for benchmarks.
public struct Replayer: Sendable {
    /// How fast to send when no pace is given.
    public enum Rate: String, Sendable {
        /// As fast as possible.
        case max
        /// At the recorded send times.
        case original
    }

    public let endpoint: String
    public let waitTimeout: Double
    /// Frames per second, or nil for `rate`.
    public var pace: Double? = nil
    /// CURVE: a socket per sender, each a client with that sender's key; nil for one plain socket.
    public var curve: FleetRunner.Curve? = nil

    public init(endpoint: String, waitTimeout: Double, pace: Double? = nil) {
        self.endpoint = endpoint
        self.waitTimeout = waitTimeout
        self.pace = pace
    }

    /// Sends the plan `repeats` times (sequence numbers and event time continue on each
    /// repeat); returns the frames sent and the seconds it took.
    public func send(
        _ plan: ReplayPlan,
        bytes: [UInt8],
        rate: Rate,
        restamp: Bool,
        repeats: Int
    ) throws -> (frames: Int, seconds: Double) {
        let context = try Context()
        defer { context.terminate() }
        var records: [Recording.Record] = []
        try bytes.withUnsafeBytes { buffer in
            records = try Recording.parse(buffer).records
        }
        let (sockets, socketOfSend) = try connect(context, plan: plan, bytes: bytes, records: records)
        try awaitSubscribers(sockets)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        let clock = ContinuousClock()
        let started = clock.now
        var frames = 0
        let firstOffset = records.first?.offsetNanos ?? 0
        let span = (records.last?.offsetNanos ?? 0) - firstOffset + 1
        let timeSpan = ReplayPlan.eventTimeSpan(bytes: bytes, records: records)
        for round in 0..<repeats {
            for (sendIndex, (index, idOffset)) in plan.sends.enumerated() {
                let record = records[index]
                if let pace {
                    Self.sleep(until: .nanoseconds(Int64(Double(frames) / pace * 1e9)), since: started, above: 100)
                } else if rate == .original {
                    let due = Duration.nanoseconds(Int64(record.offsetNanos - firstOffset + UInt64(round) * span))
                    Self.sleep(until: due, since: started, above: 200)
                }
                let rewrite = Rewrite(
                    idOffset: idOffset,
                    round: round,
                    sequenceSpan: plan.sequenceSpan,
                    timeSpan: timeSpan,
                    restamp: restamp
                )
                try Self.send(record, of: bytes, on: sockets[socketOfSend[sendIndex]], rewrite, scratch: &scratch)
                frames += 1
            }
        }
        let elapsed = clock.now - started
        for socket in sockets { socket.close() }
        return (frames, elapsed.seconds)
    }

    /// Which socket sends each planned frame: one for all, or with CURVE the sender's own
    /// (the ingester takes a robot's id from its key).
    private func connect(
        _ context: Context,
        plan: ReplayPlan,
        bytes: [UInt8],
        records: [Recording.Record]
    ) throws -> (sockets: [Socket], socketOfSend: [Int]) {
        guard let curve else {
            let socket = try makeSocket(context)
            try socket.connect(endpoint)
            return ([socket], [Int](repeating: 0, count: plan.sends.count))
        }
        let senders = plan.senders(bytes: bytes, records: records)
        if let missing = curve.secretKeys.missingKeys(for: senders.ids) {
            throw RunnerError(.invalidConfiguration, "--robot-secrets has \(missing)")
        }
        var sockets: [Socket] = []
        for credentials in try curve.credentials(for: senders.ids) {
            let socket = try makeSocket(context)
            try socket.makeCurveClient(keys: credentials.keys, serverKey: credentials.serverKey)
            try socket.connect(endpoint)
            sockets.append(socket)
        }
        return (sockets, senders.indexOfSend)
    }

    /// Waits (at most `waitTimeout` for all) until every socket has heard the ingester subscribe.
    private func awaitSubscribers(_ sockets: [Socket]) throws {
        let clock = ContinuousClock()
        let subscribed = clock.now + .milliseconds(Int(waitTimeout * 1000))
        for socket in sockets {
            try socket.set(.receiveTimeout(max(.zero, clock.now.duration(to: subscribed))))
            guard try socket.receive() != nil else {
                throw RunnerError(
                    .notConnected,
                    "no subscriber at \(endpoint) within \(waitTimeout) s: is `fleet ingest` listening there\(curve == nil ? "" : ", with these robots' public keys on its allowlist and the secret half of --server-key")?"
                )
            }
        }
    }

    /// Sleeps until `due` after `started` when that is more than `above` µs away.
    private static func sleep(until due: Duration, since started: ContinuousClock.Instant, above: Int) {
        let wait = due - (ContinuousClock.now - started)
        if wait > .microseconds(above) {
            Thread.sleep(forTimeInterval: wait.seconds)
        }
    }

    /// How one send of a recorded frame differs from the recording.
    private struct Rewrite {
        var idOffset: UInt32
        var round: Int
        var sequenceSpan: [UInt32: UInt32]
        var timeSpan: UInt64
        var restamp: Bool

        var needed: Bool { restamp || idOffset != 0 || round > 0 }
    }

    /// Sends one recorded frame: as recorded, or rewritten in `scratch` first.
    private static func send(
        _ record: Recording.Record,
        of bytes: [UInt8],
        on socket: Socket,
        _ rewrite: Rewrite,
        scratch: inout [UInt8]
    ) throws {
        guard rewrite.needed else {
            _ = try bytes.withUnsafeBytes { try socket.send(UnsafeRawBufferPointer(rebasing: $0[record.frame])) }
            return
        }
        let length = record.frame.count
        scratch.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[record.frame]))
            }
            let frame = UnsafeMutableRawBufferPointer(rebasing: out[..<length])
            let robot = FrameHeader.unverified(UnsafeRawBufferPointer(frame))?.robotID ?? 0
            Self.rewrite(
                frame,
                idOffset: rewrite.idOffset,
                sequenceOffset: UInt32(rewrite.round) &* (rewrite.sequenceSpan[robot] ?? 0),
                timeOffset: UInt64(rewrite.round) &* rewrite.timeSpan,
                restamp: rewrite.restamp
            )
        }
        _ = try scratch.withUnsafeBytes { try socket.send(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
    }

    private func makeSocket(_ context: Context) throws -> Socket {
        try Socket(
            context,
            type: .extendedPublisher,
            options: [
                .sendHighWaterMark(0), .linger(.seconds(30)),
                .receiveTimeout(.milliseconds(Int(waitTimeout * 1000))),
            ]
        )
    }

    /// Rewrites robot id, sequence and time of a valid frame in place and fixes its checksum;
    /// frames that were recorded invalid are left as they are.
    public static func rewrite(
        _ frame: UnsafeMutableRawBufferPointer,
        idOffset: UInt32,
        sequenceOffset: UInt32,
        timeOffset: UInt64,
        restamp: Bool
    ) {
        guard (try? FrameDecoder.decodeHeader(UnsafeRawBufferPointer(frame))) != nil else { return }
        let robot = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        if idOffset != 0 && robot < 0xF000_0000 {
            frame.storeBytes(of: (robot + idOffset).littleEndian, toByteOffset: 8, as: UInt32.self)
        }
        if sequenceOffset != 0 {
            let sequence = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
            frame.storeBytes(of: (sequence &+ sequenceOffset).littleEndian, toByteOffset: 16, as: UInt32.self)
        }
        if timeOffset != 0 {
            let time = UInt64(littleEndian: frame.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            frame.storeBytes(of: (time &+ timeOffset).littleEndian, toByteOffset: 24, as: UInt64.self)
        }
        if restamp {
            frame.storeBytes(of: nowNanos().littleEndian, toByteOffset: 24, as: UInt64.self)
            frame[5] &= ~FrameHeader.simulatedTimeFlag
        }
        let checked = frame.count - 4
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: frame[..<checked]))
        frame.storeBytes(of: crc.littleEndian, toByteOffset: checked, as: UInt32.self)
    }
}
