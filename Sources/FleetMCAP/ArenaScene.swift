import FleetSimulation

/// A run's arena as a `foxglove.SceneUpdate` in the `arena` frame: the target zone and the
/// geofence as outlines on the ground, walls and kerbs as lines, obstacles as boxes and
/// cylinders, the transfer point and the dock as labelled discs. Built from the division and
/// seed the run was generated from (this file imports only FleetSimulation, whose `Division`
/// shares its name with FleetProtocol's).
public struct ArenaScene: Sendable {
    private let layout: ArenaLayout

    /// The arena of division `division` ("P", "N", "A", "H") and `seed`; nil for an unknown division.
    public init?(division: String, seed: UInt64) {
        guard let division = Division.allCases.first(where: { $0.description == division }) else { return nil }
        layout = Arena(division: division, seed: seed).layout
    }

    /// The scene update's JSON, with every entity stamped `timestamp`.
    public func json(_ timestamp: UInt64) -> String { Self.sceneUpdate(layout, timestamp) }

    private static func sceneUpdate(_ layout: ArenaLayout, _ timestamp: UInt64) -> String {
        let flat = JSONText.yaw(0)
        func outline(_ rect: Rect, z: Double = 0.02) -> [String] {
            [
                JSONText.vector(rect.minX, rect.minY, z), JSONText.vector(rect.maxX, rect.minY, z),
                JSONText.vector(rect.maxX, rect.maxY, z), JSONText.vector(rect.minX, rect.maxY, z),
            ]
        }
        func line(_ type: Int, _ points: [String], _ color: String, thickness: Double = 0.08) -> String {
            """
            {"type": \(type), "pose": \(JSONText.pose(JSONText.vector(0, 0, 0), flat)), "thickness": \
            \(JSONText.number(thickness)), "scale_invariant": false, "points": [\(points.joined(separator: ", "))], \
            "color": \(color), "colors": [], "indices": []}
            """
        }
        func cylinder(_ x: Double, _ y: Double, radius: Double, height: Double, _ color: String) -> String {
            """
            {"pose": \(JSONText.pose(JSONText.vector(x, y, height / 2), flat)), "size": \
            \(JSONText.vector(2 * radius, 2 * radius, height)), "bottom_scale": 1, "top_scale": 1, "color": \(color)}
            """
        }
        func cube(_ rect: Rect, height: Double, _ color: String) -> String {
            let center = JSONText.vector((rect.minX + rect.maxX) / 2, (rect.minY + rect.maxY) / 2, height / 2)
            return """
                {"pose": \(JSONText.pose(center, flat)), "size": \
                \(JSONText.vector(rect.maxX - rect.minX, rect.maxY - rect.minY, height)), "color": \(color)}
                """
        }
        func text(_ x: Double, _ y: Double, _ label: String) -> String {
            """
            {"pose": \(JSONText.pose(JSONText.vector(x, y, 1.2), flat)), "billboard": true, "font_size": 14, \
            "scale_invariant": true, "color": \(JSONText.color(1, 1, 1, 1)), "text": \(JSONText.string(label))}
            """
        }
        func entity(
            _ id: String,
            cubes: [String] = [],
            cylinders: [String] = [],
            lines: [String] = [],
            texts: [String] = []
        ) -> String {
            """
            {"timestamp": \(JSONText.time(timestamp)), "frame_id": "arena", "id": \(JSONText.string(id)), \
            "lifetime": {"sec": 0, "nsec": 0}, "frame_locked": false, "metadata": [], "arrows": [], \
            "cubes": [\(cubes.joined(separator: ", "))], "spheres": [], \
            "cylinders": [\(cylinders.joined(separator: ", "))], "lines": [\(lines.joined(separator: ", "))], \
            "triangles": [], "texts": [\(texts.joined(separator: ", "))], "models": []}
            """
        }

        let zoneColor = JSONText.color(0.2, 0.8, 0.3, 1)
        let fenceColor = JSONText.color(0.9, 0.2, 0.2, 1)
        let wallColor = JSONText.color(0.6, 0.6, 0.6, 1)
        let kerbColor = JSONText.color(0.85, 0.85, 0.5, 1)
        var boxes: [String] = []
        var posts: [String] = []
        for obstacle in layout.obstacles {
            let color =
                obstacle.kind == .wall ? wallColor : JSONText.color(0.55, 0.35, 0.2, 0.9)
            switch obstacle.shape {
            case .rect(let rect): boxes.append(cube(rect, height: obstacle.kind == .wall ? 1.5 : 1.0, color))
            case .circle(let center, let radius):
                posts.append(cylinder(center.x, center.y, radius: radius, height: 1.0, color))
            }
        }
        func segments(_ list: [Segment]) -> [String] {
            list.flatMap { [JSONText.vector($0.a.x, $0.a.y, 0.05), JSONText.vector($0.b.x, $0.b.y, 0.05)] }
        }
        var entities = [
            entity("geofence", lines: [line(1, outline(layout.geofence), fenceColor, thickness: 0.05)]),
            entity("zone", lines: layout.zone.map { line(1, outline($0, z: 0.03), zoneColor, thickness: 0.12) }),
            entity("obstacles", cubes: boxes, cylinders: posts),
            entity(
                "transfer_point",
                cylinders: [
                    cylinder(
                        layout.transferPoint.x,
                        layout.transferPoint.y,
                        radius: 0.75,
                        height: 0.1,
                        JSONText.color(0.2, 0.4, 1, 0.8)
                    )
                ],
                texts: [text(layout.transferPoint.x, layout.transferPoint.y, "transfer point")]
            ),
            entity(
                "dock",
                cylinders: [
                    cylinder(layout.dock.x, layout.dock.y, radius: 0.6, height: 0.1, JSONText.color(1, 0.7, 0.1, 0.8))
                ],
                texts: [text(layout.dock.x, layout.dock.y, "dock")]
            ),
        ]
        if !layout.walls.isEmpty || !layout.kerbs.isEmpty {
            var lines: [String] = []
            if !layout.walls.isEmpty { lines.append(line(2, segments(layout.walls), wallColor)) }
            if !layout.kerbs.isEmpty { lines.append(line(2, segments(layout.kerbs), kerbColor, thickness: 0.05)) }
            entities.append(entity("walls_and_kerbs", lines: lines))
        }
        return "{\"deletions\": [], \"entities\": [\(entities.joined(separator: ", "))]}"
    }
}
