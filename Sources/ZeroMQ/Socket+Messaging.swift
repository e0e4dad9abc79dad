import CZeroMQ

/// Sending and receiving.
///
/// Blocking calls wait for at most the socket's send or receive timeout and return `false`
/// (or `nil`) when it expires; the `try` variants never wait and return `false` (or `nil`) when
/// they would have to. Interrupted calls (`EINTR`) are retried. Everything else throws a
/// ``ZeroMQError``; `ETERM` (``ZeroMQError/isTerminated``) means the context is shutting down
/// and the loop should close its socket and stop.
extension Socket {
    // MARK: Sending

    /// Sends one frame (`more`: further frames of the same message follow), waiting for room
    /// for at most the send timeout. Returns `false` if that expired; with no send timeout
    /// (the default) it returns `true` or throws, so the result may be ignored.
    @discardableResult
    public func send(_ buffer: UnsafeRawBufferPointer, more: Bool = false) throws -> Bool {
        try sendFrame(buffer, flags: more ? ZMQ_SNDMORE : 0)
    }

    /// Sends one frame (`more`: further frames follow), copying `bytes` into libzmq.
    @discardableResult
    public func send(_ bytes: some Sequence<UInt8>, more: Bool = false) throws -> Bool {
        try withBytes(bytes) { try send($0, more: more) }
    }

    /// Sends a prepared ``ZMQMessage`` without copying it again; the message is left empty.
    @discardableResult
    public func send(_ message: ZMQMessage, more: Bool = false) throws -> Bool {
        try sendMessage(message, flags: more ? ZMQ_SNDMORE : 0)
    }

    /// Sends one frame only if that can be done without waiting; `false` if it would block
    /// (for example a PUSH with no peer, or a full high-water mark).
    public func trySend(_ buffer: UnsafeRawBufferPointer, more: Bool = false) throws -> Bool {
        try sendFrame(buffer, flags: ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0))
    }

    /// Sends one frame, copying `bytes`, only if that can be done without waiting.
    public func trySend(_ bytes: some Sequence<UInt8>, more: Bool = false) throws -> Bool {
        try withBytes(bytes) { try trySend($0, more: more) }
    }

    /// Sends all `parts` as one multipart message, which ZeroMQ delivers whole or not at all.
    /// Returns `false` if the first part timed out; later parts never wait.
    @discardableResult
    public func sendMultipart(_ parts: [[UInt8]]) throws -> Bool {
        guard let last = parts.indices.last else { return true }
        for index in parts.indices {
            let sent = try send(parts[index], more: index != last)
            if !sent {
                if index == parts.startIndex { return false }
                // ZeroMQ queues a started multipart message atomically: this cannot happen.
                throw ZeroMQError(code: EAGAIN, operation: "zmq_send(part \(index) of \(parts.count))")
            }
        }
        return true
    }

    // MARK: Receiving

    /// Receives the next frame into `message`, reusing its storage: the allocation-free path.
    /// Waits for at most the receive timeout; `false` if it expired. Check ``ZMQMessage/more``
    /// for further frames of the same message.
    public func receive(into message: ZMQMessage) throws -> Bool {
        try receiveFrame(into: message, flags: 0)
    }

    /// Receives the next frame into `message` if one is already queued; `false` otherwise.
    public func tryReceive(into message: ZMQMessage) throws -> Bool {
        try receiveFrame(into: message, flags: ZMQ_DONTWAIT)
    }

    /// Receives the next frame as a new array (allocates; for code off the hot path).
    /// `nil` if the receive timeout expired.
    public func receive() throws -> [UInt8]? {
        let message = ZMQMessage()
        return try receive(into: message) ? message.copyBytes() : nil
    }

    /// Receives the next frame as a new array if one is already queued; `nil` otherwise.
    public func tryReceive() throws -> [UInt8]? {
        let message = ZMQMessage()
        return try tryReceive(into: message) ? message.copyBytes() : nil
    }

    /// Receives every frame of the next message (allocates; for code off the hot path).
    /// `nil` if the receive timeout expired before the first frame.
    public func receiveMultipart() throws -> [[UInt8]]? {
        let message = ZMQMessage()
        guard try receive(into: message) else { return nil }
        var parts = [message.copyBytes()]
        while message.more {
            // The rest of a multipart message arrives with its first frame: this never waits.
            guard try receive(into: message) else {
                throw ZeroMQError(code: EAGAIN, operation: "zmq_msg_recv(part \(parts.count))")
            }
            parts.append(message.copyBytes())
        }
        return parts
    }

    // MARK: Core

    private func sendFrame(_ buffer: UnsafeRawBufferPointer, flags: Int32) throws -> Bool {
        let handle = try liveHandle("zmq_send")
        while true {
            if zmq_send(handle, buffer.baseAddress, buffer.count, flags) >= 0 { return true }
            switch zmq_errno() {
            case EINTR: continue
            case EAGAIN: return false
            default: throw ZeroMQError.last("zmq_send(\(type), \(buffer.count) bytes)")
            }
        }
    }

    private func sendMessage(_ message: ZMQMessage, flags: Int32) throws -> Bool {
        let handle = try liveHandle("zmq_msg_send")
        while true {
            if zmq_msg_send(message.pointer, handle, flags) >= 0 { return true }
            switch zmq_errno() {
            case EINTR: continue
            case EAGAIN: return false
            default: throw ZeroMQError.last("zmq_msg_send(\(type), \(message.count) bytes)")
            }
        }
    }

    private func receiveFrame(into message: ZMQMessage, flags: Int32) throws -> Bool {
        let handle = try liveHandle("zmq_msg_recv")
        while true {
            if zmq_msg_recv(message.pointer, handle, flags) >= 0 { return true }
            switch zmq_errno() {
            case EINTR: continue
            case EAGAIN: return false
            default: throw ZeroMQError.last("zmq_msg_recv(\(type))")
            }
        }
    }

    private func withBytes<Result>(
        _ bytes: some Sequence<UInt8>,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        if let result = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(bytes).withUnsafeBytes(body)
    }
}
