import FleetIngest
import FleetProtocol
import FleetRobotClient
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing
import ZeroMQ

/// Issue 10, items 1, 2 and 6 on real sockets: which frames a real `IngestService` settles and
/// acknowledges, seen by a plain DEALER socket (so the test controls every byte sent) and by
/// `ReliableRobotClient`.
struct ReliableSettlementTests {
    /// A sanitation_state frame; `invalid` makes battery_soc 150 (checksum valid, value not),
    /// `corrupt` flips a body byte (checksum fails).
    static func frame(robot: UInt32, seq: UInt32, invalid: Bool = false, corrupt: Bool = false) -> [UInt8] {
        var state = DrivingRobot.state(step: Int(seq))
        if invalid { state.batterySOC = 150 }
        var bytes = FrameEncoder.encode(
            .sanitationState(state),
            robotID: robot,
            bootEpoch: 1,
            sequence: seq,
            timestampNanoseconds: Samples.time(Int(seq)),
            flags: FrameHeader.simulatedTimeFlag
        )
        if corrupt { bytes[40] ^= 0xFF }
        return bytes
    }

    /// Sends `frames` (each one single-part message, or the given parts) on a DEALER and reads
    /// acks until `done(settled)` holds or 30 s pass; returns the acks read.
    static func exchange(
        endpoint: String,
        messages: [[[UInt8]]],
        until done: @escaping @Sendable ([Ack]) -> Bool
    ) async throws -> [Ack] {
        try await offPool {
            let context = try Context()
            defer { context.terminate() }
            let dealer = try Socket(
                context,
                type: .dealer,
                options: [.linger(.zero), .receiveTimeout(.milliseconds(100))]
            )
            defer { dealer.close() }
            try dealer.connect(endpoint)
            for parts in messages { _ = try dealer.sendMultipart(parts) }
            var acks: [Ack] = []
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while clock.now < deadline && !done(acks) {
                guard let reply = try dealer.receive() else { continue }
                if case .ack(let ack) = try FrameDecoder.decode(reply).message { acks.append(ack) }
            }
            return acks
        }
    }

    /// Whether the acks together settle every sequence number in `range`.
    static func settle(_ acks: [Ack], _ range: ClosedRange<UInt32>) -> Bool {
        range.allSatisfy { seq in acks.contains { $0.covers(bootEpoch: 1, sequence: seq) } }
    }

