import CZeroMQ
import Synchronization
import Testing

@testable import ZeroMQ

struct ZAPHandlerTests {
    /// A CURVE server with a ZAP handler holding an allowlist of one robot, and a monitor.
    struct Fixture {
        let context: Context
        let serverKeys: CurveKeyPair
        let robotKeys: CurveKeyPair
        let handler: ZAPHandler
        let pull: Socket
        let events: SocketMonitor
        let requests: Requests

        /// The requests the handler saw, checked after the fact.
        final class Requests: Sendable {
            let seen = Mutex<[ZAPRequest]>([])
        }

        init() throws {
            context = try Context()
            serverKeys = try CurveKeyPair.generate()
            let robotKeys = try CurveKeyPair.generate()
            self.robotKeys = robotKeys
            let requests = Requests()
            self.requests = requests
            let allowlist = [robotKeys.publicKey: "robot-17"]
            handler = try ZAPHandler(context: context) { request in
                requests.seen.withLock { $0.append(request) }
                guard request.mechanism == "CURVE", let key = request.clientKey, let robot = allowlist[key] else {
                    return .deny(.authenticationFailure, reason: "key not on the allowlist")
                }
                return .allow(userID: robot)
            }
            pull = try Socket(context, testing: .pull, options: [.receiveTimeout(.milliseconds(300))])
            try pull.makeCurveServer(keys: serverKeys, zapDomain: "telemetry")
            events = try pull.monitor()
            try pull.bind(Endpoint.tcp)
        }

        func connectClient(with keys: CurveKeyPair) throws -> Socket {
            let push = try Socket(context, testing: .push)
            try push.makeCurveClient(keys: keys, serverKey: serverKeys.publicKey)
            try push.connect(try pull.boundEndpoint())
            return push
        }

        func handshakeOutcome() throws -> MonitorEvent? {
            try events.wait(
                for: [.handshakeSucceeded, .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail],
                timeout: testTimeout
            )
        }
    }

    @Test func refusesAKeyThatIsNotOnTheAllowlist() throws {
        let fixture = try Fixture()
        let stranger = try fixture.connectClient(with: try CurveKeyPair.generate())

        let outcome = try fixture.handshakeOutcome()
        #expect(outcome?.kind == .handshakeFailedAuth)
        #expect(outcome?.value == 400)
        _ = try stranger.trySend(bytes("let me in"))
        #expect(try fixture.pull.receive() == nil)
        #expect(fixture.handler.statistics.denied >= 1)
        #expect(fixture.handler.statistics.allowed == 0)
    }

    @Test func acceptsAnAllowlistedKeyAndNamesItsUserID() throws {
        let fixture = try Fixture()
        let robot = try fixture.connectClient(with: fixture.robotKeys)

        #expect(try fixture.handshakeOutcome()?.kind == .handshakeSucceeded)
        try robot.send(bytes("telemetry frame"))
        let message = ZMQMessage()
        try fixture.pull.set(.receiveTimeout(testTimeout))
        #expect(try fixture.pull.receive(into: message))
        #expect(String(decoding: message.bytes, as: UTF8.self) == "telemetry frame")
        #expect(message.userID == "robot-17")
        #expect(message.withUserID { $0.map { String(decoding: $0, as: UTF8.self) } } == "robot-17")

        let request = try #require(fixture.requests.seen.withLock { $0.first })
        #expect(request.domain == "telemetry")
        #expect(request.address == "127.0.0.1")
        #expect(request.clientKey == fixture.robotKeys.publicKey)
        #expect(fixture.handler.statistics.allowed == 1)
    }

    @Test func aStoppedHandlerLeavesTheServerRefusingEveryone() throws {
        let fixture = try Fixture()
        fixture.handler.stop()
        _ = try fixture.connectClient(with: fixture.robotKeys)
        let outcome = try fixture.handshakeOutcome()
        #expect(outcome != nil)
        #expect(outcome?.kind != .handshakeSucceeded)
    }

    @Test func onlyOneHandlerCanServeAContext() throws {
        let context = try Context()
        let first = try ZAPHandler(context: context) { _ in .allow(userID: "anyone") }
        defer { first.stop() }
        let error = try #require(throws: ZeroMQError.self) {
            _ = try ZAPHandler(context: context) { _ in .allow(userID: "anyone") }
        }
        #expect(error.code == EADDRINUSE)
    }

    @Test func malformedRequestsAreRefusedWithoutAsking() {
        let asked = Mutex(false)
        let authenticate: (ZAPRequest) -> ZAPDecision = { _ in
            asked.withLock { $0 = true }
            return .allow(userID: "oops")
        }
        let version = bytes("1.0")
        let cases: [[[UInt8]]] = [
            [],
            [bytes("2.0"), bytes("1"), [], [], [], bytes("NULL")],
            [version, bytes("1"), [], [], [], bytes("CURVE")],
            [version, bytes("1"), [], [], [], bytes("CURVE"), [1, 2, 3]],
        ]
        for frames in cases {
            guard case .deny = ZAPHandler.decide(frames, authenticate: authenticate) else {
                Issue.record("allowed \(frames)")
                continue
            }
        }
        #expect(asked.withLock { $0 } == false)
    }

    @Test func repliesFollowRFC27() {
        let request = [bytes("1.0"), bytes("42"), bytes("fleet"), bytes("10.0.0.7"), [], bytes("CURVE"), []]
        #expect(
            ZAPHandler.reply(to: request, with: .allow(userID: "robot-1"))
                == [bytes("1.0"), bytes("42"), bytes("200"), bytes("OK"), bytes("robot-1"), []]
        )
        #expect(
            ZAPHandler.reply(to: request, with: .deny(.temporaryError, reason: "busy"))
                == [bytes("1.0"), bytes("42"), bytes("300"), bytes("busy"), [], []]
        )
    }
}
