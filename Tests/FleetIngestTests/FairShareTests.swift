import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Synchronization
import Testing
import ZeroMQ

@testable import FleetIngest

/// Issue 10 item 10, pub mode: one robot flooding as fast as it can beside five robots at
/// 100 Hz. The flooder loses its own frames; the others lose none (before: the flooder took
/// the whole ring whenever a window of recent frames held only its own, and the others lost
/// frames whenever the ring was full).
struct FairShareTests {
    final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    /// Publishes `frames` from its own XPUB, after the subscription arrived, one every
    /// `interval` (none: as fast as the socket takes them) until `stop` says so.
    static func publisher(
        endpoint: String,
        frames: @escaping @Sendable (Int) -> [UInt8]?,
        interval: Duration?,
        stop: Flag
    ) throws {
        let context = try Context()
        defer { context.terminate() }
        let socket = try Socket(
            context,
            type: .extendedPublisher,
            options: [.sendHighWaterMark(1000), .linger(.seconds(5)), .receiveTimeout(.seconds(10))]
        )
        defer { socket.close() }
        try socket.connect(endpoint)
        guard try socket.receive() != nil else { throw IngestError("no subscription arrived") }
        let clock = ContinuousClock()
        var next = clock.now
        var index = 0
        while !stop.raised.load(ordering: .relaxed), let frame = frames(index) {
            _ = try socket.send(frame)
            index += 1
            if interval == nil && index % 200 == 0 {
                // Far faster than the ring drains, yet not both cores: the suite runs beside it.
                usleep(1000)
            }
            if let interval {
                next += interval
                let now = clock.now
                if next > now { usleep(UInt32((next - now).components.attoseconds / 1_000_000_000_000)) }
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFloodingRobotLosesItsOwnFramesAndNoOtherRobotLosesAny() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fair-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fleet.db").path
        let ingester = try await RunningIngester.start(databasePath: path, pub: "tcp://127.0.0.1:*", ringCapacity: 1024)
        let endpoint = ingester.endpoint
        let stopFlood = Flag()
        let stopNever = Flag()

        let flood = Task {
            try await offPool {
                try Self.publisher(
                    endpoint: endpoint,
                    frames: { TestFrames.state(robot: 1000, seq: UInt32($0)) },
                    interval: nil,
                    stop: stopFlood
                )
            }
        }
        // The flood first, so it has the ring to itself when the others begin.
        try await waitUntil(timeout: .seconds(20)) { ingester.service.currentMetrics().counters.dropped > 0 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for robot in UInt32(1)...5 {
                group.addTask {
                    try await offPool {
                        try Self.publisher(
                            endpoint: endpoint,
                            frames: { $0 < 100 ? TestFrames.state(robot: robot, seq: UInt32($0)) : nil },
                            interval: .milliseconds(10),
                            stop: stopNever
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        // Every frame of the five, once the flood stops, is in (the ledger says so).
        stopFlood.raised.store(true, ordering: .relaxed)
        try await flood.value
        try await waitUntil(timeout: .seconds(30)) {
            let ledgers = ingester.service.liveSnapshot.ledgers.filter { $0.robotID <= 5 }
            return ledgers.count == 5 && ledgers.allSatisfy { $0.highestSequence == 99 }
        }
        try await ingester.stop()

        let database = try FleetDatabase(path: path, readOnly: true)
        let ledgers = try database.lossLedger()
        for robot in UInt32(1)...5 {
            let ledger = try #require(ledgers.first { $0.robotID == robot })
            #expect(ledger.received == 100 && ledger.dropped == 0 && ledger.gaps.isEmpty, "robot \(robot): \(ledger)")
        }
        let flooder = try #require(ledgers.first { $0.robotID == 1000 })
        #expect(flooder.dropped > 0, "the flooder lost its own frames: \(flooder.dropped)")
    }
}
