/// The ingester's side of a database: what a restart continues from, and one transaction
/// per batch. The SQLite backend (`FleetDatabase`) implements it; a server backend can be
/// added without touching the hot path.
///
/// Implementations are called from one writer thread at a time; they block.
public protocol IngestStore: AnyObject, Sendable {
    /// What was stored before a restart: ledgers (the duplicate filter), the segments whose
    /// frames are not in a sealed chunk yet, and the next segment id.
    func restoreIngestState() throws -> IngestRestoreState

    /// Commits `batch` in one transaction; returns only once it is durable, so the caller
    /// may then acknowledge its frames.
    func commit(_ batch: WriteBatch, at nowNanos: UInt64) throws

    /// Housekeeping between commits, on a small budget (a WAL checkpoint, one small prune
    /// transaction under a retention policy); never inside one. Returns whether more is
    /// waiting (a prune pass under way): the writer calls again as soon as no batch waits.
    func maintain(at nowNanos: UInt64) throws -> Bool

    /// After the last commit: leave the store self-contained (checkpoint the WAL).
    func finishIngest() throws

    /// Whether several ingesters may write this store at once, so that each must claim a
    /// robot before writing its rows (`commit(_:claims:at:)`). False for a store that has
    /// one writer (a SQLite file under its writer lease): every robot is its writer's.
    var sharesRobotsBetweenIngesters: Bool { get }

    /// `commit(_:at:)` with robot ownership decided in the same transaction: `claims` first,
    /// then the batch without the rows of robots the ingester turns out to have lost.
    func commit(_ batch: WriteBatch, claims: RobotClaims, at nowNanos: UInt64) throws -> RobotClaimOutcome

    /// The competition's records in the same store (what the live scorer reads and, through
    /// `WriteBatch.provisionalScores` and `.runResults`, writes).
    var competition: any CompetitionStore { get }
}

extension IngestStore {
    /// One writer: nothing to share.
    public var sharesRobotsBetweenIngesters: Bool { false }

    /// One writer owns every robot: commits the batch and grants every claim.
    public func commit(_ batch: WriteBatch, claims: RobotClaims, at nowNanos: UInt64) throws -> RobotClaimOutcome {
        try commit(batch, at: nowNanos)
        return RobotClaimOutcome(owned: claims.claim + claims.renew)
    }
}

/// What an ingester restores on start.
public struct IngestRestoreState: Sendable {
    public var ledgers: [LedgerRecord]
    /// For each stored ledger, the `WriteBatch.ledgerThroughSegment` it was written with:
    /// frames of segments from this id on are not counted in it yet.
    public var ledgerThroughSegment: [StreamKey: Int64]
    /// Live segments, oldest first.
    public var segments: [SegmentRecord]
    /// Frames of the live segments that are in a sealed chunk already (not to be sealed
    /// again).
    public var sealedFrames: Set<FrameKey>
    /// Above every segment id ever committed.
    public var nextSegmentID: Int64

    public init(
        ledgers: [LedgerRecord] = [],
        ledgerThroughSegment: [StreamKey: Int64] = [:],
        segments: [SegmentRecord] = [],
        sealedFrames: Set<FrameKey> = [],
        nextSegmentID: Int64 = 1
    ) {
        self.ledgers = ledgers
        self.ledgerThroughSegment = ledgerThroughSegment
        self.segments = segments
        self.sealedFrames = sealedFrames
        self.nextSegmentID = nextSegmentID
    }
}

/// Bounds every backend and reader relies on.
public enum ChunkLimits {
    /// No chunk spans more event time than this; a query for [from, to] finds every chunk
    /// that overlaps it among those starting after `from - maximumSpanNanos`.
    public static let maximumSpanNanos: UInt64 = 60_000_000_000
}
