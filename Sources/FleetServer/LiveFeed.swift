import Synchronization

/// The live feed's fan-out: the latest update of each topic, and one bounded slot per
/// subscriber (SSE client, ZeroMQ publisher).
///
/// A subscriber never has a queue: `publish` overwrites the subscriber's pending update of
/// that topic ("latest value wins"), so a subscriber that stops reading holds at most one
/// update per topic, however long it stalls. Rate limiting happens on the way out: a
/// subscriber takes a topic's pending update only when its minimum interval has passed since
/// the last one it took.
public final class LiveFeed: Sendable {
    public struct Configuration: Sendable {
        /// Least time between two updates of one topic to one SSE client (2/s by default).
        public var minimumInterval: Duration = .milliseconds(500)
        /// SSE clients at once; more are refused with 503.
        public var maximumClients = 256
        /// A comment line is sent when a client has had nothing for this long (keeps proxies
        /// from closing the connection and notices a gone client).
        public var heartbeatInterval: Duration = .seconds(10)
        /// How often a client's writer looks for due updates.
        public var pollInterval: Duration = .milliseconds(50)

        public init() {}
    }

    /// One topic's update: the whole current value, JSON.
    public struct Update: Sendable, Equatable {
        public var topic: String
        /// Increases with every publish of any topic.
        public var version: UInt64
        public var data: [UInt8]
    }

    /// What one subscriber holds and has done, for tests and operators.
    public struct SubscriberStatistics: Sendable, Equatable {
        public var id: Int
        public var kind: String
        /// Bytes held in the subscriber's slot (pending updates), at most one per topic.
        public var pendingBytes: Int
        public var pendingTopics: Int
        /// Bytes of the write the subscriber is waiting on (0 when not writing).
        public var writingBytes: Int
        /// Updates handed to the subscriber's connection.
        public var delivered: Int
        public var bytesDelivered: Int
        /// Updates replaced before the subscriber took them.
        public var overwritten: Int
    }

    private struct State {
        var topics: [String: Update] = [:]
        var subscribers: [Int: LiveSubscriber] = [:]
        var nextID = 1
        var version: UInt64 = 0
        var published = 0
        var closed = false
    }

    public let configuration: Configuration
    private let state = Mutex(State())

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sets a topic's current value and offers it to every subscriber. A value equal to the
    /// current one is not published again (returns false).
    @discardableResult
    public func publish(_ topic: String, data: [UInt8]) -> Bool {
        let published: (update: Update, subscribers: [LiveSubscriber])? = state.withLock { state in
            if state.topics[topic]?.data == data { return nil }
            state.version += 1
            state.published += 1
            let update = Update(topic: topic, version: state.version, data: data)
            state.topics[topic] = update
            return (update, Array(state.subscribers.values))
        }
        guard let published else { return false }
        for subscriber in published.subscribers { subscriber.offer(published.update) }
        return true
    }

    /// The current value of a topic.
    public func latest(_ topic: String) -> Update? {
        state.withLock { $0.topics[topic] }
    }

    /// Updates published since the feed started.
    public var publishedCount: Int { state.withLock { $0.published } }

    public var subscriberStatistics: [SubscriberStatistics] {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        return subscribers.map(\.statistics).sorted { $0.id < $1.id }
    }

    /// Adds a subscriber that starts with every topic's current value pending; nil when
    /// there are already `maximumClients` SSE clients or the feed is closed.
    func subscribe(kind: String, minimumInterval: Duration, limited: Bool = true) -> LiveSubscriber? {
        let maximum = configuration.maximumClients
        return state.withLock { state -> LiveSubscriber? in
            guard !state.closed else { return nil }
            if limited, state.subscribers.values.filter({ $0.kind == "sse" }).count >= maximum { return nil }
            let subscriber = LiveSubscriber(id: state.nextID, kind: kind, minimumInterval: minimumInterval)
            state.nextID += 1
            for update in state.topics.values { subscriber.offer(update) }
            state.subscribers[subscriber.id] = subscriber
            return subscriber
        }
    }

    func unsubscribe(_ subscriber: LiveSubscriber) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: subscriber.id) }
    }

    /// Stops the feed: SSE streams end at their next look (graceful shutdown).
    public func close() {
        state.withLock { $0.closed = true }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }
}

/// One subscriber's slot: at most one pending update per topic, and when it last took one.
final class LiveSubscriber: Sendable {
    private struct State {
        var pending: [String: LiveFeed.Update] = [:]
        var lastTaken: [String: ContinuousClock.Instant] = [:]
        var writingBytes = 0
        var delivered = 0
        var bytesDelivered = 0
        var overwritten = 0
    }

    let id: Int
    let kind: String
    let minimumInterval: Duration
    private let state = Mutex(State())

    init(id: Int, kind: String, minimumInterval: Duration) {
        self.id = id
        self.kind = kind
        self.minimumInterval = minimumInterval
    }

    /// Puts `update` in the slot, replacing a pending update of the same topic.
    func offer(_ update: LiveFeed.Update) {
        state.withLock { state in
            if let old = state.pending[update.topic] {
                // Publishes race only outside the feed's lock; the newer version wins.
                guard old.version < update.version else { return }
                state.overwritten += 1
            }
            state.pending[update.topic] = update
        }
    }

    /// Takes the pending updates whose topic is due (its minimum interval has passed), oldest
    /// version first.
    func takeDue(now: ContinuousClock.Instant = .now) -> [LiveFeed.Update] {
        state.withLock { state in
            var due: [LiveFeed.Update] = []
            for (topic, update) in state.pending {
                if let last = state.lastTaken[topic], now - last < minimumInterval { continue }
                due.append(update)
            }
            for update in due {
                state.pending.removeValue(forKey: update.topic)
                state.lastTaken[update.topic] = now
            }
            return due.sorted { $0.version < $1.version }
        }
    }

    func willWrite(bytes: Int) {
        state.withLock { $0.writingBytes = bytes }
    }

    func didWrite(updates: Int, bytes: Int) {
        state.withLock { state in
            state.writingBytes = 0
            state.delivered += updates
            state.bytesDelivered += bytes
        }
    }

    var statistics: LiveFeed.SubscriberStatistics {
        state.withLock { state in
            LiveFeed.SubscriberStatistics(
                id: id,
                kind: kind,
                pendingBytes: state.pending.values.reduce(0) { $0 + $1.data.count },
                pendingTopics: state.pending.count,
                writingBytes: state.writingBytes,
                delivered: state.delivered,
                bytesDelivered: state.bytesDelivered,
                overwritten: state.overwritten
            )
        }
    }
}
