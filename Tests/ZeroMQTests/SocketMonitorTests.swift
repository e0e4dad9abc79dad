import Testing
import ZeroMQ

struct SocketMonitorTests {
    @Test func reportsListeningAcceptedConnectedAndClosed() throws {
        let context = try Context()
        let server = try Socket(context, testing: .pull)
        let serverEvents = try server.monitor()
        try server.bind(Endpoint.tcp)
        let endpoint = try server.boundEndpoint()
        let listening = try #require(try serverEvents.next(timeout: testTimeout))
        #expect(listening.kind == .listening)
        #expect(listening.endpoint == endpoint)

        let client = try Socket(context, testing: .push)
        let clientEvents = try client.monitor([.connected, .handshakeSucceeded])
        try client.connect(endpoint)
        #expect(try clientEvents.wait(for: [.connected], timeout: testTimeout)?.endpoint == endpoint)
        #expect(try clientEvents.wait(for: [.handshakeSucceeded], timeout: testTimeout) != nil)
        #expect(try serverEvents.wait(for: [.accepted], timeout: testTimeout)?.endpoint == endpoint)
        #expect(try serverEvents.wait(for: [.handshakeSucceeded], timeout: testTimeout) != nil)

        try server.unbind(endpoint)
        #expect(try serverEvents.wait(for: [.closed], timeout: testTimeout)?.endpoint == endpoint)
        server.close()
        #expect(try serverEvents.wait(for: [.monitorStopped], timeout: testTimeout) != nil)
    }

    @Test func maxMessageSizeDisconnectsAnOversizedSender() throws {
        let context = try Context()
        let pull = try Socket(
            context,
            testing: .pull,
            options: [.maxMessageSize(64), .receiveTimeout(.milliseconds(300))]
        )
        let events = try pull.monitor()
        try pull.bind(Endpoint.tcp)
        let push = try Socket(context, testing: .push)
        try push.connect(try pull.boundEndpoint())
        #expect(try events.wait(for: [.handshakeSucceeded], timeout: testTimeout) != nil)

        try push.send(bytes("small enough"))
        #expect(try pull.receiveText() == "small enough")

        try push.send([UInt8](repeating: 7, count: 65))
        #expect(try events.wait(for: [.disconnected], timeout: testTimeout) != nil)
        #expect(try pull.receive() == nil)
    }

    @Test func aMonitorDroppedBeforeItsSocketNeverBlocksIt() throws {
        let context = try Context()
        let server = try Socket(context, testing: .pull)
        do {
            _ = try server.monitor()
        }
        // Thousands of unread events, then close: libzmq's blocking event send must not stall.
        for _ in 0..<1500 {
            try server.bind(Endpoint.tcp)
            try server.unbind(try server.boundEndpoint())
        }
        server.close()
        context.terminate()
    }
}
