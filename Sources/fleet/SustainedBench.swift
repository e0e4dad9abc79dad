import ArgumentParser
import FleetIngest
import FleetPostgres
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation
import Histogram
import Logging
import ServiceLifecycle

/// The sustained-load benchmark: at a fixed offered rate, for a fixed time, how much the
/// ingester holds with nothing lost and its ring flat; then latency at half that, what it
/// costs in memory and disk, what happens at twice that, and the peers fed the same frames.
struct SustainedBench {
    var folder: URL
    var duration: Double
    var probeSeconds: Double
    var probes: Int
    var startRate: Double
    var robotCounts: [Int]
    var modes: [SustainedSender.Mode]
    var kinds: [BenchKind]
    /// Print the ingester's status once a second during each run.
    var timeline = false
    /// Where the ingester stores: its SQLite file, or a database on this PostgreSQL server.
    var backend: Backend = .sqlite
    /// The backends each case runs on (the table has a row for each).
    var backends: [Backend] = [.sqlite]

    enum Backend {
        case sqlite
        /// `ingesters` ingester processes writing one database, the robots split between
        /// them (each generator sends to one).
        case postgres(ThrowawayPostgres, ingesters: Int)

        var name: String {
            switch self {
            case .sqlite: "SQLite"
            case .postgres(_, 1): "PostgreSQL"
            case .postgres(_, let n): "PostgreSQL, \(n) ingesters"
            }
        }

        var ingesters: Int {
            if case .postgres(_, let n) = self { return n }
            return 1
        }
    }

    /// What one run at one offered rate measured.
    struct Run {
        var offered: Double
        var sent = 0
        var stored = 0
        var dropped = 0
        var unacknowledged = 0
        var refused = 0
        var sendSeconds = 0.0
        var flushSeconds = 0.0
        /// Backlog at the end: seconds from the generators' last send until the last frame was
        /// stored (when not all were: until the stored count stopped moving).
        var drainSeconds = 0.0
        var generatorCPUSeconds = 0.0
        var ingesterCPUSeconds = 0.0
        /// Seconds the slowest generator took to connect all its sockets.
        var connectSeconds = 0.0
        /// Every stored frame equals one sent, none missing or extra (checked on kept runs).
        var exact: Bool?
        var sockets = 0
        var processes = 0
        var ringP99 = 0.0
        var ingesterPeakKB = 0
        var latencyMs = (p50: 0.0, p99: 0.0, p999: 0.0)
        var dropsPerRobot: [Int] = []
        var database = ""
        /// Why the run could not be made at all, if it could not.
        var failure: String?

        var lost: Int { sent - stored }
        /// The generator sent at the offered rate (a starved generator offers less).
        var generatorKeptPace: Bool { sendSeconds <= Double(sent) / offered * 1.05 + 0.5 }
        var flat: Bool { ringP99 <= 0.5 && drainSeconds <= 2 }
        var held: Bool {
            failure == nil && lost == 0 && dropped == 0 && refused == 0 && unacknowledged == 0 && flat
                && generatorKeptPace && exact != false
        }

        /// Why a run did not hold, for the table's probe list.
        var verdict: String {
            if let failure { return "run failed: \(failure)" }
            if held { return "held" }
            var reasons: [String] = []
            if lost != 0 || unacknowledged != 0 || refused != 0 {
                reasons.append("\(lost + refused) lost")
            }
            if dropped != 0 { reasons.append("\(dropped) dropped") }
            if ringP99 > 0.5 { reasons.append(String(format: "ring p99 %.0f%%", ringP99 * 100)) }
            if drainSeconds > 2 { reasons.append(String(format: "backlog %.1f s", drainSeconds)) }
            if !generatorKeptPace { reasons.append("generator behind") }
            if exact == false { reasons.append("stored frames differ from those sent") }
            return reasons.joined(separator: ", ")
        }
    }

    /// The outcome of the search for one (kind, robots, mode).
    struct Capacity {
        var kind: BenchKind
        var robots: Int
        var mode: SustainedSender.Mode
        var backend = "SQLite"
        var probes: [Run] = []
        var confirmed: Run?
        var latency: Run?
        var rate: Double? { confirmed.map { $0.held ? $0.offered : nil } ?? nil }
    }

