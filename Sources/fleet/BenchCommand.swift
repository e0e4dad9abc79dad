import ArgumentParser
import FleetIngest
import FleetKeys
import FleetPostgres
import FleetProtocol
import Foundation
import Histogram
import Logging
import ServiceLifecycle
import ZeroMQ

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingestion against the limits of this machine and print a table.",
        discussion: """
            Measures, in one run: raw ZeroMQ throughput for the frame sizes the fleet
            sends, plain and with CURVE (what authenticating robots costs); end-to-end
            frames/s from `fleet replay --rate max` into SQLite for sanitation and humanoid
            frames, and their ratio to raw ZeroMQ; publish→commit latency p50/p99 at half
            that rate; bytes on disk per frame. Build in release mode first: swift build -c
            release --product fleet

            With --sustained, instead: the highest rate held for --duration with nothing
            lost and the ring flat, for every robot count and mode, with latency, memory,
            disk and the peers (BENCHMARKS.md, "Sustained load").

            Examples:
              .build/release/fleet bench --frames 300000 --markdown BENCHMARKS-table.md
              .build/release/fleet bench --sustained --duration 60 --robots 1000,10000
            """
    )

    @Option(help: "Frames per end-to-end run.")
    var frames = 300_000

    @Option(help: "Messages per raw ZeroMQ run.")
    var rawMessages = 2_000_000

    @Option(help: "Also write the table as Markdown to this file.")
    var markdown: String?

    @Flag(help: "Sustained load at fixed offered rates instead (see the discussion above).")
    var sustained = false

    @Option(help: "Sustained: seconds the best rate must hold.")
    var duration = 60.0

    @Option(help: "Sustained: seconds of each probe of the search (at most --duration).")
    var probeSeconds = 15.0

    @Option(help: "Sustained: probes per case before confirming.")
    var probes = 4

    @Option(help: "Sustained: the first offered rate probed, frames/s.")
    var startRate = 20_000.0

    @Option(help: "Sustained: robot counts, comma-separated.")
    var robots = "1000,10000"

    @Option(help: "Sustained: modes, comma-separated (reliable, pub).")
    var modes = "reliable,pub"

    @Option(help: "Sustained: frame kinds, comma-separated (sanitation, humanoid).")
    var kinds = "sanitation,humanoid"

    @Option(
        help:
            "Sustained: storage backends, comma-separated (sqlite; postgres: a throwaway PostgreSQL server, Debian's postgresql-15; postgres2: two ingesters into it, the robots split between them)."
    )
    var backends = "sqlite"

    @Option(help: "Sustained: frames fed to each peer.")
    var peerFrames = 20_000

    @Flag(help: "Sustained: skip the peers (naive Python ingester, InfluxDB).")
    var noPeers = false

    @Option(help: "Sustained: folder of the peer scripts.")
    var peers = "Benchmarks/peers"

    @Option(help: "Sustained: folder of the Python reference codec.")
    var protocols = "Protocols/python"

    @Flag(
        help: """
            The read side only: a 20-minute demo's bytes on disk, fleet score --recompute of a \
            20-minute 50-robot run, a 1-hour 1 s metric history over HTTP (--sustained includes it).
            """
    )
    var readSide = false

    @Flag(help: "Sustained: skip the read side.")
    var noReadSide = false

    @Option(help: "Read side: simulated seconds of each stored run.")
    var readSideDuration = 1200

    @Flag(help: "Sustained: print the ingester's status once a second during each run (rates, ring, memory).")
    var timeline = false

    func validate() throws {
        guard sustained else { return }
        if !(duration > 0) { throw ValidationError("--duration must be positive, got \(duration)") }
        if !(probeSeconds > 0) { throw ValidationError("--probe-seconds must be positive, got \(probeSeconds)") }
        if probes < 1 { throw ValidationError("--probes must be at least 1, got \(probes)") }
        if !(startRate > 0) { throw ValidationError("--start-rate must be positive, got \(startRate)") }
        _ = try Self.parseList(robots, option: "--robots") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
        _ = try Self.parseList(modes, option: "--modes") { SustainedSender.Mode(rawValue: $0) }
        _ = try Self.parseList(kinds, option: "--kinds") { BenchKind(name: $0) }
    }

    /// Comma-separated values, every one valid, or an error naming the option and the value.
    static func parseList<T>(_ text: String, option: String, _ parse: (String) -> T?) throws -> [T] {
        let values = try text.split(separator: ",").map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let value = parse(trimmed) else { throw ValidationError("\(option): '\(trimmed)' is not valid") }
            return value
        }
        if values.isEmpty { throw ValidationError("\(option) is empty") }
        return values
    }

    func runSustained() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        FileHandle.standardError.write(Data("bench: working in \(folder.path)\n".utf8))
        let backendNames = try Self.parseList(backends, option: "--backends") {
            ["sqlite", "postgres", "postgres2"].contains($0) ? $0 : nil
        }
        var postgres: ThrowawayPostgres?
        if backendNames.contains(where: { $0.hasPrefix("postgres") }) {
            postgres = try ThrowawayPostgres.start()
            FileHandle.standardError.write(Data("bench: PostgreSQL on 127.0.0.1:\(postgres!.port)\n".utf8))
        }
        defer { postgres?.stop() }
        var bench = SustainedBench(
            folder: folder,
            duration: duration,
            probeSeconds: min(probeSeconds, duration),
            probes: probes,
            startRate: startRate,
            robotCounts: try Self.parseList(robots, option: "--robots") { Int($0) },
            modes: try Self.parseList(modes, option: "--modes") { SustainedSender.Mode(rawValue: $0) },
            kinds: try Self.parseList(kinds, option: "--kinds") { BenchKind(name: $0) },
            timeline: timeline
        )
        bench.backends = backendNames.map { name in
            switch name {
            case "postgres": .postgres(postgres!, ingesters: 1)
            case "postgres2": .postgres(postgres!, ingesters: 2)
            default: .sqlite
            }
        }
        let peerBench =
            noPeers
            ? nil
            : PeerBench(
                peersFolder: URL(fileURLWithPath: peers).path,
                protocolsFolder: URL(fileURLWithPath: protocols).path,
                folder: folder
            )
        var rows = try await bench.table(rawMessages: rawMessages, peers: peerBench, peerFrames: peerFrames)
        if let postgres {
            rows += try await ForwardBench(folder: folder, postgres: postgres, frames: frames).rows()
        }
        if !noReadSide {
            rows += try await ReadSideBench(folder: folder, duration: readSideDuration).rows()
        }
        try printTable(rows, columns: ["measure", "value", "unit", "vs limit / note"])
    }

    func runReadSide() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        FileHandle.standardError.write(Data("bench: working in \(folder.path)\n".utf8))
        let rows = try await ReadSideBench(folder: folder, duration: readSideDuration).rows()
        try printTable(rows, columns: ["measure", "value", "unit", "vs goal"])
    }

    func printTable(_ rows: [[String]], columns: [String]) throws {
        let table = DataTable(columns: columns, rows: rows.map { $0.map { .text($0) } })
        print(table.render(.table), terminator: "")
        if let markdown {
            var text = "| " + columns.joined(separator: " | ") + " |\n|---|---:|---|---|\n"
            for row in rows { text += "| " + row.joined(separator: " | ") + " |\n" }
            try text.write(toFile: markdown, atomically: true, encoding: .utf8)
        }
    }

    func run() async throws {
        if readSide {
            try await runReadSide()
            return
        }
        if sustained {
            try await runSustained()
            return
        }
        var rows: [[String]] = []
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        FileHandle.standardError.write(Data("bench: working in \(folder.path)\n".utf8))

        for kind in [BenchKind.sanitation, .humanoid] {
            let raw = try RawZeroMQ.pushPull(messageSize: kind.frameSize, count: rawMessages)
            rows.append(["raw ZeroMQ PUSH/PULL tcp, \(kind.frameSize) B", format(raw), "msg/s", "limit"])
            let curve = try RawZeroMQ.pushPull(messageSize: kind.frameSize, count: rawMessages / 2, curve: true)
            rows.append([
                "  the same with CURVE + allowlist + User-Id read", format(curve), "msg/s",
                String(format: "%.1f%% of raw", curve / raw * 100),
            ])

            let recording = folder.appendingPathComponent("\(kind).ftrec").path
            try kind.writeRecording(to: recording, frames: frames)
            let run = try await EndToEnd(folder: folder, name: "\(kind)").throughput(recording: recording)
            rows.append([
                "fleet replay --rate max → SQLite, \(kind)", format(run.framesPerSecond), "frames/s",
                String(format: "%.1f%% of raw", run.framesPerSecond / raw * 100),
            ])
            rows.append(["  frames stored / dropped (ring full)", run.accounting(of: frames), "frames", ""])
            let secured = try await EndToEnd(folder: folder, name: "\(kind)-curve").throughput(
                recording: recording,
                curve: true
            )
            rows.append([
                "  the same with CURVE, a socket and key per robot", format(secured.framesPerSecond), "frames/s",
                String(format: "%.1f%% of plain", secured.framesPerSecond / run.framesPerSecond * 100),
            ])
            rows.append(["  frames stored / dropped (ring full), CURVE", secured.accounting(of: frames), "frames", ""])
            rows.append([
                "  bytes on disk per frame (\(kind.frameSize) B on the wire)",
                String(format: "%.0f", run.bytesPerFrame), "B", "",
            ])

            let pace = max(1000, run.framesPerSecond / 2)
            let latency = try await EndToEnd(folder: folder, name: "\(kind)-latency").latency(
                recording: recording,
                pace: pace
            )
            rows.append([
                "publish→commit at \(format(pace)) frames/s, \(kind)",
                String(format: "p50 %.1f / p99 %.1f", latency.p50, latency.p99), "ms", "",
            ])
        }
        try printTable(rows, columns: ["measure", "value", "unit", "vs limit"])
    }

    private func format(_ value: Double) -> String {
        value >= 1e6 ? String(format: "%.2f M", value / 1e6) : String(format: "%.0f k", value / 1e3)
    }
}

