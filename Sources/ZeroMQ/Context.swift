import CZeroMQ
import Synchronization

/// The libzmq context: the I/O threads and the `inproc://` namespace that sockets share.
///
/// A context is the one ZeroMQ object that may be used from any thread, so it is `Sendable`
/// and is what you hand to the threads that then create their own sockets. Every socket keeps
/// its context alive, so the context is terminated only after its last socket is gone.
///
/// Stopping follows the libzmq pattern: ``shutdown()`` makes every blocking call on this
/// context's sockets fail with `ETERM` (``ZeroMQError/isTerminated``); each owning thread then
/// closes its socket; ``terminate()`` (or `deinit`) waits for that. Sockets linger for at most
/// ``Socket/defaultLinger`` unless told otherwise, so termination never hangs on unsent data.
public final class Context: Sendable {
    /// Where the context is in its life; transitions only move forward.
    enum State {
        case open
        case shutDown
        case terminating
        case terminated
    }

    /// Safe to share: libzmq documents context handles as thread-safe, and this pointer is
    /// never changed; `state` makes sure it is not used after `zmq_ctx_term` freed it.
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer
    private let state: Mutex<State>

    /// Creates a context with `ioThreads` background I/O threads (one is plenty for tens of
    /// thousands of messages per second; the machine is small).
    /// Whether this libzmq was built with CURVE (libsodium), so that key pairs can be made
    /// and CURVE sockets set up.
    public static var supportsCurve: Bool { zmq_has("curve") == 1 }

    public init(ioThreads: Int = 1) throws {
        guard let handle = zmq_ctx_new() else {
            throw ZeroMQError.last("zmq_ctx_new")
        }
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: ioThreads)) != 0 {
            let error = ZeroMQError.last("zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
        self.state = Mutex(.open)
    }

    deinit {
        // Every socket retains its context, so none is left open here: this returns at once.
        if state.withLock({ $0 }) != .terminated {
            Self.term(handle)
        }
    }

    /// Makes blocking calls on this context's sockets return `ETERM`, so that their owning
    /// threads notice, close their sockets and stop. Safe to call more than once, from any thread.
    public func shutdown() {
        state.withLock { state in
            guard state == .open else { return }
            zmq_ctx_shutdown(handle)
            state = .shutDown
        }
    }

    /// Shuts the context down and waits until every one of its sockets is closed.
    ///
    /// Call it from a thread that owns no socket of this context, or it waits forever.
    /// Later calls return at once.
    public func terminate() {
        let mustTerminate = state.withLock { state in
            guard state == .open || state == .shutDown else { return false }
            state = .terminating
            return true
        }
        guard mustTerminate else { return }
        Self.term(handle)
        state.withLock { $0 = .terminated }
    }

    /// Creates a raw socket while holding the lifecycle lock, so that `zmq_ctx_term` cannot
    /// free the context between the state check and `zmq_socket`.
    func makeSocketHandle(_ type: Int32) throws -> UnsafeMutableRawPointer {
        let result: Result<UnsafeMutableRawPointer, ZeroMQError> = state.withLock { state in
            guard state == .open || state == .shutDown else {
                return .failure(ZeroMQError(code: ETERM, operation: "zmq_socket"))
            }
            guard let socket = zmq_socket(handle, type) else {
                return .failure(ZeroMQError.last("zmq_socket"))
            }
            return .success(socket)
        }
        return try result.get()
    }

    private static func term(_ handle: UnsafeMutableRawPointer) {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
