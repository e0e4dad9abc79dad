import FleetIngest
import FleetProtocol
import FleetRobotClient
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing
import ZeroMQ

/// Pub mode end to end: a `RobotPublisher` on 127.0.0.1 into a real `IngestService` and a
/// real database file.
struct RobotPublisherTests {
    @Test func encodesExactlyWhatTheReferenceEncoderWrites() throws {
        let context = try Context()
        defer { context.terminate() }
        let subscriber = try Socket(
            context,
            type: .subscriber,
            options: [.subscribe([]), .receiveTimeout(.seconds(5))]
        )
        try subscriber.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try subscriber.lastEndpoint)
        let publisher = try RobotPublisher(
            context: context,
            configuration: .init(endpoint: endpoint, robotID: 5, bootEpoch: 9)
        )
        defer { publisher.close() }
        // A bound socket attaches a new connection (and sends its subscription) only when its
        // owner calls into libzmq, so keep the subscriber busy while the publisher waits.
        #expect(
            try eventually {
                _ = try subscriber.tryReceive()
                return try publisher.waitUntilConnected(timeout: .milliseconds(10))
            }
        )
        #expect(try publisher.isConnected)
        let sequence = try publisher.publish(
            Samples.state(3),
            at: Samples.time(3),
            flags: FrameHeader.simulatedTimeFlag
        )
        #expect(sequence == 0)
        #expect(publisher.nextSequence == 1)
        #expect(try subscriber.receive() == Samples.frame(robot: 5, boot: 9, seq: 0, index: 3))
        try publisher.repeatLastFrame()
        #expect(try subscriber.receive() == Samples.frame(robot: 5, boot: 9, seq: 0, index: 3))
    }

    @Test func waitingForAConnectionGivesUpWhenNoIngesterListens() throws {
        let context = try Context()
        defer { context.terminate() }
        // A port that was free a moment ago: nobody listens there.
        let probe = try Socket(context, type: .router)
        try probe.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(try probe.lastEndpoint)
        probe.close()
        let publisher = try RobotPublisher(
            context: context,
            configuration: .init(endpoint: endpoint, robotID: 5, bootEpoch: 1)
        )
        defer { publisher.close() }
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try publisher.waitUntilConnected(timeout: .milliseconds(200)) == false)
        #expect(clock.now - started < .seconds(2))
    }

    @Test(.timeLimit(.minutes(1)))
    func ingesterStoresEveryFramePublishedAndAccountsForEachFaultInjected() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, pub: "tcp://127.0.0.1:*")
        let endpoint = ingester.endpoint

        // Robot 11, boot 2: 120 states; sequence 50 dropped on purpose, 60 sent corrupt,
        // 100 sent twice; then a reboot and 30 states of boot 3 with a collision among them.
        let run = try await DedicatedThread.run(name: "test-publisher") { () throws -> PublisherRun in
            let context = try Context()
            defer { context.terminate() }
            let publisher = try RobotPublisher(
                context: context,
                configuration: .init(endpoint: endpoint, robotID: 11, bootEpoch: 2)
            )
            defer { publisher.close() }
            guard try publisher.waitUntilConnected(timeout: .seconds(5)) else { return PublisherRun() }
            var run = PublisherRun(connected: true)
            let flags = FrameHeader.simulatedTimeFlag
            for index in 0..<120 {
                if index == 50 {
                    _ = publisher.reserveSequence()
                    continue
                }
                if index == 60 {
                    let sequence = publisher.reserveSequence()
                    var corrupt = Samples.frame(robot: 11, boot: 2, seq: sequence, index: index)
                    corrupt[40] ^= 0xFF
                    try publisher.sendRaw(corrupt)
                    continue
                }
                let sequence = try publisher.publish(Samples.state(index), at: Samples.time(index), flags: flags)
                run.sent.append(Samples.frame(robot: 11, boot: 2, seq: sequence, index: index))
                if index == 100 { try publisher.repeatLastFrame() }
            }
            publisher.reboot()
            run.bootAfterReboot = publisher.bootEpoch
            for index in 120..<150 {
                if index == 135 {
                    let sequence = try publisher.publish(Samples.collision(), at: Samples.time(index), flags: flags)
                    run.sent.append(
                        FrameEncoder.encode(
                            Samples.collision(),
                            robotID: 11,
                            bootEpoch: 3,
                            sequence: sequence,
                            timestampNanoseconds: Samples.time(index),
                            flags: flags
                        )
                    )
                    continue
                }
                let sequence = try publisher.publish(Samples.state(index), at: Samples.time(index), flags: flags)
                run.sent.append(Samples.frame(robot: 11, boot: 3, seq: sequence, index: index))
            }
            run.statistics = publisher.statistics
            return run
        }
        #expect(run.connected, "the ingester's subscription arrived")
        #expect(run.bootAfterReboot == 3)
        #expect(run.statistics?.framesPublished == 148)
        #expect(run.statistics?.sequencesSkipped == 2)
        #expect(run.statistics?.rawFramesSent == 2)
        #expect(try await ingester.waitUntilStored(run.sent.count))
        try await ingester.stop()

        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        let stored = try database.frames(robotID: 11, from: 0, to: UInt64(Int64.max))
        #expect(stored.map(\.bytes) == run.sent, "every frame published is stored once, byte for byte")
        let ledger = try database.lossLedger(robotID: 11)
        #expect(ledger.map(\.bootEpoch) == [2, 3])
        let boot2 = try #require(ledger.first { $0.bootEpoch == 2 })
        // 60 was sent corrupt: counted, but an unverified header settles nothing (a gap).
        #expect(boot2.gaps == [SequenceRange(50, 50), SequenceRange(60, 60)])
        #expect(boot2.rejectedSequences == [] && boot2.rejected == 1)
        #expect(boot2.duplicates == 1)
        let boot3 = try #require(ledger.first { $0.bootEpoch == 3 })
        #expect(boot3.gaps.isEmpty && boot3.duplicates == 0 && boot3.received == 30)
        #expect(try database.integrityCheck() == "ok")
    }
}

