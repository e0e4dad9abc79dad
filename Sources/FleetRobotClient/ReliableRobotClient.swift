public import FleetProtocol
public import ZeroMQ

/// One robot in `reliable` mode: a DEALER connected to the ingester's ROUTER that keeps every
/// frame until the ingester says it is committed, and resends what is not.
///
/// The window holds the exact bytes of each numbered, unacknowledged frame, oldest first, and
/// is bounded (``Configuration/windowSize``, and the ingester's `credit` when it gives one).
/// When it is full, ``publish(_:at:flags:)`` refuses the new sample *before* numbering it, as
/// the protocol says: the sample is dropped locally (count it in `heartbeat.queue_drops`;
/// ``Statistics/windowFullRefusals`` does) and leaves no gap. A caller that must not drop
/// waits with ``publish(_:at:flags:waitingAtMost:)``.
///
/// Acks release frames from the front of the window. After a reconnect (seen by a socket
/// monitor) or when acks make no progress for ``Configuration/progressTimeout`` while frames
/// are outstanding, every unacknowledged frame is resent, byte-identical, oldest first; the
/// ingester drops the ones it already has and acknowledges them again.
///
/// Not `Sendable`, no thread of its own: the thread that drives the robot calls
/// ``service()`` on each tick (it reads acks, notices reconnects and timeouts, sends what is
/// pending), so one runner thread can drive hundreds of clients.
public final class ReliableRobotClient {
    /// Where to connect and as whom, the window, and socket settings; the link's fields
    /// (`endpoint`, `credentials`, heartbeats, …) read and write as the configuration's own.
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        /// The ingester's ROUTER endpoint, who this robot is, and how it connects.
        public var link: RobotLink
        /// Most frames numbered but not yet acknowledged.
        public var windowSize = 4096
        /// With frames outstanding and no ack progress for this long, resend them all (the
        /// ingester may have lost them, or its acks, without the connection dropping).
        public var progressTimeout: Duration = .seconds(5)
        /// Watch the connection with a socket monitor, to resend as soon as a reconnect
        /// completes. A monitor costs two more sockets (libzmq allows 1023 per context by
        /// default); without it a reconnect is noticed through `progressTimeout` only.
        public var monitorsConnection = true
        /// Frames the DEALER queues before sends wait; above the window so a full window of
        /// resends fits next to a full window still queued from before a reconnect.
        public var sendHighWaterMark: Int?
        /// Progress timeouts in a row without an acknowledgement before the socket is closed
        /// and made anew, as ZeroMQ's Lazy Pirate client does: after an ingester was killed,
        /// libzmq 4.3.4 once kept a robot's connection taking frames that never arrived for
        /// the whole 90 s the robot waited, while every other robot had reconnected.
        public var stalledTimeoutsBeforeNewSocket = 3

        /// Unacknowledged frames are in the window anyway, so nothing is gained by lingering;
        /// a vanished ingester is noticed after 3 s of missed heartbeats.
        public init(endpoint: String, robotID: UInt32, bootEpoch: UInt32) {
            link = RobotLink(
                endpoint: endpoint,
                robotID: robotID,
                bootEpoch: bootEpoch,
                linger: .zero,
                reconnectIntervalMax: .seconds(2),
                heartbeatTimeout: .seconds(3)
            )
        }

