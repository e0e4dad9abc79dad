public import FleetStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// Makes sure no other live process writes as this ingester: two ingesters with one name
    /// would both own every robot either claims, and share segment ids. A session advisory
    /// lock on the name is held on a connection of its own until `close()`, or until the
    /// process dies (the server then drops the connection and the lock with it).
    ///
    /// A restart right after a kill may find the lock still held for a moment (the server
    /// has not seen the old connection close yet): it asks again until `timeout`, then
    /// throws an error that names the ingester.
    public func holdIngesterName(timeout: Duration = .seconds(5)) async throws {
        let outcome = ResumeOnce()
        let held = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
            outcome.slot.withLock { $0 = continuation }
            let task = Task(executorPreference: BlockingExecutor.shared) { [self] in
                do {
                    try await client.withConnection { connection in
                        let locked = try await self.lockName(on: connection, timeout: timeout)
                        outcome.resume(with: .success(locked))
                        guard locked else { return }
                        // Held for as long as the store is open.
                        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                        _ = try? await connection.query(
                            "SELECT pg_advisory_unlock(\(Self.ingesterNameLock), hashtext(\(self.ingesterID)))",
                            logger: self.logger
                        )
                    }
                } catch {
                    outcome.resume(with: .failure(error))
                }
            }
            nameHolder.withLock { $0 = task }
        }
        guard held else {
            throw StorageError(
                .badQuery,
                "another ingester named '\(ingesterID)' is writing to \(location): give each ingester its own --ingester-id"
            )
        }
    }

    private func lockName(on connection: PostgresConnection, timeout: Duration) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(\(Self.ingesterNameLock), hashtext(\(ingesterID)))",
                logger: logger
            )
            var locked = false
            for try await value in rows.decode(Bool.self) { locked = value }
            if locked || clock.now >= deadline { return locked }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// A continuation resumed at most once, from whichever comes first.
private final class ResumeOnce: Sendable {
    let slot = Mutex<CheckedContinuation<Bool, any Error>?>(nil)

    func resume(with result: Result<Bool, any Error>) {
        slot.withLock { $0.take() }?.resume(with: result)
    }
}
