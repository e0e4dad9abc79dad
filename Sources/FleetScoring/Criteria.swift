public import FleetArena

// The rulebook's criteria as values: each struct holds the measured inputs and computes its
// ratio and criterion score from the rulebook, so tests check every formula on its own and
// the scorer and the standings use the same arithmetic.

/// Q, cleaning quality, from referee litter events.
public struct QualityScore: Sendable, Equatable, Codable {
    /// Dust counted (collected minus spilled), kg.
    public var dustKg: Double
    public var gravelKg: Double
    /// Objects counted (in a hopper or dumped).
    public var objects: Int
    /// Σ ratings of the counted objects.
    public var ratingSum: Int
    /// Washed stain area, m².
    public var washedArea: Double
    public var R_d: Double
    public var R_g: Double
    public var R_o: Double
    public var R_w: Double
    public var Q: Double

    public init(
        dustKg: Double,
        gravelKg: Double,
        objects: Int,
        ratingSum: Int,
        washedArea: Double,
        totals: ArenaTotals,
        rules: Rulebook.QualityRules
    ) {
        self.dustKg = dustKg
        self.gravelKg = gravelKg
        self.objects = objects
        self.ratingSum = ratingSum
        self.washedArea = washedArea
        let cap = rules.ratioCap
        func ratio(_ part: Double, _ whole: Double) -> Double { whole > 0 ? min(cap, max(0, part / whole)) : 0 }
        R_d = ratio(dustKg, totals.dustMass)
        R_g = ratio(gravelKg, totals.gravelMass)
        R_o = ratio(Double(ratingSum), Double(totals.ratingSum))
        R_w = ratio(washedArea, totals.stainArea)
        let w = rules.weights
        Q = w.dust * R_d + w.gravel * R_g + w.objects * R_o + w.washed * R_w
    }
}

/// C, coverage, from brush-down pose telemetry.
public struct CoverageScore: Sendable, Equatable, Codable {
    public var counts: CoverageCounts
    public var c: Double
    public var e: Double
    public var r: Double
    public var C: Double

    public init(counts: CoverageCounts, rules: Rulebook.CoverageRules) {
        self.counts = counts
        c = counts.c
        e = counts.e
        r = counts.r
        C = (rules.weights.c * c + rules.weights.e * e) * max(0, 1 - max(0, r - rules.repeatThreshold))
    }
}

/// E, efficiency, from telemetry: productivity and energy per area.
public struct EfficiencyScore: Sendable, Equatable, Codable {
    /// c · target area, m².
    public var coveredArea: Double
    /// RUNNING time not docked, s.
    public var operatingSeconds: Double
    /// Energy used during RUNNING, Wh.
    public var energyWh: Double
    /// m²/h; 0 without operating time.
    public var p: Double
    /// Wh per 100 m²; nil when nothing was covered.
    public var w: Double?
    public var E: Double

    public init(
        c: Double,
        targetArea: Double,
        operatingSeconds: Double,
        energyWh: Double,
        pRef: Double,
        wRef: Double,
        rules: Rulebook.EfficiencyRules
    ) {
        coveredArea = c * targetArea
        self.operatingSeconds = operatingSeconds
        self.energyWh = energyWh
        let hours = operatingSeconds / 3600
        p = hours > 0 ? coveredArea / hours : 0
        w = coveredArea > 0 ? energyWh / (coveredArea / 100) : nil
        let pTerm = pRef > 0 ? min(1, p / pRef) : 0
        let wTerm: Double =
            if let w {
                w > 0 ? min(1, wRef / w) : 1
            } else {
                0
            }
        E = rules.weights.p * pTerm + rules.weights.w * wTerm
    }
}

/// A, autonomy, from referee interventions (and no-progress penalties).
public struct AutonomyScore: Sendable, Equatable, Codable {
    /// One line per rulebook deduction kind, in rulebook order.
    public struct Line: Sendable, Equatable, Codable {
        public var kind: String
        /// Deductions of this kind that happened.
        public var count: Int
        /// Of those, how many count (the rest are beyond `counted_per_kind`).
        public var counted: Int
        /// counted × the kind's value.
        public var deduction: Double
    }

    public var lines: [Line]
    /// Interventions, all kinds (each deduction counts once, counted or not).
    public var interventions: Int
    /// Σ d.
    public var deductions: Double
    public var A: Double
    /// Distance driven during RUNNING, m.
    public var distance: Double
    /// Metres per intervention; nil without interventions.
    public var metresPerIntervention: Double?

    /// `counts[k]` is how many deductions of `rules.deductions[k]` happened.
    public init(counts: [Int], distance: Double, rules: Rulebook.AutonomyRules) {
        var lines: [Line] = []
        var sum = 0.0
        var total = 0
        for (k, deduction) in rules.deductions.enumerated() {
            let count = k < counts.count ? counts[k] : 0
            let counted = min(count, rules.countedPerKind)
            let d = Double(counted) * deduction.value
            lines.append(Line(kind: deduction.kind, count: count, counted: counted, deduction: d))
            sum += d
            total += count
        }
        self.lines = lines
        interventions = total
        deductions = sum
        A = max(0, 1 - sum)
        self.distance = distance
        metresPerIntervention = total > 0 ? distance / Double(total) : nil
    }
}

