extension ArenaFile {
    /// Largest grid a file may ask for (cells): a 1 km square at 0.25 m.
    static let maxCells = 16_000_000

    /// Every value that does not describe a usable arena, in file order; empty when it does.
    func problems() -> [ArenaError] {
        var out: [ArenaError] = []
        func bad(_ field: String, _ message: String, _ code: ArenaError.Code = .invalidValue) {
            out.append(ArenaError(code, field: field, message: message))
        }
        if format != FleetArena.fileFormat {
            bad(
                "format",
                "format is \(quoted(format)); this build reads \(quoted(FleetArena.fileFormat))",
                .unknownFormat
            )
        }
        if !FleetArena.divisions.contains(division) {
            bad("division", "division is \(quoted(division)); it must be one of P, N, A, H")
        }
        positive("width", width, &out)
        positive("height", height, &out)
        positive("grid.cellSize", grid.cellSize, &out)
        if !grid.edgeDistance.isFinite || grid.edgeDistance < 0 {
            bad("grid.edgeDistance", "grid.edgeDistance is \(grid.edgeDistance); it must be a number ≥ 0")
        }
        if width.isFinite, height.isFinite, grid.cellSize.isFinite, width > 0, height > 0, grid.cellSize > 0 {
            let cells = (width / grid.cellSize).rounded(.up) * (height / grid.cellSize).rounded(.up)
            if cells > Double(Self.maxCells) {
                bad(
                    "grid.cellSize",
                    "a \(width) × \(height) m arena has \(cells) cells of \(grid.cellSize) m; at most \(Self.maxCells)"
                )
            }
        }
        rect("geofence", geofence, &out)
        if zone.isEmpty { bad("zone", "zone is empty; the target zone needs at least one rectangle") }
        for (k, r) in zone.enumerated() { rect("zone[\(k)]", r, &out) }
        for (k, s) in kerbs.enumerated() { segment("kerbs[\(k)]", s, &out) }
        for (k, s) in walls.enumerated() { segment("walls[\(k)]", s, &out) }
        obstacleProblems(&out)
        point("transferPoint", transferPoint, &out)
        point("dock", dock, &out)
        totalProblems(&out)
        return out
    }

    private func obstacleProblems(_ out: inout [ArenaError]) {
        var seen: [UInt32: Int] = [:]
        for (k, o) in obstacles.enumerated() {
            let field = "obstacles[\(k)]"
            if let first = seen[o.id] {
                out.append(
                    ArenaError(
                        .invalidValue,
                        field: "\(field).id",
                        message: "\(field).id is \(o.id), as is obstacles[\(first)].id; ids must differ"
                    )
                )
            } else {
                seen[o.id] = k
            }
            if o.kind.isEmpty {
                out.append(ArenaError(.invalidValue, field: "\(field).kind", message: "\(field).kind is empty"))
            }
            switch (o.circle, o.rect) {
            case let (c?, nil):
                point("\(field).circle.center", c.center, &out)
                positive("\(field).circle.radius", c.radius, &out)
            case let (nil, r?):
                rect("\(field).rect", r, &out)
            case (nil, nil):
                out.append(ArenaError(.missingField, field: field, message: "\(field) has neither circle nor rect"))
            case (_?, _?):
                out.append(
                    ArenaError(
                        .invalidValue,
                        field: field,
                        message: "\(field) has both circle and rect; one shape each"
                    )
                )
            }
        }
    }

    private func totalProblems(_ out: inout [ArenaError]) {
        for (name, value) in [
            ("dustMass", totals.dustMass), ("gravelMass", totals.gravelMass), ("stainArea", totals.stainArea),
        ]
        where !value.isFinite || value < 0 {
            out.append(
                ArenaError(
                    .invalidValue,
                    field: "totals.\(name)",
                    message: "totals.\(name) is \(value); it must be a number ≥ 0"
                )
            )
        }
        for (name, value) in [("ratingSum", totals.ratingSum), ("items", totals.items)] where value < 0 {
            out.append(
                ArenaError(
                    .invalidValue,
                    field: "totals.\(name)",
                    message: "totals.\(name) is \(value); it must be ≥ 0"
                )
            )
        }
    }

    private func positive(_ field: String, _ value: Double, _ out: inout [ArenaError]) {
        if !value.isFinite || value <= 0 {
            out.append(
                ArenaError(.invalidValue, field: field, message: "\(field) is \(value); it must be a number > 0")
            )
        }
    }

    private func point(_ field: String, _ p: Vec2, _ out: inout [ArenaError]) {
        if !p.x.isFinite { out.append(ArenaError(.invalidValue, field: "\(field).x", message: "\(field).x is \(p.x)")) }
        if !p.y.isFinite { out.append(ArenaError(.invalidValue, field: "\(field).y", message: "\(field).y is \(p.y)")) }
    }

    private func segment(_ field: String, _ s: Segment, _ out: inout [ArenaError]) {
        point("\(field).a", s.a, &out)
        point("\(field).b", s.b, &out)
    }

    private func rect(_ field: String, _ r: Rect, _ out: inout [ArenaError]) {
        for (name, value) in [("minX", r.minX), ("minY", r.minY), ("maxX", r.maxX), ("maxY", r.maxY)]
        where !value.isFinite {
            out.append(ArenaError(.invalidValue, field: "\(field).\(name)", message: "\(field).\(name) is \(value)"))
        }
        if r.maxX <= r.minX {
            out.append(
                ArenaError(
                    .invalidValue,
                    field: "\(field).maxX",
                    message: "\(field).maxX is \(r.maxX); it must be above minX \(r.minX)"
                )
            )
        }
        if r.maxY <= r.minY {
            out.append(
                ArenaError(
                    .invalidValue,
                    field: "\(field).maxY",
                    message: "\(field).maxY is \(r.maxY); it must be above minY \(r.minY)"
                )
            )
        }
    }

    private func quoted(_ s: String) -> String { "\"\(s)\"" }
}
