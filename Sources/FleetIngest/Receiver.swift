import FleetKeys
import FleetProtocol
import FleetStore
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The receiving end of the hot path, run on its own thread: takes frames off the SUB
/// (pub mode) and ROUTER (reliable mode) sockets into one reused message, validates each
/// header, and copies it into the ring. It allocates nothing per frame.
///
/// When the ring is full, pub mode drops the newest frame and counts it against its robot;
/// reliable mode stops reading, so ZeroMQ's queues fill and back pressure reaches the robots.
/// Fair share: ZeroMQ already reads connected peers round-robin; on top of that, while the
/// ring is more than half full, a robot sending more than twice its share (over every robot
/// seen) of the recent frames is dropped (pub mode): the upper half is a reserve for the
/// others, so one flooding robot cannot crowd out the rest.
final class Receiver {
    struct Configuration: Sendable {
        var listen: String?
        var reliable: String?
        var receiveHighWaterMark = 200_000
        /// Frames libzmq queues per reliable robot before it stops reading that robot's
        /// connection (TCP then holds the robot back; nothing is lost, the robot keeps the
        /// frames in its window). In reliable mode the receiver waits for room in the ring
        /// instead of dropping, so while the ingester is behind its peers' pipes fill: at
        /// 200,000 per peer, 10,000 robots took the ingester past 1.1 GB in a backlog. A robot
        /// keeping to its credit never has this many in flight.
        var reliableReceiveHighWaterMark = 1024
        /// Above the protocol's 64 KiB so oversized frames arrive and are counted; a peer
        /// sending more than this is disconnected by libzmq.
        var maxMessageSize = 1 << 20
        /// Id of the ingester in the headers of the ack frames it sends.
        var serviceID: UInt32 = 0xFFFF_FFFF
        var serviceBootEpoch: UInt32 = 0
        /// CURVE with an allowlist: who may connect, and which robot id each may send as.
        var authentication: IngestService.Authentication?
    }

    let configuration: Configuration
    let ring: FrameRing
    let shared: ReceiverShared
    let context: Context
    let logger: Logger
    var zap: ZAPHandler?
    /// With authentication: the server sockets' failed handshakes (no CURVE, wrong server
    /// key), which never reach the ZAP handler; read every 250 ms.
    var monitors: [SocketMonitor] = []
    var monitorsReadAt = ContinuousClock.now
    let message = ZMQMessage()
    let identity = ZMQMessage()
    var sub: Socket?
    var router: Socket?

    // Reliable mode: routing ids by peer index, and each robot's latest peer.
    var peerIdentities: [[UInt8]] = []
    var peerIndexByShortIdentity: [UInt64: UInt32] = [:]
    var peerIndexByIdentity: [[UInt8]: UInt32] = [:]
    var peerByRobot: [UInt32: UInt32] = [:]
    /// Robots whose latest peer each peer index is; a peer at 0 is forgotten.
    var peerRobots: [Int] = []
    /// Peer indexes free for reuse.
    var freePeers: [UInt32] = []
    var ackSequence: UInt32 = 0
    var ackBuffer = [UInt8](repeating: 0, count: MessageType.ack.frameSize)

    // Fair share over a sliding window of recent frames.
    var windowCounts: [UInt32: Int] = [:]
    var windowTotal = 0
    static let windowSize = 4096
    /// Robots seen in pub mode since the start: who the ring is shared between.
    var robotsSeen: Set<UInt32> = []

    // Authentication: the allowlist generation last seen, and per sender whose key a reload
    // removed or replaced, the first generation whose connections still count.
    var allowlistGeneration = 0
    var validFrom: [UInt32: Int] = [:]

    init(configuration: Configuration, context: Context, ring: FrameRing, shared: ReceiverShared, logger: Logger) {
        self.configuration = configuration
        self.context = context
        self.logger = logger
        self.ring = ring
        self.shared = shared
    }

