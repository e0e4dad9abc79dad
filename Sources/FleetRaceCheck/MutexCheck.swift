import Foundation
import Synchronization

/// A program without a race, as a control: threads take turns adding to one `Mutex<Int>`,
/// every access under the lock, often enough that the lock is contended and takes its slow
/// path. The total must be exact; and TSan must say nothing, which it does only because
/// CTSanMutex tells it about that slow path (without it, this check alone gets a
/// "Swift access race" report: see `Sources/CTSanMutex/TSanMutex.c`).
struct MutexCheck {
    var threads = 3
    var additionsPerThread = 100_000

    func run(_ findings: Findings) {
        let counter = Counter()
        let additions = additionsPerThread
        let workers = (0..<threads).map { index in
            CheckThread(name: "mutex\(index)") {
                for _ in 0..<additions { counter.value.withLock { $0 += 1 } }
            }
        }
        for worker in workers { worker.join() }
        let total = counter.value.withLock { $0 }
        findings.expect(total == threads * additions, "mutex: total \(total), expected \(threads * additions)")
    }
}

private final class Counter: Sendable {
    let value = Mutex(0)
}
