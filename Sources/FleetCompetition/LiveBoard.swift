public import FleetScoring

/// What the live scorer last knew about a run: its result (provisional while it goes on)
/// and the coverage so far, for the board's ranking and heatmap.
public struct LiveBoard: Sendable {
    public var result: RunResult
    /// Event time up to which frames were scored.
    public var watermark: UInt64?
    /// The arena grid of the run.
    public var mask: CoverageMask
    /// Per cell of `mask`: covered by any team.
    public var covered: [Bool]
    /// Wall clock of the snapshot, ns.
    public var atNanos: UInt64
    /// Per robot of the run: frames received / sent within the run, from sequence numbers.
    public var completeness: [RobotCompleteness]

    public init(
        result: RunResult,
        watermark: UInt64?,
        mask: CoverageMask,
        covered: [Bool],
        atNanos: UInt64,
        completeness: [RobotCompleteness] = []
    ) {
        self.completeness = completeness
        self.result = result
        self.watermark = watermark
        self.mask = mask
        self.covered = covered
        self.atNanos = atNanos
    }
}
