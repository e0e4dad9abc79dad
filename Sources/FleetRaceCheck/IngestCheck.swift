import FleetIngest
import FleetProtocol
import FleetRobotClient
import FleetStorage
import FleetStore
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// A whole `IngestService` in this process, on a SQLite file in a temporary folder, fed over
/// 127.0.0.1 by real ZeroMQ senders on threads of their own: pub-mode `RobotPublisher`s
/// (XPUB) and reliable-mode `ReliableRobotClient`s (DEALER), several robots per thread, while
/// another thread reads the metrics, live snapshot and status line as `/metrics` and the
/// board do. The senders finish (reliable ones with every frame acknowledged), the service
/// is stopped gracefully, and the file must hold every frame sent, byte for byte, once,
/// with no gap in any robot's ledger.
///
/// With a ring smaller than the pub-mode traffic, the full-ring paths run too: reliable
/// robots are held back by credit and back pressure and must still have every frame stored
/// once; pub-mode robots lose frames by policy, so theirs must be stored in order, once
/// each, with nothing stored that was not sent.
struct IngestCheck {
    var pubThreads = 3
    var reliableThreads = 3
    var robotsPerThread = 2
    var framesPerRobot = 5_000
    /// Slots in the service's ring. The default is the service's: more than twice the
    /// pub-mode frames of a default run, so the fair-share policy (which drops a robot's
    /// frames once the ring is half full) never applies.
    var ringCapacity = 1 << 16

    /// Totals for the summary line.
    struct Sent {
        var robots = 0
        var frames = 0
        var stored = 0
    }

    func run(_ findings: Findings) async throws -> Sent {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("race-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fleet.db").path
        // Whether the ring holds every pub-mode frame of the run; if not, a slow pipeline
        // (TSan is 5 to 15 times slower) may drop pub frames, which is a policy, not a race.
        let pubMayLose = ringCapacity / 2 <= pubThreads * robotsPerThread * framesPerRobot
        var logger = Logger(label: "race-check")
        logger.logLevel = .warning
        let service = try IngestService(configuration: serviceConfiguration(path: path), logger: logger)
        let group = ServiceGroup(services: [service], logger: logger)
        let task = Task { try await group.run() }
        let endpoints = try await service.boundEndpoints()
        guard endpoints.count == 2 else {
            findings.fail("ingest: bound \(endpoints), expected a SUB and a ROUTER endpoint")
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            return Sent()
        }
        let context = try Context()
        let fleet = startSenders(pub: endpoints[0], reliable: endpoints[1], context: context, findings)
        let stopReading = Flag()
        let reader = CheckThread(name: "metrics-reader") {
            while !stopReading.isRaised {
                let metrics = service.currentMetrics()
                let snapshot = service.liveSnapshot
                _ = service.statusLine()
                if metrics.stored < 0 || snapshot.robots.count > 1000 {
                    findings.fail("ingest: metrics read mid-run make no sense: \(metrics.stored) stored")
                }
                usleep(500)
            }
        }
        for sender in fleet.senders { sender.join() }
        let total = fleet.robots.count * framesPerRobot
        try await waitUntilStored(total, by: service, pubMayLose: pubMayLose)
        await group.triggerGracefulShutdown()
        do { try await task.value } catch { findings.fail("ingest: the service stopped with \(error)") }
        stopReading.raise()
        reader.join()
        context.terminate()
        let storedTotal = try verify(
            path: path,
            robots: fleet.robots,
            lossy: pubMayLose ? fleet.pubRobots : [],
            findings
        )
        return Sent(robots: fleet.robots.count, frames: total, stored: storedTotal)
    }

    /// The service's configuration: both modes on free ports, the check's ring.
    private func serviceConfiguration(path: String) -> IngestService.Configuration {
        var configuration = IngestService.Configuration(
            databasePath: path,
            listen: "tcp://127.0.0.1:*",
            reliable: "tcp://127.0.0.1:*"
        )
        configuration.statusInterval = nil
        configuration.batchInterval = .milliseconds(20)
        configuration.ringCapacity = ringCapacity
        return configuration
    }

