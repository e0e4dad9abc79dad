import FleetSimulation

/// The simulator's arena for a division id and seed, in plain numbers (this file imports
/// only FleetSimulation, whose `Division` and `ArenaTotals` share names with other modules).
struct SimulatedArena {
    var originX: Double
    var originY: Double
    var cellSize: Double
    var columns: Int
    var rows: Int
    var flags: [UInt8]
    var dustMass: Double
    var gravelMass: Double
    var ratingSum: Int
    var stainArea: Double
    var items: Int

    init?(division id: String, seed: UInt64) {
        guard let division = Division.allCases.first(where: { $0.description == id }) else { return nil }
        let arena = Arena(division: division, seed: seed)
        let map = arena.map
        let totals = ArenaTotals(arena)
        originX = map.origin.x
        originY = map.origin.y
        cellSize = map.cellSize
        columns = map.columns
        rows = map.rows
        flags = map.flags
        dustMass = totals.dustMass
        gravelMass = totals.gravelMass
        ratingSum = totals.ratingSum
        stainArea = totals.stainArea
        items = totals.items
    }
}
