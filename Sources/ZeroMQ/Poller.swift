import CZeroMQ

/// Waits on several sockets at once (`zmq_poll`), so one thread can serve, say, a ROUTER for
/// robots and a PAIR for control messages without spinning.
///
/// Like its sockets, a poller belongs to one thread. It keeps its sockets alive and reuses
/// its item array, so polling allocates nothing.
public struct Poller {
    private var sockets: [Socket] = []
    private var items: [zmq_pollitem_t] = []

    /// An empty poller.
    public init() {}

    /// Adds `socket`, to be woken by `events`; returns the index its results are read at.
    @discardableResult
    public mutating func add(_ socket: Socket, for events: PollEvents = .readable) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Waits until at least one socket is ready or `timeout` passes (`nil`: no limit);
    /// returns how many sockets are ready, 0 on timeout. Throws `ETERM` when the context
    /// shuts down.
    public mutating func poll(timeout: Duration?) throws -> Int {
        for index in sockets.indices {
            // Re-read every time: a closed socket must be an error, not a dangling pointer.
            items[index].socket = try sockets[index].liveHandle("zmq_poll")
            items[index].revents = 0
        }
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        while true {
            let milliseconds = deadline.map { Int(clock.now.duration(to: $0).zmqMilliseconds) } ?? -1
            let ready = items.withUnsafeMutableBufferPointer {
                zmq_poll($0.baseAddress, Int32($0.count), milliseconds)
            }
            if ready >= 0 { return Int(ready) }
            guard zmq_errno() == EINTR else { throw ZeroMQError.last("zmq_poll(\(items.count) sockets)") }
        }
    }

    /// What the socket at `index` was ready for in the last ``poll(timeout:)``.
    public func events(at index: Int) -> PollEvents {
        PollEvents(rawValue: items[index].revents)
    }

    /// Whether the socket at `index` had a message waiting at the last ``poll(timeout:)``.
    public func isReadable(_ index: Int) -> Bool {
        events(at: index).contains(.readable)
    }

    /// Whether the socket at `index` could send without blocking at the last ``poll(timeout:)``.
    public func isWritable(_ index: Int) -> Bool {
        events(at: index).contains(.writable)
    }
}
