#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The arena file (`fleet-arena-v1`, Protocols/arena.md): JSON with sorted keys, one field a
/// line, so two files of the same arena are the same bytes and a run can store it under its hash.
extension FleetArena {
    /// The format this build writes and reads.
    public static let fileFormat = "fleet-arena-v1"

    /// Parses and checks an arena file. Refuses with every problem found, each naming the
    /// field and the value: bad JSON, a missing field, a value of the wrong type, an unknown
    /// format or division, a size or radius that is not positive, a rectangle whose maximum is
    /// not above its minimum, a number that is not finite, an empty zone, two obstacles with
    /// one id, a negative total.
    public static func load(_ data: Data) throws(ArenaErrors) -> FleetArena {
        let file: ArenaFile
        do {
            file = try JSONDecoder().decode(ArenaFile.self, from: data)
        } catch let error as DecodingError {
            throw ArenaErrors([ArenaError(decoding: error)])
        } catch {
            throw ArenaErrors([ArenaError(.invalidJSON, field: "", message: "the arena is not valid JSON: \(error)")])
        }
        let problems = file.problems()
        guard problems.isEmpty else { throw ArenaErrors(problems) }
        return file.arena
    }

    /// Same as `load(_:)` for bytes held in an array.
    public static func load(bytes: [UInt8]) throws(ArenaErrors) -> FleetArena {
        try load(Data(bytes))
    }

    /// The canonical file: sorted keys, pretty-printed, ending in a newline. Loading it gives
    /// this arena back, field for field.
    public var fileBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a finite number, a string or an array of them: encoding cannot fail.
        guard let data = try? encoder.encode(ArenaFile(self)) else { preconditionFailure("arena did not encode") }
        return Array(data) + [0x0A]
    }
}

/// The file's shape, field for field (the public value keeps geometry types the simulator
/// and scorer compute with; the file keeps names a surveyor reads).
struct ArenaFile: Codable {
    var format: String
    var division: String
    var width: Double
    var height: Double
    var grid: Grid
    var geofence: Rect
    var zone: [Rect]
    var kerbs: [Segment]
    var walls: [Segment]
    var obstacles: [Obstacle]
    var transferPoint: Vec2
    var dock: Vec2
    var totals: ArenaTotals

    struct Grid: Codable {
        var cellSize: Double
        var edgeDistance: Double
    }

    /// An obstacle has exactly one of `circle` and `rect`.
    struct Obstacle: Codable {
        var id: UInt32
        var kind: String
        var circle: Circle?
        var rect: Rect?
    }

    struct Circle: Codable {
        var center: Vec2
        var radius: Double
    }

    init(_ arena: FleetArena) {
        format = FleetArena.fileFormat
        division = arena.division
        width = arena.width
        height = arena.height
        grid = Grid(cellSize: arena.cellSize, edgeDistance: arena.edgeDistance)
        geofence = arena.geofence
        zone = arena.zone
        kerbs = arena.kerbs
        walls = arena.walls
        obstacles = arena.obstacles.map { o in
            switch o.shape {
            case let .circle(center, radius):
                Obstacle(id: o.id, kind: o.kind, circle: Circle(center: center, radius: radius), rect: nil)
            case let .rect(r):
                Obstacle(id: o.id, kind: o.kind, circle: nil, rect: r)
            }
        }
        transferPoint = arena.transferPoint
        dock = arena.dock
        totals = arena.totals
    }

    /// The value; call after `problems()` came back empty.
    var arena: FleetArena {
        FleetArena(
            division: division,
            width: width,
            height: height,
            cellSize: grid.cellSize,
            edgeDistance: grid.edgeDistance,
            geofence: geofence,
            zone: zone,
            kerbs: kerbs,
            walls: walls,
            obstacles: obstacles.map { o in
                let shape: Shape =
                    if let c = o.circle { .circle(center: c.center, radius: c.radius) } else { .rect(o.rect!) }
                return ArenaObstacle(id: o.id, kind: o.kind, shape: shape)
            },
            transferPoint: transferPoint,
            dock: dock,
            totals: totals
        )
    }
}

extension ArenaError {
    /// Turns a decoder error into the field path and what was wrong there.
    init(decoding error: DecodingError) {
        switch error {
        case let .keyNotFound(key, context):
            let field = Self.path(context.codingPath + [key])
            self.init(.missingField, field: field, message: "\(field) is missing")
        case let .typeMismatch(type, context):
            let field = Self.path(context.codingPath)
            self.init(.wrongType, field: field, message: "\(field) must be \(Self.name(of: type))")
        case let .valueNotFound(type, context):
            let field = Self.path(context.codingPath)
            self.init(.wrongType, field: field, message: "\(field) is null; it must be \(Self.name(of: type))")
        case let .dataCorrupted(context):
            let field = Self.path(context.codingPath)
            if context.codingPath.isEmpty {
                self.init(.invalidJSON, field: "", message: "the arena is not valid JSON: \(context.debugDescription)")
            } else {
                self.init(.wrongType, field: field, message: "\(field): \(context.debugDescription)")
            }
        @unknown default:
            self.init(.invalidJSON, field: "", message: "\(error)")
        }
    }

    /// `obstacles[3].circle.radius` from a coding path.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is Double.Type, is UInt32.Type, is Int.Type: return "a number"
        case is String.Type: return "a string"
        default: return String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

/// An arena inside a larger JSON document (`POST /api/runs {"arena": {…}}`): the file's
/// object, checked as `load(_:)` checks a file. A bad arena is one `dataCorrupted` error
/// whose description lists every problem, each naming its field.
extension FleetArena: Codable {
    public init(from decoder: any Decoder) throws {
        let file = try ArenaFile(from: decoder)
        let problems = file.problems()
        guard problems.isEmpty else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: problems.map(\.description).joined(separator: "; ")
                )
            )
        }
        self = file.arena
    }

    public func encode(to encoder: any Encoder) throws {
        try ArenaFile(self).encode(to: encoder)
    }
}
