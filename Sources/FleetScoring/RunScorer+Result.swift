import FleetArena

extension RunScorer {
    func result() -> RunResult {
        RunResult(
            runID: run.id,
            division: divisionID,
            rulebookHash: rulebook.hash,
            runningStart: runningStart,
            runningEnd: runningEnd,
            isFinal: isFinal,
            teams: teams.indices.map { teamResult($0) },
            robots: robots.indices.map { robotResult($0) },
            events: events,
            flags: flags,
            ignored: ignored
        )
    }

    func efficiency(c: Double, operatingNs: UInt64, energyWh: Double) -> EfficiencyScore {
        EfficiencyScore(
            c: c,
            targetArea: arena.mask.targetArea,
            operatingSeconds: Double(operatingNs) / 1e9,
            energyWh: energyWh,
            pRef: divisionRules.pRef ?? 0,
            wRef: divisionRules.wRef ?? 0,
            rules: rulebook.efficiency
        )
    }

    func robotResult(_ r: Int) -> RobotResult {
        let s = robots[r]
        let coverage = CoverageScore(
            counts: s.coverage?.counts
                ?? CoverageCounter(mask: CoverageMask(cellSize: 1, columns: 0, rows: 0, flags: []))
                .counts,
            rules: rulebook.coverage
        )
        return RobotResult(
            robot: s.entry.id,
            team: s.entry.team,
            kind: s.entry.kind,
            brushWidth: s.brushWidth,
            quality: QualityScore(
                dustKg: s.dustKg,
                gravelKg: s.gravelKg,
                objects: s.objects.count,
                ratingSum: s.ratingSum,
                washedArea: s.washedArea,
                totals: arena.totals,
                rules: rulebook.quality
            ),
            coverage: coverage,
            efficiency: efficiency(c: coverage.c, operatingNs: s.operatingNs, energyWh: s.energyWh),
            autonomy: AutonomyScore(counts: s.deductions, distance: s.distance, rules: rulebook.autonomy),
            safety: SafetyScore(
                staticContacts: s.staticContacts,
                nearMisses: s.nearMisses,
                geofenceExits: s.geofenceExits,
                overSpeedSeconds: Double(s.overSpeedNs) / 1e9,
                seriousContacts: s.seriousContacts,
                rules: rulebook.safety
            ),
            penalties: Penalties(
                noProgress: s.noProgress,
                overflowObjects: s.overflowObjects,
                sprayEvents: s.sprayEvents,
                rules: rulebook.penalties
            ),
            interventionsByKind: s.interventionsByKind,
            transferDumps: s.transferDumps,
            docked: s.docked,
            rampClimbed: s.rampClimbed,
            itemsPlaced: s.itemsPlaced.count,
            binDelivered: s.binDelivered,
            falls: s.falls.count,
            unaidedGetUps: s.unaidedGetUps,
            frames: s.frames,
            disqualified: s.seriousContacts >= rulebook.safety.disqualifyAfter
        )
    }

    /// What a team's robots add up to, summed in robot id order (the order fixes the
    /// floating-point sums, so live, recompute and verify agree to the bit).
    struct TeamTotals {
        var dust = 0.0
        var gravel = 0.0
        var objects = 0
        var ratings = 0
        var washed = 0.0
        var operatingNs: UInt64 = 0
        var overSpeedNs: UInt64 = 0
        var energy = 0.0
        var distance = 0.0
        var deductions: [Int]
        var staticContacts = 0
        var nearMisses = 0
        var geofenceExits = 0
        var serious = 0
        var noProgress = 0
        var overflow = 0
        var spray = 0
        var unaided = 0
        var fallCount = 0
        var disqualified: [UInt32] = []

        init(deductionKinds: Int) {
            deductions = [Int](repeating: 0, count: deductionKinds)
        }

        mutating func add(_ s: RobotState, disqualifyAfter: Int) {
            dust += s.dustKg
            gravel += s.gravelKg
            objects += s.objects.count
            ratings += s.ratingSum
            washed += s.washedArea
            operatingNs += s.operatingNs
            overSpeedNs += s.overSpeedNs
            energy += s.energyWh
            distance += s.distance
            for k in deductions.indices { deductions[k] += s.deductions[k] }
            staticContacts += s.staticContacts
            nearMisses += s.nearMisses
            geofenceExits += s.geofenceExits
            serious += s.seriousContacts
            noProgress += s.noProgress
            overflow += s.overflowObjects
            spray += s.sprayEvents
            unaided += s.unaidedGetUps
            fallCount += s.falls.count
            if s.seriousContacts >= disqualifyAfter { disqualified.append(s.entry.id) }
        }
    }

