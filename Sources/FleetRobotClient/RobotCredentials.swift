public import ZeroMQ

/// What a robot needs to connect to an ingester that authenticates robots with CURVE: its own
/// key pair (whose public half is on the ingester's allowlist under the robot's id) and the
/// ingester's public key.
///
/// The ingester takes the robot's id from the key, so a robot's frames must carry the id its
/// key is listed under; frames claiming another id are refused and counted.
public struct RobotCredentials: Sendable, Hashable {
    public var keys: CurveKeyPair
    public var serverKey: CurveKey

    public init(keys: CurveKeyPair, serverKey: CurveKey) {
        self.keys = keys
        self.serverKey = serverKey
    }
}
