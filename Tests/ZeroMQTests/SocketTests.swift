import Foundation
import Synchronization
import Testing
import ZeroMQ

struct SocketTests {
    @Test func subscriberReceivesOnlyItsTopicOverTCP() throws {
        let context = try Context()
        let publisher = try Socket(context, testing: .publisher)
        try publisher.bind(Endpoint.tcp)
        let subscriber = try Socket(
            context,
            testing: .subscriber,
            options: [.subscribe("robot.7"), .receiveTimeout(.milliseconds(20))]
        )
        try subscriber.connect(try publisher.boundEndpoint())

        // The subscription reaches the publisher a moment after connecting: publish until seen.
        let joined = try eventually {
            try publisher.send(bytes("robot.7 hello"))
            return try subscriber.receive() != nil
        }
        #expect(joined)

        try subscriber.set(.receiveTimeout(testTimeout))
        try publisher.send(bytes("robot.8 not for you"))
        try publisher.send(bytes("robot.7 second"))
        // Drain copies of the join message still in flight; the other topic must never appear.
        var received: String?
        repeat {
            received = try subscriber.receiveText()
            #expect(received?.hasPrefix("robot.8") == false)
        } while received == "robot.7 hello"
        #expect(received == "robot.7 second")
    }

    @Test func pushDeliversToPullOverIPC() throws {
        let folder = try IPCFolder()
        defer { folder.remove() }
        let context = try Context()
        let pull = try Socket(context, testing: .pull)
        try pull.bind(folder.endpoint("pipeline.ipc"))
        let push = try Socket(context, testing: .push)
        try push.connect(folder.endpoint("pipeline.ipc"))

        for number in 0..<100 {
            try push.send(bytes("frame \(number)"))
        }
        for number in 0..<100 {
            #expect(try pull.receiveText() == "frame \(number)")
        }
    }

