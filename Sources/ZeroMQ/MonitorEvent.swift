import CZeroMQ

/// Something that happened to a monitored socket's connections, with the endpoint it
/// happened on: what operators need to see when a robot cannot get in.
public struct MonitorEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened.
    public let kind: Kind
    /// The event's number: an errno for failures and ``Kind/handshakeFailedNoDetail``, a
    /// `ZMQ_PROTOCOL_ERROR_*` code for ``Kind/handshakeFailedProtocol``, the ZAP status (300,
    /// 400, 500) for ``Kind/handshakeFailedAuth``, a file descriptor or interval otherwise.
    public let value: UInt32
    /// The endpoint: the bound or connected address, or for accepted connections the
    /// listening one.
    public let endpoint: String

    /// libzmq's `ZMQ_EVENT_*` values.
    public enum Kind: UInt16, Sendable, CaseIterable {
        case connected = 0x0001
        case connectDelayed = 0x0002
        case connectRetried = 0x0004
        case listening = 0x0008
        case bindFailed = 0x0010
        case accepted = 0x0020
        case acceptFailed = 0x0040
        case closed = 0x0080
        case closeFailed = 0x0100
        case disconnected = 0x0200
        case monitorStopped = 0x0400
        /// The handshake failed for a reason libzmq gives only as an errno.
        case handshakeFailedNoDetail = 0x0800
        /// The ZMTP handshake, including authentication if any, completed.
        case handshakeSucceeded = 0x1000
        /// The peer broke the protocol, or the ZAP handler answered nonsense; also a CURVE
        /// client using the wrong server key.
        case handshakeFailedProtocol = 0x2000
        /// The ZAP handler refused the peer.
        case handshakeFailedAuth = 0x4000
    }

    public init(kind: Kind, value: UInt32, endpoint: String) {
        self.kind = kind
        self.value = value
        self.endpoint = endpoint
    }

    public var description: String { "\(kind)(\(value)) \(endpoint)" }

    /// Decodes libzmq's two-frame event: 2 bytes event, 4 bytes value (host order), then the
    /// endpoint text. `nil` for an event this binding does not know.
    init?(header: UnsafeRawBufferPointer, endpoint: UnsafeRawBufferPointer) {
        guard header.count >= 6,
            let kind = Kind(rawValue: header.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
        else { return nil }
        self.init(
            kind: kind,
            value: header.loadUnaligned(fromByteOffset: 2, as: UInt32.self),
            endpoint: String(decoding: endpoint, as: UTF8.self)
        )
    }
}
