/// What an ingester asks of the store about robot ownership with one group commit: robots
/// to claim (new to it, their frames held until the answer), robots whose lease to renew
/// (their frames are in the batch), and robots it lets go (quiet for a lease; their last
/// rows are in the batch). A store that several ingesters write decides in the commit's
/// transaction, so a robot's rows are written only while its writer holds it.
public struct RobotClaims: Sendable, Equatable {
    /// Robots this ingester has no decision for: claim them if nobody else holds a live lease.
    public var claim: [UInt32] = []
    /// Robots this ingester holds and writes in this batch: extend their leases.
    public var renew: [UInt32] = []
    /// Robots this ingester holds and stops writing: end their leases (others may take them).
    public var release: [UInt32] = []
    /// How long a claim or renewal holds, from the commit.
    public var leaseNanos: UInt64

    public init(leaseNanos: UInt64) {
        self.leaseNanos = leaseNanos
    }

    public var isEmpty: Bool { claim.isEmpty && renew.isEmpty && release.isEmpty }
}

/// The store's answer to `RobotClaims`, as of the commit's transaction.
public struct RobotClaimOutcome: Sendable, Equatable {
    /// Claimed or renewed: this ingester's for `RobotClaims.leaseNanos` counted from before
    /// the commit started.
    public var owned: [UInt32] = []
    /// Claimed, but another ingester holds a live lease on them.
    public var elsewhere: [RobotOwner] = []
    /// Renewed or released, but another ingester had taken them over (this ingester's lease
    /// had run out): their rows were left out of the batch.
    public var lost: [RobotOwner] = []
    /// Frames of `lost` robots left out of the batch.
    public var removedFrames = 0
    /// Those frames: the ingester counted them in its ledgers, and must count them missing
    /// again, so that a resend is stored rather than taken for a duplicate.
    public var removedFrameKeys: [FrameKey] = []
    /// Stored loss ledgers of claimed robots that another ingester wrote: the new owner
    /// continues them (duplicate filter, counts) instead of starting afresh.
    public var ledgers: [LedgerRecord] = []
    /// Frames of claimed robots that their previous holder committed after its stored
    /// ledger row (or without one): the new owner counts them as received, so a robot's
    /// resends are duplicates whatever the holder had written of its ledger when its lease ran out.
    public var takenOverFrames: [TakenOverFrame] = []

    public init(owned: [UInt32] = []) {
        self.owned = owned
    }
}

/// Who holds a robot, and for how much longer.
public struct RobotOwner: Sendable, Equatable {
    public var robotID: UInt32
    public var ingester: String
    /// Lease left when the store answered, ns (0 when it has run out).
    public var remainingNanos: UInt64

    public init(robotID: UInt32, ingester: String, remainingNanos: UInt64) {
        self.robotID = robotID
        self.ingester = ingester
        self.remainingNanos = remainingNanos
    }
}

/// A frame another ingester stored of a robot this ingester took over (`RobotClaimOutcome`).
public struct TakenOverFrame: Sendable, Equatable {
    public var stream: StreamKey
    public var sequence: UInt32
    public var timestampNanos: UInt64

    public init(stream: StreamKey, sequence: UInt32, timestampNanos: UInt64) {
        self.stream = stream
        self.sequence = sequence
        self.timestampNanos = timestampNanos
    }
}
