import FleetIngest
import Foundation
import Synchronization

/// `BoundedQueue` between real threads, as the pipeline and the writer use it, with more
/// of each than they have: producers put numbered items (blocking while it is full), some
/// consumers `take()` and others `take(waitingAtMost:)` as the writer does, an observer
/// reads `count`; then the queue is closed. Every item must be taken exactly once, each
/// producer's items in the order it put them, and nothing may be put after the close.
struct QueueCheck {
    var producers = 3
    var consumers = 3
    var itemsPerProducer = 20_000
    var capacity = 2

    struct Item: Sendable {
        let producer: Int
        let index: Int
    }

    func run(_ findings: Findings) {
        let queue = BoundedQueue<Item>(capacity: capacity)
        let items = itemsPerProducer
        let producerCount = producers
        let producerThreads = (0..<producers).map { producer in
            CheckThread(name: "queue-producer\(producer)") {
                for index in 0..<items where !queue.put(Item(producer: producer, index: index)) {
                    findings.fail("queue: put refused before the close (producer \(producer), item \(index))")
                }
            }
        }
        let taken = Collected()
        let consumerThreads = (0..<consumers).map { consumer in
            CheckThread(name: "queue-consumer\(consumer)") {
                var last = [Int](repeating: -1, count: producerCount)
                var mine: [Item] = []
                func note(_ item: Item) {
                    if item.index <= last[item.producer] {
                        findings.fail(
                            "queue: producer \(item.producer)'s item \(item.index) after \(last[item.producer])"
                        )
                    }
                    last[item.producer] = item.index
                    mine.append(item)
                }
                if consumer % 2 == 0 {
                    while let item = queue.take() { note(item) }
                } else {
                    loop: while true {
                        switch queue.take(waitingAtMost: 0.001) {
                        case .item(let item): note(item)
                        case .timedOut: continue
                        case .closed: break loop
                        }
                    }
                }
                taken.add(mine)
            }
        }
        let stop = Flag()
        let observer = CheckThread(name: "queue-observer") {
            while !stop.isRaised {
                let count = queue.count
                if count < 0 || count > queue.capacity {
                    findings.fail("queue: count \(count) outside 0...\(queue.capacity)")
                }
            }
        }
        for thread in producerThreads { thread.join() }
        queue.close()
        for thread in consumerThreads { thread.join() }
        stop.raise()
        observer.join()
        findings.expect(!queue.put(Item(producer: 0, index: -1)), "queue: put accepted after the close")
        var seen = [[Bool]](repeating: [Bool](repeating: false, count: items), count: producers)
        for item in taken.items {
            if seen[item.producer][item.index] {
                findings.fail("queue: producer \(item.producer)'s item \(item.index) taken twice")
            }
            seen[item.producer][item.index] = true
        }
        let missing = seen.reduce(0) { $0 + $1.filter { !$0 }.count }
        findings.expect(missing == 0, "queue: \(missing) items put and never taken")
    }
}

/// Items the consumer threads took, gathered once each has finished.
private final class Collected: Sendable {
    private let state = Mutex<[QueueCheck.Item]>([])

    func add(_ items: [QueueCheck.Item]) { state.withLock { $0.append(contentsOf: items) } }

    var items: [QueueCheck.Item] { state.withLock { $0 } }
}
