import ArgumentParser
import FleetKeys
import FleetProtocol
import FleetRobotClient
import FleetRunner
import Foundation
import ZeroMQ

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send a recording (.ftrec from `fleet sim --record`) again: the load generator for benchmarks.",
        discussion: """
            Examples:
              fleet replay run.ftrec --connect tcp://127.0.0.1:5556
              fleet replay run.ftrec --connect tcp://127.0.0.1:5556 --rate max \\
                --robots 1000 --restamp
              # sustained load: 20,000 frames/s for 60 s, a reliable client per robot:
              fleet replay run.ftrec --connect tcp://127.0.0.1:5557 --robots 1000 \\
                --pace 20000 --duration 60 --reliable --restamp --summary sent.json
              # a CURVE socket per robot, each with its key:
              fleet replay run.ftrec --connect tcp://127.0.0.1:5556 \\
                --server-key ingester.key.pub --robot-secrets robots.secret
            """
    )

    enum Rate: String, ExpressibleByArgument {
        case max
        case original
    }

    @Argument(help: "Recording file.")
    var file: String

    @Option(help: "Endpoint of the ingester's SUB socket.")
    var connect: String

    @Option(help: "max: as fast as possible; original: at the recorded send times.")
    var rate: Rate = .original

    @Option(help: "Send at this many frames per second instead (overrides --rate).")
    var pace: Double?

    @Option(help: "Robots to send as: fewer than recorded keeps the first N; more clones robots under new ids.")
    var robots: Int?

    @Flag(
        help:
            "Stamp each frame with the wall-clock time it is sent (clears the simulated-time flag), so the ingester can measure publish→commit latency."
    )
    var restamp = false

    @Option(
        name: .customLong("repeat"),
        help: "Send the recording this many times; sequence numbers continue, so the ingester sees new frames."
    )
    var repeat_: Int = 1

    @Option(help: "Seconds to wait for the ingester to subscribe.")
    var waitTimeout = 10.0

    @Option(help: "CURVE: the ingester's public key, or a file holding it; sends from a socket per robot.")
    var serverKey: String?

    @Option(help: "CURVE: every sender's secret key, 'ID KEY' per line (fleet keys robots --secrets).")
    var robotSecrets: String?

    @Option(help: "Send for this many seconds at --pace (pace × duration frames, repeating the recording).")
    var duration: Double?

    @Flag(
        help:
            "Reliable mode: a ReliableRobotClient (DEALER) per robot connected to the ingester's ROUTER at --connect; waits until every frame is acknowledged."
    )
    var reliable = false

    @Flag(help: "Pub mode: an XPUB socket per robot instead of one for all.")
    var socketPerRobot = false

    @Option(help: "K/N: send only robots K, K+N, K+2N, … of the plan (split robots over processes).")
    var shard: String?

    @Option(help: "Write what was sent (frames, seconds, sockets, unacknowledged, CPU) as JSON to this file.")
    var summary: String?

    @Flag(
        help:
            "Connect every socket, print 'connected' on stdout, then wait for a line on stdin before sending: several generators start at once."
    )
    var startOnStdin = false

    /// Whether the sustained sender (a socket per robot, fixed pace and count) does the sending.
    var sustained: Bool {
        reliable || socketPerRobot || duration != nil || shard != nil || summary != nil || startOnStdin
    }

    func validate() throws {
        if let robots, robots < 1 { throw ValidationError("--robots must be at least 1") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive, got \(duration)") }
        if let pace, !(pace > 0) { throw ValidationError("--pace must be positive, got \(pace)") }
        if duration != nil && pace == nil { throw ValidationError("--duration needs --pace FRAMES_PER_SECOND") }
        if sustained && serverKey != nil {
            throw ValidationError(
                "CURVE (--server-key) is not supported with --reliable, --socket-per-robot, --duration, --shard, --summary or --start-on-stdin"
            )
        }
        if let shard { _ = try SustainedSender.Shard(parsing: shard) }
        if repeat_ < 1 { throw ValidationError("--repeat must be at least 1") }
        if (serverKey == nil) != (robotSecrets == nil) {
            throw ValidationError("CURVE needs both --server-key (the ingester's public key) and --robot-secrets FILE")
        }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read recording \(file)")
        }
        let bytes = [UInt8](data)
        let parsed: Recording.Parsed
        do {
            parsed = try bytes.withUnsafeBytes { try Recording.parse($0) }
        } catch {
            throw ValidationError("\(file): \(error)")
        }
        if parsed.truncated {
            FileHandle.standardError.write(Data("replay: \(file) ends inside a record (ignored)\n".utf8))
        }
        let plan = ReplayPlan(bytes: bytes, records: parsed.records, robots: robots)
        if sustained {
            try sendSustained(plan, bytes: bytes, records: parsed.records)
            return
        }
        var replayer = Replayer(endpoint: connect, waitTimeout: waitTimeout, pace: pace)
        if let serverKey, let robotSecrets {
            replayer.curve = FleetRunner.Curve(
                serverKey: try KeyFiles.key(serverKey, option: "--server-key"),
                secretKeys: try KeyFiles.keyring(robotSecrets, option: "--robot-secrets")
            )
        }
        let sent = try replayer.send(
            plan,
            bytes: bytes,
            rate: rate,
            restamp: restamp,
            repeats: repeat_
        )
        FileHandle.standardError.write(
            Data(
                String(
                    format: "replay: sent %d frames (%d robots) in %.3f s, %.0f frames/s\n",
                    sent.frames,
                    plan.robotCount,
                    sent.seconds,
                    Double(sent.frames) / max(sent.seconds, 1e-9)
                ).utf8
            )
        )
    }
}

