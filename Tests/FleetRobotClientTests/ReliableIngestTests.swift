import FleetIngest
import FleetProtocol
import FleetRobotClient
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing
import ZeroMQ

/// Reliable mode end to end: `ReliableRobotClient` on 127.0.0.1 into a real `IngestService`
/// and a real database file, with the service stopped and started again under the client.
struct ReliableIngestTests {
    /// What the client thread did, handed back to the test.
    struct ClientRun: Sendable {
        var checks = Checks()
        var flushed = false
        var statistics = ReliableRobotClient.Statistics()
        var outstanding = -1
        var outstandingBytes = -1
        var retainedBytes = -1
    }

    @Test(.timeLimit(.minutes(2)))
    func storesEveryFrameExactlyOnceAcrossTwoIngesterRestartsMidStream() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        let endpoint = ingester.endpoint
        let total = 3000
        let window = 512
        let published = Shared(0)

        async let clientRun = DedicatedThread.run(name: "test-robot") { () throws -> ClientRun in
            var run = ClientRun()
            let context = try Context()
            defer { context.terminate() }
            var configuration = ReliableRobotClient.Configuration(endpoint: endpoint, robotID: 31, bootEpoch: 4)
            configuration.windowSize = window
            configuration.progressTimeout = .seconds(2)
            let client = try ReliableRobotClient(context: context, configuration: configuration)
            defer { client.close() }
            for index in 0..<total {
                let result = try client.publish(
                    Samples.state(index),
                    at: Samples.time(index),
                    flags: FrameHeader.simulatedTimeFlag,
                    waitingAtMost: .seconds(30)
                )
                run.checks.check(result == .sent(sequence: UInt32(index)), "sample \(index): \(result)")
                run.checks.check(client.outstanding <= window, "window bound: \(client.outstanding) outstanding")
                published.set(index + 1)
                try client.service()
                if index % 5 == 4 { usleep(1000) }
            }
            run.flushed = try client.flush(timeout: .seconds(30))
            run.statistics = client.statistics
            run.outstanding = client.outstanding
            run.outstandingBytes = client.outstandingBytes
            run.retainedBytes = client.retainedBytes
            return run
        }

