import NIOPosix
public import ServiceLifecycle

/// Threads of their own for blocking work called from async code: SQLite reads, the store
/// protocols' synchronous PostgreSQL calls, joining a socket's thread.
///
/// Swift's cooperative pool has as many threads as cores (two here): one slow query run on
/// it stalls every task in the process. Async code hands such work to this pool instead and
/// suspends until it is done. It is swift-nio's `NIOThreadPool` (`runIfActive`), wrapped so
/// the modules share one pool and one way to use it.
///
/// `shared` is the process's pool: started at first use and never stopped (like
/// `NIOThreadPool.singleton`), so work handed to it always runs. A pool made with
/// `init(threads:)` is a `Service`: it runs until graceful shutdown, then finishes the work
/// it holds and stops its threads; work handed to it after that throws.
public final class BlockingPool: Service, Sendable {
    /// The process's pool, for code that is not given one.
    public static let shared = BlockingPool(
        pool: NIOThreadPool._makePerpetualStartedPool(numberOfThreads: 8, threadNamePrefix: "fleet-blocking-")
    )

    private let pool: NIOThreadPool
    /// False for `shared`, whose threads live as long as the process.
    private let stoppable: Bool

    private init(pool: NIOThreadPool, stoppable: Bool = false) {
        self.pool = pool
        self.stoppable = stoppable
    }

    /// A started pool of `threads` threads, to run as a service in the group that uses it.
    public convenience init(threads: Int) {
        self.init(pool: NIOThreadPool(numberOfThreads: threads), stoppable: true)
        pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns what it returns, suspending the
    /// caller (not blocking a cooperative thread) meanwhile. A task cancelled before `body`
    /// started throws `CancellationError` without running it.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Starts blocking `body` and returns at once: work whose result is picked up later (a
    /// cache filled in the background). Skipped when the pool has stopped.
    public func start(_ body: @escaping @Sendable () -> Void) {
        pool.submit { state in
            guard case .active = state else { return }
            body()
        }
    }

    /// Waits for blocking `body` that must run whatever happens (joining threads at
    /// shutdown): never skipped on cancellation. On a stopped pool it runs on the caller's
    /// thread; `shared` never stops.
    public func wait(for body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pool.submit { _ in
                body()
                continuation.resume()
            }
        }
    }

    /// Runs until graceful shutdown, then lets the queued work finish and stops the threads
    /// (`shared`'s threads are never stopped).
    public func run() async throws {
        try? await gracefulShutdown()
        if stoppable { try await pool.shutdownGracefully() }
    }
}
