import FleetConsole
import FleetPostgres
public import FleetRunner
import Foundation

/// `fleet bench`: measures ingestion against the limits of this machine and prints a table.
/// The command parses the options into a `Configuration` and calls one of the runs.
public struct Bench: Sendable {
    /// What to measure, and how long; validated by the command.
    public struct Configuration: Sendable {
        /// Frames per end-to-end run.
        public var frames = 300_000
        /// Messages per raw ZeroMQ run.
        public var rawMessages = 2_000_000
        /// Also write the table as Markdown to this file.
        public var markdown: String?
        /// Sustained: seconds the best rate must hold.
        public var duration = 60.0
        /// Sustained: seconds of each probe of the search (at most `duration`).
        public var probeSeconds = 15.0
        /// Sustained: probes per case before confirming.
        public var probes = 4
        /// Sustained: the first offered rate probed, frames/s.
        public var startRate = 20_000.0
        public var robotCounts = [1000, 10000]
        public var modes: [SustainedSender.Mode] = [.reliable, .pub]
        public var kinds: [BenchKind] = [.sanitation, .humanoid]
        /// Sustained: storage backends (sqlite, postgres, postgres2: two ingesters).
        public var backends = ["sqlite"]
        /// Sustained: frames fed to each peer.
        public var peerFrames = 20_000
        /// Sustained: skip the peers (naive Python ingester, InfluxDB).
        public var noPeers = false
        /// Sustained: folder of the peer scripts.
        public var peers = "Benchmarks/peers"
        /// Sustained: folder of the Python reference codec.
        public var protocols = "Protocols/python"
        /// Sustained: skip the read side.
        public var noReadSide = false
        /// Read side: simulated seconds of each stored run.
        public var readSideDuration = 1200
        /// Sustained: print the ingester's status once a second during each run.
        public var timeline = false

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// End to end against raw ZeroMQ: throughput plain and with CURVE, latency at half that
    /// rate, bytes on disk per frame, for sanitation and humanoid frames.
    public func runStandard() async throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var rows: [[String]] = []
        for kind in [BenchKind.sanitation, .humanoid] {
            rows += try await standardRows(kind, folder: folder)
        }
        try printTable(rows, columns: ["measure", "value", "unit", "vs limit"])
    }

    /// The highest rate held for `duration` with nothing lost and the ring flat, for every
    /// robot count, mode and backend; then forwarding, the read side and the peers.
    public func runSustained() async throws {
        let c = configuration
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var postgres: ThrowawayPostgres?
        if c.backends.contains(where: { $0.hasPrefix("postgres") }) {
            postgres = try ThrowawayPostgres.start()
            FileHandle.standardError.write(Data("bench: PostgreSQL on 127.0.0.1:\(postgres!.port)\n".utf8))
        }
        defer { postgres?.stop() }
        var bench = SustainedBench(
            folder: folder,
            duration: c.duration,
            probeSeconds: min(c.probeSeconds, c.duration),
            probes: c.probes,
            startRate: c.startRate,
            robotCounts: c.robotCounts,
            modes: c.modes,
            kinds: c.kinds,
            timeline: c.timeline
        )
        bench.backends = c.backends.map { name in
            switch name {
            case "postgres": .postgres(postgres!, ingesters: 1)
            case "postgres2": .postgres(postgres!, ingesters: 2)
            default: .sqlite
            }
        }
        let peerBench =
            c.noPeers
            ? nil
            : PeerBench(
                peersFolder: URL(fileURLWithPath: c.peers).path,
                protocolsFolder: URL(fileURLWithPath: c.protocols).path,
                folder: folder
            )
        var rows = try await bench.table(rawMessages: c.rawMessages, peers: peerBench, peerFrames: c.peerFrames)
        if let postgres {
            rows += try await ForwardBench(folder: folder, postgres: postgres, frames: c.frames).rows()
        }
        if !c.noReadSide {
            rows += try await ReadSideBench(folder: folder, duration: c.readSideDuration).rows()
        }
        try printTable(rows, columns: ["measure", "value", "unit", "vs limit / note"])
    }

    /// The read side only: a demo's bytes on disk, a recompute, a metric history over HTTP.
    public func runReadSide() async throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = try await ReadSideBench(folder: folder, duration: configuration.readSideDuration).rows()
        try printTable(rows, columns: ["measure", "value", "unit", "vs goal"])
    }

    /// A fresh working folder under the temporary directory, named on stderr.
    private static func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        FileHandle.standardError.write(Data("bench: working in \(folder.path)\n".utf8))
        return folder
    }

    /// One kind's rows of the standard table.
    private func standardRows(_ kind: BenchKind, folder: URL) async throws -> [[String]] {
        let (frames, rawMessages) = (configuration.frames, configuration.rawMessages)
        var rows: [[String]] = []
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
        return rows
    }

    /// The table on stdout, and as Markdown to `markdown` if given.
    private func printTable(_ rows: [[String]], columns: [String]) throws {
        let table = DataTable(columns: columns, rows: rows.map { $0.map { .text($0) } })
        print(table.render(.table), terminator: "")
        if let markdown = configuration.markdown {
            var text = "| " + columns.joined(separator: " | ") + " |\n|---|---:|---|---|\n"
            for row in rows { text += "| " + row.joined(separator: " | ") + " |\n" }
            try text.write(toFile: markdown, atomically: true, encoding: .utf8)
        }
    }

    private func format(_ value: Double) -> String {
        value >= 1e6 ? String(format: "%.2f M", value / 1e6) : String(format: "%.0f k", value / 1e3)
    }
}
