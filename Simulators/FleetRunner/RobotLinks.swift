import FleetProtocol
import ZeroMQ

/// The sockets of every sender (robots, then the referee), as the runner thread drives them.
///
/// The runner decides what goes on the wire (numbering, faults, recording); a link only
/// moves bytes. Generic rather than an existential so the per-frame calls are direct.
protocol RobotLinks {
    /// Sends a frame exactly as given (a duplicate copy, a corrupt frame).
    mutating func sendRaw(_ sender: Int, _ frame: UnsafeRawBufferPointer) throws(RunnerError)
    /// Sends the valid frame numbered `sequence` in `bootEpoch`; `frame` is its encoding of
    /// `message` (reliable mode lets its client number, encode and keep it: the same bytes).
    mutating func sendNumbered(
        _ sender: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestampNanos: UInt64,
        bootEpoch: UInt32,
        sequence: UInt32
    ) throws(RunnerError)
    /// The sender restarted: its next frame starts the next boot epoch at sequence 0.
    mutating func reboot(_ sender: Int) throws(RunnerError)
    /// The sender's link goes down (pub mode: the socket is closed).
    mutating func linkDown(_ sender: Int) throws(RunnerError)
    /// The sender's link is back (pub mode: a new socket, connected before it is used).
    mutating func linkUp(_ sender: Int) throws(RunnerError)
    /// Housekeeping between frames: acks, reconnects, resends (reliable mode).
    mutating func service() throws(RunnerError)
    /// End of the run: wait for what is queued or unacknowledged, then close everything.
    /// Returns the ids of senders whose frames were not all confirmed.
    mutating func finish() throws(RunnerError) -> [UInt32]
}

/// No sockets at all: `--no-send`, for benchmarks and recordings.
struct NoLinks: RobotLinks {
    mutating func sendRaw(_ sender: Int, _ frame: UnsafeRawBufferPointer) {}
    mutating func reboot(_ sender: Int) {}
    mutating func linkDown(_ sender: Int) {}
    mutating func linkUp(_ sender: Int) {}
    mutating func service() {}
    mutating func finish() -> [UInt32] { [] }
}

extension RobotLinks {
    /// Links whose clients do not number frames themselves send the runner's encoding as is.
    mutating func sendNumbered(
        _ sender: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestampNanos: UInt64,
        bootEpoch: UInt32,
        sequence: UInt32
    ) throws(RunnerError) {
        try sendRaw(sender, frame)
    }
}

/// The ZeroMQ contexts of a link's sockets: libzmq allows 1023 sockets per context by
/// default, so every `perContext` clients get a context of their own. Terminated after the
/// last client closed (termination waits, up to each socket's linger, for queued frames).
struct LinkContexts {
    private(set) var contexts: [Context] = []
    let perContext: Int

    init(clients: Int, perContext: Int) throws(RunnerError) {
        self.perContext = perContext
        do {
            for _ in 0..<(clients + perContext - 1) / perContext { contexts.append(try Context()) }
        } catch {
            throw RunnerError(.transport, "cannot create a ZeroMQ context", cause: error)
        }
    }

    /// The context of client `index`.
    func context(for index: Int) -> Context { contexts[index / perContext] }

    func terminate() {
        for context in contexts { context.terminate() }
    }
}

extension RunnerError {
    /// Runs a socket operation of a link, naming what failed.
    static func transport<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws(RunnerError) -> T {
        do {
            return try body()
        } catch {
            throw RunnerError(.transport, what(), cause: error)
        }
    }
}
