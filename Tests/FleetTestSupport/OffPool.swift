import FleetBlocking

/// Threads for the tests' blocking work: many, because tests running in parallel each wait
/// on one for a long time (a process, a browser, a socket's receive).
private let testPool = BlockingPool(threads: 64)

/// Runs blocking work (ZeroMQ sends, a browser, a process) off the two-thread cooperative
/// pool that the service under test needs, on the same kind of pool the services use.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await testPool.run(body)
}
