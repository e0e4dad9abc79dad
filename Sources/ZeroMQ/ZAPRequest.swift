/// One peer asking to be let in (RFC 27 ZAP request), as the ``ZAPHandler`` hands it to the
/// decision closure.
public struct ZAPRequest: Sendable, Hashable {
    /// The server socket's ``SocketOption/zapDomain(_:)``, so one handler can serve several
    /// kinds of socket with different rules.
    public let domain: String
    /// The peer's network address (for TCP, its IP), for logs and address rules.
    public let address: String
    /// The routing id libzmq reports for the connection (RFC 27 "identity"), often empty.
    public let identity: [UInt8]
    /// The security mechanism: `"NULL"`, `"PLAIN"` or `"CURVE"`.
    public let mechanism: String
    /// The client's long-term public key, for CURVE; this is what an allowlist checks.
    public let clientKey: CurveKey?

    public init(domain: String, address: String, identity: [UInt8], mechanism: String, clientKey: CurveKey?) {
        self.domain = domain
        self.address = address
        self.identity = identity
        self.mechanism = mechanism
        self.clientKey = clientKey
    }
}
