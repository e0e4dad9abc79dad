import CZeroMQ

/// One ZeroMQ socket, owned by exactly one thread.
///
/// libzmq sockets are not thread-safe, so `Socket` is deliberately not `Sendable`: the
/// compiler refuses to share it. Create it on the thread that uses it, or move it there with
/// ``DedicatedThread/start(name:_:)``, whose `sending` closure lets the compiler check that
/// the creating thread keeps no reference. Blocking receive loops belong on such a dedicated
/// thread, never in a Swift `Task`: the cooperative pool is only as wide as the cores.
///
/// Every socket starts with `ZMQ_LINGER` set to ``defaultLinger``, so closing it (or
/// terminating its context) never waits long for a peer that is gone.
public final class Socket {
    /// How long unsent messages are kept after close: long enough for a connected peer to take
    /// the last few, short enough that shutdown never hangs on an absent one.
    /// Never rely on it for delivery: pending messages are dropped when it expires.
    public static let defaultLinger: Duration = .milliseconds(100)

    /// The messaging pattern this socket was created with.
    public let type: SocketType
    /// The context that owns this socket's I/O; kept alive for as long as the socket is.
    public let context: Context
    /// `nil` once closed, so a use after close is an error rather than a crash.
    private(set) var handle: UnsafeMutableRawPointer?
    /// Kept open until the monitor is stopped; see ``SocketMonitor``.
    var monitorPipe: MonitorPipe?

    /// Creates a socket of `type` and applies ``defaultLinger`` and then `options`, in order.
    public init(_ context: Context, type: SocketType, options: [SocketOption] = []) throws {
        self.type = type
        self.context = context
        self.handle = try context.makeSocketHandle(type.rawValue)
        // On a throw from here on, deinit runs and closes the handle.
        try set(.linger(Self.defaultLinger))
        try set(options)
    }

    deinit {
        close()
    }

    /// Accepts connections on `endpoint` (`tcp://127.0.0.1:*` picks a free port; read it back
    /// from ``lastEndpoint``).
    public func bind(_ endpoint: String) throws {
        let operation = "zmq_bind(\(endpoint))"
        try check(zmq_bind(try liveHandle(operation), endpoint), operation)
    }

    /// Connects to `endpoint`; libzmq connects in the background and reconnects by itself.
    public func connect(_ endpoint: String) throws {
        let operation = "zmq_connect(\(endpoint))"
        try check(zmq_connect(try liveHandle(operation), endpoint), operation)
    }

    /// Stops accepting on an endpoint given to ``bind(_:)`` (use the resolved ``lastEndpoint``
    /// for wildcard binds).
    public func unbind(_ endpoint: String) throws {
        let operation = "zmq_unbind(\(endpoint))"
        try check(zmq_unbind(try liveHandle(operation), endpoint), operation)
    }

    /// Drops the connection made by ``connect(_:)`` to `endpoint`.
    public func disconnect(_ endpoint: String) throws {
        let operation = "zmq_disconnect(\(endpoint))"
        try check(zmq_disconnect(try liveHandle(operation), endpoint), operation)
    }

    /// Closes the socket now instead of at `deinit`; unsent messages linger for at most the
    /// socket's linger time in the background, so this returns at once. Idempotent.
    public func close() {
        guard let handle else { return }
        // Stop the monitor before closing: libzmq would otherwise keep sending events while it
        // tears the socket down, into a reading end that may be gone by then.
        stopMonitoring()
        zmq_close(handle)
        self.handle = nil
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    func liveHandle(_ operation: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZeroMQError.closed(operation()) }
        return handle
    }

    func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
        if result != 0 { throw ZeroMQError.last(operation()) }
    }
}