    // MARK: Search

    /// Probes at a few rates (doubling until one fails, then bisecting), then runs the best
    /// held rate for the full duration, stepping down 20% once if that does not hold.
    func capacity(
        kind: BenchKind,
        robots: Int,
        mode: SustainedSender.Mode,
        recording: String
    ) async throws
        -> Capacity
    {
        var result = Capacity(kind: kind, robots: robots, mode: mode, backend: backend.name)
        var best: Double?
        var failed: Double?
        var rate = startRate
        for _ in 0..<probes {
            let run = await self.attempt(
                kind: kind,
                robots: robots,
                mode: mode,
                rate: rate,
                seconds: probeSeconds,
                recording: recording
            )
            result.probes.append(run)
            if run.held { best = max(best ?? 0, rate) } else { failed = min(failed ?? .infinity, rate) }
            if let low = best, let high = failed {
                if high / low < 1.15 { break }
                rate = ((low + high) / 2).rounded()
            } else if let high = failed {
                rate = (high / 2).rounded()
            } else {
                rate *= 2
            }
        }
        guard var confirmRate = best else { return result }
        for attempt in 0..<2 {
            let run = await self.attempt(
                kind: kind,
                robots: robots,
                mode: mode,
                rate: confirmRate,
                seconds: duration,
                recording: recording,
                keepDatabase: true
            )
            if let previous = result.confirmed { DiskUsage.remove(previous.database) }
            result.confirmed = run
            if run.held || attempt == 1 { break }
            confirmRate = (confirmRate * 0.8).rounded()
        }
        if let held = result.rate {
            result.latency = await self.attempt(
                kind: kind,
                robots: robots,
                mode: mode,
                rate: (held / 2).rounded(),
                seconds: probeSeconds,
                recording: recording
            )
        }
        return result
    }

    // MARK: One run

    /// `run`, with a run that could not be made (a generator that failed to connect, say)
    /// counted as not held, its error as the reason, so one bad run does not lose the table.
    func attempt(
        kind: BenchKind,
        robots: Int,
        mode: SustainedSender.Mode,
        rate: Double,
        seconds: Double,
        recording: String,
        keepLedger: Bool = false,
        keepDatabase: Bool = false
    ) async -> Run {
        do {
            return try await run(
                kind: kind,
                robots: robots,
                mode: mode,
                rate: rate,
                seconds: seconds,
                recording: recording,
                keepLedger: keepLedger,
                keepDatabase: keepDatabase
            )
        } catch {
            FileHandle.standardError.write(
                Data("bench: \(kind) \(robots) robots \(mode.rawValue) at \(Int(rate))/s: \(error)\n".utf8)
            )
            var failed = Run(offered: rate)
            failed.failure = "\(error)"
            return failed
        }
    }

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
        let clock = ContinuousClock()
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
        let ingesters = try (0..<backend.ingesters).map { index in
            try BenchChild(
                arguments: ["ingest"] + storeArguments + [
                    mode == .reliable ? "--reliable" : "--listen", "tcp://127.0.0.1:*",
                    "--status-every", "0.05", "--status-format", "json", "--log-level", "warning",
                ] + (backend.ingesters > 1 ? ["--ingester-id", "bench-\(index)"] : [])
            )
        }
        var generators: [(BenchChild, String)] = []
        func stopAll() async {
            for (generator, _) in generators { await generator.terminateAndWait() }
            for ingester in ingesters { await ingester.terminateAndWait() }
        }
        var endpoints: [String] = []
        for ingester in ingesters {
            guard await ingester.wait(until: clock.now + .seconds(60), for: { $0.contains { $0.hasPrefix("{") } }),
                let endpoint = Self.status(ingester.lastLine)?.endpoints.first
            else {
                await stopAll()
                throw ValidationError("bench \(name): fleet ingest did not start (its error is above)")
            }
            endpoints.append(endpoint)
        }
        // The ingesters' statuses as one (counts added up, the worst latency and ring).
        func combinedStatus() -> IngestStatusReporter.Status? {
            let statuses = ingesters.compactMap { Self.status($0.lastLine) }
            guard statuses.count == ingesters.count else { return nil }
            return Self.combine(statuses)
        }

