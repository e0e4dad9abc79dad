import CZeroMQ
import Synchronization

/// The connection events of one socket (`zmq_socket_monitor`), read from a PAIR socket.
///
/// Tests wait on it for a handshake to succeed or fail; operators log it to see robots come,
/// go and get refused. It reads a socket of its own, so it belongs to one thread, but it need
/// not be the monitored socket's: ``Socket/monitor(_:)`` returns it as `sending`, ready to be
/// moved to a logging thread.
///
/// libzmq 4.3 sends events with a blocking send, so a monitor whose reading end is closed or
/// full would freeze the monitored socket (and its I/O thread). This binding prevents both:
/// the reading end has no high-water mark, and the monitored socket keeps it open until it
/// has stopped the monitor while closing. The price: events nobody reads stay queued in
/// memory until the monitored socket closes, so read them continually or drop the monitor
/// early with ``Socket/stopMonitoring()``.
public final class SocketMonitor {
    /// The inproc endpoint libzmq publishes the events on.
    public let endpoint: String
    private let pipe: MonitorPipe
    private var pair: Socket { pipe.pair }
    private let header = ZMQMessage()
    private let address = ZMQMessage()

    /// Gives every monitor a fresh inproc endpoint, even for sockets monitored twice.
    private static let serial = Mutex<UInt64>(0)

    /// Connects to the events of a socket that ``Socket/monitor(_:)`` has already set up;
    /// takes nothing of that socket, so the monitor can leave its thread.
    fileprivate init(endpoint: String, pipe: MonitorPipe) {
        self.endpoint = endpoint
        self.pipe = pipe
    }

    fileprivate static func nextEndpoint() -> String {
        let number = serial.withLock { serial in
            serial += 1
            return serial
        }
        return "inproc://zeromq.monitor.\(number)"
    }

    /// The next event, waiting at most `timeout`; `nil` if none came.
    public func next(timeout: Duration) throws -> MonitorEvent? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            try pair.set(.receiveTimeout(max(.zero, clock.now.duration(to: deadline))))
            guard try pair.receive(into: header) else { return nil }
            guard header.more, try pair.receive(into: address) else {
                throw ZeroMQError(code: EPROTO, operation: "monitor \(endpoint): event without endpoint frame")
            }
            // Skip events a newer libzmq may add.
            if let event = MonitorEvent(header: header.bytes, endpoint: address.bytes) {
                return event
            }
        }
    }

    /// Waits at most `timeout` for an event of one of `kinds`, skipping others; `nil` if none
    /// came in time.
    public func wait(for kinds: Set<MonitorEvent.Kind>, timeout: Duration) throws -> MonitorEvent? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while let event = try next(timeout: max(.zero, clock.now.duration(to: deadline))) {
            if kinds.contains(event.kind) { return event }
        }
        return nil
    }

    /// Every event already queued, without waiting.
    public func drain() throws -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        while let event = try next(timeout: .zero) {
            events.append(event)
        }
        return events
    }
}

/// The reading end of a monitor, shared by the ``SocketMonitor`` that reads it and the
/// monitored ``Socket``, which only keeps it open until it has stopped the monitor.
///
/// `@unchecked Sendable` is safe because only the `SocketMonitor`'s thread sends or receives
/// on `pair`; the other reference never touches it, and the final release (which closes it)
/// comes after the last use by either side, ordered by the atomic reference count.
final class MonitorPipe: @unchecked Sendable {
    let pair: Socket

    init(context: Context, endpoint: String) throws {
        // No high-water mark on either side: libzmq's blocking event send must never block.
        pair = try Socket(
            context,
            type: .pair,
            options: [.linger(.zero), .receiveHighWaterMark(0), .sendHighWaterMark(0)]
        )
        try pair.connect(endpoint)
    }
}

extension Socket {
    /// Starts reporting this socket's connection events of `kinds` (all by default), replacing
    /// any earlier monitor. Call on the socket's own thread; the monitor may then move elsewhere.
    public func monitor(_ kinds: [MonitorEvent.Kind] = MonitorEvent.Kind.allCases) throws -> sending SocketMonitor {
        let endpoint = SocketMonitor.nextEndpoint()
        let mask = kinds.reduce(Int32(0)) { $0 | Int32($1.rawValue) }
        let operation = "zmq_socket_monitor(\(endpoint))"
        // Connect the reading end first (inproc allows it), so no event finds it missing.
        let pipe = try MonitorPipe(context: context, endpoint: endpoint)
        try check(zmq_socket_monitor(try liveHandle(operation), endpoint, mask), operation)
        monitorPipe = pipe
        return SocketMonitor(endpoint: endpoint, pipe: pipe)
    }

    /// Stops the monitor started by ``monitor(_:)``; its reader gets ``MonitorEvent/Kind/monitorStopped``.
    public func stopMonitoring() {
        guard let handle, monitorPipe != nil else { return }
        zmq_socket_monitor(handle, nil, 0)
        monitorPipe = nil
    }
}
