import FleetProtocol
import FleetRobotClient
import Testing
import ZeroMQ

/// The reliable client against a bare ROUTER that acks exactly when the test says: window,
/// acks, resends, reconnects, step by step.
struct ReliableRobotClientTests {
    private static let flags = FrameHeader.simulatedTimeFlag

    private static func client(
        _ context: Context,
        _ endpoint: String,
        boot: UInt32 = 9,
        window: Int = 16,
        progressTimeout: Duration = .seconds(30)
    ) throws -> ReliableRobotClient {
        var configuration = ReliableRobotClient.Configuration(endpoint: endpoint, robotID: 21, bootEpoch: boot)
        configuration.windowSize = window
        configuration.progressTimeout = progressTimeout
        return try ReliableRobotClient(context: context, configuration: configuration)
    }

    @Test(.timeLimit(.minutes(1)))
    func releasesFramesAsAcksArriveAndIgnoresStaleAcksAndOtherReplies() async throws {
        let checks = try await DedicatedThread.run(name: "test-reliable") { () throws -> Checks in
            var checks = Checks()
            let context = try Context()
            defer { context.terminate() }
            let ingester = try FakeIngester(context: context)
            defer { ingester.close() }
            let client = try Self.client(context, ingester.endpoint)
            defer { client.close() }
            for index in 0..<5 {
                let result = try client.publish(Samples.state(index), at: Samples.time(index), flags: Self.flags)
                checks.check(result == .sent(sequence: UInt32(index)), "frame \(index) sent: \(result)")
            }
            let received = try ingester.receive(5)
            checks.check(
                received == (0..<5).map { Samples.frame(robot: 21, boot: 9, seq: UInt32($0), index: $0) },
                "the ingester got the five frames, in order, as encoded"
            )

            try ingester.ack(bootEpoch: 8, through: 4)
            try client.service(timeout: .seconds(5))
            checks.check(client.statistics.staleAcks == 1, "an ack for an older boot epoch is ignored")
            checks.check(client.outstanding == 5, "nothing released by a stale ack")

            try ingester.reply([1, 2, 3])
            try client.service(timeout: .seconds(5))
            try ingester.reply(Samples.frame(robot: 99, boot: 1, seq: 0, index: 0))
            try client.service(timeout: .seconds(5))
            checks.check(client.statistics.invalidReplies == 2, "garbage and non-ack frames are counted and ignored")

            try ingester.ack(bootEpoch: 9, through: 2)
            try client.service(timeout: .seconds(5))
            checks.check(client.outstanding == 2, "an ack through 2 releases 0, 1 and 2 (\(client.outstanding) left)")
            try ingester.ack(bootEpoch: 9, through: 1)
            try client.service(timeout: .seconds(5))
            checks.check(client.outstanding == 2, "an older ack changes nothing")
            try ingester.ack(bootEpoch: 9, through: 4)
            try client.service(timeout: .seconds(5))
            checks.check(client.outstanding == 0 && client.outstandingBytes == 0, "everything released")
            checks.check(client.statistics.framesAcknowledged == 5, "five acknowledged")
            checks.check(client.statistics.framesResent == 0, "nothing resent")
            checks.check(try client.flush(timeout: .zero), "an empty window flushes at once")
            return checks
        }
        #expect(checks.failures == [])
    }

    @Test(.timeLimit(.minutes(1)))
    func refusesSamplesBeforeNumberingThemWhileTheWindowIsFull() async throws {
        let checks = try await DedicatedThread.run(name: "test-reliable") { () throws -> Checks in
            var checks = Checks()
            let context = try Context()
            defer { context.terminate() }
            let ingester = try FakeIngester(context: context)
            defer { ingester.close() }
            let client = try Self.client(context, ingester.endpoint, window: 4)
            defer { client.close() }
            for index in 0..<4 {
                _ = try client.publish(Samples.state(index), at: Samples.time(index), flags: Self.flags)
            }
            checks.check(
                try client.publish(Samples.state(4), at: Samples.time(4), flags: Self.flags) == .windowFull,
                "the fifth sample is refused"
            )
            checks.check(
                try client.publish(
                    Samples.state(4),
                    at: Samples.time(4),
                    flags: Self.flags,
                    waitingAtMost: .milliseconds(100)
                )
                    == .windowFull,
                "waiting does not help while no ack comes"
            )
            checks.check(client.nextSequence == 4, "a refused sample gets no sequence number (no gap)")
            checks.check(client.statistics.windowFullRefusals == 2, "both refusals counted")
            _ = try ingester.receive(4)
            try ingester.ack(bootEpoch: 9, through: 1)
            let result = try client.publish(
                Samples.state(4),
                at: Samples.time(4),
                flags: Self.flags,
                waitingAtMost: .seconds(5)
            )
            checks.check(result == .sent(sequence: 4), "room again once 0 and 1 are acknowledged: \(result)")
            checks.check(client.outstanding == 3, "2, 3 and 4 outstanding")

            // A credit smaller than the window caps it.
            try ingester.ack(bootEpoch: 9, through: 2, credit: 2)
            try client.service(timeout: .seconds(5))
            checks.check(client.windowLimit == 2, "credit 2 caps the window: \(client.windowLimit)")
            checks.check(
                try client.publish(Samples.state(5), at: Samples.time(5), flags: Self.flags) == .windowFull,
                "3 and 4 outstanding fill a window of credit 2"
            )
            checks.check(client.statistics.windowHighWaterMark == 4, "never more than the window outstanding")
            return checks
        }
        #expect(checks.failures == [])
    }

