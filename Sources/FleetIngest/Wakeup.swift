import Foundation
import Synchronization

/// Lets one thread sleep until another has work for it, without polling and without a
/// system call on the signalling side unless the sleeper really sleeps.
///
/// The sleeper announces itself (`sleeping = true`), checks for work once more, and only
/// then waits; a signaller publishes its work first, then looks at `sleeping`. Both sides
/// order "write mine, read theirs" with sequentially consistent operations, so at least
/// one of them sees the other: work is never left behind a sleeping thread (the Dekker
/// pattern). A signal may wake the sleeper for nothing; it checks again and sleeps again.
/// Package-visible for FleetRaceCheck, which runs it between threads under ThreadSanitizer.
package final class Wakeup: Sendable {
    private let sleeping = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    package init() {}

    /// Wakes the sleeper if it sleeps. Call after making the work visible.
    package func signal() {
        // Sequentially consistent: this load may not be ordered before the caller's
        // publishing store (a ring's releasing `tail` store), which plain acquire allows.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard sleeping.load(ordering: .relaxed) else { return }
        // Only the one who flips it back signals, so signals and waits stay paired.
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { semaphore.signal() }
    }

    /// Sleeps until `signal()` or `timeout`, unless `hasWork` is already true.
    package func wait(timeout: Duration, hasWork: () -> Bool) {
        sleeping.store(true, ordering: .sequentiallyConsistent)
        if hasWork() {
            // Take the flag back; if a signaller took it first, its signal is owed: consume it.
            if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { semaphore.wait() }
            return
        }
        let nanos = max(0, timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        if semaphore.wait(timeout: .now() + .nanoseconds(Int(nanos))) == .timedOut {
            if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { semaphore.wait() }
        }
    }
}
