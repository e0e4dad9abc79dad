import Foundation

/// A blocking FIFO of at most `capacity` items between two threads (pipeline → writer).
///
/// Package-visible for FleetRaceCheck, which runs it between threads under ThreadSanitizer.
///
/// Bounded on purpose: when the writer stalls, `put` blocks the pipeline, the pipeline stops
/// draining the ring, and the receiver applies its overflow policy, so memory never grows.
package final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: every access to `items` and `closed` holds `condition`'s lock.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    package let capacity: Int

    package init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Appends `item`, waiting while the queue is full. Returns false if the queue closed.
    @discardableResult
    package func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Takes the oldest item, waiting while empty; nil once closed and empty.
    package func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// What `take(waitingAtMost:)` found.
    package enum Taken {
        case item(Element)
        /// Nothing arrived in time; the queue is open.
        case timedOut
        /// Closed and empty.
        case closed
    }

    /// Takes the oldest item, waiting at most `seconds` while empty (0: not at all).
    package func take(waitingAtMost seconds: Double) -> Taken {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while items.isEmpty && !closed {
            if seconds <= 0 || !condition.wait(until: deadline) { break }
        }
        guard !items.isEmpty else { return closed ? .closed : .timedOut }
        let item = items.removeFirst()
        condition.broadcast()
        return .item(item)
    }

    /// No more puts; `take` returns what is left, then nil.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    package var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }
}
