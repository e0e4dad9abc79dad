/// The answer to a ``ZAPRequest``: let the peer in under a name, or refuse it.
public enum ZAPDecision: Sendable, Hashable {
    /// Accept the peer. `userID` arrives on every message from it as ``ZMQMessage/userID``, so
    /// the receiver learns which robot sent a frame from the key, not from the payload.
    case allow(userID: String)
    /// Refuse the peer; its monitor-visible handshake fails with
    /// ``MonitorEvent/Kind/handshakeFailedAuth`` and the status as value.
    case deny(Status, reason: String)

    /// RFC 27 status codes for a refusal.
    public enum Status: Int, Sendable, Hashable {
        /// Try again later (RFC 27 300).
        case temporaryError = 300
        /// The credentials are not acceptable (RFC 27 400).
        case authenticationFailure = 400
        /// The handler could not decide (RFC 27 500).
        case internalError = 500
    }
}
