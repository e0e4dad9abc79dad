import CZeroMQ

/// A socket setting with its value in the unit it means, so that `ZMQ_LINGER` can never be
/// given seconds or a key be given the wrong length.
///
/// Durations are passed to libzmq in whole milliseconds, rounded up so a short timeout never
/// turns into "do not wait". Set options before ``Socket/bind(_:)`` or ``Socket/connect(_:)``:
/// most apply only to connections made afterwards.
public enum SocketOption: Sendable {
    /// `ZMQ_LINGER`: how long unsent messages survive a close. Every socket starts at
    /// ``Socket/defaultLinger``; there is deliberately no way to ask for "forever".
    case linger(Duration)
    /// `ZMQ_SNDHWM`: messages queued per peer before sends block or drop (0: unlimited).
    case sendHighWaterMark(Int)
    /// `ZMQ_RCVHWM`: messages queued per peer before the peer is pushed back (0: unlimited).
    case receiveHighWaterMark(Int)
    /// `ZMQ_BACKLOG`: connections a bound TCP socket queues before accepting them (libzmq's
    /// default is 100; thousands of robots reconnecting at once need more).
    case backlog(Int)
    /// `ZMQ_MAXMSGSIZE`: a peer that sends a larger message is disconnected (`nil`: no limit).
    case maxMessageSize(Int?)
    /// `ZMQ_RCVTIMEO`: how long a blocking receive waits (`nil`: forever).
    case receiveTimeout(Duration?)
    /// `ZMQ_SNDTIMEO`: how long a blocking send waits for room (`nil`: forever).
    case sendTimeout(Duration?)
    /// `ZMQ_HEARTBEAT_IVL`: how often to ping a quiet connection (zero: never).
    case heartbeatInterval(Duration)
    /// `ZMQ_HEARTBEAT_TIMEOUT`: how long to wait for any traffic after a ping before dropping
    /// the connection.
    case heartbeatTimeout(Duration)
    /// `ZMQ_HEARTBEAT_TTL`: how long the peer should keep the connection without hearing from
    /// us (sent in our pings; kept in tenths of a second).
    case heartbeatTTL(Duration)
    /// `ZMQ_TCP_KEEPALIVE`: the kernel probes an idle TCP connection and closes it when the
    /// peer is gone. Unlike ZeroMQ heartbeats this costs libzmq's I/O thread nothing per
    /// connection (its timer list is scanned linearly on every cancel, so heartbeats on
    /// thousands of connections saturate it).
    case tcpKeepalive(Bool)
    /// `ZMQ_TCP_KEEPALIVE_IDLE`: quiet time before the first probe (whole seconds, rounded up).
    case tcpKeepaliveIdle(Duration)
    /// `ZMQ_TCP_KEEPALIVE_INTVL`: time between unanswered probes (whole seconds, rounded up).
    case tcpKeepaliveInterval(Duration)
    /// `ZMQ_TCP_KEEPALIVE_CNT`: unanswered probes before the connection is dropped.
    case tcpKeepaliveCount(Int)
    /// `ZMQ_RECONNECT_IVL`: the first wait before reconnecting to a lost peer.
    case reconnectInterval(Duration)
    /// `ZMQ_RECONNECT_IVL_MAX`: the longest wait the reconnect back-off grows to (zero: no
    /// back-off).
    case reconnectIntervalMax(Duration)
    /// `ZMQ_SUBSCRIBE`: receive messages whose first frame starts with these bytes (empty: all).
    case subscribe([UInt8])
    /// `ZMQ_UNSUBSCRIBE`: undo one matching ``subscribe(_:)-enum.case``.
    case unsubscribe([UInt8])
    /// `ZMQ_ROUTING_ID`: the name a ROUTER peer sees for this socket, instead of a random one.
    case routingID([UInt8])
    /// `ZMQ_ROUTER_MANDATORY`: a ROUTER fails with `EHOSTUNREACH` for an unknown peer instead
    /// of silently dropping the message.
    case routerMandatory(Bool)
    /// `ZMQ_CURVE_SERVER`: this socket is the CURVE server side and needs its secret key.
    case curveServer(Bool)
    /// `ZMQ_CURVE_PUBLICKEY`: this socket's long-term public key (clients).
    case curvePublicKey(CurveKey)
    /// `ZMQ_CURVE_SECRETKEY`: this socket's long-term secret key (clients and servers).
    case curveSecretKey(CurveKey)
    /// `ZMQ_CURVE_SERVERKEY`: the public key of the server a client insists on talking to.
    case curveServerKey(CurveKey)
    /// `ZMQ_ZAP_DOMAIN`: the domain passed to the ZAP handler with each authentication request.
    case zapDomain(String)
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: refuse every peer when no ZAP handler answers, instead of
    /// accepting them all (libzmq's backwards-compatible default). Fail closed: set it.
    case zapEnforceDomain(Bool)

    /// `ZMQ_SUBSCRIBE` to a text prefix.
    public static func subscribe(_ prefix: String) -> SocketOption {
        .subscribe(Array(prefix.utf8))
    }

    /// `ZMQ_UNSUBSCRIBE` from a text prefix.
    public static func unsubscribe(_ prefix: String) -> SocketOption {
        .unsubscribe(Array(prefix.utf8))
    }
}

extension SocketOption {
    /// The libzmq option and its value as the bytes `zmq_setsockopt` expects.
    enum Encoded {
        case int32(Int32)
        case int64(Int64)
        case bytes([UInt8])
    }

