public import FleetArena
import FleetProtocol

/// Everything an arena generator decides: plain data, Codable, so the scorer and the
/// referee tools can load the same layout the simulator ran on.
public struct ArenaLayout: Codable, Equatable, Sendable {
    public var division: SimDivision
    public var seed: UInt64
    public var width: Double
    public var height: Double
    /// Leaving this rectangle is a geofence exit.
    public var geofence: Rect
    /// The target zone: a union of rectangles.
    public var zone: [Rect]
    public var kerbs: [Segment]
    public var walls: [Segment]
    public var obstacles: [Obstacle]
    public var routes: [AgentRoute]
    public var patches: [LitterPatch]
    public var objects: [LitterObject]
    public var stains: [Stain]
    public var protectedZones: [ProtectedZone]
    public var bins: [Bin]
    public var ramp: Ramp?
    public var terrain: [TerrainPatch]
    public var transferPoint: Vec2
    public var dock: Vec2

    public func inZone(_ p: Vec2) -> Bool {
        for r in zone where r.contains(p) { return true }
        return false
    }
}
