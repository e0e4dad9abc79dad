import Dispatch
import Foundation
import Synchronization

/// Runs async work to completion from a thread that may block: the ingester's writer
/// thread and the command-line tools call the store synchronously (`IngestStore` is a
/// blocking protocol, like SQLite), while postgres-nio is async.
///
/// The work runs on `BlockingExecutor`, threads of its own, never on the two-thread
/// cooperative pool: a caller blocked on the pool (a synchronous test, a handler) must not
/// wait for work that needs the pool's other thread.
func blockingAwait<Result: Sendable>(_ work: @escaping @Sendable () async throws -> Result) throws -> Result {
    let outcome = Mutex<Swift.Result<Result, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task(executorPreference: BlockingExecutor.shared) {
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

/// A task executor on a Dispatch queue of its own (not the cooperative pool), for the
/// store's blocking entry points.
final class BlockingExecutor: TaskExecutor {
    static let shared = BlockingExecutor()
    private let queue = DispatchQueue(label: "fleet.postgres.blocking", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
