import FleetProtocol

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
    mutating func sendNumbered(
        _ sender: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestampNanos: UInt64,
        bootEpoch: UInt32,
        sequence: UInt32
    ) {}
    mutating func reboot(_ sender: Int) {}
    mutating func linkDown(_ sender: Int) {}
    mutating func linkUp(_ sender: Int) {}
    mutating func service() {}
    mutating func finish() -> [UInt32] { [] }
}
