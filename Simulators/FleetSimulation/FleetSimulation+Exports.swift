// Users of the simulator see the arena types it computes with (Vec2, CoverageMask, the
// generated ArenaLayout) without importing the modules that declare them.
@_exported public import FleetArena
@_exported public import FleetArenaGenerator