/// What the publisher thread did, handed back to the test.
struct PublisherRun: Sendable {
    var connected = false
    var sent: [[UInt8]] = []
    var bootAfterReboot: UInt32 = 0
    var statistics: RobotPublisher.Statistics?
}

extension RobotPublisherTests {
    @Test(.timeLimit(.minutes(1)))
    func queuesFramesPublishedWhileTheIngesterRestartsAndDeliversThemAfterwards() async throws {
        let received = try await DedicatedThread.run(name: "test-publisher") { () throws -> [UInt32] in
            let context = try Context()
            defer { context.terminate() }
            let options: [SocketOption] = [.subscribe([]), .linger(.zero)]
            let first = try Socket(context, type: .subscriber, options: options)
            try first.bind("tcp://127.0.0.1:*")
            let endpoint = try first.lastEndpoint ?? ""
            let publisher = try RobotPublisher(
                context: context,
                configuration: .init(endpoint: endpoint, robotID: 5, bootEpoch: 1)
            )
            defer { publisher.close() }
            _ = try eventually {
                _ = try first.tryReceive()
                return try publisher.waitUntilConnected(timeout: .milliseconds(10))
            }
            try publisher.publish(Samples.state(0), at: Samples.time(0))
            var sequences: [UInt32] = []
            _ = try eventually {
                if let frame = try first.tryReceive() {
                    sequences.append(try FrameDecoder.decode(frame).header.sequence)
                }
                return !sequences.isEmpty
            }
            // The ingester goes away; the robot keeps publishing; another binds the endpoint.
            first.close()
            usleep(100_000)
            for index in 1..<11 { try publisher.publish(Samples.state(index), at: Samples.time(index)) }
            let second = try Socket(context, type: .subscriber, options: options)
            try second.bind(endpoint)
            _ = try eventually {
                if let frame = try second.tryReceive() {
                    sequences.append(try FrameDecoder.decode(frame).header.sequence)
                }
                return sequences.count >= 11
            }
            return sequences
        }
        #expect(received == Array(0..<11))
    }
}