    /// The team's run: sums and unions over its robots in id order, then the rulebook's formula.
    func teamResult(_ t: Int) -> TeamResult {
        let team = teams[t]
        var sums = TeamTotals(deductionKinds: rulebook.autonomy.deductions.count)
        for r in team.robots { sums.add(robots[r], disqualifyAfter: rulebook.safety.disqualifyAfter) }
        let parts = partScores(team, sums)
        let scale = rulebook.runScore.scale
        var humanoid: HumanoidScore?
        let earned: Double
        var deducted = parts.penalties.points
        if isHumanoidDivision {
            let h = HumanoidScore(
                itemsPlaced: team.itemsPlaced.count,
                items: arena.totals.items,
                binDelivered: team.binDelivered,
                falls: sums.fallCount,
                unaidedGetUps: sums.unaided,
                endedAt: team.endedAt,
                rules: rulebook.humanoid
            )
            earned = h.earned(A: parts.autonomy.A, scale: scale, rules: rulebook.humanoid)
            deducted = h.fallPoints + team.refereePenalty
            humanoid = h
        } else {
            earned = scale * parts.weightedSum(rulebook.runScore.weights)
        }
        let bonuses = Bonuses(
            earned: earned,
            dumpAndDock: team.dumpAndDock,
            rampClimbed: team.rampClimbed,
            rampCounts: rampCounts,
            refereeAward: team.refereeAward,
            isFinal: isFinal,
            rules: rulebook.bonuses
        )
        let zeroed = sums.serious > 0
        let runScore = zeroed ? 0 : max(rulebook.runScore.floor, earned - deducted + bonuses.points)
        return TeamResult(
            team: team.name,
            robots: team.robots.map { robots[$0].entry.id },
            quality: parts.quality,
            coverage: parts.coverage,
            efficiency: parts.efficiency,
            autonomy: parts.autonomy,
            safety: parts.safety,
            penalties: parts.penalties,
            bonuses: bonuses,
            humanoid: humanoid,
            earned: earned,
            runScore: runScore,
            zeroedByContact: zeroed,
            disqualifiedRobots: sums.disqualified,
            lastScoringEvent: team.lastScoringEvent,
            whPerSquareMetre: parts.efficiency.coveredArea > 0 ? sums.energy / parts.efficiency.coveredArea : nil
        )
    }

    /// The five criteria and the penalties of a team's run, before the division's formula.
    struct PartScores {
        var quality: QualityScore
        var coverage: CoverageScore
        var efficiency: EfficiencyScore
        var autonomy: AutonomyScore
        var safety: SafetyScore
        var penalties: Penalties

        /// The weighted sum of the five criteria, in the rulebook's order.
        func weightedSum(_ w: Rulebook.RunScoreRules.Weights) -> Double {
            w.Q * quality.Q + w.C * coverage.C + w.E * efficiency.E + w.A * autonomy.A + w.S * safety.S
        }
    }

    func partScores(_ team: TeamState, _ sums: TeamTotals) -> PartScores {
        let coverage = CoverageScore(counts: team.coverage.counts, rules: rulebook.coverage)
        return PartScores(
            quality: QualityScore(
                dustKg: sums.dust,
                gravelKg: sums.gravel,
                objects: sums.objects,
                ratingSum: sums.ratings,
                washedArea: sums.washed,
                totals: arena.totals,
                rules: rulebook.quality
            ),
            coverage: coverage,
            efficiency: efficiency(c: coverage.c, operatingNs: sums.operatingNs, energyWh: sums.energy),
            autonomy: AutonomyScore(counts: sums.deductions, distance: sums.distance, rules: rulebook.autonomy),
            safety: SafetyScore(
                staticContacts: sums.staticContacts,
                nearMisses: sums.nearMisses,
                geofenceExits: sums.geofenceExits,
                overSpeedSeconds: Double(sums.overSpeedNs) / 1e9,
                seriousContacts: sums.serious,
                rules: rulebook.safety
            ),
            penalties: Penalties(
                noProgress: sums.noProgress,
                overflowObjects: sums.overflow,
                sprayEvents: sums.spray,
                referee: team.refereePenalty,
                rules: rulebook.penalties
            )
        )
    }
}
