import FleetProtocol
import FleetRobotClient
import ZeroMQ

/// Reliable mode: one `ReliableRobotClient` (a DEALER connected to the ingester's ROUTER) per
/// sender. Valid frames go through the client's window (numbered and encoded by the client,
/// which gives exactly the runner's bytes: the runner checks the numbers agree); duplicate
/// and corrupt copies go around it with `sendRaw`. A class: `finish()` must drop the last
/// reference to every client (and so its monitor's sockets) before the contexts terminate.
///
/// A link outage is modelled by the runner holding the robot's frames and sending them when
/// the link is back: the client's window lives with its socket and numbers from 0, so closing
/// and reopening the socket mid-epoch is not something the client can do.
final class ReliableLinks: RobotLinks {
    let endpoint: String
    let flushTimeout: Duration
    private let contexts: LinkContexts
    private var clients: [ReliableRobotClient]

    init(
        endpoint: String,
        senders: [(robotID: UInt32, bootEpoch: UInt32)],
        credentials: [RobotCredentials]?,
        flushTimeout: Duration
    )
        throws(RunnerError)
    {
        self.endpoint = endpoint
        self.flushTimeout = flushTimeout
        // A monitored client costs three sockets; beyond a few hundred robots reconnects are
        // noticed by the progress timeout instead.
        let monitors = senders.count <= 300
        let perContext = monitors ? 300 : 1000
        let contexts = try LinkContexts(clients: senders.count, perContext: monitors ? 300 : 1000)
        var clients: [ReliableRobotClient] = []
        for (index, sender) in senders.enumerated() {
            var configuration = ReliableRobotClient.Configuration(
                endpoint: endpoint,
                robotID: sender.robotID,
                bootEpoch: sender.bootEpoch
            )
            configuration.monitorsConnection = monitors
            configuration.credentials = credentials?[index]
            clients.append(
                try RunnerError.transport("cannot connect to \(endpoint)") {
                    try ReliableRobotClient(context: contexts.context(for: index), configuration: configuration)
                }
            )
        }
        self.contexts = contexts
        self.clients = clients
    }

    func sendRaw(_ sender: Int, _ frame: UnsafeRawBufferPointer) throws(RunnerError) {
        try RunnerError.transport("robot \(clients[sender].robotID): send failed") {
            try clients[sender].sendRaw([UInt8](frame))
        }
    }

    func sendNumbered(
        _ sender: Int,
        _ frame: UnsafeRawBufferPointer,
        message: FleetProtocol.Message,
        timestampNanos: UInt64,
        bootEpoch: UInt32,
        sequence: UInt32
    ) throws(RunnerError) {
        let client = clients[sender]
        guard client.bootEpoch == bootEpoch && client.nextSequence == sequence else {
            throw RunnerError(
                .transport,
                "robot \(client.robotID): client would number \(client.bootEpoch)/\(client.nextSequence), runner numbered \(bootEpoch)/\(sequence)"
            )
        }
        let result = try RunnerError.transport("robot \(client.robotID): publish failed") {
            try client.publish(
                message,
                at: timestampNanos,
                flags: FrameHeader.simulatedTimeFlag,
                waitingAtMost: flushTimeout
            )
        }
        guard result == .sent(sequence: sequence) else {
            throw RunnerError(
                .transport,
                "robot \(client.robotID): window still full after \(flushTimeout); is the ingester acknowledging?"
            )
        }
    }

    func reboot(_ sender: Int) {
        clients[sender].reboot()
    }

    func linkDown(_ sender: Int) {}

    func linkUp(_ sender: Int) {}

    func service() throws(RunnerError) {
        for client in clients {
            try RunnerError.transport("robot \(client.robotID): service failed") { try client.service() }
        }
    }

    func finish() throws(RunnerError) -> [UInt32] {
        let clock = ContinuousClock()
        let deadline = clock.now + flushTimeout
        var pending = Array(clients.indices)
        // Service everyone while waiting: one robot's flush must not starve the others.
        while !pending.isEmpty && clock.now < deadline {
            try service()
            pending.removeAll { clients[$0].outstanding == 0 }
            if !pending.isEmpty {
                _ = try RunnerError.transport("flush failed") {
                    try clients[pending[0]].flush(timeout: .milliseconds(10))
                }
            }
        }
        let unconfirmed = pending.map { clients[$0].robotID }
        for client in clients { client.close() }
        clients.removeAll()
        contexts.terminate()
        return unconfirmed
    }
}
