public import FleetArena
import FleetProtocol

/// The arena as the scorer sees it: a generated layout written as a `FleetArena` value, so a
/// run without a stored arena is scored from division and seed exactly as before, and
/// `fleet arena export` gives people a file to start a survey from.
extension ArenaLayout {
    /// M_d: total dust mass (kg).
    public var dustMass: Double { patches.filter { $0.litter == .dust }.reduce(0) { $0 + $1.mass } }
    /// M_g: total gravel mass (kg).
    public var gravelMass: Double { patches.filter { $0.litter == .gravel }.reduce(0) { $0 + $1.mass } }
    /// Σ all object ratings.
    public var ratingSum: Int { objects.reduce(0) { $0 + Int($1.rating) } }
    /// S0: total stain area (m²).
    public var stainArea: Double { stains.reduce(0) { $0 + $1.area } }

    /// The totals the rulebook divides by; division H's items are the litter objects.
    public var totals: ArenaTotals {
        ArenaTotals(
            dustMass: dustMass,
            gravelMass: gravelMass,
            ratingSum: ratingSum,
            stainArea: stainArea,
            items: objects.count
        )
    }

    /// The layout as data: zone, kerbs, walls, obstacles, transfer point, dock and totals.
    public var fleetArena: FleetArena {
        FleetArena(
            division: division.description,
            width: width,
            height: height,
            geofence: geofence,
            zone: zone,
            kerbs: kerbs,
            walls: walls,
            obstacles: obstacles.map { ArenaObstacle(id: $0.id, kind: $0.kind.rawValue, shape: $0.shape) },
            transferPoint: transferPoint,
            dock: dock,
            totals: totals
        )
    }

    /// The arena of a division id ("P", "N", "A", "H") and seed; nil for an unknown id.
    public static func fleetArena(division id: String, seed: UInt64) -> FleetArena? {
        guard let division = SimDivision.allCases.first(where: { $0.description == id }) else { return nil }
        return generate(division: division, seed: seed).fleetArena
    }
}
