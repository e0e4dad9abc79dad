import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// One message frame in storage that is allocated once and reused for every receive.
///
/// The receiver's hot path keeps one `ZMQMessage` and calls ``Socket/receive(into:)`` in a loop:
/// `zmq_msg_recv` releases the previous frame and fills the same `zmq_msg_t`, so Swift
/// allocates nothing per message. A `zmq_msg_t` must never be copied once initialised, which
/// is why it lives in its own heap allocation behind a class instead of in a struct that moves.
///
/// Like ``Socket``, a message belongs to one thread and is not `Sendable`.
public final class ZMQMessage {
    /// Never moves and never copied: libzmq keeps pointers into it.
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// An empty message, ready to receive into.
    public init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: zmq_msg_t())
        zmq_msg_init(pointer)
    }

    /// A message holding a copy of `bytes`, ready to send with `Socket.send(_:more:)`.
    public convenience init(_ bytes: some Sequence<UInt8>) throws {
        self.init()
        let copied: Void? = try bytes.withContiguousStorageIfAvailable {
            try fill(with: UnsafeRawBufferPointer($0))
        }
        if copied == nil {
            try Array(bytes).withUnsafeBytes { try fill(with: $0) }
        }
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }

    /// The number of bytes in the frame.
    public var count: Int { zmq_msg_size(pointer) }

    /// Whether more frames of the same multipart message follow this one.
    public var more: Bool { zmq_msg_more(pointer) != 0 }

    /// The frame's bytes, without copying.
    ///
    /// Valid only until the next receive into this message (or its `deinit`): decode them,
    /// copy what must outlive that, and do not keep the buffer. Prefer ``withUnsafeBytes(_:)``
    /// where a closure reads naturally.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer))
    }

    /// Calls `body` with the frame's bytes, without copying; the buffer must not escape.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(bytes)
    }

    /// A copy of the frame's bytes, for code off the hot path.
    public func copyBytes() -> [UInt8] {
        Array(bytes)
    }

    /// The `User-Id` the ZAP handler gave the peer that sent this message (for CURVE: the
    /// identity behind its public key), or `nil` when no ZAP handler named one.
    ///
    /// This is where a receiver takes a robot's identity from, rather than trusting the payload.
    public var userID: String? {
        property("User-Id")
    }

    /// Calls `body` with the `User-Id` bytes without allocating a `String`, so a hot loop can
    /// compare them against the identity it saw last.
    public func withUserID<Result>(_ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
        guard let value = zmq_msg_gets(pointer, "User-Id") else { return try body(nil) }
        return try body(UnsafeRawBufferPointer(start: value, count: strlen(value)))
    }

    /// A metadata property of a received message (`User-Id`, `Peer-Address`, `Socket-Type`,
    /// `Routing-Id`, or one the ZAP handler set), or `nil` if it has none.
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }

    /// Replaces the content with a copy of `bytes`.
    private func fill(with bytes: UnsafeRawBufferPointer) throws {
        zmq_msg_close(pointer)
        guard zmq_msg_init_size(pointer, bytes.count) == 0 else {
            zmq_msg_init(pointer)
            throw ZeroMQError.last("zmq_msg_init_size(\(bytes.count))")
        }
        if let source = bytes.baseAddress, bytes.count > 0 {
            zmq_msg_data(pointer).copyMemory(from: source, byteCount: bytes.count)
        }
    }
}
