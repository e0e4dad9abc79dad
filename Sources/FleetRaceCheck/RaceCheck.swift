import Foundation
import Synchronization

/// What one check found: the failures its threads reported, collected from any thread.
final class Findings: Sendable {
    private let failures = Mutex<[String]>([])

    /// Records a failed expectation; the run ends non-zero.
    func fail(_ message: String) {
        failures.withLock { $0.append(message) }
    }

    /// Records `message` unless `condition` holds.
    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    var all: [String] { failures.withLock { $0 } }
}

/// Starts `body` on a thread of its own (a real OS thread, as the ingester's parts use) and
/// returns a handle to wait for it; off the cooperative pool, so blocking inside is fine.
final class CheckThread: Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the body has returned.
    func join() { done.wait() }
}

/// A flag one thread raises and others read (an `Atomic` cannot be captured by the
/// threads' escaping closures itself).
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Releasing: what the raiser wrote before is visible to whoever sees the flag up.
    func raise() { value.store(true, ordering: .releasing) }

    /// Acquiring: pairs with `raise`.
    var isRaised: Bool { value.load(ordering: .acquiring) }
}