    @Test(.timeLimit(.minutes(1)))
    func resendsEveryUnacknowledgedFrameByteIdenticalAndInOrderWhenAcksStall() async throws {
        let checks = try await DedicatedThread.run(name: "test-reliable") { () throws -> Checks in
            var checks = Checks()
            let context = try Context()
            defer { context.terminate() }
            let ingester = try FakeIngester(context: context)
            defer { ingester.close() }
            let client = try Self.client(context, ingester.endpoint, progressTimeout: .milliseconds(200))
            defer { client.close() }
            for index in 0..<10 {
                _ = try client.publish(Samples.state(index), at: Samples.time(index), flags: Self.flags)
            }
            let first = try ingester.receive(10)
            try ingester.ack(bootEpoch: 9, through: 3)
            try client.service(timeout: .seconds(5))
            // No further ack: after the progress timeout, 4...9 come again.
            var again: [[UInt8]] = []
            _ = try Checks.eventually {
                try client.service()
                if let frame = try ingester.tryReceive() { again.append(frame) }
                return again.count >= 6
            }
            checks.check(Array(again.prefix(6)) == Array(first[4...]), "the resend is 4...9, same bytes, same order")
            checks.check(client.statistics.progressTimeouts >= 1, "the stall was noticed")
            checks.check(client.statistics.framesResent >= 6, "six frames resent")
            checks.check(client.nextSequence == 10, "resending numbers nothing")
            return checks
        }
        #expect(checks.failures == [])
    }

    @Test(.timeLimit(.minutes(1)))
    func keepsTheFramesOfTheOldBootEpochAfterARebootUntilTheyAreAcknowledged() async throws {
        let checks = try await DedicatedThread.run(name: "test-reliable") { () throws -> Checks in
            var checks = Checks()
            let context = try Context()
            defer { context.terminate() }
            let ingester = try FakeIngester(context: context)
            defer { ingester.close() }
            let client = try Self.client(context, ingester.endpoint, boot: 5)
            defer { client.close() }
            for index in 0..<3 { _ = try client.publish(Samples.state(index), at: Samples.time(index)) }
            client.reboot()
            checks.check(client.bootEpoch == 6 && client.nextSequence == 0, "reboot: epoch 6 from sequence 0")
            for index in 3..<5 { _ = try client.publish(Samples.state(index), at: Samples.time(index)) }
            _ = try ingester.receive(5)
            try ingester.ack(bootEpoch: 6, through: 1)
            try client.service(timeout: .seconds(5))
            // The run settles epoch 6's frames where they sit; epoch 5's three still wait.
            checks.check(client.outstanding == 3, "epoch 6 acknowledged, epoch 5 still in front")
            try ingester.ack(bootEpoch: 5, through: 2)
            try client.service(timeout: .seconds(5))
            checks.check(client.outstanding == 0, "epoch 5 acknowledged too: all released (\(client.outstanding) left)")
            checks.check(client.statistics.staleAcks == 0, "neither ack was stale")
            return checks
        }
        #expect(checks.failures == [])
    }