    var code: Int32 {
        switch self {
        case .linger: ZMQ_LINGER
        case .sendHighWaterMark: ZMQ_SNDHWM
        case .receiveHighWaterMark: ZMQ_RCVHWM
        case .backlog: ZMQ_BACKLOG
        case .maxMessageSize: ZMQ_MAXMSGSIZE
        case .receiveTimeout: ZMQ_RCVTIMEO
        case .sendTimeout: ZMQ_SNDTIMEO
        case .heartbeatInterval: ZMQ_HEARTBEAT_IVL
        case .heartbeatTimeout: ZMQ_HEARTBEAT_TIMEOUT
        case .heartbeatTTL: ZMQ_HEARTBEAT_TTL
        case .tcpKeepalive: ZMQ_TCP_KEEPALIVE
        case .tcpKeepaliveIdle: ZMQ_TCP_KEEPALIVE_IDLE
        case .tcpKeepaliveInterval: ZMQ_TCP_KEEPALIVE_INTVL
        case .tcpKeepaliveCount: ZMQ_TCP_KEEPALIVE_CNT
        case .reconnectInterval: ZMQ_RECONNECT_IVL
        case .reconnectIntervalMax: ZMQ_RECONNECT_IVL_MAX
        case .subscribe: ZMQ_SUBSCRIBE
        case .unsubscribe: ZMQ_UNSUBSCRIBE
        case .routingID: ZMQ_ROUTING_ID
        case .routerMandatory: ZMQ_ROUTER_MANDATORY
        case .curveServer: ZMQ_CURVE_SERVER
        case .curvePublicKey: ZMQ_CURVE_PUBLICKEY
        case .curveSecretKey: ZMQ_CURVE_SECRETKEY
        case .curveServerKey: ZMQ_CURVE_SERVERKEY
        case .zapDomain: ZMQ_ZAP_DOMAIN
        // A draft option in zmq.h 4.3.4 (so not imported), but built into Debian's libzmq.
        case .zapEnforceDomain: 93
        }
    }

    var name: String {
        switch self {
        case .linger: "ZMQ_LINGER"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .backlog: "ZMQ_BACKLOG"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .sendTimeout: "ZMQ_SNDTIMEO"
        case .heartbeatInterval: "ZMQ_HEARTBEAT_IVL"
        case .heartbeatTimeout: "ZMQ_HEARTBEAT_TIMEOUT"
        case .heartbeatTTL: "ZMQ_HEARTBEAT_TTL"
        case .tcpKeepalive: "ZMQ_TCP_KEEPALIVE"
        case .tcpKeepaliveIdle: "ZMQ_TCP_KEEPALIVE_IDLE"
        case .tcpKeepaliveInterval: "ZMQ_TCP_KEEPALIVE_INTVL"
        case .tcpKeepaliveCount: "ZMQ_TCP_KEEPALIVE_CNT"
        case .reconnectInterval: "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: "ZMQ_RECONNECT_IVL_MAX"
        case .subscribe: "ZMQ_SUBSCRIBE"
        case .unsubscribe: "ZMQ_UNSUBSCRIBE"
        case .routingID: "ZMQ_ROUTING_ID"
        case .routerMandatory: "ZMQ_ROUTER_MANDATORY"
        case .curveServer: "ZMQ_CURVE_SERVER"
        case .curvePublicKey: "ZMQ_CURVE_PUBLICKEY"
        case .curveSecretKey: "ZMQ_CURVE_SECRETKEY"
        case .curveServerKey: "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: "ZMQ_ZAP_DOMAIN"
        case .zapEnforceDomain: "ZMQ_ZAP_ENFORCE_DOMAIN"
        }
    }

    var encoded: Encoded {
        switch self {
        case .linger(let duration), .heartbeatInterval(let duration), .heartbeatTimeout(let duration),
            .heartbeatTTL(let duration), .reconnectInterval(let duration), .reconnectIntervalMax(let duration):
            .int32(duration.zmqMilliseconds)
        case .receiveTimeout(let timeout), .sendTimeout(let timeout):
            .int32(timeout?.zmqMilliseconds ?? -1)
        case .sendHighWaterMark(let count), .receiveHighWaterMark(let count), .backlog(let count),
            .tcpKeepaliveCount(let count):
            .int32(Int32(clamping: count))
        case .tcpKeepaliveIdle(let duration), .tcpKeepaliveInterval(let duration):
            .int32(max(1, (duration.zmqMilliseconds + 999) / 1000))
        case .maxMessageSize(let limit):
            .int64(limit.map { Int64($0) } ?? -1)
        case .routerMandatory(let flag), .curveServer(let flag), .zapEnforceDomain(let flag), .tcpKeepalive(let flag):
            .int32(flag ? 1 : 0)
        case .subscribe(let bytes), .unsubscribe(let bytes), .routingID(let bytes):
            .bytes(bytes)
        case .curvePublicKey(let key), .curveSecretKey(let key), .curveServerKey(let key):
            .bytes(key.binary)
        case .zapDomain(let domain):
            .bytes(Array(domain.utf8))
        }
    }
}

extension Duration {
    /// Whole milliseconds for libzmq, rounded up (so 0.5 ms waits rather than polls) and
    /// clamped to what an `int` holds; negative durations count as zero.
    var zmqMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        guard seconds <= Int64(Int32.max) else { return .max }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let fraction = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        return Int32(clamping: seconds * 1000 + fraction)
    }
}
