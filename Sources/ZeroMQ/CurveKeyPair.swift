import CZeroMQ

/// A CURVE long-term key pair: what a robot or the ingester proves its identity with.
///
/// Printing a pair shows only the public half, so a key pair can appear in logs safely.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible {
    /// The half that is shared: servers publish it, the allowlist holds robots' ones.
    public let publicKey: CurveKey
    /// The half that never leaves its owner.
    public let secretKey: CurveKey

    /// A fresh random key pair (`zmq_curve_keypair`, backed by libsodium).
    public static func generate() throws -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else {
            throw ZeroMQError.last("zmq_curve_keypair")
        }
        return CurveKeyPair(
            publicKey: CurveKey(unchecked: publicText),
            secretKey: CurveKey(unchecked: secretText)
        )
    }

    /// The pair that belongs to `secretKey`, deriving its public half (`zmq_curve_public`),
    /// so a configuration file needs to hold only the secret.
    public init(secretKey: CurveKey) throws {
        var publicText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicText, secretKey.z85) == 0 else {
            throw ZeroMQError.last("zmq_curve_public")
        }
        self.init(publicKey: CurveKey(unchecked: publicText), secretKey: secretKey)
    }

    private init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public var description: String { "CurveKeyPair(public: \(publicKey), secret: <redacted>)" }
}