        // Each generator sends its share of the robots to one ingester.
        let needed = Self.processes(for: robots, mode: mode)
        let shards = (needed + ingesters.count - 1) / ingesters.count * ingesters.count
        let connectTimeout = max(120, Double(robots) / 25)
        for shard in 0..<shards {
            let summary = folder.appendingPathComponent("\(name)-\(shard).json").path
            generators.append(
                (
                    try BenchChild(arguments: [
                        "replay", recording, "--connect", endpoints[shard % endpoints.count], "--robots",
                        String(robots),
                        "--pace", String(rate / Double(shards)), "--duration", String(seconds), "--restamp",
                        "--summary", summary, "--shard", "\(shard)/\(shards)",
                        "--wait-timeout", String(Int(connectTimeout)), "--start-on-stdin",
                        mode == .reliable ? "--reliable" : "--socket-per-robot",
                    ]), summary
                )
            )
        }
        // Every generator connects all its sockets, then all start at once: a generator that
        // sent while another still connected would starve it (two cores).
        let connectDeadline = clock.now + .seconds(Int(connectTimeout) + 30)
        for (generator, _) in generators {
            guard await generator.wait(until: connectDeadline, for: { $0.contains("connected") }) else {
                await stopAll()
                throw ValidationError("bench \(name): a load generator did not connect its robots (its error is above)")
            }
        }
        for (generator, _) in generators { generator.send("go") }