enum BenchKind: CustomStringConvertible {
    case sanitation
    case humanoid

    var description: String { self == .sanitation ? "sanitation" : "humanoid" }

    init?(name: String) {
        switch name {
        case "sanitation": self = .sanitation
        case "humanoid": self = .humanoid
        default: return nil
        }
    }
    var frameSize: Int {
        self == .sanitation ? MessageType.sanitationState.frameSize : MessageType.humanoidState.frameSize
    }

    /// A recording of robots sending state at their usual rates (10 Hz / 50 Hz of event
    /// time), values varying like telemetry does.
    func writeRecording(to path: String, frames: Int) throws {
        let robots = self == .sanitation ? 200 : 50
        let period: UInt64 = self == .sanitation ? 100_000_000 : 20_000_000
        var file = Recording.header(startUnixNanos: 0)
        file.reserveCapacity(16 + frames * (frameSize + 12))
        var buffer = [UInt8](repeating: 0, count: MessageType.maximumFrameSize)
        let start: UInt64 = 1_800_000_000_000_000_000
        for index in 0..<frames {
            let robot = UInt32(index % robots) + 1
            let step = UInt64(index / robots)
            let t = Double(step) * Double(period) / 1e9
            let message: FleetProtocol.Message
            if self == .sanitation {
                message = .sanitationState(
                    SanitationState(
                        x: 10 + 5 * cos(t / 30),
                        y: Double(robot),
                        energyUsed: t * 0.2,
                        distance: t * 0.8,
                        areaCleaned: t * 0.5,
                        heading: Float(t.truncatingRemainder(dividingBy: 6.28)) - 3.14,
                        speed: 0.8,
                        turnRate: 0.1,
                        brushRpm: 120,
                        suction: 60,
                        waterFlow: 0,
                        hopperFill: Float(step % 100),
                        cleanWater: 90,
                        dirtyWater: 5,
                        batterySOC: 100 - Float(step % 1000) / 20,
                        batteryVoltage: 48,
                        batteryCurrent: 12,
                        batteryTemperature: 31,
                        mode: .auto,
                        status: .cleaning,
                        brushDown: true,
                        spraying: false
                    )
                )
            } else {
                var joints = JointArray(repeating: 0)
                for j in 0..<24 { joints[j] = Float(sin(t + Double(j))) * 0.5 }
                message = .humanoidState(
                    HumanoidState(
                        x: 3,
                        y: Double(robot),
                        energyUsed: t * 0.3,
                        baseHeight: 0.9,
                        heading: 0.5,
                        speed: 0.6,
                        orientationW: 1,
                        orientationX: 0,
                        orientationY: 0,
                        orientationZ: 0,
                        gyroX: 0,
                        gyroY: 0,
                        gyroZ: 0.1,
                        accelX: 0,
                        accelY: 0,
                        accelZ: 9.81,
                        batterySOC: 80,
                        batteryVoltage: 52,
                        batteryCurrent: 8,
                        batteryTemperature: 33,
                        jointPosition: joints,
                        jointVelocity: joints,
                        jointEffort: joints,
                        jointTemperature: joints,
                        taskPhase: .walking,
                        mode: .auto,
                        itemsPicked: 1,
                        itemsPlaced: 1,
                        falls: 0,
                        getUps: 0
                    )
                )
            }
            let length = buffer.withUnsafeMutableBytes {
                FrameEncoder.encode(
                    message,
                    robotID: robot,
                    bootEpoch: 0,
                    sequence: UInt32(step),
                    timestampNanoseconds: start + step * period,
                    flags: FrameHeader.simulatedTimeFlag,
                    into: $0
                )
            }
            buffer.withUnsafeBytes {
                Recording.appendRecord(
                    UnsafeRawBufferPointer(rebasing: $0[..<length]),
                    offsetNanos: step * period,
                    to: &file
                )
            }
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
    }
}

/// Raw ZeroMQ throughput between two threads over loopback TCP: the ceiling ingestion is
/// measured against.
enum RawZeroMQ {
    /// Messages per second from one PUSH to one PULL over loopback TCP. With `curve`, the
    /// connection is CURVE-encrypted, admitted by a ZAP handler holding an allowlist, and the
    /// receiver reads every message's User-Id as the authenticated ingester does.
    static func pushPull(messageSize: Int, count: Int, curve: Bool = false) throws -> Double {
        let context = try Context()
        defer { context.terminate() }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let zap =
            try curve
            ? ZAPHandler(context: context) { request in
                request.clientKey == client.publicKey
                    ? .allow(userID: "1") : .deny(.authenticationFailure, reason: "unknown")
            } : nil
        defer { zap?.stop() }
        let pull = try Socket(context, type: .pull, options: [.receiveHighWaterMark(100_000), .linger(.zero)])
        if curve { try pull.makeCurveServer(keys: server) }
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint!
        let sender = try DedicatedThread.start(name: "bench-push") {
            do {
                let push = try Socket(
                    context,
                    type: .push,
                    options: [.sendHighWaterMark(100_000), .linger(.seconds(5))]
                )
                if curve { try push.makeCurveClient(keys: client, serverKey: server.publicKey) }
                try push.connect(endpoint)
                let payload = [UInt8](repeating: 0x5A, count: messageSize)
                try payload.withUnsafeBytes { bytes in
                    for _ in 0..<count { _ = try push.send(bytes) }
                }
                push.close()
            } catch {
                FileHandle.standardError.write(Data("bench: push failed: \(error)\n".utf8))
            }
        }
        let message = ZMQMessage()
        guard try pull.receive(into: message) else { throw ValidationError("raw ZeroMQ: nothing arrived") }
        let clock = ContinuousClock()
        let started = clock.now
        var identified = 0
        for _ in 1..<count {
            _ = try pull.receive(into: message)
            if curve { identified += message.withUserID { $0?.count ?? 0 } }
        }
        let elapsed = clock.now - started
        sender.join()
        if curve && identified != count - 1 { throw ValidationError("raw ZeroMQ CURVE: messages without a User-Id") }
        return Double(count - 1) / elapsed.seconds
    }
}

/// One end-to-end run: an ingest service in this process, `fleet replay` as another.
struct EndToEnd {
    let folder: URL
    let name: String

