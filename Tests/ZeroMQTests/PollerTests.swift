import Testing
import ZeroMQ

struct PollerTests {
    @Test func reportsWhichOfTwoSocketsIsReadable() throws {
        let context = try Context()
        let telemetry = Endpoint.inproc("telemetry")
        let control = Endpoint.inproc("control")
        let telemetryPull = try Socket(context, testing: .pull)
        try telemetryPull.bind(telemetry)
        let controlPull = try Socket(context, testing: .pull)
        try controlPull.bind(control)
        let telemetryPush = try Socket(context, testing: .push)
        try telemetryPush.connect(telemetry)
        let controlPush = try Socket(context, testing: .push)
        try controlPush.connect(control)

        var poller = Poller()
        let telemetryIndex = poller.add(telemetryPull)
        let controlIndex = poller.add(controlPull)

        #expect(try poller.poll(timeout: .milliseconds(10)) == 0)

        try controlPush.send(bytes("stop"))
        #expect(try poller.poll(timeout: testTimeout) == 1)
        #expect(poller.isReadable(controlIndex))
        #expect(!poller.isReadable(telemetryIndex))
        #expect(try controlPull.receiveText() == "stop")

        try telemetryPush.send(bytes("frame"))
        try controlPush.send(bytes("again"))
        // Both are queued on inproc by now, but poll until both show, to stay timing-proof.
        let both = try eventually {
            _ = try poller.poll(timeout: testTimeout)
            return poller.isReadable(telemetryIndex) && poller.isReadable(controlIndex)
        }
        #expect(both)
    }

    @Test func reportsWritableSockets() throws {
        let context = try Context()
        let endpoint = Endpoint.inproc("writable")
        let pull = try Socket(context, testing: .pull)
        try pull.bind(endpoint)
        let push = try Socket(context, testing: .push)
        var poller = Poller()
        let index = poller.add(push, for: .writable)
        #expect(try poller.poll(timeout: .milliseconds(10)) == 0)
        try push.connect(endpoint)
        #expect(try poller.poll(timeout: testTimeout) == 1)
        #expect(poller.isWritable(index))
        #expect(poller.events(at: index) == .writable)
    }

    @Test func pollingAClosedSocketThrows() throws {
        let context = try Context()
        let socket = try Socket(context, type: .pull)
        var poller = Poller()
        poller.add(socket)
        socket.close()
        #expect(throws: ZeroMQError.self) { try poller.poll(timeout: .zero) }
    }
}
