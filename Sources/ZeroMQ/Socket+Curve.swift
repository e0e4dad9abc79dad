/// CURVE set-ups that are easy to get subtly wrong option by option.
extension Socket {
    /// Makes this socket a CURVE server that asks the ZAP handler about every client and
    /// refuses them all when no handler answers (fail closed). Call before ``bind(_:)``.
    public func makeCurveServer(keys: CurveKeyPair, zapDomain: String = "fleet") throws {
        try set([
            .curveServer(true),
            .curveSecretKey(keys.secretKey),
            .zapDomain(zapDomain),
            .zapEnforceDomain(true),
        ])
    }

    /// Makes this socket a CURVE client that talks only to the server holding the secret half
    /// of `serverKey`. Call before ``connect(_:)``.
    public func makeCurveClient(keys: CurveKeyPair, serverKey: CurveKey) throws {
        try set([
            .curveServerKey(serverKey),
            .curvePublicKey(keys.publicKey),
            .curveSecretKey(keys.secretKey),
        ])
    }
}