        public subscript<Value>(dynamicMember field: WritableKeyPath<RobotLink, Value>) -> Value {
            get { link[keyPath: field] }
            set { link[keyPath: field] = newValue }
        }
    }

    /// What became of one sample.
    public enum PublishResult: Sendable, Equatable {
        /// Numbered, kept in the window and sent (or queued to be sent).
        case sent(sequence: UInt32)
        /// The window is full: the sample was dropped before it got a sequence number.
        case windowFull
    }

    public let configuration: Configuration
    public private(set) var statistics = Statistics()
    private var numbering: FrameNumbering
    private var window = FrameWindow()
    /// `credit` of the last ack on this connection; nil before the first.
    private var credit: UInt32?
    private let scratch = FrameScratch()
    private let context: Context
    private var socket: Socket
    private var monitor: SocketMonitor?
    /// Progress timeouts since the last acknowledgement that released frames.
    private var stalledTimeouts = 0
    private let reply = ZMQMessage()
    private var poller = Poller()
    private let clock = ContinuousClock()
    /// Last time the window moved: an ack released frames, the window filled from empty, or a
    /// resend began.
    private var lastProgress: ContinuousClock.Instant
    private var connected = false
    /// When the monitor last reported the connection down.
    private var disconnectedAt: ContinuousClock.Instant
    private var disconnectedSinceHandshake = false

    /// Creates the socket and starts connecting in the background; frames published before the
    /// connection is up wait in the socket's queue.
    public init(context: Context, configuration: Configuration) throws {
        guard configuration.windowSize > 0 else {
            throw RobotClientError(
                .invalidConfiguration,
                "windowSize must be at least 1, got \(configuration.windowSize)"
            )
        }
        self.configuration = configuration
        self.context = context
        self.numbering = FrameNumbering(robotID: configuration.robotID, bootEpoch: configuration.bootEpoch)
        (socket, monitor) = try Self.connectedSocket(context: context, configuration: configuration)
        poller.add(socket)
        lastProgress = clock.now
        disconnectedAt = clock.now
    }

    /// A DEALER with the link's options, its monitor when asked for, connecting.
    private static func connectedSocket(
        context: Context,
        configuration: Configuration
    ) throws -> (Socket, SocketMonitor?) {
        let socket = try Socket(
            context,
            type: .dealer,
            options: configuration.link.socketOptions + [
                .sendHighWaterMark(configuration.sendHighWaterMark ?? (2 * configuration.windowSize + 1024)),
                .receiveHighWaterMark(0),
                .maxMessageSize(FrameHeader.maximumFrameSize),
            ]
        )
        // Monitor before connecting, so the first handshake is seen too.
        let monitor = configuration.monitorsConnection ? try socket.monitor([.handshakeSucceeded, .disconnected]) : nil
        try configuration.link.connect(socket)
        return (socket, monitor)
    }

    deinit {
        socket.close()
    }

    public var robotID: UInt32 { numbering.robotID }
    /// The boot epoch the next frame carries.
    public var bootEpoch: UInt32 { numbering.bootEpoch }
    /// The sequence number the next frame gets.
    public var nextSequence: UInt32 { numbering.nextSequence }
    /// Frames numbered and not yet acknowledged.
    public var outstanding: Int { window.count }
    /// Bytes of those frames.
    public var outstandingBytes: Int { window.byteCount }
    /// Bytes the window holds on to (grows with a backlog, handed back once it drains).
    public var retainedBytes: Int { window.byteCapacity }
    /// How many frames may be outstanding now: the window size, or the ingester's credit
    /// if smaller.
    public var windowLimit: Int {
        // A credit of 0 would stop the robot for good once everything is acknowledged (no
        // further ack could come to lift it), so it is read as "no credit given".
        guard let credit, credit > 0 else { return configuration.windowSize }
        return min(configuration.windowSize, Int(credit))
    }
    /// Whether the socket monitor last saw the connection up (always false without a monitor).
    public var isConnected: Bool { connected }

    // MARK: Publishing

    /// Numbers, encodes, keeps and sends `message`, or refuses it when the window is full.
    /// Reads any acks waiting first, so a window that acks have freed is not reported full.
    public func publish(
        _ message: FleetProtocol.Message,
        at timestampNanos: UInt64,
        flags: UInt8 = 0
    ) throws -> PublishResult {
        if window.count >= windowLimit { try service() }
        guard window.count < windowLimit else {
            statistics.windowFullRefusals += 1
            return .windowFull
        }
        let (bootEpoch, sequence, frame) = scratch.encodeNext(
            message,
            numbering: &numbering,
            at: timestampNanos,
            flags: flags
        )
        if window.isEmpty { lastProgress = clock.now }
        window.append(bootEpoch: bootEpoch, sequence: sequence, frame: frame)
        statistics.framesPublished += 1
        statistics.windowHighWaterMark = max(statistics.windowHighWaterMark, window.count)
        try sendPending()
        return .sent(sequence: sequence)
    }

    /// Like ``publish(_:at:flags:)``, but when the window is full keeps servicing the
    /// connection for at most `timeout` until acks make room; `.windowFull` (and a refusal
    /// counted) only if none did.
    public func publish(
        _ message: FleetProtocol.Message,
        at timestampNanos: UInt64,
        flags: UInt8 = 0,
        waitingAtMost timeout: Duration
    ) throws -> PublishResult {
        let deadline = clock.now + timeout
        while window.count >= windowLimit {
            try service()
            if window.count < windowLimit { break }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { break }
            try waitForReply(atMost: remaining)
        }
        return try publish(message, at: timestampNanos, flags: flags)
    }

    /// Sends `bytes` exactly as given, outside the window: no sequence number, never resent.
    /// For fault injection (a corrupt copy of a frame, a foreign frame).
    public func sendRaw(_ bytes: [UInt8]) throws {
        _ = try bytes.withUnsafeBytes { try socket.trySend($0) }
    }

    /// A restart that kept its unacknowledged frames (a robot that persists its window): the
    /// next frame starts boot epoch + 1 at sequence 0; the old epoch's frames keep their
    /// numbers and are still resent until acknowledged.
    public func reboot() {
        numbering.reboot()
    }

    // MARK: Servicing

    /// Does whatever is due, without waiting: reads acks and releases what they cover, notices
    /// reconnects and stalled acks and starts a resend, sends frames still pending. Call it on
    /// every tick.
    public func service() throws {
        try readReplies()
        try readConnectionEvents()
        if !window.isEmpty && clock.now - lastProgress >= configuration.progressTimeout {
            statistics.progressTimeouts += 1
            stalledTimeouts += 1
            if stalledTimeouts >= configuration.stalledTimeoutsBeforeNewSocket {
                try replaceSocket()
            } else if monitor != nil && !connected
                && disconnectedAt.duration(to: clock.now) < configuration.progressTimeout * 2
            {
                // Known to be disconnected: the frames wait in the socket's queue, and the
                // reconnect resends them all; resending now would only queue more copies.
                // Not for ever: should the monitor's handshake event never come (an event
                // lost, or a reconnect it did not report), the window would wait for good.
                lastProgress = clock.now
            } else {
                startResend()
            }
        }
        try sendPending()
    }

    /// Services until a reply has arrived (and been handled) or `timeout` has passed: the
    /// blocking form, for a thread that drives just this robot.
    public func service(timeout: Duration) throws {
        let deadline = clock.now + timeout
        let repliesBefore = statistics.acksReceived + statistics.invalidReplies
        while true {
            try service()
            if statistics.acksReceived + statistics.invalidReplies != repliesBefore { return }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return }
            try waitForReply(atMost: remaining)
        }
    }

    /// Services until every frame is acknowledged or `timeout` passes; returns whether the
    /// window is empty. Call at the end of a run, before ``close()``.
    public func flush(timeout: Duration) throws -> Bool {
        let deadline = clock.now + timeout
        while true {
            try service()
            if window.isEmpty { return true }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            try waitForReply(atMost: remaining)
        }
    }

    /// Closes the socket; frames not acknowledged by now are lost (``flush(timeout:)`` first).
    public func close() {
        socket.close()
    }

    /// Waits for a reply on the socket, at most `timeout` and never longer than a short slice,
    /// so connection events and timers are looked at regularly meanwhile.
    private func waitForReply(atMost timeout: Duration) throws {
        _ = try poller.poll(timeout: min(timeout, .milliseconds(20)))
    }

    private func readReplies() throws {
        while try socket.tryReceive(into: reply) {
            let frame: Frame
            do {
                frame = try FrameDecoder.decode(reply.bytes)
            } catch {
                statistics.invalidReplies += 1
                continue
            }
            guard case .ack(let ack) = frame.message else {
                statistics.invalidReplies += 1
                continue
            }
            acknowledge(ack)
        }
    }

    private func acknowledge(_ ack: Ack) {
        statistics.acksReceived += 1
        let epoch = ack.ackedBootEpoch
        // Only epochs this robot still has frames of, or is sending now, mean anything.
        let relevant = epoch == numbering.bootEpoch || (window.first.map { $0.bootEpoch <= epoch } ?? false)
        guard relevant, epoch <= numbering.bootEpoch else {
            statistics.staleAcks += 1
            return
        }
        credit = ack.credit
        // The ack settles the run acked_from...acked_through (frames committed, or rejected for
        // good): none of them is resent. A run that starts past the oldest frame leaves the
        // frames before it waiting (they may still be in flight after a reconnect).
        let released = window.acknowledge(bootEpoch: epoch, from: ack.ackedFrom, through: ack.ackedThrough)
        guard released > 0 else { return }
        statistics.framesAcknowledged += released
        lastProgress = clock.now
        stalledTimeouts = 0
    }

    private func readConnectionEvents() throws {
        guard let monitor else { return }
        while let event = try monitor.next(timeout: .zero) {
            switch event.kind {
            case .handshakeSucceeded:
                connected = true
                if disconnectedSinceHandshake {
                    disconnectedSinceHandshake = false
                    statistics.reconnects += 1
                    startResend()
                }
            case .disconnected:
                connected = false
                disconnectedAt = clock.now
                disconnectedSinceHandshake = true
                credit = nil
            default:
                break
            }
        }
    }

    /// Drops the connection and makes a new one, then resends the window on it: what is left
    /// in the old socket's queue is gone with it, and nothing of libzmq's state for the old
    /// peer can hold the robot.
    private func replaceSocket() throws {
        stalledTimeouts = 0
        statistics.socketReplacements += 1
        socket.close()
        (socket, monitor) = try Self.connectedSocket(context: context, configuration: configuration)
        poller = Poller()
        poller.add(socket)
        connected = false
        disconnectedAt = clock.now
        disconnectedSinceHandshake = false
        credit = nil
        startResend()
    }

    private func startResend() {
        lastProgress = clock.now
        guard !window.isEmpty else { return }
        statistics.resendRounds += 1
        window.rewind()
    }

    /// Hands frames to the socket from the cursor on until it has no room (high-water mark).
    private func sendPending() throws {
        while let accepted = try window.sendNext({ bytes, isResend in
            guard try socket.trySend(bytes) else { return false }
            statistics.framesSent += 1
            if isResend { statistics.framesResent += 1 }
            return true
        }), accepted {}
    }
}
