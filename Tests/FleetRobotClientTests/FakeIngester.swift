import FleetProtocol
import ZeroMQ

/// A bare ROUTER standing in for the ingester, for tests that decide exactly when (and
/// whether) acks go out; lives on the test's client thread.
final class FakeIngester {
    let socket: Socket
    let endpoint: String
    private var identity: [UInt8] = []
    private var ackSequence: UInt32 = 0

    init(context: Context, endpoint: String = "tcp://127.0.0.1:*") throws {
        socket = try Socket(context, type: .router, options: [.linger(.zero), .receiveTimeout(.seconds(5))])
        try socket.bind(endpoint)
        self.endpoint = try socket.lastEndpoint ?? endpoint
    }

    /// The routing id of the connection the last frame came on.
    var lastIdentity: [UInt8] { identity }

    /// The next frame a robot sent, or nil after 5 s.
    func receive() throws -> [UInt8]? {
        guard let parts = try socket.receiveMultipart(), parts.count == 2 else { return nil }
        identity = parts[0]
        return parts[1]
    }

    /// The next frame if one is queued already.
    func tryReceive() throws -> [UInt8]? {
        guard let routingID = try socket.tryReceive() else { return nil }
        identity = routingID
        return try socket.receive()
    }

    /// The next `count` frames, or fewer if they have not all come within `timeout` (on a
    /// loaded machine a robot's queued frames can take longer than one receive's 5 s to start
    /// arriving, so the deadline is for all of them, not for each).
    func receive(_ count: Int, timeout: Duration = .seconds(30)) throws -> [[UInt8]] {
        let deadline = ContinuousClock.now + timeout
        var frames: [[UInt8]] = []
        while frames.count < count && ContinuousClock.now < deadline {
            if let frame = try receive() { frames.append(frame) }
        }
        return frames
    }

    /// Sends an ack to the robot that sent last.
    func ack(bootEpoch: UInt32, through: UInt32, credit: UInt32 = 0) throws {
        try reply(
            FrameEncoder.encode(
                .ack(Ack(ackedBootEpoch: bootEpoch, ackedThrough: through, credit: credit)),
                robotID: 0xFFFF_FFFF,
                bootEpoch: 1,
                sequence: ackSequence,
                timestampNanoseconds: 1
            )
        )
        ackSequence += 1
    }

    /// Sends `bytes` as is to the robot that sent last.
    func reply(_ bytes: [UInt8]) throws {
        _ = try socket.sendMultipart([identity, bytes])
    }

    func close() {
        socket.close()
    }
}

/// Failed checks collected on a client thread, where `#expect` has no test to report to;
/// the test expects the list to be empty.
struct Checks: Sendable {
    private(set) var failures: [String] = []

    mutating func check(_ condition: Bool, _ what: String, line: Int = #line) {
        if !condition { failures.append("line \(line): \(what)") }
    }

    /// Repeats `attempt` until it returns true or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(5), _ attempt: () throws -> Bool) rethrows -> Bool {
        try FleetRobotClientTests.eventually(timeout: timeout, attempt)
    }
}

/// Repeats `attempt` until it returns true or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ attempt: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try attempt() { return true }
    }
    return try attempt()
}