    @Test func routerRepliesToTheDealerNamedByItsRoutingID() throws {
        let context = try Context()
        let endpoint = Endpoint.inproc("router")
        let router = try Socket(context, testing: .router, options: [.routerMandatory(true)])
        try router.bind(endpoint)
        let first = try Socket(context, testing: .dealer, options: [.routingID(bytes("robot-1"))])
        let second = try Socket(context, testing: .dealer, options: [.routingID(bytes("robot-2"))])
        try first.connect(endpoint)
        try second.connect(endpoint)
        #expect(try first.routingID == bytes("robot-1"))

        try first.send(bytes("seq 1"))
        try second.send(bytes("seq 9"))
        var seen: [String: String] = [:]
        for _ in 0..<2 {
            let parts = try #require(try router.receiveMultipart())
            #expect(parts.count == 2)
            seen[String(decoding: parts[0], as: UTF8.self)] = String(decoding: parts[1], as: UTF8.self)
        }
        #expect(seen == ["robot-1": "seq 1", "robot-2": "seq 9"])

        try router.sendMultipart([bytes("robot-2"), bytes("ack 9")])
        try router.sendMultipart([bytes("robot-1"), bytes("ack 1")])
        #expect(try first.receiveText() == "ack 1")
        #expect(try second.receiveText() == "ack 9")

        // ROUTER_MANDATORY turns a silent drop into an error naming the problem.
        #expect(throws: ZeroMQError.self) {
            try router.sendMultipart([bytes("robot-3"), bytes("ack")])
        }
    }

    @Test func multipartMessagesArriveWholeWithMoreFlags() throws {
        let context = try Context()
        let endpoint = Endpoint.inproc("multipart")
        let pull = try Socket(context, testing: .pull)
        try pull.bind(endpoint)
        let push = try Socket(context, testing: .push)
        try push.connect(endpoint)

        try push.sendMultipart([bytes("header"), [], bytes("body")])
        let message = ZMQMessage()
        var parts: [(String, Bool)] = []
        repeat {
            #expect(try pull.receive(into: message))
            parts.append((String(decoding: message.bytes, as: UTF8.self), message.more))
        } while message.more
        #expect(parts.map(\.0) == ["header", "", "body"])
        #expect(parts.map(\.1) == [true, true, false])
    }

    @Test func nonBlockingCallsReturnFalseInsteadOfThrowing() throws {
        let context = try Context()
        let pull = try Socket(context, testing: .pull)
        try pull.bind(Endpoint.inproc("idle"))
        #expect(try pull.tryReceive(into: ZMQMessage()) == false)
        #expect(try pull.tryReceive() == nil)

        // A PUSH that was never connected has nowhere to queue.
        let push = try Socket(context, testing: .push)
        #expect(try push.trySend(bytes("nobody")) == false)

        try pull.set(.receiveTimeout(.milliseconds(10)))
        #expect(try pull.receive() == nil)
    }

    @Test func closingWithUnsentMessagesAndNoPeerReturnsPromptly() throws {
        let clock = ContinuousClock()
        let context = try Context()
        let push = try Socket(context, type: .push)
        #expect(try push.linger == Socket.defaultLinger)
        // Nobody listens here, so everything stays queued.
        try push.connect("tcp://127.0.0.1:1")
        for _ in 0..<100 {
            #expect(try push.trySend(bytes("stuck")))
        }
        let elapsed = clock.measure {
            push.close()
            context.terminate()
        }
        #expect(elapsed < .seconds(1))
    }

    @Test func optionsReadBackInTheirUnits() throws {
        let context = try Context()
        let socket = try Socket(
            context,
            type: .router,
            options: [
                .linger(.zero), .maxMessageSize(4096), .receiveTimeout(.microseconds(1500)),
                .sendHighWaterMark(10), .receiveHighWaterMark(10),
                .heartbeatInterval(.seconds(1)), .heartbeatTimeout(.seconds(3)), .heartbeatTTL(.seconds(10)),
                .reconnectInterval(.milliseconds(100)), .reconnectIntervalMax(.seconds(5)),
            ]
        )
        #expect(try socket.linger == .zero)
        #expect(try socket.maxMessageSize == 4096)
        // Rounded up to whole milliseconds, never down to "do not wait".
        #expect(try socket.receiveTimeout == .milliseconds(2))
        #expect(try socket.lastEndpoint == nil)
        try socket.set([.maxMessageSize(nil), .receiveTimeout(nil)])
        #expect(try socket.maxMessageSize == nil)
        #expect(try socket.receiveTimeout == nil)
    }

    @Test func tcpKeepaliveReadsBackInWholeSeconds() throws {
        let context = try Context()
        let socket = try Socket(context, type: .router, options: [.linger(.zero)])
        let unset = try socket.tcpKeepalive
        #expect(unset.enabled == nil && unset.idle == nil && unset.interval == nil && unset.count == nil)
        try socket.set([
            .tcpKeepalive(true), .tcpKeepaliveIdle(.milliseconds(9500)), .tcpKeepaliveInterval(.seconds(2)),
            .tcpKeepaliveCount(3),
        ])
        let set = try socket.tcpKeepalive
        #expect(set.enabled == true)
        // Rounded up: a probe never comes sooner than asked.
        #expect(set.idle == .seconds(10))
        #expect(set.interval == .seconds(2))
        #expect(set.count == 3)
    }

    @Test func usingAClosedSocketThrowsInsteadOfCrashing() throws {
        let context = try Context()
        let socket = try Socket(context, type: .pull)
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        let error = try #require(throws: ZeroMQError.self) { try socket.bind(Endpoint.inproc()) }
        #expect(error.operation.hasPrefix("zmq_bind"))
    }

    @Test func bindFailureNamesTheEndpoint() throws {
        let context = try Context()
        let socket = try Socket(context, type: .pull)
        let error = try #require(throws: ZeroMQError.self) { try socket.bind("tcp://256.0.0.1:1") }
        #expect(error.description.contains("tcp://256.0.0.1:1"))
    }

    @Test func shuttingTheContextDownStopsABlockedReceiveWithETERM() throws {
        final class Outcome: Sendable {
            let error = Mutex<ZeroMQError?>(nil)
        }
        let context = try Context()
        // Created here, so the socket exists before the shutdown however late the thread starts.
        let pull = try Socket(context, testing: .pull)
        try pull.bind(Endpoint.inproc("shutdown"))
        let outcome = Outcome()
        let receiver = try DedicatedThread.start(name: "test-receiver") { [pull] in
            defer { pull.close() }
            do {
                // Blocks until the context shuts down (or the test timeout passes).
                _ = try pull.receive()
            } catch {
                outcome.error.withLock { $0 = error as? ZeroMQError }
            }
        }
        Thread.sleep(forTimeInterval: 0.05)
        context.shutdown()
        receiver.join()
        #expect(outcome.error.withLock { $0 }?.isTerminated == true)
        context.terminate()
    }
}
