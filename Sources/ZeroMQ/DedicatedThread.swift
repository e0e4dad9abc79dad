import CZeroMQ
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An operating-system thread of its own for a socket's blocking loop.
///
/// Blocking in `zmq_msg_recv` inside a Swift `Task` would take one of the cooperative pool's
/// few threads (as many as there are cores) for as long as the loop runs, so receive loops run
/// here instead. The body is a `sending` closure: a ``Socket`` created by the caller may be
/// captured and moved in, and the compiler then refuses any further use of it by the caller,
/// which is exactly ZeroMQ's ownership rule. Sockets created inside the body need no moving.
public final class DedicatedThread: Sendable {
    /// The thread to join; taken out by the first ``join()``.
    private let thread: Mutex<pthread_t?>

    private init(thread: pthread_t) {
        self.thread = Mutex(thread)
    }

    deinit {
        // Nobody will join it any more: let the system reclaim it when it ends.
        if let thread = thread.withLock({ $0.take() }) {
            pthread_detach(thread)
        }
    }

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept, visible in
    /// `top -H` and `ps -L`).
    public static func start(name: String, _ body: sending @escaping () -> Void) throws -> DedicatedThread {
        DedicatedThread(thread: try spawn(name: name, body))
    }

    /// Waits for the thread to finish. Only the first call waits; later ones return at once.
    /// Never call it from the thread itself.
    public func join() {
        guard let thread = thread.withLock({ $0.take() }) else { return }
        pthread_join(thread, nil)
    }

    /// Runs `body` on a new thread and suspends the calling task, without blocking a pool
    /// thread, until it returns or throws: the shape a service's `run()` needs.
    public static func run<Result: Sendable>(
        name: String,
        _ body: sending @escaping () throws -> Result
    ) async throws -> Result {
        // Safe: `body` was passed as `sending`, so nothing else can reach it, and it is handed
        // to exactly one thread below.
        nonisolated(unsafe) let body = body
        return try await withCheckedThrowingContinuation { continuation in
            do {
                let thread = try spawn(name: name) {
                    continuation.resume(with: Swift.Result { try body() })
                }
                pthread_detach(thread)
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Holds the body while the C thread entry point takes ownership of it.
    private final class Entry {
        let name: String
        let body: () -> Void

        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    private static func spawn(name: String, _ body: sending @escaping () -> Void) throws -> pthread_t {
        let entry = Unmanaged.passRetained(Entry(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread,
            nil,
            { argument in
                let entry = Unmanaged<Entry>.fromOpaque(argument!).takeRetainedValue()
                #if os(Linux)
                _ = fleet_zmq_name_this_thread(String(entry.name.utf8.prefix(15)) ?? "zeromq")
                #endif
                entry.body()
                return nil
            },
            entry
        )
        guard result == 0 else {
            Unmanaged<Entry>.fromOpaque(entry).release()
            throw ZeroMQError(code: result, operation: "pthread_create(\(name))")
        }
        return thread
    }
}
