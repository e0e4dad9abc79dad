import FleetIngest
import FleetKeys
import FleetProtocol
import FleetRobotClient
import FleetStorage
import FleetStore
import FleetTestSupport
import Foundation
import Testing
import ZeroMQ

/// CURVE end to end: an ingester with an allowlist on 127.0.0.1 and real robot clients, some
/// with listed keys, one with a key nobody listed, one without CURVE, and one speaking for a
/// robot its key does not belong to.
struct AuthenticatedIngestTests {
    struct RobotsRun: Sendable {
        var checks = Checks()
        var listedConnected = false
        var strangerConnected = true
        var plainConnected = true
        var wrongServerConnected = true
        var forgerConnected = false
        var reliableFlushed = false
    }

    @Test(.timeLimit(.minutes(2)))
    func onlyListedRobotsAreAdmittedAndEachSpeaksOnlyForItself() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try CurveKeyPair.generate()
        let (pubRobot, reliableRobot, stranger) = (
            try CurveKeyPair.generate(), try CurveKeyPair.generate(), try CurveKeyPair.generate()
        )
        let allowlist = try RobotKeyring([41: pubRobot.publicKey, 42: reliableRobot.publicKey])
        let ingester = try await RunningIngester.start(
            databasePath: folder.databasePath,
            pub: "tcp://127.0.0.1:*",
            reliable: "tcp://127.0.0.1:*",
            authentication: .init(serverKeys: server, allowlist: allowlist)
        )
        let endpoints = try await ingester.service.boundEndpoints()
        let (pubEndpoint, reliableEndpoint) = (endpoints[0], endpoints[1])
        let frames = 300
        let forged = 50

        let run = try await DedicatedThread.run(name: "test-robots") { () throws -> RobotsRun in
            var run = RobotsRun()
            let context = try Context()
            defer { context.terminate() }
            func publisher(_ robot: UInt32, _ keys: CurveKeyPair?) throws -> RobotPublisher {
                var configuration = RobotPublisher.Configuration(endpoint: pubEndpoint, robotID: robot, bootEpoch: 1)
                configuration.credentials = keys.map { RobotCredentials(keys: $0, serverKey: server.publicKey) }
                configuration.linger = .seconds(2)
                return try RobotPublisher(context: context, configuration: configuration)
            }
            // A listed robot in pub mode.
            let listed = try publisher(41, pubRobot)
            defer { listed.close() }
            run.listedConnected = try listed.waitUntilConnected(timeout: .seconds(10))
            for index in 0..<frames { try listed.publish(Samples.state(index), at: Samples.time(index)) }

            // A listed robot in reliable mode.
            var reliable = ReliableRobotClient.Configuration(endpoint: reliableEndpoint, robotID: 42, bootEpoch: 1)
            reliable.credentials = RobotCredentials(keys: reliableRobot, serverKey: server.publicKey)
            let client = try ReliableRobotClient(context: context, configuration: reliable)
            defer { client.close() }
            for index in 0..<frames {
                let result = try client.publish(
                    Samples.state(index),
                    at: Samples.time(index),
                    waitingAtMost: .seconds(10)
                )
                run.checks.check(result == .sent(sequence: UInt32(index)), "reliable sample \(index): \(result)")
                try client.service()
            }
            run.reliableFlushed = try client.flush(timeout: .seconds(30))

            // A valid key nobody listed, and no CURVE at all: neither gets a connection.
            let strangerPublisher = try publisher(43, stranger)
            defer { strangerPublisher.close() }
            run.strangerConnected = try strangerPublisher.waitUntilConnected(timeout: .milliseconds(1500))
            for index in 0..<10 { try strangerPublisher.publish(Samples.state(index), at: Samples.time(index)) }
            let plain = try publisher(44, nil)
            defer { plain.close() }
            run.plainConnected = try plain.waitUntilConnected(timeout: .milliseconds(1500))
            for index in 0..<10 { try plain.publish(Samples.state(index), at: Samples.time(index)) }
            // A listed key, but another ingester's public key: the handshake cannot succeed.
            var misdirected = RobotPublisher.Configuration(endpoint: pubEndpoint, robotID: 41, bootEpoch: 2)
            misdirected.credentials = RobotCredentials(keys: pubRobot, serverKey: stranger.publicKey)
            let wrongServer = try RobotPublisher(context: context, configuration: misdirected)
            defer { wrongServer.close() }
            run.wrongServerConnected = try wrongServer.waitUntilConnected(timeout: .milliseconds(1500))

            // Robot 41's key, frames claiming robot 42: admitted as 41, every frame refused.
            let forger = try publisher(42, pubRobot)
            defer { forger.close() }
            run.forgerConnected = try forger.waitUntilConnected(timeout: .seconds(10))
            for index in 0..<forged { try forger.publish(Samples.state(index), at: Samples.time(index)) }
            return run
        }

