public import FleetProtocol
public import ZeroMQ

/// One robot in `pub` mode: numbers, encodes and publishes its frames to the ingester's SUB
/// endpoint, fire and forget.
///
/// Nothing is acknowledged, so nothing is kept: a lost frame shows up at the ingester as a gap
/// in the sequence numbers, never silently. Encoding reuses one buffer, so publishing allocates
/// nothing. Not `Sendable`: like its socket, a publisher belongs to the thread that drives it
/// (one runner thread can drive hundreds; a publisher costs one socket and no thread).
///
/// The socket is an XPUB, which sends exactly like a PUB but also hears the ingester's
/// subscription. That is the cure for ZeroMQ's *slow joiner*: a PUB drops every frame until
/// its connection is up and the subscriber's subscription has arrived, so frames published
/// straight after `init` are lost. ``waitUntilConnected(timeout:)`` returns once that
/// subscription has been received, after which nothing is lost to the connect. Once connected
/// the subscription stays attached to the connection across reconnects, so frames published
/// while the ingester restarts queue up to ``Configuration/sendHighWaterMark`` and are
/// delivered when it is back.
public final class RobotPublisher {
    /// Where to publish and as whom, plus socket settings; the link's fields
    /// (`endpoint`, `credentials`, heartbeats, …) read and write as the configuration's own.
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        /// The ingester's SUB endpoint, who this robot is, and how it connects.
        public var link: RobotLink
        /// Frames queued while the connection is down before new ones are dropped: a few
        /// seconds of a robot's output (humanoids send 50 Hz).
        public var sendHighWaterMark = 10_000

        /// Queued frames may still leave for 1 s after ``RobotPublisher/close()``.
        public init(endpoint: String, robotID: UInt32, bootEpoch: UInt32) {
            link = RobotLink(
                endpoint: endpoint,
                robotID: robotID,
                bootEpoch: bootEpoch,
                linger: .seconds(1),
                reconnectIntervalMax: .seconds(5),
                heartbeatTimeout: .seconds(5)
            )
        }

        public subscript<Value>(dynamicMember field: WritableKeyPath<RobotLink, Value>) -> Value {
            get { link[keyPath: field] }
            set { link[keyPath: field] = newValue }
        }
    }

    /// What this publisher has done since it was created.
    public struct Statistics: Sendable, Equatable {
        /// Frames encoded and handed to the socket by ``RobotPublisher/publish(_:at:flags:)``.
        public var framesPublished = 0
        /// Sequence numbers given up with ``RobotPublisher/reserveSequence()``.
        public var sequencesSkipped = 0
        /// Frames sent as given by ``RobotPublisher/sendRaw(_:)`` or ``RobotPublisher/repeatLastFrame()``.
        public var rawFramesSent = 0
        /// Subscriptions (and their withdrawals) heard from the ingester side.
        public var subscriptionMessages = 0
    }

    public let configuration: Configuration
    public private(set) var statistics = Statistics()
    private var numbering: FrameNumbering
    private let scratch = FrameScratch()
    private let socket: Socket
    private let incoming = ZMQMessage()
    /// Topics some subscriber currently holds (XPUB reports the first subscribe and the last
    /// unsubscribe of each topic).
    private var subscribedTopics = 0

    /// Creates the socket and starts connecting in the background; see
    /// ``waitUntilConnected(timeout:)`` before the first frames that must not be lost.
    public init(context: Context, configuration: Configuration) throws {
        self.configuration = configuration
        self.numbering = FrameNumbering(robotID: configuration.robotID, bootEpoch: configuration.bootEpoch)
        socket = try Socket(
            context,
            type: .extendedPublisher,
            options: configuration.link.socketOptions + [
                .sendHighWaterMark(configuration.sendHighWaterMark), .maxMessageSize(1024),
            ]
        )
        try configuration.link.connect(socket)
    }

    deinit {
        socket.close()
    }

    public var robotID: UInt32 { numbering.robotID }
    /// The boot epoch the next frame carries.
    public var bootEpoch: UInt32 { numbering.bootEpoch }
    /// The sequence number the next frame gets.
    public var nextSequence: UInt32 { numbering.nextSequence }

    /// Numbers, encodes and sends `message`; returns the sequence number it got.
    ///
    /// Never blocks: a PUB socket drops frames it has no room for (full high-water mark, or no
    /// subscriber yet), and the ingester sees those as gaps.
    @discardableResult
    public func publish(_ message: FleetProtocol.Message, at timestampNanos: UInt64, flags: UInt8 = 0) throws -> UInt32
    {
        let (_, sequence, frame) = scratch.encodeNext(message, numbering: &numbering, at: timestampNanos, flags: flags)
        _ = try socket.trySend(frame)
        statistics.framesPublished += 1
        return sequence
    }

    /// Consumes the next sequence number without sending anything: a frame lost on purpose,
    /// which the ingester must report as a gap. Fault injection builds corrupt frames with the
    /// number this returns (`FrameEncoder.encode`, flip a byte, ``sendRaw(_:)``).
    @discardableResult
    public func reserveSequence() -> UInt32 {
        statistics.sequencesSkipped += 1
        return numbering.take().sequence
    }

    /// Sends `bytes` exactly as given, as one frame: corrupt, truncated or foreign frames for
    /// fault injection. Consumes no sequence number.
    public func sendRaw(_ bytes: UnsafeRawBufferPointer) throws {
        _ = try socket.trySend(bytes)
        statistics.rawFramesSent += 1
    }

    /// Sends `bytes` exactly as given; as the buffer variant does.
    public func sendRaw(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sendRaw($0) }
    }

    /// Sends the last published frame again, unchanged: a duplicate the ingester must drop
    /// and count. Does nothing before the first ``publish(_:at:flags:)``.
    public func repeatLastFrame() throws {
        guard scratch.count > 0 else { return }
        try sendRaw(scratch.last)
    }

    /// A restart: the next frame starts boot epoch + 1 at sequence 0.
    public func reboot() {
        numbering.reboot()
    }

    /// Whether the ingester's subscription has arrived, so frames published now are delivered
    /// (reads any pending subscription messages; never blocks).
    public var isConnected: Bool {
        get throws {
            try readSubscriptions()
            return subscribedTopics > 0
        }
    }

    /// Waits at most `timeout` for the ingester's subscription (the end of the slow-joiner
    /// window); returns whether it arrived. Already-connected publishers return at once.
    public func waitUntilConnected(timeout: Duration) throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var poller = Poller()
        poller.add(socket)
        while true {
            try readSubscriptions()
            if subscribedTopics > 0 { return true }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            _ = try poller.poll(timeout: remaining)
        }
    }

    /// Closes the socket; frames still queued may leave for at most the linger time.
    public func close() {
        socket.close()
    }

    private func readSubscriptions() throws {
        while try socket.tryReceive(into: incoming) {
            guard let kind = incoming.bytes.first else { continue }
            statistics.subscriptionMessages += 1
            if kind == 1 {
                subscribedTopics += 1
            } else if kind == 0 {
                subscribedTopics = max(0, subscribedTopics - 1)
            }
        }
    }
}
