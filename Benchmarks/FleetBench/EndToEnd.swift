import FleetIngest
import FleetKeys
import FleetProtocol
import FleetRobotClient
import FleetRunner
import Foundation
import Histogram
import Logging
import ServiceLifecycle
import ZeroMQ

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
            throw BenchError("bench \(name): fleet replay exited \(replay.terminationStatus)")
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
        // The replay's secrets: readable by this user only, as `fleet keys robots --secrets` writes them.
        guard
            FileManager.default.createFile(
                atPath: file,
                contents: Data(secrets.text().utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw BenchError("cannot write \(file)") }
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
