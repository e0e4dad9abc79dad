import Synchronization

/// The ZAP authentication handler (RFC 27) of one context: decides, for every connecting
/// peer of every CURVE (or ZAP-enabled) server socket, whether it may in and under which
/// `User-Id`.
///
/// It binds `inproc://zeromq.zap.01`, where libzmq sends its requests, and answers them on
/// a ``DedicatedThread`` of its own by calling `authenticate`. This is where the allowlist of
/// robot public keys lives.
///
/// Fail closed. A request the handler cannot parse is refused. libzmq itself accepts every
/// client when no handler is bound, unless the server socket sets
/// ``SocketOption/zapEnforceDomain(_:)`` (``Socket/makeCurveServer(keys:zapDomain:)`` does):
/// then a stopped or failed handler refuses everyone instead.
///
/// One handler per context (a second one fails with `EADDRINUSE`). It stops on ``stop()``,
/// when released, or when the context shuts down.
public final class ZAPHandler: Sendable {
    /// The endpoint RFC 27 fixes for the handler.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// How many peers the handler let in and refused, for metrics and operators.
    public struct Statistics: Sendable, Hashable {
        public var allowed = 0
        public var denied = 0
    }

    private let shared: Shared
    private let thread: DedicatedThread

    /// Binds the handler endpoint on `context` (so server sockets created after this returns
    /// are covered) and starts answering with `authenticate`, which runs on the handler's
    /// thread, one request at a time.
    public init(context: Context, authenticate: @escaping @Sendable (ZAPRequest) -> ZAPDecision) throws {
        // Short receive timeout: the loop looks at the stop flag this often.
        let socket = try Socket(context, type: .reply, options: [.linger(.zero), .receiveTimeout(.milliseconds(100))])
        try socket.bind(Self.endpoint)
        let shared = Shared()
        self.shared = shared
        self.thread = try DedicatedThread.start(name: "zeromq-zap") { [socket] in
            Self.serve(socket, shared: shared, authenticate: authenticate)
        }
    }

    deinit {
        stop()
    }

    /// Stops answering and waits until the handler's socket is closed. From then on, server
    /// sockets that enforce the ZAP domain refuse every peer.
    public func stop() {
        shared.state.withLock { $0.stopRequested = true }
        thread.join()
    }

    /// Peers let in and refused so far.
    public var statistics: Statistics {
        shared.state.withLock { $0.statistics }
    }

    /// The error that stopped the handler, if one did (`ETERM` when the context shut down).
    public var failure: ZeroMQError? {
        shared.state.withLock { $0.failure }
    }

    // MARK: The handler thread

    /// What the handler thread and its owner share.
    private final class Shared: Sendable {
        struct State {
            var stopRequested = false
            var statistics = Statistics()
            var failure: ZeroMQError?
        }

        let state = Mutex(State())
    }

    private static func serve(
        _ socket: Socket,
        shared: Shared,
        authenticate: (ZAPRequest) -> ZAPDecision
    ) {
        defer { socket.close() }
        while !shared.state.withLock({ $0.stopRequested }) {
            do {
                guard let request = try socket.receiveMultipart() else { continue }
                let decision = decide(request, authenticate: authenticate)
                shared.state.withLock { state in
                    switch decision {
                    case .allow: state.statistics.allowed += 1
                    case .deny: state.statistics.denied += 1
                    }
                }
                try socket.sendMultipart(reply(to: request, with: decision))
            } catch {
                // libzmq errors only; the servers now refuse everyone (fail closed).
                shared.state.withLock { $0.failure = error as? ZeroMQError }
                return
            }
        }
    }

    /// Parses an RFC 27 request and asks `authenticate`; anything malformed is refused
    /// without asking.
    static func decide(_ frames: [[UInt8]], authenticate: (ZAPRequest) -> ZAPDecision) -> ZAPDecision {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
            return .deny(.internalError, reason: "malformed ZAP request")
        }
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        var clientKey: CurveKey?
        if mechanism == "CURVE" {
            guard frames.count == 7, let key = try? CurveKey(binary: frames[6]) else {
                return .deny(.authenticationFailure, reason: "malformed CURVE credentials")
            }
            clientKey = key
        }
        return authenticate(
            ZAPRequest(
                domain: String(decoding: frames[2], as: UTF8.self),
                address: String(decoding: frames[3], as: UTF8.self),
                identity: frames[4],
                mechanism: mechanism,
                clientKey: clientKey
            )
        )
    }

    /// The RFC 27 reply: version, request id, status code, status text, user id, metadata.
    static func reply(to request: [[UInt8]], with decision: ZAPDecision) -> [[UInt8]] {
        let requestID = request.count > 1 ? request[1] : []
        let (status, text, userID): (Int, String, String) =
            switch decision {
            case .allow(let userID): (200, "OK", userID)
            case .deny(let status, let reason): (status.rawValue, reason, "")
            }
        return [Array("1.0".utf8), requestID, Array(String(status).utf8), Array(text.utf8), Array(userID.utf8), []]
    }
}
