import FleetProtocol
import FleetStorage
import FleetStore
import Foundation
import Logging
import ServiceLifecycle
import Testing
import ZeroMQ

@testable import FleetIngest

/// The ingest service end to end, in process: a real SUB socket on 127.0.0.1, a real
/// database file in a temporary folder, a real publisher.
struct IngestServiceTests {
    @Test(.timeLimit(.minutes(1)))
    func storesEveryFrameSentAndAccountsForEveryOneLost() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fleet.db").path

        var configuration = IngestService.Configuration(databasePath: path, listen: "tcp://127.0.0.1:*")
        configuration.statusInterval = nil
        configuration.batchInterval = .milliseconds(20)
        let service = try IngestService(configuration: configuration, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        async let running: Void = group.run()
        let endpoint = try await service.boundEndpoints()[0]

        // What the robots send: robot 1 sends 0..<300 but drops 10 and 20...25; robot 2
        // sends 0..<200 with one duplicate and one corrupt frame; robot 3 reboots.
        var sent: [UInt32: [[UInt8]]] = [:]
        var wire: [[UInt8]] = []
        for seq in UInt32(0)..<300 {
            let frame = TestFrames.state(robot: 1, seq: seq)
            if seq == 10 || (20...25).contains(seq) { continue }
            sent[1, default: []].append(frame)
            wire.append(frame)
        }
        for seq in UInt32(0)..<200 {
            let frame = seq == 50 ? TestFrames.collision(robot: 2, seq: seq) : TestFrames.state(robot: 2, seq: seq)
            if seq == 77 {
                wire.append(TestFrames.corrupted(frame))
                continue
            }
            sent[2, default: []].append(frame)
            wire.append(frame)
            if seq == 100 { wire.append(frame) }
        }
        for (boot, count) in [(UInt32(0), UInt32(40)), (1, 30)] {
            for seq in 0..<count {
                let frame = TestFrames.state(
                    robot: 3,
                    boot: boot,
                    seq: seq,
                    at: TestFrames.start + UInt64(boot) * 10_000_000_000 + UInt64(seq) * 100_000_000
                )
                sent[3, default: []].append(frame)
                wire.append(frame)
            }
        }
        wire.append([0x00, 0x01, 0x02])  // garbage: truncated header

        try publish(wire, to: endpoint)
        let expected = sent.values.reduce(0) { $0 + $1.count }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while service.metrics.snapshot.stored < expected && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // No status line runs (statusInterval nil): the gauges are read when asked for.
        #expect(service.currentMetrics().received >= expected)
        await group.triggerGracefulShutdown()
        try await running

        let database = try FleetDatabase(path: path, readOnly: true)
        for (robot, frames) in sent {
            let stored = try database.frames(robotID: robot, from: 0, to: UInt64(Int64.max))
            #expect(stored.map(\.bytes) == frames, "robot \(robot): every frame sent is stored, byte for byte, once")
        }
        let ledger = try database.lossLedger()
        let robot1 = ledger.first { $0.robotID == 1 }!
        #expect(robot1.gaps == [SequenceRange(10, 10), SequenceRange(20, 25)])
        let robot2 = ledger.first { $0.robotID == 2 }!
        #expect(robot2.duplicates == 1)
        // The corrupt frame's header is not trusted: counted, its sequence number still missing.
        #expect(robot2.rejected == 1 && robot2.rejectedSequences.isEmpty)
        #expect(robot2.gaps == [SequenceRange(77, 77)])
        #expect(ledger.filter { $0.robotID == 3 }.map(\.bootEpoch) == [0, 1])
        let stats = try database.ingestStatistics()
        #expect(stats["frames.accepted"] == Int64(expected))
        #expect(stats["frames.rejected.bad_checksum"] == 1)
        #expect(stats["frames.rejected.truncated_header"] == 1)
        #expect(stats["frames.duplicate"] == 1)
        let events = try database.events(from: 0, to: UInt64(Int64.max))
        #expect(events.map(\.robotID) == [2])
        #expect(try database.integrityCheck() == "ok")
    }

    @Test func refusesToStartWithNothingToListenOn() throws {
        #expect(throws: IngestError.self) {
            _ = try IngestService(
                configuration: .init(databasePath: "/tmp/unused-\(UUID().uuidString).db"),
                logger: Logger(label: "test")
            )
        }
    }
}

/// Publishes `frames` from an XPUB socket, after the subscriber's subscription arrived (so
/// nothing is lost to ZeroMQ's slow joiner), then waits long enough for them to leave.
func publish(_ frames: [[UInt8]], to endpoint: String) throws {
    let context = try Context()
    defer { context.terminate() }
    let socket = try Socket(
        context,
        type: .extendedPublisher,
        options: [.sendHighWaterMark(0), .linger(.seconds(5)), .receiveTimeout(.seconds(5))]
    )
    try socket.connect(endpoint)
    guard try socket.receive() != nil else { throw IngestError("no subscription arrived from \(endpoint)") }
    for frame in frames { _ = try socket.send(frame) }
    socket.close()
}
