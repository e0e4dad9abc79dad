/// How long the ingester keeps raw frames and rollups (`fleet ingest --retain-raw 30d
/// --retain-rollups 400d`), and how much the writer may prune between two commits.
///
/// Pruning runs on the writer thread from `maintain(at:)`, one small transaction per call,
/// so a commit never waits behind more than one of them and there is never a second writer.
public struct RetentionPolicy: Sendable {
    /// Raw frames (sealed chunks) older than this are dropped; nil keeps them all.
    public var rawNanos: UInt64?
    /// Rollups older than this are dropped; nil keeps them all.
    public var rollupNanos: UInt64?
    /// The event-time windows whose frames must stay whatever their age (the runs that back,
    /// or will back, a signed result); read again before every prune transaction.
    public var keep: @Sendable (FleetDatabase) throws -> [ClosedRange<UInt64>]
    /// Wall-clock time between the starts of two prune passes.
    public var intervalNanos: UInt64 = 60_000_000_000
    /// Rows one prune transaction may delete or examine.
    public var budget = PruneBudget()

    public init(
        rawNanos: UInt64?,
        rollupNanos: UInt64?,
        keep: @escaping @Sendable (FleetDatabase) throws -> [ClosedRange<UInt64>]
    ) {
        self.rawNanos = rawNanos
        self.rollupNanos = rollupNanos
        self.keep = keep
    }

    /// The limits a pass started at wall-clock `now` prunes to.
    public func limits(at now: UInt64) -> PruneLimits {
        PruneLimits(
            rawBefore: rawNanos.map { now > $0 ? now - $0 : 0 },
            rollupsBefore: rollupNanos.map { now > $0 ? now - $0 : 0 }
        )
    }
}

/// What one prune transaction may do: few enough rows that the commit behind it waits a
/// few milliseconds at most.
public struct PruneBudget: Sendable, Equatable {
    /// Chunks deleted per transaction (each a few kB to a few hundred kB of pages).
    public var chunks = 64
    /// Rollup rows deleted per transaction.
    public var rollups = 2048
    /// Index entries examined per transaction (kept chunks, robots without old data).
    public var examined = 4096
    /// Free pages handed back to the file system per `PRAGMA incremental_vacuum` step.
    public var vacuumPages = 256

    public init() {}
}

/// The cutoffs of one prune: raw frames of chunks that end before `rawBefore`, rollups of
/// seconds before `rollupsBefore` (ns since the epoch); nil leaves that kind alone.
public struct PruneLimits: Sendable, Equatable {
    public var rawBefore: UInt64?
    public var rollupsBefore: UInt64?

    public init(rawBefore: UInt64?, rollupsBefore: UInt64?) {
        self.rawBefore = rawBefore
        self.rollupsBefore = rollupsBefore
    }
}

/// What a prune removed.
public struct PruneCounts: Sendable, Equatable {
    public var chunks = 0
    public var frames = 0
    public var rollups = 0
    /// Old chunks left because a kept window (a run) overlaps them.
    public var keptChunks = 0
    /// Pages handed back by incremental vacuum.
    public var vacuumedPages = 0

    public init() {}

    static func + (a: PruneCounts, b: PruneCounts) -> PruneCounts {
        var sum = a
        sum.chunks += b.chunks
        sum.frames += b.frames
        sum.rollups += b.rollups
        sum.keptChunks += b.keptChunks
        sum.vacuumedPages += b.vacuumedPages
        return sum
    }
}