    @Test(.timeLimit(.minutes(1)))
    func resendsTheWholeWindowAfterTheIngesterVanishesAndAnotherTakesItsPlace() async throws {
        let checks = try await DedicatedThread.run(name: "test-reliable") { () throws -> Checks in
            var checks = Checks()
            let context = try Context()
            defer { context.terminate() }
            let first = try FakeIngester(context: context)
            let endpoint = first.endpoint
            let client = try Self.client(context, endpoint)
            defer { client.close() }
            for index in 0..<10 {
                _ = try client.publish(Samples.state(index), at: Samples.time(index), flags: Self.flags)
            }
            let sent = try first.receive(10)
            checks.check(sent.count == 10, "the first ingester got all ten")
            checks.check(
                try Checks.eventually {
                    try client.service()
                    return client.isConnected
                },
                "the monitor saw the handshake"
            )
            // The ingester vanishes without acknowledging anything; frames keep coming.
            first.close()
            checks.check(
                try Checks.eventually {
                    try client.service()
                    return !client.isConnected
                },
                "the monitor saw the disconnect"
            )
            for index in 10..<15 {
                _ = try client.publish(Samples.state(index), at: Samples.time(index), flags: Self.flags)
            }

            let second = try FakeIngester(context: context, endpoint: endpoint)
            defer { second.close() }
            var received: [[UInt8]] = []
            _ = try Checks.eventually(timeout: .seconds(10)) {
                try client.service()
                while let frame = try second.tryReceive() { received.append(frame) }
                return received.count >= 20
            }
            let all = (0..<15).map { Samples.frame(robot: 21, boot: 9, seq: UInt32($0), index: $0) }
            // Frames 10...14 were queued in the DEALER and leave first; then the resend of all.
            checks.check(Set(received) == Set(all), "every frame reached the second ingester")
            checks.check(Array(received.suffix(15)) == all, "the resend is the whole window, in order, same bytes")
            checks.check(client.statistics.reconnects == 1, "one reconnect: \(client.statistics.reconnects)")
            try second.ack(bootEpoch: 9, through: 14)
            checks.check(try client.flush(timeout: .seconds(5)), "flushed once the second ingester acknowledged")
            return checks
        }
        #expect(checks.failures == [])
    }

    /// A connection that takes frames and never brings an ack (an ingester gone quiet, or
    /// libzmq holding on to a dead peer) is closed after a few progress timeouts and made
    /// anew, and the window is resent on the new one.
    @Test(.timeLimit(.minutes(1)))
    func aConnectionStalledForSeveralProgressTimeoutsIsMadeAnewAndTheWindowResentOnIt() async throws {
        let checks = try await DedicatedThread.run(name: "test-reliable") { () throws -> Checks in
            var checks = Checks()
            let context = try Context()
            defer { context.terminate() }
            let ingester = try FakeIngester(context: context)
            defer { ingester.close() }
            var configuration = ReliableRobotClient.Configuration(
                endpoint: ingester.endpoint,
                robotID: 21,
                bootEpoch: 9
            )
            configuration.progressTimeout = .milliseconds(200)
            configuration.stalledTimeoutsBeforeNewSocket = 3
            let client = try ReliableRobotClient(context: context, configuration: configuration)
            defer { client.close() }
            for index in 0..<3 {
                _ = try client.publish(Samples.state(index), at: Samples.time(index), flags: Self.flags)
            }
            checks.check(try ingester.receive(3).count == 3, "the first connection got the frames")
            let first = ingester.lastIdentity
            // No ack: serviced until the socket is replaced, the ingester taking whatever comes.
            let replaced = try eventually(timeout: .seconds(20)) {
                try client.service()
                while try ingester.tryReceive() != nil {}
                return client.statistics.socketReplacements >= 1
            }
            checks.check(replaced, "the socket was made anew: \(client.statistics)")
            checks.check(client.statistics.progressTimeouts >= 3, "after three progress timeouts")
            var resent: [[UInt8]] = []
            let again = try eventually(timeout: .seconds(20)) {
                try client.service()
                while let frame = try ingester.tryReceive() {
                    if ingester.lastIdentity != first { resent.append(frame) }
                }
                return resent.count >= 3
            }
            checks.check(again, "the window came again on a new connection (\(resent.count) frames)")
            checks.check(
                Array(resent.prefix(3))
                    == (0..<3).map { Samples.frame(robot: 21, boot: 9, seq: UInt32($0), index: $0) },
                "the same frames, in order"
            )
            try ingester.ack(bootEpoch: 9, through: 2)
            checks.check(try client.flush(timeout: .seconds(10)), "acknowledged on the new connection")
            return checks
        }
        #expect(checks.failures == [])
    }
}