extension ReplayCommand {
    func sendSustained(_ plan: ReplayPlan, bytes: [UInt8], records: [Recording.Record]) throws {
        SustainedSender.raiseOpenFileLimit()
        let shard = try shard.map(SustainedSender.Shard.init(parsing:)) ?? .all
        let frames =
            duration.map { Int(($0 * (pace ?? 0)).rounded()) }
            ?? plan.sends.count / shard.count * repeat_
        var sender = SustainedSender(
            endpoint: connect,
            mode: reliable ? .reliable : .pub,
            pace: pace ?? (rate == .max ? .infinity : Double(plan.robotCount) * 10),
            frames: frames,
            restamp: restamp,
            shard: shard,
            waitTimeout: waitTimeout
        )
        if startOnStdin {
            sender.startGate = {
                FileHandle.standardOutput.write(Data("connected\n".utf8))
                guard readLine() != nil else { throw ValidationError("replay: stdin closed before the start signal") }
            }
        }
        let result = try sender.send(plan, bytes: bytes, records: records)
        if let summary {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(result).write(to: URL(fileURLWithPath: summary))
        }
        let sentPerSecond = Double(result.frames) / max(result.seconds, 1e-9)
        let missing = result.unacknowledged > 0 ? ", \(result.unacknowledged) unacknowledged" : ""
        FileHandle.standardError.write(
            Data(
                ("replay: sent \(result.frames) frames (\(result.robots) robots, \(result.sockets) sockets, "
                    + "\(result.mode.rawValue) mode) in \(String(format: "%.3f", result.seconds)) s, "
                    + "\(String(format: "%.0f", sentPerSecond)) frames/s\(missing)\n").utf8
            )
        )
    }
}

/// Which records to send and as which robots.
struct ReplayPlan {
    /// (record index, robot id offset) in send order.
    var sends: [(record: Int, idOffset: UInt32)] = []
    var robotCount = 0
    /// Per recorded robot, one more than its highest sequence number: how far a repeat of
    /// the recording shifts that robot's sequence numbers so they continue.
    var sequenceSpan: [UInt32: UInt32] = [:]

    init(bytes: [UInt8], records: [Recording.Record], robots: Int?) {
        var robotOf: [UInt32] = []
        var ids = Set<UInt32>()
        bytes.withUnsafeBytes { buffer in
            for record in records {
                let frame = UnsafeRawBufferPointer(rebasing: buffer[record.frame])
                let header = FrameHeader.unverified(frame)
                let id = header?.robotID ?? 0
                robotOf.append(id)
                if let header { sequenceSpan[id] = max(sequenceSpan[id] ?? 0, header.sequence &+ 1) }
                if id < 0xF000_0000 { ids.insert(id) }
            }
        }
        let recorded = ids.sorted()
        let wanted = robots ?? recorded.count
        robotCount = wanted
        if wanted <= recorded.count {
            let kept = Set(recorded.prefix(wanted))
            for (index, id) in robotOf.enumerated() where kept.contains(id) || id >= 0xF000_0000 {
                sends.append((index, 0))
            }
        } else {
            let copies = (wanted + recorded.count - 1) / max(recorded.count, 1)
            let ranks = Dictionary(uniqueKeysWithValues: recorded.enumerated().map { ($1, $0) })
            for (index, id) in robotOf.enumerated() {
                guard let rank = ranks[id] else {
                    sends.append((index, 0))  // referee: once
                    continue
                }
                for copy in 0..<copies where copy * recorded.count + rank < wanted {
                    sends.append((index, UInt32(copy) * 1_000_000))
                }
            }
        }
    }
}

extension ReplayPlan {
    /// The senders the plan sends as (robot ids after cloning), and for each planned frame
    /// the index of its sender in `ids`.
    func senders(bytes: [UInt8], records: [Recording.Record]) -> (ids: [UInt32], indexOfSend: [Int]) {
        var ids: [UInt32] = []
        var index: [UInt32: Int] = [:]
        var indexOfSend: [Int] = []
        indexOfSend.reserveCapacity(sends.count)
        bytes.withUnsafeBytes { buffer in
            for (record, idOffset) in sends {
                let claimed = FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: buffer[records[record].frame]))
                guard let recorded = claimed?.robotID else {
                    // Recorded unreadable: claims nobody, so any socket may carry it.
                    indexOfSend.append(0)
                    continue
                }
                let id = recorded < 0xF000_0000 ? recorded &+ idOffset : recorded
                if index[id] == nil {
                    index[id] = ids.count
                    ids.append(id)
                }
                indexOfSend.append(index[id]!)
            }
        }
        return (ids, indexOfSend)
    }
}

