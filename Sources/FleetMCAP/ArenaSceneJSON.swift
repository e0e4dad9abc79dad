import FleetArena

/// The pieces of an arena scene update as Foxglove JSON, every entity stamped `timestamp`.
struct ArenaSceneJSON {
    let timestamp: UInt64
    private let flat = JSONText.yaw(0)

    static let zoneColor = JSONText.color(0.2, 0.8, 0.3, 1)
    static let fenceColor = JSONText.color(0.9, 0.2, 0.2, 1)
    static let wallColor = JSONText.color(0.6, 0.6, 0.6, 1)
    static let kerbColor = JSONText.color(0.85, 0.85, 0.5, 1)

    init(timestamp: UInt64) {
        self.timestamp = timestamp
    }

    /// The whole scene update: geofence, zone, obstacles, transfer point, dock, walls and kerbs.
    func sceneUpdate(_ arena: FleetArena) -> String {
        var entities = [
            entity("geofence", lines: [line(1, outline(arena.geofence), Self.fenceColor, thickness: 0.05)]),
            entity("zone", lines: arena.zone.map { line(1, outline($0, z: 0.03), Self.zoneColor, thickness: 0.12) }),
            obstacles(arena.obstacles),
            marker(
                "transfer_point",
                arena.transferPoint,
                radius: 0.75,
                JSONText.color(0.2, 0.4, 1, 0.8),
                "transfer point"
            ),
            marker("dock", arena.dock, radius: 0.6, JSONText.color(1, 0.7, 0.1, 0.8), "dock"),
        ]
        if !arena.walls.isEmpty || !arena.kerbs.isEmpty {
            var lines: [String] = []
            if !arena.walls.isEmpty { lines.append(line(2, segments(arena.walls), Self.wallColor)) }
            if !arena.kerbs.isEmpty { lines.append(line(2, segments(arena.kerbs), Self.kerbColor, thickness: 0.05)) }
            entities.append(entity("walls_and_kerbs", lines: lines))
        }
        return "{\"deletions\": [], \"entities\": [\(entities.joined(separator: ", "))]}"
    }

    /// Walls (taller, grey) and other obstacles as boxes and cylinders.
    func obstacles(_ list: [ArenaObstacle]) -> String {
        var boxes: [String] = []
        var posts: [String] = []
        for obstacle in list {
            let isWall = obstacle.kind == "wall"
            let color = isWall ? Self.wallColor : JSONText.color(0.55, 0.35, 0.2, 0.9)
            switch obstacle.shape {
            case .rect(let rect): boxes.append(cube(rect, height: isWall ? 1.5 : 1.0, color))
            case .circle(let center, let radius):
                posts.append(cylinder(center.x, center.y, radius: radius, height: 1.0, color))
            }
        }
        return entity("obstacles", cubes: boxes, cylinders: posts)
    }

    /// A labelled disc on the ground.
    func marker(_ id: String, _ at: Vec2, radius: Double, _ color: String, _ label: String) -> String {
        entity(
            id,
            cylinders: [cylinder(at.x, at.y, radius: radius, height: 0.1, color)],
            texts: [text(at.x, at.y, label)]
        )
    }

    func outline(_ rect: Rect, z: Double = 0.02) -> [String] {
        [
            JSONText.vector(rect.minX, rect.minY, z), JSONText.vector(rect.maxX, rect.minY, z),
            JSONText.vector(rect.maxX, rect.maxY, z), JSONText.vector(rect.minX, rect.maxY, z),
        ]
    }

    func segments(_ list: [Segment]) -> [String] {
        list.flatMap { [JSONText.vector($0.a.x, $0.a.y, 0.05), JSONText.vector($0.b.x, $0.b.y, 0.05)] }
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
}