/// S, safety, from referee events and over-speed telemetry.
public struct SafetyScore: Sendable, Equatable, Codable {
    public var staticContacts: Int
    public var nearMisses: Int
    public var geofenceExits: Int
    public var overSpeedSeconds: Double
    /// Contacts with a pedestrian, cyclist or vehicle (not in S: they zero the run).
    public var seriousContacts: Int
    public var S: Double

    public init(
        staticContacts: Int,
        nearMisses: Int,
        geofenceExits: Int,
        overSpeedSeconds: Double,
        seriousContacts: Int,
        rules: Rulebook.SafetyRules
    ) {
        self.staticContacts = staticContacts
        self.nearMisses = nearMisses
        self.geofenceExits = geofenceExits
        self.overSpeedSeconds = overSpeedSeconds
        self.seriousContacts = seriousContacts
        let loss =
            rules.staticContact * Double(staticContacts) + rules.nearMiss * Double(nearMisses)
            + rules.geofenceExit * Double(geofenceExits) + rules.overSpeed * (overSpeedSeconds / rules.overSpeedPer)
        S = max(0, 1 - loss)
    }
}

/// Points off the run score.
public struct Penalties: Sendable, Equatable, Codable {
    public var noProgress: Int
    public var overflowObjects: Int
    public var sprayEvents: Int
    /// Points referees added by hand (`fleet run penalty add`).
    public var referee: Double
    public var points: Double

    public init(
        noProgress: Int,
        overflowObjects: Int,
        sprayEvents: Int,
        referee: Double = 0,
        rules: Rulebook.PenaltyRules
    ) {
        self.noProgress = noProgress
        self.overflowObjects = overflowObjects
        self.sprayEvents = sprayEvents
        self.referee = referee
        points =
            rules.noProgressPoints * Double(noProgress) + rules.overflowPerObject * Double(overflowObjects)
            + rules.sprayPerEvent * Double(sprayEvents) + referee
    }
}

/// Points added to the run score.
public struct Bonuses: Sendable, Equatable, Codable {
    public var dumpAndDock: Bool
    public var dumpAndDockPoints: Double
    public var rampClimbed: Bool
    public var rampPoints: Double
    /// The referee's award as a fraction of points earned; counts only when the run is FINAL.
    public var refereeAward: Double
    public var refereeAwardPoints: Double
    public var points: Double

    /// `earned` is 100 · (weighted criteria), the points the fractions apply to.
    public init(
        earned: Double,
        dumpAndDock: Bool,
        rampClimbed: Bool,
        rampCounts: Bool,
        refereeAward: Double,
        isFinal: Bool,
        rules: Rulebook.BonusRules
    ) {
        self.dumpAndDock = dumpAndDock
        self.rampClimbed = rampClimbed
        self.refereeAward = refereeAward
        dumpAndDockPoints = dumpAndDock ? rules.dumpAndDock * earned : 0
        rampPoints = rampClimbed && rampCounts ? rules.ramp : 0
        refereeAwardPoints = isFinal ? min(max(0, refereeAward), rules.refereeAwardMax) * earned : 0
        points = dumpAndDockPoints + rampPoints + refereeAwardPoints
    }
}

/// Division H's run score parts.
public struct HumanoidScore: Sendable, Equatable, Codable {
    public var itemsPlaced: Int
    public var items: Int
    public var binDelivered: Bool
    public var falls: Int
    /// Falls the robot got up from by itself (referee-confirmed).
    public var unaidedGetUps: Int
    /// Points off for falls.
    public var fallPoints: Double
    /// Event time of the fall that ended the run, if one did.
    public var endedAt: UInt64?

    public init(
        itemsPlaced: Int,
        items: Int,
        binDelivered: Bool,
        falls: Int,
        unaidedGetUps: Int,
        endedAt: UInt64?,
        rules: Rulebook.HumanoidRules
    ) {
        self.itemsPlaced = itemsPlaced
        self.items = items
        self.binDelivered = binDelivered
        self.falls = falls
        self.unaidedGetUps = unaidedGetUps
        self.endedAt = endedAt
        fallPoints = rules.fall * Double(falls - unaidedGetUps) + rules.fallUnaided * Double(unaidedGetUps)
    }

    /// 60 · placed/items + 20 · bin + 20 · A, before fall points.
    public func earned(A: Double, scale: Double, rules: Rulebook.HumanoidRules) -> Double {
        let placed = items > 0 ? min(1, Double(itemsPlaced) / Double(items)) : 0
        return scale * (rules.weights.items * placed + rules.weights.bin * (binDelivered ? 1 : 0) + rules.weights.A * A)
    }
}
