import CZeroMQ

/// Typed socket options (see ``SocketOption``) and the few readings callers need.
extension Socket {
    /// Applies one option; throws `EINVAL` with the option's name if libzmq refuses the value.
    public func set(_ option: SocketOption) throws {
        let operation = "zmq_setsockopt(\(option.name))"
        let handle = try liveHandle(operation)
        let result: Int32 =
            switch option.encoded {
            case .int32(var value):
                zmq_setsockopt(handle, option.code, &value, MemoryLayout<Int32>.size)
            case .int64(var value):
                zmq_setsockopt(handle, option.code, &value, MemoryLayout<Int64>.size)
            case .bytes(let bytes):
                bytes.withUnsafeBytes { zmq_setsockopt(handle, option.code, $0.baseAddress, $0.count) }
            }
        try check(result, operation)
    }

    /// Applies `options` in order.
    public func set(_ options: [SocketOption]) throws {
        for option in options {
            try set(option)
        }
    }

    /// The endpoint last bound or connected, with wildcards resolved
    /// (`tcp://127.0.0.1:*` → `tcp://127.0.0.1:41234`); `nil` before any bind or connect.
    public var lastEndpoint: String? {
        get throws {
            let bytes = try bytesOption(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT", capacity: 1024)
            let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? nil : text
        }
    }

    /// How long unsent messages survive a close (`nil`: forever, never set by this binding).
    public var linger: Duration? {
        get throws {
            let value = try int32Option(ZMQ_LINGER, "ZMQ_LINGER")
            return value < 0 ? nil : .milliseconds(value)
        }
    }

    /// How long a blocking receive waits (`nil`: forever).
    public var receiveTimeout: Duration? {
        get throws {
            let value = try int32Option(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO")
            return value < 0 ? nil : .milliseconds(value)
        }
    }

    /// The largest message a peer may send before it is disconnected (`nil`: no limit).
    public var maxMessageSize: Int? {
        get throws {
            var value: Int64 = 0
            var size = MemoryLayout<Int64>.size
            let handle = try liveHandle("zmq_getsockopt(ZMQ_MAXMSGSIZE)")
            try check(zmq_getsockopt(handle, ZMQ_MAXMSGSIZE, &value, &size), "zmq_getsockopt(ZMQ_MAXMSGSIZE)")
            return value < 0 ? nil : Int(value)
        }
    }

    /// TCP keepalive as set on this socket's connections: whether the kernel probes idle
    /// ones, after how long, how often and how many unanswered probes drop one (libzmq's -1,
    /// "the system default", as nil).
    public var tcpKeepalive: (enabled: Bool?, idle: Duration?, interval: Duration?, count: Int?) {
        get throws {
            let enabled = try int32Option(ZMQ_TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE")
            let idle = try int32Option(ZMQ_TCP_KEEPALIVE_IDLE, "ZMQ_TCP_KEEPALIVE_IDLE")
            let interval = try int32Option(ZMQ_TCP_KEEPALIVE_INTVL, "ZMQ_TCP_KEEPALIVE_INTVL")
            let count = try int32Option(ZMQ_TCP_KEEPALIVE_CNT, "ZMQ_TCP_KEEPALIVE_CNT")
            return (
                enabled < 0 ? nil : enabled == 1,
                idle < 0 ? nil : .seconds(idle),
                interval < 0 ? nil : .seconds(interval),
                count < 0 ? nil : Int(count)
            )
        }
    }

    /// This socket's routing id (what ROUTER peers see), empty if libzmq will pick one.
    public var routingID: [UInt8] {
        get throws {
            try bytesOption(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", capacity: 255)
        }
    }

    private func int32Option(_ code: Int32, _ name: String) throws -> Int32 {
        let operation = "zmq_getsockopt(\(name))"
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try check(zmq_getsockopt(try liveHandle(operation), code, &value, &size), operation)
        return value
    }

    private func bytesOption(_ code: Int32, _ name: String, capacity: Int) throws -> [UInt8] {
        let operation = "zmq_getsockopt(\(name))"
        let handle = try liveHandle(operation)
        var size = capacity
        var bytes = [UInt8](repeating: 0, count: capacity)
        let result = bytes.withUnsafeMutableBytes { zmq_getsockopt(handle, code, $0.baseAddress, &size) }
        try check(result, operation)
        return Array(bytes.prefix(size))
    }
}