    /// The sender threads, pub mode first, each with its robots.
    private func startSenders(
        pub pubEndpoint: String,
        reliable reliableEndpoint: String,
        context: Context,
        _ findings: Findings
    ) -> (robots: [UInt32], pubRobots: Set<UInt32>, senders: [CheckThread]) {
        let frames = framesPerRobot
        var robots: [UInt32] = []
        var pubRobots: Set<UInt32> = []
        var senders: [CheckThread] = []
        for thread in 0..<(pubThreads + reliableThreads) {
            let reliable = thread >= pubThreads
            let ids = (0..<robotsPerThread).map { UInt32(100 + thread * 10 + $0) }
            robots += ids
            if !reliable { pubRobots.formUnion(ids) }
            senders.append(
                CheckThread(name: "\(reliable ? "dealer" : "pub")-sender\(thread)") {
                    do {
                        if reliable {
                            try Self.sendReliably(ids, frames: frames, to: reliableEndpoint, context: context, findings)
                        } else {
                            try Self.publish(ids, frames: frames, to: pubEndpoint, context: context, findings)
                        }
                    } catch {
                        findings.fail("ingest: sender thread \(thread): \(error)")
                    }
                }
            )
        }
        return (robots, pubRobots, senders)
    }

    /// Pub mode has no acknowledgement: waits until the service has stored everything (or
    /// the deadline passes and the comparison says what is missing), or, when pub frames
    /// may be dropped, until it has taken every frame off the sockets.
    private func waitUntilStored(_ total: Int, by service: IngestService, pubMayLose: Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        var lastStored = (count: -1, at: clock.now)
        while clock.now < deadline {
            let metrics = service.currentMetrics()
            if metrics.stored >= total { break }
            if metrics.stored != lastStored.count { lastStored = (metrics.stored, clock.now) }
            // Everything taken off the sockets, the ring empty, and nothing stored for a second.
            if pubMayLose && metrics.received >= total && metrics.ringOccupancy == 0
                && clock.now - lastStored.at >= .seconds(1)
            {
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Compares the file with what was sent: every frame once, byte for byte, and no gap,
    /// except for `lossy` robots (pub mode with a ring too small), whose drops must be
    /// counted instead. Returns the frames stored.
    private func verify(path: String, robots: [UInt32], lossy: Set<UInt32>, _ findings: Findings) throws -> Int {
        let database = try FleetDatabase(path: path, readOnly: true)
        var storedTotal = 0
        for robot in robots {
            let stored = try database.frames(robotID: robot, from: 0, to: UInt64(Int64.max)).map(\.bytes)
            storedTotal += stored.count
            let sent = (0..<framesPerRobot).map { Self.frame(robot: robot, sequence: UInt32($0)) }
            if lossy.contains(robot) {
                try Self.verifyDropped(robot: robot, stored: stored, sent: sent, database: database, findings)
                continue
            }
            if stored != sent {
                let storedSet = Set(stored)
                let missing = sent.filter { !storedSet.contains($0) }.count
                findings.fail(
                    "ingest: robot \(robot): \(stored.count) frames stored of \(sent.count) sent, \(missing) missing"
                        + (missing == 0 ? " (duplicated or reordered)" : "")
                )
            }
        }
        for record in try database.lossLedger() where !record.gaps.isEmpty {
            if lossy.contains(record.robotID) { continue }
            findings.fail("ingest: robot \(record.robotID) has gaps \(record.gaps)")
        }
        let accepted = try database.ingestStatistics()["frames.accepted"] ?? 0
        findings.expect(
            accepted == Int64(storedTotal),
            "ingest: frames.accepted is \(accepted), \(storedTotal) are stored"
        )
        findings.expect(try database.integrityCheck() == "ok", "ingest: the database fails its integrity check")
        return storedTotal
    }

    /// Dropped by policy: what is stored must be sent frames, in order, once each, and the
    /// ledger must count every other one as dropped (nothing else loses frames on loopback:
    /// each publisher's queue holds all its frames).
    private static func verifyDropped(
        robot: UInt32,
        stored: [[UInt8]],
        sent: [[UInt8]],
        database: FleetDatabase,
        _ findings: Findings
    ) throws {
        var next = sent.startIndex
        for frame in stored {
            guard let found = sent[next...].firstIndex(of: frame) else {
                findings.fail("ingest: robot \(robot): a stored frame was not sent, or is out of order or twice")
                break
            }
            next = found + 1
        }
        let dropped = try database.lossLedger(robotID: robot).reduce(0) { $0 + $1.dropped }
        findings.expect(
            stored.count + dropped == sent.count,
            "ingest: robot \(robot): \(stored.count) stored + \(dropped) dropped of \(sent.count) sent"
        )
    }

    /// Pub mode: one XPUB per robot, round robin over the thread's robots, after the
    /// ingester's subscription arrived; paced a little so a busy machine's SUB queue never
    /// holds more than the publishers' high-water mark.
    static func publish(
        _ robots: [UInt32],
        frames: Int,
        to endpoint: String,
        context: Context,
        _ findings: Findings
    ) throws {
        let publishers = try robots.map { robot in
            var configuration = RobotPublisher.Configuration(endpoint: endpoint, robotID: robot, bootEpoch: 0)
            configuration.linger = .seconds(60)
            return try RobotPublisher(context: context, configuration: configuration)
        }
        for publisher in publishers where try !publisher.waitUntilConnected(timeout: .seconds(30)) {
            findings.fail("ingest: robot \(publisher.robotID)'s publisher never connected")
        }
        for sequence in 0..<frames {
            for publisher in publishers {
                try publisher.publish(
                    .sanitationState(state(robot: publisher.robotID, step: sequence)),
                    at: time(sequence),
                    flags: FrameHeader.simulatedTimeFlag
                )
            }
            if sequence % 100 == 99 { usleep(2000) }
        }
        for publisher in publishers { publisher.close() }
    }

    /// Reliable mode: one DEALER per robot, round robin, each frame kept until acknowledged;
    /// at the end every window must drain.
    static func sendReliably(
        _ robots: [UInt32],
        frames: Int,
        to endpoint: String,
        context: Context,
        _ findings: Findings
    ) throws {
        let clients = try robots.map { robot in
            try ReliableRobotClient(
                context: context,
                configuration: .init(endpoint: endpoint, robotID: robot, bootEpoch: 0)
            )
        }
        for sequence in 0..<frames {
            for client in clients {
                let result = try client.publish(
                    .sanitationState(state(robot: client.robotID, step: sequence)),
                    at: time(sequence),
                    flags: FrameHeader.simulatedTimeFlag,
                    waitingAtMost: .seconds(60)
                )
                if result != .sent(sequence: UInt32(sequence)) {
                    findings.fail("ingest: robot \(client.robotID) frame \(sequence): \(result)")
                }
            }
        }
        for client in clients {
            if try !client.flush(timeout: .seconds(120)) {
                findings.fail("ingest: robot \(client.robotID): \(client.outstanding) frames never acknowledged")
            }
            client.close()
        }
    }

    /// The bytes a robot's frame `sequence` has on the wire (both senders encode the same way).
    static func frame(robot: UInt32, sequence: UInt32) -> [UInt8] {
        FrameEncoder.encode(
            .sanitationState(state(robot: robot, step: Int(sequence))),
            robotID: robot,
            bootEpoch: 0,
            sequence: sequence,
            timestampNanoseconds: time(Int(sequence)),
            flags: FrameHeader.simulatedTimeFlag
        )
    }

    /// Event time of sample `step`: 100 ms apart from 2027-01-15T08:00:00Z.
    static func time(_ step: Int) -> UInt64 { 1_800_000_000_000_000_000 + UInt64(step) * 100_000_000 }

    /// A sanitation robot driving east at 1 m/s; the robot id moves it north so no two
    /// robots send the same bytes.
    static func state(robot: UInt32, step: Int) -> SanitationState {
        SanitationState(
            x: Double(step) * 0.1,
            y: Double(robot),
            energyUsed: Double(step) * 0.01,
            distance: Double(step) * 0.1,
            areaCleaned: Double(step) * 0.05,
            heading: 0,
            speed: 1,
            turnRate: 0,
            brushRpm: 120,
            suction: 50,
            waterFlow: 0,
            hopperFill: 10,
            cleanWater: 100,
            dirtyWater: 0,
            batterySOC: 80,
            batteryVoltage: 48,
            batteryCurrent: 10,
            batteryTemperature: 30,
            mode: .auto,
            status: .cleaning,
            brushDown: true,
            spraying: false
        )
    }
}
