import CZeroMQ

/// The ZeroMQ messaging patterns this binding supports; the pattern decides who may talk to
/// whom and what happens when a peer is slow (PUB drops, PUSH and DEALER block, ROUTER drops
/// or fails with ``SocketOption/routerMandatory(_:)``).
public enum SocketType: Sendable, CaseIterable, CustomStringConvertible {
    case publisher
    case subscriber
    case extendedPublisher
    case extendedSubscriber
    case push
    case pull
    case dealer
    case router
    case pair
    case request
    case reply

    var rawValue: Int32 {
        switch self {
        case .publisher: ZMQ_PUB
        case .subscriber: ZMQ_SUB
        case .extendedPublisher: ZMQ_XPUB
        case .extendedSubscriber: ZMQ_XSUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pair: ZMQ_PAIR
        case .request: ZMQ_REQ
        case .reply: ZMQ_REP
        }
    }

    /// The libzmq name (`PUB`, `ROUTER`, ...), as it appears in logs and the ZMTP handshake.
    public var description: String {
        switch self {
        case .publisher: "PUB"
        case .subscriber: "SUB"
        case .extendedPublisher: "XPUB"
        case .extendedSubscriber: "XSUB"
        case .push: "PUSH"
        case .pull: "PULL"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .pair: "PAIR"
        case .request: "REQ"
        case .reply: "REP"
        }
    }
}
