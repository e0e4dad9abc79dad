public import ZeroMQ

/// How a robot reaches the ingester, whichever mode it sends in: the endpoint, who it is,
/// lingering, reconnects, heartbeats and CURVE. Both clients' configurations hold one and
/// read its fields as their own (`configuration.heartbeatTimeout`); only the defaults differ.
public struct RobotLink: Sendable {
    /// The ingester's endpoint, e.g. `tcp://127.0.0.1:5555`.
    public var endpoint: String
    public var robotID: UInt32
    /// Boot epoch of the first frame (persist it; +1 per restart).
    public var bootEpoch: UInt32
    /// How long queued frames may still leave after the client closes.
    public var linger: Duration
    /// First wait before reconnecting to a vanished ingester, and the longest the back-off grows to.
    public var reconnectInterval: Duration = .milliseconds(100)
    public var reconnectIntervalMax: Duration
    /// ZMTP heartbeats: a connection whose peer vanished without closing it (power loss,
    /// network cut) is dropped after `heartbeatTimeout`, which starts the reconnect.
    public var heartbeatInterval: Duration = .seconds(1)
    public var heartbeatTimeout: Duration
    /// CURVE: the robot's key pair and the ingester's public key, for an ingester that
    /// authenticates robots (`fleet ingest --curve-secret ... --allowlist ...`); nil for
    /// an unencrypted connection.
    public var credentials: RobotCredentials?

    public init(
        endpoint: String,
        robotID: UInt32,
        bootEpoch: UInt32,
        linger: Duration,
        reconnectIntervalMax: Duration,
        heartbeatTimeout: Duration
    ) {
        self.endpoint = endpoint
        self.robotID = robotID
        self.bootEpoch = bootEpoch
        self.linger = linger
        self.reconnectIntervalMax = reconnectIntervalMax
        self.heartbeatTimeout = heartbeatTimeout
    }

    /// The socket options every robot link sets; the client adds its own (queues, sizes).
    var socketOptions: [SocketOption] {
        [
            .linger(linger),
            .reconnectInterval(reconnectInterval),
            .reconnectIntervalMax(reconnectIntervalMax),
            .heartbeatInterval(heartbeatInterval),
            .heartbeatTimeout(heartbeatTimeout),
        ]
    }

    /// Makes the socket a CURVE client when the link has credentials, then starts connecting
    /// (in the background: libzmq reconnects by itself).
    func connect(_ socket: Socket) throws {
        if let credentials {
            try socket.makeCurveClient(keys: credentials.keys, serverKey: credentials.serverKey)
        }
        try socket.connect(endpoint)
    }
}