    struct Throughput {
        var framesPerSecond: Double
        var stored: Int
        var dropped: Int
        var bytesPerFrame: Double

        /// "stored / dropped", and what never arrived if anything did not (pub mode loses
        /// nothing on loopback, so that would be a finding).
        func accounting(of sent: Int) -> String {
            let lost = sent - stored - dropped
            return "\(stored) / \(dropped)" + (lost != 0 ? " (\(lost) never arrived)" : "")
        }
    }

    /// With `curve`, the ingester authenticates every robot of the recording (fresh keys) and
    /// the replay sends each robot from its own CURVE socket.
    func throughput(recording: String, curve: Bool = false) async throws -> Throughput {
        let db = folder.appendingPathComponent("\(name).db").path
        var authentication: IngestService.Authentication?
        var replayArguments = ["--rate", "max"]
        if curve {
            let (keys, secretsFile) = try makeKeys(recording: recording)
            authentication = keys
            replayArguments += ["--server-key", keys.serverKeys.publicKey.z85, "--robot-secrets", secretsFile]
        }
        let (service, group) = try start(db: db, authentication: authentication)
        async let running: Void = group.run()
        let endpoint = try await service.boundEndpoints()[0]
        let replay = try replayProcess(recording, endpoint, replayArguments)
        // Sample the stored count; the rate is taken between 5% and 95% of the final count,
        // so start-up and the last partial batch do not count.
        let clock = ContinuousClock()
        var samples: [(ContinuousClock.Instant, Int)] = []
        var quietSince = clock.now
        var last = (-1, -1)
        while true {
            try await Task.sleep(for: .milliseconds(5))
            let stored = service.metrics.snapshot.stored
            samples.append((clock.now, stored))
            // Done when nothing more arrives and nothing more is stored: with CURVE, frames
            // still trickle in from the decrypting I/O thread after the replay has exited.
            let now = (stored, service.currentMetrics().received)
            if now != last {
                last = now
                quietSince = clock.now
            } else if !replay.isRunning && clock.now - quietSince > .milliseconds(800) {
                break
            }
        }
        await group.triggerGracefulShutdown()
        try await running
        // A replay that failed (its error is on stderr above) must not pass for a slow one.
        guard replay.terminationStatus == 0 else {
            throw ValidationError("bench \(name): fleet replay exited \(replay.terminationStatus)")
        }
        let final = samples.last!.1
        let low = samples.first { $0.1 >= final / 20 }!
        let high = samples.first { $0.1 >= final - final / 20 }!
        let rate = Double(high.1 - low.1) / max((high.0 - low.0).seconds, 1e-6)
        let snapshot = service.metrics.snapshot
        let size = [db, db + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }
            .reduce(0, +)
        return Throughput(
            framesPerSecond: rate,
            stored: final,
            dropped: snapshot.counters.dropped,
            bytesPerFrame: Double(size) / Double(max(final, 1))
        )
    }

