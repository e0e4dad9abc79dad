import Testing

@testable import ZeroMQ

struct ZMQMessageTests {
    @Test func reusedMessageReceivesManyFramesInTheSameStorage() throws {
        let context = try Context()
        let endpoint = Endpoint.inproc("reuse")
        let pull = try Socket(context, testing: .pull)
        try pull.bind(endpoint)
        let count = 20_000

        // More than the high-water marks hold, so the sender needs a thread of its own.
        let sender = try DedicatedThread.start(name: "test-sender") {
            do {
                let push = try Socket(context, testing: .push)
                try push.connect(endpoint)
                for number in 0..<UInt32(count) {
                    // Alternate small (inline) and large (heap) frames inside libzmq.
                    var frame = [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: number % 2 == 0 ? 8 : 200)
                    withUnsafeBytes(of: number.littleEndian) { frame.replaceSubrange(0..<4, with: $0) }
                    try push.send(frame)
                }
            } catch {
                Issue.record(error)
            }
        }
        defer { sender.join() }

        let message = ZMQMessage()
        let storage = message.pointer
        var next: UInt32 = 0
        while next < count {
            guard try pull.receive(into: message) else { break }
            let number = message.bytes.loadUnaligned(as: UInt32.self)
            if number != next { break }
            #expect(message.count == (number % 2 == 0 ? 8 : 200))
            next += 1
        }
        #expect(next == count)
        #expect(message.pointer == storage)
    }

    @Test func sendingAPreparedMessageLeavesItEmptyAndReusable() throws {
        let context = try Context()
        let endpoint = Endpoint.inproc("prepared")
        let pull = try Socket(context, testing: .pull)
        try pull.bind(endpoint)
        let push = try Socket(context, testing: .push)
        try push.connect(endpoint)

        let outgoing = try ZMQMessage(bytes("prepared"))
        #expect(outgoing.count == 8)
        #expect(try push.send(outgoing))
        #expect(outgoing.count == 0)
        #expect(try pull.receiveText() == "prepared")
    }

    @Test func messagesFromAPeerWithoutZAPHaveNoUserID() throws {
        let context = try Context()
        let pull = try Socket(context, testing: .pull)
        try pull.bind(Endpoint.tcp)
        let push = try Socket(context, testing: .push)
        try push.connect(try pull.boundEndpoint())
        try push.send(bytes("x"))
        let message = ZMQMessage()
        #expect(try pull.receive(into: message))
        #expect(message.userID == nil)
        #expect(message.withUserID { $0 == nil })
        // Metadata comes with the ZMTP handshake, so only over tcp:// and ipc://.
        #expect(message.property("Socket-Type") == "PUSH")
        #expect(message.property("Peer-Address") == "127.0.0.1")
    }
}
