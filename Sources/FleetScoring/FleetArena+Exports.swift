// Clients of the scorer see the arena types it takes (CoverageMask, Point, ArenaTotals)
// without importing FleetArena themselves, as they did when scoring declared them.
@_exported public import FleetArena
