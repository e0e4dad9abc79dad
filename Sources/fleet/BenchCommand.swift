import ArgumentParser
import FleetBench
import FleetRunner
import Foundation

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

    func run() async throws {
        let bench = Bench(configuration: try benchConfiguration())
        if readSide {
            try await bench.runReadSide()
        } else if sustained {
            try await bench.runSustained()
        } else {
            try await bench.runStandard()
        }
    }

    /// The options as the benchmark's configuration (the lists parsed; `validate` checked them).
    func benchConfiguration() throws -> Bench.Configuration {
        var configuration = Bench.Configuration()
        configuration.frames = frames
        configuration.rawMessages = rawMessages
        configuration.markdown = markdown
        configuration.duration = duration
        configuration.probeSeconds = probeSeconds
        configuration.probes = probes
        configuration.startRate = startRate
        configuration.peerFrames = peerFrames
        configuration.noPeers = noPeers
        configuration.peers = peers
        configuration.protocols = protocols
        configuration.noReadSide = noReadSide
        configuration.readSideDuration = readSideDuration
        configuration.timeline = timeline
        guard sustained else { return configuration }
        configuration.robotCounts = try Self.parseList(robots, option: "--robots") { Int($0) }
        configuration.modes = try Self.parseList(modes, option: "--modes") { SustainedSender.Mode(rawValue: $0) }
        configuration.kinds = try Self.parseList(kinds, option: "--kinds") { BenchKind(name: $0) }
        configuration.backends = try Self.parseList(backends, option: "--backends") {
            ["sqlite", "postgres", "postgres2"].contains($0) ? $0 : nil
        }
        return configuration
    }
}