/// Sends frames from an XPUB socket (a PUB that also hears subscriptions), so it can wait
/// until the ingester has subscribed instead of losing the first frames.
struct Replayer {
    let endpoint: String
    let waitTimeout: Double
    /// Frames per second, or nil for `rate`.
    var pace: Double? = nil
    /// CURVE: a socket per sender, each a client with that sender's key; nil for one plain socket.
    var curve: FleetRunner.Curve? = nil

    func send(
        _ plan: ReplayPlan,
        bytes: [UInt8],
        rate: ReplayCommand.Rate,
        restamp: Bool,
        repeats: Int
    ) throws
        -> (frames: Int, seconds: Double)
    {
        let context = try Context()
        defer { context.terminate() }
        var records: [Recording.Record] = []
        try bytes.withUnsafeBytes { buffer in
            records = try Recording.parse(buffer).records
        }
        // Which socket sends each planned frame: one for all, or with CURVE the sender's own
        // (the ingester takes a robot's id from its key).
        var sockets: [Socket] = []
        var socketOfSend = [Int](repeating: 0, count: plan.sends.count)
        if let curve {
            let senders = plan.senders(bytes: bytes, records: records)
            if let missing = curve.secretKeys.missingKeys(for: senders.ids) {
                throw ValidationError("--robot-secrets has \(missing)")
            }
            socketOfSend = senders.indexOfSend
            for credentials in try curve.credentials(for: senders.ids) {
                let socket = try makeSocket(context)
                try socket.makeCurveClient(keys: credentials.keys, serverKey: credentials.serverKey)
                try socket.connect(endpoint)
                sockets.append(socket)
            }
        } else {
            let socket = try makeSocket(context)
            try socket.connect(endpoint)
            sockets.append(socket)
        }
        let clock = ContinuousClock()
        let subscribed = clock.now + .milliseconds(Int(waitTimeout * 1000))
        for socket in sockets {
            try socket.set(.receiveTimeout(max(.zero, clock.now.duration(to: subscribed))))
            guard try socket.receive() != nil else {
                throw ValidationError(
                    "no subscriber at \(endpoint) within \(waitTimeout) s: is `fleet ingest` listening there\(curve == nil ? "" : ", with these robots' public keys on its allowlist and the secret half of --server-key")?"
                )
            }
        }
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        let started = clock.now
        var frames = 0
        let firstOffset = records.first?.offsetNanos ?? 0
        let span = (records.last?.offsetNanos ?? 0) - firstOffset + 1
        // Event time covered by the recording, so a repeat continues after it.
        var firstTime = UInt64.max
        var lastTime: UInt64 = 0
        bytes.withUnsafeBytes { buffer in
            for record in records {
                guard let header = FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: buffer[record.frame])) else {
                    continue
                }
                firstTime = min(firstTime, header.timestampNanoseconds)
                lastTime = max(lastTime, header.timestampNanoseconds)
            }
        }
        let timeSpan = lastTime >= firstTime ? lastTime - firstTime + 100_000_000 : 0
        for round in 0..<repeats {
            for (sendIndex, (index, idOffset)) in plan.sends.enumerated() {
                let record = records[index]
                let socket = sockets[socketOfSend[sendIndex]]
                if let pace {
                    let due = Duration.nanoseconds(Int64(Double(frames) / pace * 1e9))
                    let wait = due - (clock.now - started)
                    if wait > .microseconds(100) {
                        Thread.sleep(
                            forTimeInterval: Double(wait.components.attoseconds) / 1e18
                                + Double(wait.components.seconds)
                        )
                    }
                } else if rate == .original {
                    let due = Duration.nanoseconds(Int64(record.offsetNanos - firstOffset + UInt64(round) * span))
                    let wait = due - (clock.now - started)
                    if wait > .microseconds(200) {
                        Thread.sleep(
                            forTimeInterval: Double(wait.components.attoseconds) / 1e18
                                + Double(wait.components.seconds)
                        )
                    }
                }
                let length = record.frame.count
                let needsRewrite = restamp || idOffset != 0 || round > 0
                if !needsRewrite {
                    _ = try bytes.withUnsafeBytes {
                        try socket.send(UnsafeRawBufferPointer(rebasing: $0[record.frame]))
                    }
                } else {
                    scratch.withUnsafeMutableBytes { out in
                        bytes.withUnsafeBytes { input in
                            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[record.frame]))
                        }
                        let frame = UnsafeMutableRawBufferPointer(rebasing: out[..<length])
                        let robot = FrameHeader.unverified(UnsafeRawBufferPointer(frame))?.robotID ?? 0
                        Self.rewrite(
                            frame,
                            idOffset: idOffset,
                            sequenceOffset: UInt32(round) &* (plan.sequenceSpan[robot] ?? 0),
                            timeOffset: UInt64(round) &* timeSpan,
                            restamp: restamp
                        )
                    }
                    _ = try scratch.withUnsafeBytes { try socket.send(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
                }
                frames += 1
            }
        }
        let elapsed = clock.now - started
        for socket in sockets { socket.close() }
        return (frames, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
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
    static func rewrite(
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
