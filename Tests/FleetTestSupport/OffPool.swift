import Foundation

/// Runs blocking work (ZeroMQ sends, a browser, a process) on a thread of its own, off the
/// two-thread cooperative pool that the service under test needs.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