    func latency(recording: String, pace: Double) async throws -> (p50: Double, p99: Double) {
        let db = folder.appendingPathComponent("\(name).db").path
        let (service, group) = try start(db: db)
        async let running: Void = group.run()
        let endpoint = try await service.boundEndpoints()[0]
        let replay = try replayProcess(recording, endpoint, ["--restamp", "--pace", String(Int(pace))])
        while replay.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(500))
        await group.triggerGracefulShutdown()
        try await running
        let histogram = service.metrics.snapshot.publishToCommit
        return (Double(histogram.valueAtPercentile(50)) / 1000, Double(histogram.valueAtPercentile(99)) / 1000)
    }

    /// Fresh keys for every sender of `recording`: the ingester's side, and the replay's
    /// secrets written to a file.
    private func makeKeys(recording: String) throws -> (IngestService.Authentication, String) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: recording)))
        var ids = Set<UInt32>()
        try bytes.withUnsafeBytes { buffer in
            for record in try Recording.parse(buffer).records {
                if let header = FrameHeader.unverified(UnsafeRawBufferPointer(rebasing: buffer[record.frame])) {
                    ids.insert(header.robotID)
                }
            }
        }
        let (allowlist, secrets) = try RobotKeyring.generatePairs(for: ids.sorted())
        let file = folder.appendingPathComponent("\(name).secret").path
        try KeyFiles.save(secrets.text(), to: file, secret: true)
        return (IngestService.Authentication(serverKeys: try CurveKeyPair.generate(), allowlist: allowlist), file)
    }

    private func start(
        db: String,
        authentication: IngestService.Authentication? = nil
    ) throws -> (IngestService, ServiceGroup) {
        var logger = Logger(label: "fleet.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        var configuration = IngestService.Configuration(databasePath: db, listen: "tcp://127.0.0.1:*")
        configuration.authentication = authentication
        configuration.statusInterval = nil
        let service = try IngestService(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [service], logger: logger)
        return (service, group)
    }

    private func replayProcess(_ recording: String, _ endpoint: String, _ extra: [String]) throws -> Process {
        let process = Process()
        // This very binary, wherever it was started from.
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["replay", recording, "--connect", endpoint] + extra
        try process.run()
        return process
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