        // Restart the service (graceful shutdown, same endpoint) twice while frames stream.
        for threshold in [total / 3, 2 * total / 3] {
            #expect(try await published.waitAsync(timeout: .seconds(30)) { $0 >= threshold })
            try await ingester.stop()
            ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: endpoint)
        }
        let run = try await clientRun
        try await ingester.stop()

        #expect(run.checks.failures == [])
        #expect(run.flushed, "everything acknowledged by the end")
        #expect(run.outstanding == 0 && run.outstandingBytes == 0, "acks released every frame")
        #expect(run.retainedBytes <= 4096, "and the memory a backlog grew: \(run.retainedBytes) bytes kept")
        #expect(run.statistics.framesPublished == total)
        #expect(run.statistics.framesAcknowledged == total)
        #expect(run.statistics.windowHighWaterMark <= window)
        // A graceful restart acknowledges everything it committed before it closes, so
        // whether the client had to reconnect and resend depends on timing; what must hold
        // is below: every frame stored once.
        #expect((0...2).contains(run.statistics.reconnects), "restarts seen: \(run.statistics)")

        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        let stored = try database.frames(robotID: 31, from: 0, to: UInt64(Int64.max))
        let expected = (0..<total).map { Samples.frame(robot: 31, boot: 4, seq: UInt32($0), index: $0) }
        #expect(stored.count == total)
        #expect(stored.map(\.bytes) == expected, "every frame stored exactly once, byte for byte")
        let ledger = try #require(try database.lossLedger(robotID: 31).first)
        #expect(ledger.received == total && ledger.gaps.isEmpty && ledger.rejectedSequences.isEmpty)
        #expect(ledger.duplicates <= run.statistics.framesResent, "resends already committed were dropped")
        let statistics = try database.ingestStatistics()
        #expect(statistics["frames.accepted"] == Int64(total))
        #expect((statistics["frames.duplicate"] ?? 0) == Int64(ledger.duplicates))
        #expect(try database.integrityCheck() == "ok")
    }

    /// With the monitor the reconnect starts the resend; without, the progress timeout does.
    @Test(.timeLimit(.minutes(2)), arguments: [true, false])
    func storesEveryFrameOnceWhenTheIngesterVanishesWithFramesInFlight(monitorsConnection: Bool) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let vanished = Shared<String?>(nil)
        let restarted = Shared(false)

        async let clientRun = DedicatedThread.run(name: "test-robot") { () throws -> ClientRun in
            var run = ClientRun()
            let context = try Context()
            defer { context.terminate() }
            // A stand-in ingester takes 200 frames and dies without acknowledging any.
            let doomed = try FakeIngester(context: context)
            var configuration = ReliableRobotClient.Configuration(endpoint: doomed.endpoint, robotID: 32, bootEpoch: 1)
            configuration.progressTimeout = .milliseconds(500)
            configuration.monitorsConnection = monitorsConnection
            let client = try ReliableRobotClient(context: context, configuration: configuration)
            defer { client.close() }
            for index in 0..<200 {
                _ = try client.publish(
                    Samples.state(index),
                    at: Samples.time(index),
                    flags: FrameHeader.simulatedTimeFlag
                )
            }
            run.checks.check(try doomed.receive(200).count == 200, "the doomed ingester got the frames")
            doomed.close()
            vanished.set(doomed.endpoint)
            // The robot carries on while no ingester is there.
            for index in 200..<300 {
                _ = try client.publish(
                    Samples.state(index),
                    at: Samples.time(index),
                    flags: FrameHeader.simulatedTimeFlag
                )
                try client.service()
            }
            run.checks.check(restarted.wait(timeout: .seconds(20)) { $0 }, "a real ingester took over")
            run.flushed = try client.flush(timeout: .seconds(30))
            run.statistics = client.statistics
            run.outstanding = client.outstanding
            return run
        }

        // The doomed ingester's deadline for its 200 frames is 30 s (see FakeIngester).
        #expect(try await vanished.waitAsync(timeout: .seconds(40)) { $0 != nil })
        let endpoint = try #require(vanished.get())
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: endpoint)
        restarted.set(true)
        let run = try await clientRun
        try await ingester.stop()

        #expect(run.checks.failures == [])
        #expect(run.flushed && run.outstanding == 0)
        #expect(run.statistics.framesAcknowledged == 300)
        if monitorsConnection {
            #expect(run.statistics.reconnects == 1)
        } else {
            #expect(run.statistics.progressTimeouts >= 1)
        }
        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        let stored = try database.frames(robotID: 32, from: 0, to: UInt64(Int64.max))
        #expect(stored.map(\.bytes) == (0..<300).map { Samples.frame(robot: 32, boot: 1, seq: UInt32($0), index: $0) })
        #expect(try database.integrityCheck() == "ok")
    }
}

extension ReliableIngestTests {
    @Test(.timeLimit(.minutes(1)))
    func oneThreadDrivesAHundredAndFiftyRobotsIntoOneIngester() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(
            databasePath: folder.databasePath,
            reliable: "tcp://127.0.0.1:*"
        )
        let endpoint = ingester.endpoint
        let robots = 150
        let samples = 20
        let flushed = try await DedicatedThread.run(name: "test-runner") { () throws -> Int in
            let context = try Context()
            defer { context.terminate() }
            let clients = try (0..<robots).map { robot in
                try ReliableRobotClient(
                    context: context,
                    configuration: .init(endpoint: endpoint, robotID: UInt32(100 + robot), bootEpoch: 1)
                )
            }
            for index in 0..<samples {
                for client in clients {
                    _ = try client.publish(
                        Samples.state(index),
                        at: Samples.time(index),
                        flags: FrameHeader.simulatedTimeFlag,
                        waitingAtMost: .seconds(10)
                    )
                    try client.service()
                }
            }
            var flushed = 0
            for client in clients where try client.flush(timeout: .seconds(20)) { flushed += 1 }
            for client in clients { client.close() }
            return flushed
        }
        try await ingester.stop()

        #expect(flushed == robots)
        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        let ledgers = try database.lossLedger()
        #expect(ledgers.count == robots)
        #expect(ledgers.allSatisfy { $0.received == samples && $0.gaps.isEmpty })
        let stored = try database.frames(robotID: 100 + UInt32(robots - 1), from: 0, to: UInt64(Int64.max))
        let expected = (0..<samples).map {
            Samples.frame(robot: 100 + UInt32(robots - 1), boot: 1, seq: UInt32($0), index: $0)
        }
        #expect(stored.map(\.bytes) == expected)
    }
}