    /// Binds the sockets; throws if an endpoint cannot be bound. Call on the receiver thread.
    func bind() throws {
        let common: [SocketOption] = [
            .linger(.zero),
            .receiveHighWaterMark(configuration.receiveHighWaterMark),
            // A fleet of thousands connects (or reconnects after an outage) at once.
            .backlog(4096),
            .maxMessageSize(configuration.maxMessageSize),
            // A robot that vanished (power cut, no FIN) is found by TCP keepalive, not by
            // ZeroMQ heartbeats: libzmq scans its whole timer list to cancel a heartbeat
            // timeout, on every message, so with 10,000 robots pinging each second its I/O
            // thread did nothing else and new robots could no longer connect. Robots still
            // ping the ingester (their client's heartbeat); libzmq answers without a timer.
            .tcpKeepalive(true),
            .tcpKeepaliveIdle(.seconds(10)),
            .tcpKeepaliveInterval(.seconds(2)),
            .tcpKeepaliveCount(3),
        ]
        var bound: [String] = []
        if let authentication = configuration.authentication {
            // Before the server sockets, so no peer is ever admitted unchecked (and they
            // enforce the ZAP domain: with the handler gone, everyone is refused).
            zap = try Self.startZAP(authentication, context: context, shared: shared, logger: logger)
        }
        if let listen = configuration.listen {
            // Subscribe to everything: a "FT" filter would hide frames with a bad magic or
            // an unknown major version instead of counting them.
            let socket = try Socket(context, type: .subscriber, options: common + [.subscribe([])])
            if let authentication = configuration.authentication {
                try socket.makeCurveServer(keys: authentication.serverKeys)
                monitors.append(try socket.monitor([.handshakeFailedProtocol, .handshakeFailedNoDetail]))
            }
            try socket.bind(listen)
            bound.append((try? socket.lastEndpoint) ?? listen)
            sub = socket
        }
        if let reliable = configuration.reliable {
            let socket = try Socket(
                context,
                type: .router,
                options: common + [
                    .receiveHighWaterMark(configuration.reliableReceiveHighWaterMark), .routerMandatory(true),
                    .sendHighWaterMark(100_000),
                ]
            )
            if let authentication = configuration.authentication {
                try socket.makeCurveServer(keys: authentication.serverKeys)
                monitors.append(try socket.monitor([.handshakeFailedProtocol, .handshakeFailedNoDetail]))
            }
            try socket.bind(reliable)
            bound.append((try? socket.lastEndpoint) ?? reliable)
            router = socket
        }
        shared.boundEndpoints.withLock { $0 = bound }
    }

    /// The receive loop; returns when a stop is requested or the context terminates.
    ///
    /// On a stop it stops reading at once (so the pipeline can drain the ring), but in
    /// reliable mode keeps the ROUTER open until the writer has committed the drain and
    /// sends those acknowledgements too: otherwise every robot would resend its whole
    /// window after every restart.
    func run() {
        defer {
            readMonitors(force: true)
            // On every way out, an error included: nothing more enters the ring, so the
            // pipeline drains and ends instead of waiting for frames forever.
            shared.stoppedReading.store(true, ordering: .releasing)
            shared.pipelineWakeup.signal()
            shared.finished.store(true, ordering: .releasing)
            sub?.close()
            if let router {
                // Long enough for the last acknowledgements to leave.
                try? router.set(.linger(.milliseconds(500)))
                router.close()
            }
            zap?.stop()
        }
        var poller = Poller()
        let subIndex = sub.map { poller.add($0) }
        let routerIndex = router.map { poller.add($0) }
        do {
            while !shared.stopRequested.load(ordering: .relaxed) {
                try sendAcks()
                if !monitors.isEmpty { readMonitors() }
                guard try poller.poll(timeout: .milliseconds(20)) > 0 else { continue }
                if let subIndex, poller.isReadable(subIndex), let sub { try drainSub(sub) }
                if let routerIndex, poller.isReadable(routerIndex), let router { try drainRouter(router) }
                shared.pipelineWakeup.signal()
            }
            shared.stoppedReading.store(true, ordering: .releasing)
            shared.pipelineWakeup.signal()
            if router != nil {
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(30)
                while !shared.writerFinished.load(ordering: .acquiring) && clock.now < deadline {
                    try sendAcks()
                    usleep(2000)
                }
            }
            try sendAcks()
        } catch let error as ZeroMQError where error.isTerminated {
            return
        } catch {
            shared.failure.withLock { $0 = "receiver stopped: \(error)" }
        }
    }

    func drainSub(_ socket: Socket) throws {
        for _ in 0..<1024 {
            guard try socket.tryReceive(into: message) else { return }
            if message.more {
                try discardMultipart(socket)
                continue
            }
            guard admits(message) else { continue }
            handle(message.bytes, reliable: false)
        }
    }

    func drainRouter(_ socket: Socket) throws {
        for _ in 0..<1024 {
            guard try socket.tryReceive(into: identity) else { return }
            guard identity.more else { continue }  // a bare identity: nothing to read
            guard try socket.tryReceive(into: message) else { return }
            if message.more {
                try discardMultipart(socket)
                continue
            }
            if admits(message) { handle(message.bytes, reliable: true) }
        }
    }

    /// One frame is one single-part message (§3), in both modes: a message of several parts
    /// (a topic part before the frame, a frame split in two) is read to its end and counted
    /// once as `multipart`, none of its parts decoded.
    func discardMultipart(_ socket: Socket) throws {
        while message.more {
            guard try socket.tryReceive(into: message) else { break }
        }
        shared.received.add(1, ordering: .relaxed)
        shared.losses.withLock { $0.multipart += 1 }
    }

