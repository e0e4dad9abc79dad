import FleetArena

extension RunScorer {
    /// The arena grid the run is scored on.
    public var arenaMask: CoverageMask { arena.mask }

    /// Per cell of `arenaMask`: covered by any team so far (the board's heatmap).
    public func coveredByAnyTeam() -> [Bool] {
        guard var union = teams.first?.coverage.covered else {
            return [Bool](repeating: false, count: arena.mask.flags.count)
        }
        for team in teams.dropFirst() {
            for (i, covered) in team.coverage.covered.enumerated() where covered { union[i] = true }
        }
        return union
    }
}
