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

    @Argument(help: "Recording file.")
    var file: String

    @Option(help: "Endpoint of the ingester's SUB socket.")
    var connect: String

    @Option(help: "max: as fast as possible; original: at the recorded send times.")
    var rate: Replayer.Rate = .original

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
        if let shard { _ = try refusedAsUsage { try SustainedSender.Shard(parsing: shard) } }
        if repeat_ < 1 { throw ValidationError("--repeat must be at least 1") }
        if (serverKey == nil) != (robotSecrets == nil) {
            throw ValidationError("CURVE needs both --server-key (the ingester's public key) and --robot-secrets FILE")
        }
    }

    func run() throws {
        try refusedAsUsage { try replay() }
    }

    func replay() throws {
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

/// Runs `body`, reporting a fleet run the runner refused (no subscriber, a bad shard, a
/// missing key) as a bad option is reported: the message and the usage.
func refusedAsUsage<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as RunnerError {
        throw ValidationError(error.description)
    }
}
