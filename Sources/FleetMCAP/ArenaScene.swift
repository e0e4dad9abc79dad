public import FleetArena
import FleetArenaGenerator

/// A run's arena as a `foxglove.SceneUpdate` in the `arena` frame: the target zone and the
/// geofence as outlines on the ground, walls and kerbs as lines, obstacles as boxes and
/// cylinders, the transfer point and the dock as labelled discs. Built from an arena value:
/// a run's stored arena, or the one generated from its division and seed.
public struct ArenaScene: Sendable {
    private let arena: FleetArena

    /// The arena of division `division` ("P", "N", "A", "H") and `seed`; nil for an unknown division.
    public init?(division: String, seed: UInt64) {
        guard let arena = ArenaLayout.fleetArena(division: division, seed: seed) else { return nil }
        self.arena = arena
    }

    /// The scene of an arena value (a run's stored arena).
    public init(arena: FleetArena) {
        self.arena = arena
    }

    /// The scene update's JSON, with every entity stamped `timestamp`.
    public func json(_ timestamp: UInt64) -> String { ArenaSceneJSON(timestamp: timestamp).sceneUpdate(arena) }
}