        // Ring occupancy while frames flow, and when the stored count last moved.
        var occupancy: [Double] = []
        var lastStored = -1
        var lastChange = clock.now
        var generatorsDone: ContinuousClock.Instant?
        // What the generators will send (each sends pace × duration, rounded), and the wall
        // clock when all of it was stored.
        let expected = shards * Int((rate / Double(shards) * seconds).rounded())
        var allStoredAt: UInt64?
        let started = clock.now
        var lastLine: (at: ContinuousClock.Instant, status: IngestStatusReporter.Status)?
        while true {
            try await Task.sleep(for: .milliseconds(50))
            guard let status = combinedStatus() else { continue }
            if timeline, clock.now - (lastLine?.at ?? started) >= .seconds(1) {
                let seconds = (clock.now - (lastLine?.at ?? started)).seconds
                let received = Double(status.received - (lastLine?.status.received ?? 0)) / seconds
                let stored = Double(status.stored - (lastLine?.status.stored ?? 0)) / seconds
                let line = String(
                    format: "  t %5.1f s  received %7.0f/s  stored %7.0f/s  ring %3.0f%%  RSS %4d MB  dropped %d\n",
                    (clock.now - started).seconds,
                    received,
                    stored,
                    status.ringOccupancy * 100,
                    status.residentKB / 1024,
                    status.dropped
                )
                FileHandle.standardError.write(Data(line.utf8))
                lastLine = (clock.now, status)
            }
            if status.received > 0 && generatorsDone == nil { occupancy.append(status.ringOccupancy) }
            if allStoredAt == nil && status.stored >= expected { allStoredAt = status.unixNanos }
            if status.stored != lastStored {
                lastStored = status.stored
                lastChange = clock.now
            }
            if generatorsDone == nil && generators.allSatisfy({ !$0.0.process.isRunning }) {
                generatorsDone = clock.now
            }
            if let done = generatorsDone, clock.now - lastChange > .seconds(1), clock.now - done > .seconds(1) {
                break
            }
            if let done = generatorsDone, clock.now - done > .seconds(60) { break }
            if ingesters.contains(where: \.closed) { break }
        }
        for ingester in ingesters { await ingester.terminateAndWait() }
        guard let final = combinedStatus(), final.stopped else {
            let codes = ingesters.map { "\($0.process.terminationStatus)" }.joined(separator: ", ")
            throw ValidationError("bench \(name): fleet ingest exited \(codes) without its last status")
        }
        var result = Run(offered: rate)
        result.ingesterPeakKB = final.peakResidentKB
        result.ingesterCPUSeconds = final.cpuSeconds
        result.drainSeconds = max(0, (lastChange - (generatorsDone ?? lastChange)).seconds)
        result.processes = shards
        var finished: UInt64 = 0
        var sent = FrameDigest()
        for (generator, summaryPath) in generators {
            guard generator.process.terminationStatus == 0 else {
                throw ValidationError(
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
        if let allStoredAt, result.sent == expected {
            result.drainSeconds = max(0, Double(Int64(bitPattern: allStoredAt &- finished)) / 1e9)
        }
        result.stored = final.stored
        result.dropped = final.dropped
        result.ringP99 = Self.percentile(occupancy.dropFirst(occupancy.count / 10), 0.99)
        let latency = final.publishToCommitMicros
        result.latencyMs = (Double(latency.p50) / 1000, Double(latency.p99) / 1000, Double(latency.p999) / 1000)
        if keepLedger || keepDatabase {
            let database: any TelemetryReader =
                try postgres.map { try PostgresStore.open(location: $0, logger: Logger(label: "bench")) }
                ?? FleetDatabase(path: db, readOnly: true)
            if keepLedger {
                var perRobot: [UInt32: Int] = [:]
                for record in try database.lossLedger(robotID: nil) {
                    perRobot[record.robotID, default: 0] += record.dropped
                }
                result.dropsPerRobot = perRobot.values.sorted()
            }
            if keepDatabase {
                // Every stored frame against every frame sent, byte for byte.
                var stored = FrameDigest()
                try database.forEachStoredFrame(from: 0, to: UInt64(Int64.max), robotID: nil) { _, frame in
                    stored.add(frame)
                }
                result.exact = stored == sent
                if stored != sent {
                    FileHandle.standardError.write(
                        Data(
                            "bench \(name): stored \(stored.frames) frames, sent \(sent.frames); digests differ\n".utf8
                        )
                    )
                }
            }
        }
        // A PostgreSQL database's size is not a file's: the bytes-on-disk rows show SQLite.
        result.database = postgres == nil ? db : ""
        let line =
            "bench: \(kind) \(robots) robots \(mode.rawValue) at \(Int(rate))/s for \(Int(seconds)) s: sent \(result.sent) "
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
        if !keepDatabase { DiskUsage.remove(db) }
        return result
    }

    /// Several ingesters' statuses as one: counts and CPU added up; memory, ring and
    /// latency the worst of them (percentiles cannot be merged; the worst bounds them);
    /// stopped when all have.
    static func combine(_ statuses: [IngestStatusReporter.Status]) -> IngestStatusReporter.Status {
        var all = statuses[0]
        for other in statuses.dropFirst() {
            all.unixNanos = max(all.unixNanos, other.unixNanos)
            all.endpoints += other.endpoints
            all.received += other.received
            all.stored += other.stored
            all.accepted += other.accepted
            all.duplicates += other.duplicates
            all.rejected += other.rejected
            all.dropped += other.dropped
            all.ownedElsewhere += other.ownedElsewhere
            all.lostInCommit += other.lostInCommit
            all.ringOccupancy = max(all.ringOccupancy, other.ringOccupancy)
            all.robotsOnline += other.robotsOnline
            let (a, b) = (all.publishToCommitMicros, other.publishToCommitMicros)
            all.publishToCommitMicros = .init(
                count: a.count + b.count,
                p50: max(a.p50, b.p50),
                p99: max(a.p99, b.p99),
                p999: max(a.p999, b.p999),
                max: max(a.max, b.max)
            )
            all.residentKB = max(all.residentKB, other.residentKB)
            all.peakResidentKB = max(all.peakResidentKB, other.peakResidentKB)
            all.cpuSeconds += other.cpuSeconds
            all.stopped = all.stopped && other.stopped
        }
        return all
    }

    static func status(_ line: String?) -> IngestStatusReporter.Status? {
        guard let line, line.hasPrefix("{") else { return nil }
        return try? JSONDecoder().decode(IngestStatusReporter.Status.self, from: Data(line.utf8))
    }

    /// Load generator processes for `robots` robots, each with its own sockets: as many as
    /// the open-file limit a process can raise itself to allows.
    static func processes(for robots: Int, mode: SustainedSender.Mode) -> Int {
        let perRobot = SustainedSender.descriptorsPerRobot(mode)
        let perProcess = max(1, (SustainedSender.raiseOpenFileLimit() - 256) / perRobot)
        return (robots + perProcess - 1) / perProcess
    }

    static func percentile<C: Collection>(_ values: C, _ p: Double) -> Double where C.Element == Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }
}
