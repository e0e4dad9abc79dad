import FleetProtocol
import Foundation
import Histogram
public import ServiceLifecycle

/// `fleet ingest --status-format json`: one JSON object per line on stdout, every status
/// interval and once more after the ingester has stopped (`"stopped": true`), for a
/// supervisor or a benchmark to read: the bound endpoints, frame counters, ring occupancy,
/// publish→commit percentiles, resident memory and CPU of this process.
public final class IngestStatusReporter: Service {
    /// One line of the status: what a supervisor or `fleet bench` reads.
    public struct Status: Codable, Sendable {
        /// Publish→commit percentiles, µs.
        public struct Latency: Codable, Sendable {
            public var count: UInt64 = 0
            public var p50: UInt64 = 0
            public var p99: UInt64 = 0
            public var p999: UInt64 = 0
            public var max: UInt64 = 0

            public init(count: UInt64 = 0, p50: UInt64 = 0, p99: UInt64 = 0, p999: UInt64 = 0, max: UInt64 = 0) {
                self.count = count
                self.p50 = p50
                self.p99 = p99
                self.p999 = p999
                self.max = max
            }
        }

        public var unixNanos: UInt64
        public var endpoints: [String]
        public var received: Int
        public var stored: Int
        public var accepted: Int
        public var duplicates: Int
        public var rejected: Int
        public var dropped: Int
        /// Frames refused because another ingester sharing the store holds their robot.
        public var ownedElsewhere: Int
        public var lostInCommit: Int
        public var ringOccupancy: Double
        public var robotsOnline: Int
        /// Publish (the frame's timestamp) to commit, µs.
        public var publishToCommitMicros: Latency
        public var residentKB: Int
        public var peakResidentKB: Int
        /// User + system CPU of the ingesting process, s.
        public var cpuSeconds: Double
        public var stopped: Bool
    }

    private let ingest: IngestService
    private let interval: Duration

    /// Must come before `ingest` in its service group, so that it is stopped after it and
    /// its last line has what the ingester stored while draining.
    public init(ingest: IngestService, interval: Duration) {
        self.ingest = ingest
        self.interval = interval
    }

    public func run() async throws {
        let endpoints = try await ingest.boundEndpoints()
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                emit(endpoints: endpoints, stopped: false)
                try? await Task.sleep(for: interval)
            }
        } onGracefulShutdown: {
        }
        emit(endpoints: endpoints, stopped: true)
    }

    private func emit(endpoints: [String], stopped: Bool) {
        let m = ingest.currentMetrics()
        var latency = Status.Latency()
        let histogram = m.publishToCommit
        if histogram.totalCount > 0 {
            latency = .init(
                count: histogram.totalCount,
                p50: histogram.valueAtPercentile(50),
                p99: histogram.valueAtPercentile(99),
                p999: histogram.valueAtPercentile(99.9),
                max: histogram.max
            )
        }
        let memory = ProcessMemory.current()
        let status = Status(
            unixNanos: nowNanos(),
            endpoints: endpoints,
            received: m.received,
            stored: m.stored,
            accepted: m.counters.accepted,
            duplicates: m.counters.duplicates,
            rejected: m.counters.rejectedTotal,
            dropped: m.counters.dropped,
            ownedElsewhere: m.counters.refusedOwnedElsewhere,
            lostInCommit: m.lostInCommit,
            ringOccupancy: m.ringOccupancy,
            robotsOnline: m.robotsOnline,
            publishToCommitMicros: latency,
            residentKB: memory.residentKB,
            peakResidentKB: memory.peakResidentKB,
            cpuSeconds: ProcessMemory.cpuSeconds(),
            stopped: stopped
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var line = try? encoder.encode(status) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(line)
    }
}

/// This process's resident memory (now and peak) and CPU time, from /proc and getrusage.
enum ProcessMemory {
    static func current() -> (residentKB: Int, peakResidentKB: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        return (statusValue(status, "VmRSS") ?? 0, statusValue(status, "VmHWM") ?? 0)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// The kB value of `key` in /proc/…/status text.
    static func statusValue(_ status: String, _ key: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}
