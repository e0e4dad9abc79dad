import CZeroMQ

/// An error from libzmq: the errno it set and the text `zmq_strerror` gives for it.
///
/// Callers switch on `code` for the cases that mean something (`EAGAIN`: would block or
/// timed out, `ETERM`: the context is shutting down, `EINTR`: a signal interrupted the call).
public struct ZeroMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The errno value libzmq reported.
    public let code: Int32
    /// `zmq_strerror(code)`.
    public let message: String
    /// What the binding was doing when it failed, e.g. `zmq_bind(tcp://127.0.0.1:5555)`.
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.message = String(cString: zmq_strerror(code))
        self.operation = operation
    }

    /// The error libzmq just set on this thread.
    public static func last(_ operation: @autoclosure () -> String) -> ZeroMQError {
        ZeroMQError(code: zmq_errno(), operation: operation())
    }

    /// The call would block (non-blocking mode) or its timeout expired.
    public var isWouldBlock: Bool { code == EAGAIN }
    /// The context was terminated: the owning loop should close its socket and stop.
    public var isTerminated: Bool { code == ETERM }
    /// A signal interrupted the call; retrying is safe.
    public var isInterrupted: Bool { code == EINTR }

    /// The socket was closed by its owner; using it again is a bug in the caller.
    static func closed(_ operation: String) -> ZeroMQError {
        ZeroMQError(code: ENOTSOCK, operation: operation)
    }

    public var description: String { "\(operation): \(message) (errno \(code))" }
}
