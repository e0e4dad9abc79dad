import FleetArena
import FleetArenaGenerator
import Foundation
import Testing

/// The arena file: the simulator's arenas survive a round trip byte for byte and cell for
/// cell, and a bad file is refused with one error per bad field naming it and its value.
struct ArenaFileTests {
    static let divisions = ["P", "N", "A", "H"]

    @Test(arguments: divisions)
    func aGeneratedArenaRoundTripsThroughItsFile(division: String) throws {
        let arena = try #require(ArenaLayout.fleetArena(division: division, seed: 7))
        let bytes = arena.fileBytes
        let loaded = try FleetArena.load(bytes: bytes)
        #expect(loaded == arena)
        #expect(loaded.fileBytes == bytes)
        #expect(loaded.mask() == arena.mask())
        #expect(loaded.totals == arena.totals)
    }

    @Test func theFileIsCanonicalSortedAndVersioned() throws {
        let arena = try #require(ArenaLayout.fleetArena(division: "P", seed: 3))
        let text = String(decoding: arena.fileBytes, as: UTF8.self)
        #expect(text.contains("\"format\" : \"fleet-arena-v1\""))
        #expect(text.hasSuffix("}\n"))
        let keys = try #require(JSONSerialization.jsonObject(with: Data(arena.fileBytes)) as? [String: Any]).keys
        #expect(
            Set(keys) == [
                "format", "division", "width", "height", "grid", "geofence", "zone", "kerbs", "walls", "obstacles",
                "transferPoint", "dock", "totals",
            ]
        )
    }

    @Test func theGridIsTheRulebooksAndTheGeneratorsTotalsAreKept() throws {
        let layout = ArenaLayout.generate(division: .park, seed: 11)
        let arena = layout.fleetArena
        #expect(arena.cellSize == 0.25 && arena.edgeDistance == 0.5)
        #expect(arena.totals.dustMass == layout.dustMass)
        #expect(arena.totals.items == layout.objects.count)
        let mask = arena.mask()
        #expect(mask.columns == Int((layout.width / 0.25).rounded(.up)))
        #expect(mask.targetCellCount > 0 && mask.edgeCellCount > 0)
    }

    /// One edit of the exported file, the field it breaks and the error code.
    struct Edit: CustomStringConvertible, Sendable {
        var description: String
        var edit: @Sendable (inout [String: Any]) -> Void
        var field: String
        var code: ArenaError.Code
    }

    static let edits: [Edit] = [
        Edit(
            description: "an unknown format",
            edit: { $0["format"] = "fleet-arena-v9" },
            field: "format",
            code: .unknownFormat
        ),
        Edit(
            description: "an unknown division",
            edit: { $0["division"] = "X" },
            field: "division",
            code: .invalidValue
        ),
        Edit(description: "a zero width", edit: { $0["width"] = 0 }, field: "width", code: .invalidValue),
        Edit(
            description: "a missing field",
            edit: { $0["totals"] = ["dustMass": 1, "gravelMass": 1, "ratingSum": 1, "stainArea": 1] },
            field: "totals.items",
            code: .missingField
        ),
        Edit(
            description: "a string for a number",
            edit: { $0["height"] = "thirty" },
            field: "height",
            code: .wrongType
        ),
        Edit(description: "an empty zone", edit: { $0["zone"] = [Any]() }, field: "zone", code: .invalidValue),
        Edit(
            description: "an inverted rectangle",
            edit: { $0["zone"] = [["minX": 5, "minY": 1, "maxX": 3, "maxY": 4]] },
            field: "zone[0].maxX",
            code: .invalidValue
        ),
        Edit(
            description: "an obstacle without a shape",
            edit: { $0["obstacles"] = [["id": 1, "kind": "bench"]] },
            field: "obstacles[0]",
            code: .missingField
        ),
        Edit(
            description: "a negative radius",
            edit: {
                $0["obstacles"] = [["id": 1, "kind": "tree", "circle": ["center": ["x": 1, "y": 1], "radius": -1]]]
            },
            field: "obstacles[0].circle.radius",
            code: .invalidValue
        ),
        Edit(
            description: "a negative total",
            edit: { $0["totals"] = ["dustMass": -1, "gravelMass": 1, "ratingSum": 1, "stainArea": 1, "items": 0] },
            field: "totals.dustMass",
            code: .invalidValue
        ),
    ]

    @Test(arguments: edits)
    func aBadFieldIsRefusedNamingTheFieldAndValue(_ edit: Edit) throws {
        let arena = try #require(ArenaLayout.fleetArena(division: "P", seed: 7))
        var object = try #require(JSONSerialization.jsonObject(with: Data(arena.fileBytes)) as? [String: Any])
        edit.edit(&object)
        let data = try JSONSerialization.data(withJSONObject: object)
        let errors = try #require(throws: ArenaErrors.self) { try FleetArena.load(data) }
        let first = try #require(errors.errors.first)
        #expect(first.field == edit.field, "\(errors)")
        #expect(first.code == edit.code, "\(errors)")
        #expect(first.message.contains(edit.field), "\(first.message)")
        #expect(!errors.description.contains("\n") || errors.errors.count > 1)
    }

    @Test func everyBadFieldGetsItsOwnLine() throws {
        let arena = try #require(ArenaLayout.fleetArena(division: "N", seed: 2))
        var object = try #require(JSONSerialization.jsonObject(with: Data(arena.fileBytes)) as? [String: Any])
        object["division"] = "Q"
        object["width"] = -4
        object["dock"] = ["x": 1, "y": 1]
        let data = try JSONSerialization.data(withJSONObject: object)
        let errors = try #require(throws: ArenaErrors.self) { try FleetArena.load(data) }
        #expect(errors.errors.map(\.field) == ["division", "width"])
        #expect(errors.description.split(separator: "\n").count == 2)
        #expect(errors.description.contains("division is \"Q\""))
        #expect(errors.description.contains("width is -4.0"))
    }

    @Test func notJSONIsOneError() {
        let errors = #expect(throws: ArenaErrors.self) { try FleetArena.load(Data("{not json".utf8)) }
        #expect(errors?.errors.map(\.code) == [.invalidJSON])
    }
}
