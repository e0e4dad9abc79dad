import FleetIngest
import FleetPostgres
import FleetRunner
import FleetStorage
import FleetStore
import Foundation
import Logging

extension SustainedBench {
    /// `fleet ingest` as a process of its own (what users run; its memory is its own), and
    /// `fleet replay` as one or more load generator processes (a socket per robot; more
    /// processes when one cannot hold that many), which connect every socket first and start
    /// together; for `seconds` at `rate`.
    func run(
        kind: BenchKind,
        robots: Int,
        mode: SustainedSender.Mode,
        rate: Double,
        seconds: Double,
        recording: String,
        keepLedger: Bool = false,
        keepDatabase: Bool = false
    ) async throws -> Run {
        let name = "\(kind)-\(robots)-\(mode.rawValue)-\(Int(rate))-\(UUID().uuidString.prefix(8))"
        let db = folder.appendingPathComponent("\(name).db").path
        var postgres: PostgresLocation?
        var storeArguments = ["--db", db]
        if case .postgres(let server, _) = backend {
            let location = try server.createDatabase()
            postgres = location
            storeArguments = ["--store", "\(location)", "--no-live-scoring"]
        }
        defer {
            if let postgres, case .postgres(let server, _) = backend {
                try? server.runAsServerUser(
                    "dropdb",
                    ["-h", postgres.host, "-p", "\(postgres.port)", "-U", postgres.user, postgres.database]
                )
            }
        }
        let processes = try await startProcesses(
            name: name,
            storeArguments: storeArguments,
            load: Load(robots: robots, mode: mode, rate: rate, seconds: seconds, recording: recording)
        )
        // What the generators will send (each sends pace × duration, rounded).
        let shards = processes.generators.count
        let expected = shards * Int((rate / Double(shards) * seconds).rounded())
        let watched = try await watch(processes, expected: expected)
        for ingester in processes.ingesters { await ingester.terminateAndWait() }
        guard let final = Self.combinedStatus(processes.ingesters), final.stopped else {
            let codes = processes.ingesters.map { "\($0.process.terminationStatus)" }.joined(separator: ", ")
            throw BenchError("bench \(name): fleet ingest exited \(codes) without its last status")
        }
        var result = Run(offered: rate)
        result.ingesterPeakKB = final.peakResidentKB
        result.ingesterCPUSeconds = final.cpuSeconds
        result.drainSeconds = max(0, (watched.lastChange - (watched.generatorsDone ?? watched.lastChange)).seconds)
        result.processes = shards
        let (finished, sent) = try Self.addSummaries(processes.generators, name: name, into: &result)
        if let allStoredAt = watched.allStoredAt, result.sent == expected {
            result.drainSeconds = max(0, Double(Int64(bitPattern: allStoredAt &- finished)) / 1e9)
        }
        result.stored = final.stored
        result.dropped = final.dropped
        result.ringP99 = Self.percentile(watched.occupancy.dropFirst(watched.occupancy.count / 10), 0.99)
        let latency = final.publishToCommitMicros
        result.latencyMs = (Double(latency.p50) / 1000, Double(latency.p99) / 1000, Double(latency.p999) / 1000)
        if keepLedger || keepDatabase {
            let database: any TelemetryReader =
                try postgres.map { try PostgresStore.open(location: $0, logger: Logger(label: "bench")) }
                ?? FleetDatabase(path: db, readOnly: true)
            if keepLedger { result.dropsPerRobot = try Self.dropsPerRobot(database) }
            if keepDatabase { result.exact = try Self.storedExactly(sent, in: database, name: name) }
        }
        // A PostgreSQL database's size is not a file's: the bytes-on-disk rows show SQLite.
        result.database = postgres == nil ? db : ""
        Self.log(result, kind: kind, robots: robots, mode: mode, seconds: seconds)
        if !keepDatabase { DiskUsage.remove(db) }
        return result
    }

    /// The load one run offers.
    struct Load {
        var robots: Int
        var mode: SustainedSender.Mode
        var rate: Double
        var seconds: Double
        var recording: String
    }

    /// The ingesters and the load generators of one run, each generator with its summary file.
    struct Processes {
        var ingesters: [BenchChild]
        var generators: [(child: BenchChild, summary: String)]

        func stopAll() async {
            for (generator, _) in generators { await generator.terminateAndWait() }
            for ingester in ingesters { await ingester.terminateAndWait() }
        }
    }