    /// Item 1: frame 2 of 0..99 fails a value check; the ingester settles it as rejected and
    /// acknowledges all 100 (before: never past 1, and every resend round duplicated 97).
    @Test(.timeLimit(.minutes(1)))
    func aFrameRejectedForGoodIsAcknowledgedSoTheRobotStopsResending() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        let messages = (0..<100).map { [Self.frame(robot: 21, seq: UInt32($0), invalid: $0 == 2)] }
        let acks = try await Self.exchange(endpoint: ingester.endpoint, messages: messages) {
            Self.settle($0, 0...99)
        }
        try await ingester.stop()
        #expect(Self.settle(acks, 0...99), "acks: \(acks.map { "\($0.ackedFrom)...\($0.ackedThrough)" })")

        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        #expect(try database.frames(robotID: 21, from: 0, to: UInt64(Int64.max)).count == 99)
        let ledger = try #require(try database.lossLedger(robotID: 21).first)
        #expect(ledger.rejected == 1 && ledger.rejectedSequences == [SequenceRange(2, 2)] && ledger.gaps == [])
        #expect(try database.ingestStatistics()["frames.rejected.invalid_value"] == 1)
    }

    /// Item 1 with a checksum failure: the header cannot be trusted, so frame 2 stays missing,
    /// but the frames after it are acknowledged as a run of their own: the robot resends one
    /// frame, not 97.
    @Test(.timeLimit(.minutes(1)))
    func framesAfterACorruptFrameAreAcknowledgedAsARunOfTheirOwn() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        let messages = (0..<100).map { [Self.frame(robot: 22, seq: UInt32($0), corrupt: $0 == 2)] }
        let acks = try await Self.exchange(endpoint: ingester.endpoint, messages: messages) {
            Self.settle($0, 0...1) && Self.settle($0, 3...99)
        }
        try await ingester.stop()
        #expect(Self.settle(acks, 0...1) && Self.settle(acks, 3...99))
        #expect(!acks.contains { $0.covers(bootEpoch: 1, sequence: 2) }, "an unverified frame is never settled")
        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        let ledger = try #require(try database.lossLedger(robotID: 22).first)
        #expect(ledger.gaps == [SequenceRange(2, 2)] && ledger.rejected == 1 && ledger.highestSequence == 99)
    }

    /// Item 2: a robot that restarted its client mid-epoch sends 3..5 to a fresh database.
    @Test(.timeLimit(.minutes(1)))
    func aRobotWhoseFirstFrameIsAboveZeroIsAcknowledged() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        let messages = (3...5).map { [Self.frame(robot: 23, seq: UInt32($0))] }
        let acks = try await Self.exchange(endpoint: ingester.endpoint, messages: messages) {
            Self.settle($0, 3...5)
        }
        try await ingester.stop()
        #expect(Self.settle(acks, 3...5), "acks: \(acks)")
        #expect(!acks.contains { $0.covers(bootEpoch: 1, sequence: 0) }, "frames 0..2 never arrived")
    }

    /// Item 1 in the Swift client: a window holding a frame the ingester rejects drains (the
    /// ack settles it); before, `flush` waited out its timeout with the frame resent forever.
    @Test(.timeLimit(.minutes(1)))
    func theClientsWindowDrainsPastARejectedFrame() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        let endpoint = ingester.endpoint
        let (flushed, statistics) = try await offPool { () throws -> (Bool, ReliableRobotClient.Statistics) in
            let context = try Context()
            defer { context.terminate() }
            var configuration = ReliableRobotClient.Configuration(endpoint: endpoint, robotID: 24, bootEpoch: 1)
            configuration.progressTimeout = .seconds(1)
            let client = try ReliableRobotClient(context: context, configuration: configuration)
            defer { client.close() }
            for index in 0..<50 {
                var state = DrivingRobot.state(step: index)
                if index == 2 { state.batterySOC = 150 }
                _ = try client.publish(.sanitationState(state), at: Samples.time(index), waitingAtMost: .seconds(10))
                try client.service()
            }
            return (try client.flush(timeout: .seconds(20)), client.statistics)
        }
        try await ingester.stop()
        #expect(flushed, "window drained: \(statistics)")
        #expect(statistics.framesAcknowledged == 50)
        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        #expect(try database.frames(robotID: 24, from: 0, to: UInt64(Int64.max)).count == 49)
    }

    /// Item 6, reliable mode: a two-part message is counted once as multipart and nothing of
    /// it is stored or acknowledged; the single-part frames around it are.
    @Test(.timeLimit(.minutes(1)))
    func aMultipartMessageIsCountedNotStoredOverRouter() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        let messages = [
            [Self.frame(robot: 25, seq: 0)],
            [Self.frame(robot: 25, seq: 1), Self.frame(robot: 25, seq: 2)],
            [Self.frame(robot: 25, seq: 1)],
        ]
        let acks = try await Self.exchange(endpoint: ingester.endpoint, messages: messages) { Self.settle($0, 0...1) }
        try await ingester.stop()
        #expect(Self.settle(acks, 0...1) && !acks.contains { $0.covers(bootEpoch: 1, sequence: 2) })
        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        #expect(try database.frames(robotID: 25, from: 0, to: UInt64(Int64.max)).count == 2)
        let statistics = try database.ingestStatistics()
        #expect(statistics["frames.rejected.multipart"] == 1 && statistics["frames.received"] == 3)
    }

    /// Item 6, pub mode: `[topic, frame]` over PUB is one multipart message, counted, not
    /// stored (before: the topic was rejected and the frame stored).
    @Test(.timeLimit(.minutes(1)))
    func aMultipartMessageIsCountedNotStoredOverSub() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, pub: "tcp://127.0.0.1:*")
        let endpoint = ingester.endpoint
        try await offPool {
            let context = try Context()
            defer { context.terminate() }
            let publisher = try Socket(context, type: .publisher, options: [.linger(.seconds(5))])
            defer { publisher.close() }
            try publisher.connect(endpoint)
            // Keep sending until the subscription is in place and the single-part marker
            // frame arrives (a PUB drops everything before that).
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(20)
            var seq: UInt32 = 0
            while clock.now < deadline && ingester.service.currentMetrics().stored == 0 {
                _ = try publisher.send(Self.frame(robot: 26, seq: seq))
                seq += 1
                usleep(20_000)  // the pace of the marker frames, not a wait for an event
            }
            let frame = Self.frame(robot: 26, seq: 10_000)
            _ = try publisher.sendMultipart([Array(frame[0..<4]), frame])
            _ = try publisher.send(Self.frame(robot: 26, seq: 10_001))
        }
        try await waitUntil(timeout: .seconds(30)) {
            let metrics = ingester.service.currentMetrics()
            return metrics.counters.rejectedMultipart == 1 && metrics.stored == metrics.counters.accepted
                && metrics.counters.accepted >= 2
        }
        try await ingester.stop()
        let database = try FleetDatabase(path: folder.databasePath, readOnly: true)
        let stored = try database.frames(robotID: 26, from: 0, to: UInt64(Int64.max))
        #expect(!stored.contains { $0.bytes.count == 4 })
        #expect(!stored.contains { FrameHeader.unverified($0.bytes.withUnsafeBytes { $0 })?.sequence == 10_000 })
        #expect(try database.ingestStatistics()["frames.rejected.multipart"] == 1)
    }

    /// Item 14: every reconnect gives a robot a new routing id; the ROUTER's peer table keeps
    /// one peer per robot instead of one per connection ever made.
    @Test(.timeLimit(.minutes(1)))
    func theRouterForgetsAPeerOnceItsRobotReconnected() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingester = try await RunningIngester.start(databasePath: folder.databasePath, reliable: "tcp://127.0.0.1:*")
        for connection in UInt32(0)..<20 {
            let acks = try await Self.exchange(
                endpoint: ingester.endpoint,
                messages: [[Self.frame(robot: 27, seq: connection)]]
            ) { Self.settle($0, connection...connection) }
            #expect(Self.settle(acks, connection...connection), "connection \(connection) acknowledged")
        }
        #expect(ingester.service.routerPeerCount == 1)
        try await ingester.stop()
    }
}
