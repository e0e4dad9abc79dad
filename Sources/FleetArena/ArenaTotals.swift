/// Arena totals the Q ratios divide by (M_d, M_g, Σ ratings, S0) and division H's item count.
public struct ArenaTotals: Sendable, Equatable, Codable {
    /// M_d, kg.
    public var dustMass: Double
    /// M_g, kg.
    public var gravelMass: Double
    /// Σ ratings of all litter objects.
    public var ratingSum: Int
    /// S0, m².
    public var stainArea: Double
    /// Division H: litter items to place.
    public var items: Int

    public init(dustMass: Double, gravelMass: Double, ratingSum: Int, stainArea: Double, items: Int) {
        self.dustMass = dustMass
        self.gravelMass = gravelMass
        self.ratingSum = ratingSum
        self.stainArea = stainArea
        self.items = items
    }
}