    /// Starts the ingesters, then the generators (each sends its share of the robots to one
    /// ingester); every generator connects all its sockets, then all start at once: a
    /// generator that sent while another still connected would starve it (two cores).
    private func startProcesses(name: String, storeArguments: [String], load: Load) async throws -> Processes {
        let clock = ContinuousClock()
        var processes = Processes(
            ingesters: try (0..<backend.ingesters).map { index in
                try BenchChild(
                    arguments: ["ingest"] + storeArguments + [
                        load.mode == .reliable ? "--reliable" : "--listen", "tcp://127.0.0.1:*",
                        "--status-every", "0.05", "--status-format", "json", "--log-level", "warning",
                    ] + (backend.ingesters > 1 ? ["--ingester-id", "bench-\(index)"] : [])
                )
            },
            generators: []
        )
        var endpoints: [String] = []
        for ingester in processes.ingesters {
            guard await ingester.wait(until: clock.now + .seconds(60), for: { $0.contains { $0.hasPrefix("{") } }),
                let endpoint = Self.status(ingester.lastLine)?.endpoints.first
            else {
                await processes.stopAll()
                throw BenchError("bench \(name): fleet ingest did not start (its error is above)")
            }
            endpoints.append(endpoint)
        }
        let needed = Self.processes(for: load.robots, mode: load.mode)
        let shards = (needed + endpoints.count - 1) / endpoints.count * endpoints.count
        let connectTimeout = max(120, Double(load.robots) / 25)
        for shard in 0..<shards {
            let summary = folder.appendingPathComponent("\(name)-\(shard).json").path
            let child = try BenchChild(arguments: [
                "replay", load.recording, "--connect", endpoints[shard % endpoints.count], "--robots",
                String(load.robots),
                "--pace", String(load.rate / Double(shards)), "--duration", String(load.seconds), "--restamp",
                "--summary", summary, "--shard", "\(shard)/\(shards)",
                "--wait-timeout", String(Int(connectTimeout)), "--start-on-stdin",
                load.mode == .reliable ? "--reliable" : "--socket-per-robot",
            ])
            processes.generators.append((child, summary))
        }
        let connectDeadline = clock.now + .seconds(Int(connectTimeout) + 30)
        for (generator, _) in processes.generators {
            guard await generator.wait(until: connectDeadline, for: { $0.contains("connected") }) else {
                await processes.stopAll()
                throw BenchError("bench \(name): a load generator did not connect its robots (its error is above)")
            }
        }
        for (generator, _) in processes.generators { generator.send("go") }
        return processes
    }

    /// What watching a run saw: ring occupancy while frames flowed, when the stored count
    /// last moved, when the generators finished, and the wall clock when all was stored.
    struct Watched {
        var occupancy: [Double] = []
        var lastChange: ContinuousClock.Instant
        var generatorsDone: ContinuousClock.Instant?
        var allStoredAt: UInt64?
    }

    /// Reads the ingesters' statuses until the generators are done and nothing more is stored
    /// (or an ingester exits, or a minute after the generators).
    private func watch(_ processes: Processes, expected: Int) async throws -> Watched {
        let clock = ContinuousClock()
        var watched = Watched(lastChange: clock.now)
        var lastStored = -1
        let started = clock.now
        var lastLine: (at: ContinuousClock.Instant, status: IngestStatusReporter.Status)?
        while true {
            try await Task.sleep(for: .milliseconds(50))
            guard let status = Self.combinedStatus(processes.ingesters) else { continue }
            if timeline, clock.now - (lastLine?.at ?? started) >= .seconds(1) {
                Self.printTimeline(status, since: lastLine, started: started)
                lastLine = (clock.now, status)
            }
            if status.received > 0 && watched.generatorsDone == nil { watched.occupancy.append(status.ringOccupancy) }
            if watched.allStoredAt == nil && status.stored >= expected { watched.allStoredAt = status.unixNanos }
            if status.stored != lastStored {
                lastStored = status.stored
                watched.lastChange = clock.now
            }
            if watched.generatorsDone == nil && processes.generators.allSatisfy({ !$0.child.process.isRunning }) {
                watched.generatorsDone = clock.now
            }
            if let done = watched.generatorsDone, clock.now - watched.lastChange > .seconds(1),
                clock.now - done > .seconds(1)
            {
                break
            }
            if let done = watched.generatorsDone, clock.now - done > .seconds(60) { break }
            if processes.ingesters.contains(where: \.closed) { break }
        }
        return watched
    }

