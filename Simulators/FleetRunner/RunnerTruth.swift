public import FleetSimulation

/// The answer key of a fleet run: the simulation's own truth plus, per sender, exactly what
/// the transport was told to do to its frames. Encode with sorted keys (``jsonData()``) for a
/// deterministic file.
///
/// What the ingester must end up with follows from it: per (robot, boot epoch) every sequence
/// number below `sequences` is stored except `dropped`, `droppedByDisconnect` and (pub mode)
/// `corrupted`; the loss ledger's gaps are exactly `dropped` ∪ `droppedByDisconnect` ∪
/// `corrupted` below the highest valid sequence (a frame whose checksum fails moves no
/// sequence state, protocol §7), it has no rejected sequences, its duplicates `duplicated`.
public struct RunnerTruth: Codable, Equatable, Sendable {
    public var simulation: GroundTruth
    /// The epoch simulated time 0 is mapped to (ns since the Unix epoch).
    public var startUnixNanos: UInt64
    public var mode: RunnerMode
    /// The fault spec as given (normalised), and the seed of the fault streams.
    public var faults: String
    public var faultSeed: UInt64
    /// Robots in id order, then the referee.
    public var senders: [SenderTruth]

    /// Sorted-keys JSON, the same bytes for the same run.
    public func jsonData() throws -> [UInt8] {
        try JSONText.encode(self)
    }
}

/// One sender's frames: who it is and, per boot epoch, what was numbered and what was done.
public struct SenderTruth: Codable, Equatable, Sendable {
    public var robotID: UInt32
    /// "referee" for the arena's referee sender.
    public var team: String
    /// A `RobotKind` raw value, or "referee".
    public var kind: String
    public var bootEpochs: [EpochTruth]

    /// The epoch with this number.
    public func epoch(_ bootEpoch: UInt32) -> EpochTruth? {
        bootEpochs.first { $0.bootEpoch == bootEpoch }
    }
}

/// One boot epoch of one sender.
public struct EpochTruth: Codable, Equatable, Sendable {
    public var bootEpoch: UInt32
    /// Simulated time (ns) of the boot.
    public var bootNanos: UInt64
    /// Sequence numbers given out: 0 ..< sequences.
    public var sequences: UInt32
    /// Sends that went to the socket (duplicates count twice, dropped frames not at all).
    public var transmissions: Int
    /// Numbered and deliberately not sent.
    public var dropped: [UInt32] = []
    /// Numbered while the link was down (pub mode) and so never sent.
    public var droppedByDisconnect: [UInt32] = []
    /// Sent twice, the second copy right after the first.
    public var duplicated: [UInt32] = []
    /// Sent with one body byte flipped; in pub mode instead of the valid frame, in reliable
    /// mode right before it.
    public var corrupted: [UInt32] = []
    /// Sent right after the frame that follows it (the two swapped).
    public var reordered: [UInt32] = []
    /// Times the link went down in this epoch.
    public var disconnects: [DisconnectTruth] = []

    public init(bootEpoch: UInt32, bootNanos: UInt64) {
        self.bootEpoch = bootEpoch
        self.bootNanos = bootNanos
        self.sequences = 0
        self.transmissions = 0
    }

    /// Sequence numbers the ingester should store once.
    public var expectedStored: [UInt32] {
        var missing = Set(dropped)
        missing.formUnion(droppedByDisconnect)
        return (0..<sequences).filter { !missing.contains($0) }
    }
}

/// A link outage: from, to (simulated ns) and the sequence numbers numbered meanwhile.
public struct DisconnectTruth: Codable, Equatable, Sendable {
    public var fromNanos: UInt64
    public var toNanos: UInt64
    /// In pub mode these are lost (and listed in `droppedByDisconnect`); in reliable mode
    /// they are held and sent when the link is back.
    public var firstSequence: UInt32
    public var sequenceCount: UInt32
    /// Whether the frames were sent after the outage (reliable mode) or lost (pub mode).
    public var resent: Bool
}

/// How the runner talks to the ingester.
public enum RunnerMode: String, Codable, Sendable, CaseIterable {
    /// `RobotPublisher` (XPUB) to the ingester's SUB: fire and forget.
    case pub
    /// `ReliableRobotClient` (DEALER) to the ingester's ROUTER: acknowledged, resent.
    case reliable
}
