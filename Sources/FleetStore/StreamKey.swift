/// One sender's stream of sequence numbers: a robot between two reboots.
public struct StreamKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var robotID: UInt32
    public var bootEpoch: UInt32

    public init(robotID: UInt32, bootEpoch: UInt32) {
        self.robotID = robotID
        self.bootEpoch = bootEpoch
    }

    public static func < (a: StreamKey, b: StreamKey) -> Bool {
        (a.robotID, a.bootEpoch) < (b.robotID, b.bootEpoch)
    }

    public var description: String { "robot \(robotID) boot \(bootEpoch)" }
}