    /// `--timeline`: the rates since the last line, the ring and the memory, on stderr.
    private static func printTimeline(
        _ status: IngestStatusReporter.Status,
        since lastLine: (at: ContinuousClock.Instant, status: IngestStatusReporter.Status)?,
        started: ContinuousClock.Instant
    ) {
        let now = ContinuousClock.now
        let seconds = (now - (lastLine?.at ?? started)).seconds
        let received = Double(status.received - (lastLine?.status.received ?? 0)) / seconds
        let stored = Double(status.stored - (lastLine?.status.stored ?? 0)) / seconds
        let line = String(
            format: "  t %5.1f s  received %7.0f/s  stored %7.0f/s  ring %3.0f%%  RSS %4d MB  dropped %d\n",
            (now - started).seconds,
            received,
            stored,
            status.ringOccupancy * 100,
            status.residentKB / 1024,
            status.dropped
        )
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// The ingesters' statuses as one (counts added up, the worst latency and ring).
    static func combinedStatus(_ ingesters: [BenchChild]) -> IngestStatusReporter.Status? {
        let statuses = ingesters.compactMap { status($0.lastLine) }
        guard statuses.count == ingesters.count else { return nil }
        return combine(statuses)
    }

    /// Adds every generator's summary to `result`; returns the latest last send (wall clock)
    /// and the digest of every frame sent.
    private static func addSummaries(
        _ generators: [(child: BenchChild, summary: String)],
        name: String,
        into result: inout Run
    ) throws -> (finished: UInt64, sent: FrameDigest) {
        var finished: UInt64 = 0
        var sent = FrameDigest()
        for (generator, summaryPath) in generators {
            guard generator.process.terminationStatus == 0 else {
                throw BenchError(
                    "bench \(name): fleet replay exited \(generator.process.terminationStatus) (its error is above)"
                )
            }
            let summary = try JSONDecoder().decode(
                SustainedSender.Summary.self,
                from: Data(contentsOf: URL(fileURLWithPath: summaryPath))
            )
            result.sent += summary.frames
            result.unacknowledged += summary.unacknowledged
            result.refused += summary.refused
            result.sendSeconds = max(result.sendSeconds, summary.seconds)
            result.flushSeconds = max(result.flushSeconds, summary.flushSeconds)
            result.connectSeconds = max(result.connectSeconds, summary.connectSeconds)
            result.generatorCPUSeconds += summary.cpuSeconds
            finished = max(finished, summary.finishedUnixNanos)
            result.sockets += summary.sockets
            sent = sent + summary.digest
            try? FileManager.default.removeItem(atPath: summaryPath)
        }
        return (finished, sent)
    }

    /// Frames each robot lost, from the loss ledger, in ascending order.
    private static func dropsPerRobot(_ database: any TelemetryReader) throws -> [Int] {
        var perRobot: [UInt32: Int] = [:]
        for record in try database.lossLedger(robotID: nil) {
            perRobot[record.robotID, default: 0] += record.dropped
        }
        return perRobot.values.sorted()
    }

    /// Every stored frame against every frame sent, byte for byte.
    private static func storedExactly(
        _ sent: FrameDigest,
        in database: any TelemetryReader,
        name: String
    ) throws
        -> Bool
    {
        var stored = FrameDigest()
        try database.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { _, frame in
            stored.add(frame)
        }
        if stored != sent {
            FileHandle.standardError.write(
                Data("bench \(name): stored \(stored.frames) frames, sent \(sent.frames); digests differ\n".utf8)
            )
        }
        return stored == sent
    }

    /// One line per run on stderr: what was sent and stored, and the verdict.
    private static func log(
        _ result: Run,
        kind: BenchKind,
        robots: Int,
        mode: SustainedSender.Mode,
        seconds: Double
    ) {
        let line =
            "bench: \(kind) \(robots) robots \(mode.rawValue) at \(Int(result.offered))/s for \(Int(seconds)) s: sent \(result.sent) "
            + "stored \(result.stored) dropped \(result.dropped), ring p99 \(Int(result.ringP99 * 100))%, "
            + String(
                format: "drain %.1f s, flush %.1f s, connect %.1f s",
                result.drainSeconds,
                result.flushSeconds,
                result.connectSeconds
            )
            + ", ingester \(result.ingesterPeakKB / 1024) MB"
            + (result.exact.map { $0 ? ", byte-exact" : ", NOT byte-exact" } ?? "")
            + " → \(result.verdict)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
