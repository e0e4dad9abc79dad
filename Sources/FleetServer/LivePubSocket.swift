import FleetBlocking
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The live feed on a ZeroMQ PUB socket, for programs: each update is a two-frame message
/// (topic, JSON). The socket lives on its own thread and never blocks: a slow subscriber
/// loses messages at the high-water mark (PUB semantics), and between sends the feed's
/// slot keeps only the latest update per topic.
final class LivePubSocket: Service, Sendable {
    let endpoint: String
    let feed: LiveFeed
    let blockingPool: BlockingPool
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let boundEndpoint = Mutex<String?>(nil)

    init(endpoint: String, feed: LiveFeed, blockingPool: BlockingPool, logger: Logger) throws {
        self.endpoint = endpoint
        self.feed = feed
        self.blockingPool = blockingPool
        self.logger = logger
    }

    /// The endpoint actually bound (port resolved), once running.
    var lastEndpoint: String? { boundEndpoint.withLock { $0 } }

    func run() async throws {
        guard let subscriber = feed.subscribe(kind: "zmq", minimumInterval: .zero, limited: false) else { return }
        defer { feed.unsubscribe(subscriber) }
        let context = try Context()
        let failure = Mutex<(any Error)?>(nil)
        let endpoint = self.endpoint
        let thread = try DedicatedThread.start(name: "fleet-live-pub") { [self] in
            do {
                let socket = try Socket(
                    context,
                    type: .publisher,
                    options: [.linger(.zero), .sendHighWaterMark(64)]
                )
                defer { socket.close() }
                try socket.bind(endpoint)
                let bound = try socket.lastEndpoint
                boundEndpoint.withLock { $0 = bound }
                while !stopping.load(ordering: .acquiring) {
                    let due = subscriber.takeDue()
                    if due.isEmpty {
                        usleep(20_000)
                        continue
                    }
                    for update in due {
                        // Dropped at the HWM rather than waiting: the next update replaces it.
                        if try socket.trySend(Array(update.topic.utf8), more: true) {
                            _ = try socket.send(update.data)
                        }
                        subscriber.didWrite(updates: 1, bytes: update.data.count)
                    }
                }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !feed.isClosed && failure.withLock({ $0 == nil }) {
                try? await Task.sleep(for: .milliseconds(100))
            }
        } onGracefulShutdown: {
        }
        stop()
        await blockingPool.wait { thread.join() }
        context.terminate()
        if let error = failure.withLock({ $0 }) {
            logger.error("live PUB socket failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            throw error
        }
        try? await gracefulShutdown()
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
    }
}
