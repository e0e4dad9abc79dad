import FleetProtocol
import FleetRobotClient
import ZeroMQ

/// Pub mode: one `RobotPublisher` (an XPUB connected to the ingester's SUB) per sender. A
/// class: the runner and its driver share it, and `finish()` must drop the last reference to
/// every socket before the contexts terminate.
///
/// Every frame goes out with `sendRaw`, because the runner numbers and encodes frames itself
/// (it must hold one back to reorder it, or send a corrupt copy in its place). Publishers wait
/// for the ingester's subscription before the first frame and again after a reconnect, so no
/// frame is lost to ZeroMQ's slow joiner: a gap at the ingester is always one the truth lists.
final class PubLinks: RobotLinks {
    let endpoint: String
    let connectTimeout: Duration
    let senders: [(robotID: UInt32, bootEpoch: UInt32)]
    let credentials: [RobotCredentials]?
    private let contexts: LinkContexts
    private var publishers: [RobotPublisher?]

    init(
        endpoint: String,
        senders: [(robotID: UInt32, bootEpoch: UInt32)],
        credentials: [RobotCredentials]?,
        connectTimeout: Duration
    )
        throws(RunnerError)
    {
        self.endpoint = endpoint
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.senders = senders
        contexts = try LinkContexts(clients: senders.count, perContext: 1000)
        publishers = []
        publishers.reserveCapacity(senders.count)
        for index in senders.indices {
            publishers.append(try makePublisher(index))
        }
        let clock = ContinuousClock()
        let deadline = clock.now + connectTimeout
        for index in senders.indices {
            try waitConnected(index, timeout: max(.zero, clock.now.duration(to: deadline)))
        }
    }

    private func makePublisher(_ index: Int) throws(RunnerError) -> RobotPublisher {
        var configuration = RobotPublisher.Configuration(
            endpoint: endpoint,
            robotID: senders[index].robotID,
            bootEpoch: senders[index].bootEpoch
        )
        // Frames still queued at the end (or at a disconnect) get time to leave.
        configuration.linger = .seconds(5)
        configuration.credentials = credentials?[index]
        return try RunnerError.transport("cannot connect robot \(senders[index].robotID) to \(endpoint)") {
            try RobotPublisher(context: contexts.context(for: index), configuration: configuration)
        }
    }

    private func waitConnected(_ index: Int, timeout: Duration) throws(RunnerError) {
        let connected: Bool
        do {
            connected = try publishers[index]!.waitUntilConnected(timeout: timeout)
        } catch {
            throw RunnerError(.transport, "robot \(senders[index].robotID): waiting for the subscription", cause: error)
        }
        guard connected else {
            throw RunnerError(
                .notConnected,
                "no ingester subscribed at \(endpoint) within \(connectTimeout) (robot \(senders[index].robotID)); is `fleet ingest --listen` running there\(credentials == nil ? "" : ", with this robot's public key on its allowlist and the secret half of the server key")?"
            )
        }
    }

    func sendRaw(_ sender: Int, _ frame: UnsafeRawBufferPointer) throws(RunnerError) {
        guard let publisher = publishers[sender] else { return }
        try RunnerError.transport("robot \(senders[sender].robotID): send failed") { try publisher.sendRaw(frame) }
    }

    func reboot(_ sender: Int) {
        publishers[sender]?.reboot()
    }

    func linkDown(_ sender: Int) {
        publishers[sender]?.close()
        publishers[sender] = nil
    }

    func linkUp(_ sender: Int) throws(RunnerError) {
        publishers[sender] = try makePublisher(sender)
        try waitConnected(sender, timeout: connectTimeout)
    }

    func service() {}

    func finish() -> [UInt32] {
        for publisher in publishers { publisher?.close() }
        publishers.removeAll()
        // Waits (up to the linger time) until queued frames have left.
        contexts.terminate()
        return []
    }
}
