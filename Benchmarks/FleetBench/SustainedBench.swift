import FleetIngest
import FleetPostgres
import FleetProtocol
import FleetRunner
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
