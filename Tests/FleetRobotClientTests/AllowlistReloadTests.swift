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

/// The allowlist replaced while the ingester runs (`fleet ingest` does it on SIGHUP): a robot
/// added is admitted without a restart, a robot removed is refused from its next frame on the
/// connection it already had, and a reload that fails changes nothing.
struct AllowlistReloadTests {
    /// The robots' sockets, used by one test thread after another: each `DedicatedThread.run`
    /// starts after the previous one returned (thread start and join order the accesses), so
    /// no two threads ever use a socket at once.
    final class Robots: @unchecked Sendable {
        let context: Context
        var sockets: [UInt32: RobotPublisher] = [:]

        init() throws { context = try Context() }

        func close() {
            for socket in sockets.values { socket.close() }
            context.terminate()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aReloadAdmitsAddedRobotsAndRefusesRemovedOnesOnTheirOpenConnection() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try CurveKeyPair.generate()
        let (first, second, third) = (
            try CurveKeyPair.generate(), try CurveKeyPair.generate(), try CurveKeyPair.generate()
        )
        let ingester = try await RunningIngester.start(
            databasePath: folder.databasePath,
            pub: "tcp://127.0.0.1:*",
            authentication: .init(serverKeys: server, allowlist: try RobotKeyring([41: first.publicKey]))
        )
        let endpoint = try await ingester.service.boundEndpoints()[0]
        let robots = try Robots()
        defer { robots.close() }
        @Sendable func connect(_ robot: UInt32, _ keys: CurveKeyPair, within timeout: Duration) throws -> Bool {
            var configuration = RobotPublisher.Configuration(endpoint: endpoint, robotID: robot, bootEpoch: 1)
            configuration.credentials = RobotCredentials(keys: keys, serverKey: server.publicKey)
            configuration.linger = .seconds(2)
            let publisher = try RobotPublisher(context: robots.context, configuration: configuration)
            robots.sockets[robot] = publisher
            return try publisher.waitUntilConnected(timeout: timeout)
        }
        @Sendable func publish(_ robot: UInt32, _ range: Range<Int>) throws {
            for index in range { try robots.sockets[robot]!.publish(Samples.state(index), at: Samples.time(index)) }
        }
        let frames = 100

        // Robot 41 is listed and sends; robot 43 is not and cannot connect.
        let before = try await DedicatedThread.run(name: "robots-before") { () throws -> (Bool, Bool) in
            let listed = try connect(41, first, within: .seconds(10))
            try publish(41, 0..<frames)
            let unlisted = try connect(43, third, within: .milliseconds(1500))
            robots.sockets.removeValue(forKey: 43)?.close()
            return (listed, unlisted)
        }
        #expect(before.0 && !before.1, "41 listed and connected, 43 not listed and refused")
        #expect(try await ingester.waitUntilStored(frames))

        // A reload that fails keeps the keys in force and is counted.
        struct Unreadable: Error {}
        #expect(throws: Unreadable.self) { try ingester.service.reloadAllowlist { throw Unreadable() } }

        // The new list: 41 withdrawn, 42 re-keyed from nothing to a key (added), 43 added.
        let change = try ingester.service.reloadAllowlist {
            try RobotKeyring([42: second.publicKey, 43: third.publicKey])
        }
        #expect(change.added == [42, 43] && change.removed == [41] && change.rekeyed == [])
        #expect(change.keys == 2 && change.generation == 1)
        #expect(change.description == "2 keys; added 42, 43; removed 41")

        let withdrawn = 40
        let after = try await DedicatedThread.run(name: "robots-after") { () throws -> Bool in
            // 41's connection is still open, its frames now refused.
            try publish(41, frames..<(frames + withdrawn))
            let added = try connect(43, third, within: .seconds(10))
            try publish(43, 0..<frames)
            return added
        }
        #expect(after, "43 connects once the reload listed it, without a restart")
        #expect(try await ingester.waitUntilStored(2 * frames))
        try await waitUntil(timeout: .seconds(20)) {
            ingester.service.liveSnapshot.counters.refusedKeyRevoked >= withdrawn
        }
        try await ingester.stop()

        let metrics = ingester.service.currentMetrics()
        #expect(metrics.counters.refusedKeyRevoked == withdrawn)
        #expect(metrics.counters.refusedRobotID == 0)
        #expect(metrics.stored == 2 * frames)
        #expect(metrics.allowlistKeys == 2)
        #expect(metrics.allowlistReloads == 1 && metrics.allowlistReloadsFailed == 1)
        let database = try FleetDatabase(path: folder.databasePath)
        #expect(try database.robots().map(\.robotID).sorted() == [41, 43])
        #expect(try database.lossLedger(robotID: 41).first?.received == frames, "the refused frames touch no ledger")
        #expect(try database.ingestStatistics()["frames.refused.key_revoked"] == Int64(withdrawn))
    }

    @Test func aReloadNamesWhatChangedAndRevokesOnlyRemovedOrReplacedKeys() throws {
        let (a, b, c) = (try CurveKeyPair.generate(), try CurveKeyPair.generate(), try CurveKeyPair.generate())
        let allowlist = CurveAllowlist(try RobotKeyring([1: a.publicKey, 2: b.publicKey]))
        #expect(allowlist.admit(a.publicKey).map { "\($0.id) \($0.userID)" } == "1 1:0")
        #expect(allowlist.admit(c.publicKey) == nil)

        // 1 keeps its key, 2 gets a new one, 3 arrives.
        let change = allowlist.replace(with: try RobotKeyring([1: a.publicKey, 2: c.publicKey, 3: b.publicKey]))
        #expect(change.added == [3] && change.rekeyed == [2] && change.removed == [])
        #expect(allowlist.generation == 1)
        #expect(
            allowlist.admit(b.publicKey).map { "\($0.id) \($0.userID)" } == "3 3:1",
            "a key moved to another sender is that sender's now"
        )
        let (generation, validFrom) = allowlist.revocations()
        #expect(generation == 1 && validFrom == [2: 1], "only 2's old connections stop counting")

        let same = allowlist.replace(with: try RobotKeyring([1: a.publicKey, 2: c.publicKey, 3: b.publicKey]))
        #expect(same.isEmpty && same.description == "3 keys; no change")
    }

    @Test(
        arguments: [
            ("41", (41, 0)), ("41:0", (41, 0)), ("4294967295:12", (4_294_967_295, 12)),
        ] as [(String, (UInt32, Int))]
    )
    func aUserIDNamesTheSenderAndTheGenerationThatAdmittedIt(text: String, expected: (UInt32, Int)) {
        let parsed = Array(text.utf8).withUnsafeBytes { CurveAllowlist.parseUserID($0) }
        #expect(parsed.map { [Int($0.id), $0.generation] } == [Int(expected.0), expected.1])
    }

    @Test(arguments: ["", ":1", "41:", "4294967296", "41:1:2", "x41", "41 "])
    func aUserIDThatIsNotOneIsRefused(text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { CurveAllowlist.parseUserID($0) } == nil)
    }
}