        #expect(try await ingester.waitUntilStored(2 * frames))
        try await waitUntil(timeout: .seconds(10)) {
            ingester.service.liveSnapshot.counters.refusedRobotID >= forged
                && ingester.service.currentMetrics().peersRefused >= 1
                && ingester.service.currentMetrics().handshakesFailed >= 1
        }
        try await ingester.stop()

        #expect(run.checks.failures == [])
        #expect(run.listedConnected && run.forgerConnected, "listed keys are admitted")
        #expect(run.reliableFlushed, "the reliable robot's frames are all acknowledged")
        #expect(!run.strangerConnected, "a key not on the allowlist is refused")
        #expect(!run.plainConnected, "a robot without CURVE is refused")
        #expect(!run.wrongServerConnected, "a robot holding another server's key is refused")

        let metrics = ingester.service.currentMetrics()
        #expect(metrics.counters.refusedRobotID == forged)
        #expect(metrics.counters.accepted == 2 * frames)
        #expect(metrics.stored == 2 * frames)
        // Every frame received is accounted for (a reliable resend under load is a duplicate).
        #expect(
            metrics.received == metrics.counters.accepted + metrics.counters.duplicates + forged,
            "refused frames are received and counted"
        )
        // The stranger is refused by the allowlist; the robot without CURVE and the one with
        // the wrong server key fail the handshake before the allowlist is asked.
        #expect(metrics.peersRefused >= 1, "refused by the allowlist: \(metrics.peersRefused)")
        #expect(metrics.handshakesFailed >= 1, "failed handshakes: \(metrics.handshakesFailed)")
        #expect(metrics.peersAdmitted >= 3)

        let database = try FleetDatabase(path: folder.databasePath)
        #expect(try database.robots().map(\.robotID).sorted() == [41, 42], "no frame of robots 43 or 44 was stored")
        let ledger = try database.lossLedger(robotID: 42)
        #expect(ledger.count == 1)
        #expect(ledger.first?.received == frames)
        #expect(
            ledger.first?.rejected == 0 && ledger.first?.duplicates == 0,
            "the forged frames never touched 42's ledger"
        )
        #expect(try database.ingestStatistics()["frames.refused.robot_id_mismatch"] == Int64(forged))
    }

    @Test func aKeyringFileIsParsedAndItsMistakesNamed() throws {
        let first = try CurveKeyPair.generate().publicKey
        let second = try CurveKeyPair.generate().publicKey
        let keyring = try RobotKeyring(
            parsing: """
                # the allowlist
                101 \(first.z85)

                \t0xF0000001\t\(second.z85)  \r
                """
        )
        #expect(keyring.keys == [101: first, 0xF000_0001: second])
        #expect(keyring.id(of: second) == 0xF000_0001)
        #expect(try RobotKeyring(parsing: keyring.text(header: "two\nlines")) == keyring, "text round-trips")

        func mistake(_ text: String) -> String? {
            do {
                _ = try RobotKeyring(parsing: text)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(mistake("101 \(first.z85)\n102") == "line 2: expected 'ID KEY', got '102'")
        #expect(mistake("robot \(first.z85)")?.hasPrefix("line 1: 'robot' is not a sender id") == true)
        #expect(mistake("0 \(first.z85)")?.hasPrefix("line 1: '0' is not a sender id") == true)
        #expect(mistake("7 short") == "line 1: 'short' is not a 40-character Z85 CURVE key")
        #expect(mistake("7 \(first.z85)\n7 \(second.z85)") == "line 2: sender 7 is listed twice")
        #expect(
            mistake("7 \(first.z85)\n8 \(first.z85)")
                == "line 2: sender 8 has the key of sender 7; every sender needs its own"
        )
    }

    @Test func aKeyWithAHashIsAKeyNotTheStartOfAComment() throws {
        // '#' is a Z85 character (never a key's first one: it is digit 84, and a key's first
        // digit is at most 82), so comments are whole lines, never the rest of a line.
        var pair = try CurveKeyPair.generate()
        while !pair.publicKey.z85.contains("#") { pair = try CurveKeyPair.generate() }
        let keyring = try RobotKeyring(parsing: "# a comment line\n5 \(pair.publicKey.z85)\n")
        #expect(keyring.keys == [5: pair.publicKey])
    }
}
