import FleetArena
import FleetArenaGenerator

/// The simulator's arena for a division id and seed: what a run without a stored arena is
/// scored in.
enum GeneratedArena {
    /// Nil for a division id other than P, N, A, H.
    static func arena(division id: String, seed: UInt64) -> FleetArena? {
        ArenaLayout.fleetArena(division: id, seed: seed)
    }
}