    /// Validates the frame's header and queues it. In reliable mode a frame whose header is
    /// valid makes the peer it came from (`identity`) its robot's latest peer, the one acks go to.
    func handle(_ bytes: UnsafeRawBufferPointer, reliable: Bool) {
        shared.received.add(1, ordering: .relaxed)
        let header: FrameHeader
        do {
            header = try FrameDecoder.decodeHeader(bytes)
        } catch {
            if error.code == .unknownMessageType, let known = error.header {
                // Valid but of a newer type: queued like any frame, the pipeline skips it.
                let peer = reliable ? assignPeer(to: known.robotID) : 0
                enqueue(bytes, source: RingSource.accepted(peer: peer), header: known, reliable: reliable)
            } else {
                if reliable, error.code.headerIsVerified, let verified = error.header {
                    // Rejected for good: acknowledged, so the robot needs its peer known.
                    _ = assignPeer(to: verified.robotID)
                }
                enqueueRejected(bytes, code: error.code)
            }
            return
        }
        let peer = reliable ? assignPeer(to: header.robotID) : 0
        enqueue(bytes, source: RingSource.accepted(peer: peer), header: header, reliable: reliable)
    }

    func enqueue(_ bytes: UnsafeRawBufferPointer, source: UInt32, header: FrameHeader, reliable: Bool) {
        let now = Self.wallClockNanos()
        if reliable {
            // Back pressure: wait for room rather than drop; stop reading meanwhile.
            var spins = 0
            while !ring.tryPush(bytes, source: source, receivedAt: now) {
                if shared.stopRequested.load(ordering: .relaxed) && spins > 5_000 {
                    // Stopping with a full ring: not acknowledged, so the robot resends it;
                    // counted so that every frame received is accounted for.
                    let key = StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch)
                    shared.losses.withLock { $0.dropped[key, default: 0] += 1 }
                    return
                }
                spins += 1
                shared.pipelineWakeup.signal()
                if spins < 64 { sched_yield() } else { usleep(200) }
            }
            return
        }
        if overFairShare(header.robotID) || !ring.tryPush(bytes, source: source, receivedAt: now) {
            let key = StreamKey(robotID: header.robotID, bootEpoch: header.bootEpoch)
            shared.losses.withLock { $0.dropped[key, default: 0] += 1 }
        }
    }

    func enqueueRejected(_ bytes: UnsafeRawBufferPointer, code: ProtocolError.Code) {
        // Enough of the frame for the pipeline to see which robot it claims to be from.
        let kept =
            code == .oversized ? UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, FrameHeader.size)]) : bytes
        if !ring.tryPush(kept, source: RingSource.rejected(code), receivedAt: Self.wallClockNanos()) {
            shared.losses.withLock { $0.rejected[code, default: 0] += 1 }
        }
    }

    /// True when the ring is more than half full and `robotID` has sent more than twice its
    /// share of the recent frames, or more than three quarters full and `robotID` sent half
    /// of them: the upper half of the ring is a reserve that only robots within their share
    /// may fill, so a flooding robot loses its own frames, not theirs.
    ///
    /// The share is over every robot seen in pub mode, not only those in the current window:
    /// one robot flooding at 300 k frames/s fills a window of 4096 frames in a few ms, while
    /// twenty robots at 10 Hz may not appear in it at all, and judged by that window alone the
    /// flooder looked like a robot alone (the defect issue 10 item 10 found).
    func overFairShare(_ robotID: UInt32) -> Bool {
        if windowCounts[robotID] == nil { robotsSeen.insert(robotID) }
        windowCounts[robotID, default: 0] += 1
        windowTotal += 1
        let count = windowCounts[robotID]!
        let total = windowTotal
        if windowTotal >= Self.windowSize {
            // Decay rather than reset: every count halves, so the recent shares carry over
            // (a reset made a flooder look new, and alone, at the start of every window).
            windowTotal = 0
            for (robot, count) in windowCounts {
                let halved = count / 2
                windowCounts[robot] = halved == 0 ? nil : halved
                windowTotal += halved
            }
        }
        let occupied = ring.producerCount()
        guard occupied > ring.capacity / 2 else { return false }
        // The last quarter is never for a robot sending half of the recent frames, even one
        // alone (so the others find room when they come); above half, not for a robot over
        // twice its share.
        if occupied > ring.capacity - ring.capacity / 4 && count * 2 > total { return true }
        return robotsSeen.count > 1 && count * robotsSeen.count > 2 * total
    }

    static func wallClockNanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
