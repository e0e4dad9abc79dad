import FleetProtocol

extension Rulebook {
    /// Tolerance on a criterion's weights adding up to 1.
    public static let weightTolerance = 1e-9

    /// Checks everything the decoder cannot: signs, sums, references between fields.
    public func validate() throws(RulebookError) {
        try validateDivisions()
        try positive(heats.runDuration, "heats.run_duration")
        try atLeast(heats.runsPerDivision, 1, "heats.runs_per_division")
        try atLeast(heats.bestOf, 1, "heats.best_of")
        if heats.bestOf > heats.runsPerDivision {
            throw RulebookError(
                .invalidValue,
                field: "heats.best_of",
                message:
                    "heats.best_of is \(heats.bestOf), more than heats.runs_per_division (\(heats.runsPerDivision))"
            )
        }
        try positive(runScore.scale, "run_score.scale")
        try nonNegative(runScore.floor, "run_score.floor")
        let w = runScore.weights
        try weights([("Q", w.Q), ("C", w.C), ("E", w.E), ("A", w.A), ("S", w.S)], "run_score.weights")
        let q = quality.weights
        try weights(
            [("R_d", q.dust), ("R_g", q.gravel), ("R_o", q.objects), ("R_w", q.washed)],
            "quality.weights"
        )
        try positive(quality.ratioCap, "quality.ratio_cap")
        try validateCoverage()
        try weights([("p", efficiency.weights.p), ("w", efficiency.weights.w)], "efficiency.weights")
        try validateAutonomy()
        try validateSafety()
        try validatePenaltiesAndBonuses()
        for (i, tieBreak) in tieBreaks.enumerated() where tieBreaks[..<i].contains(tieBreak) {
            throw RulebookError(
                .invalidValue,
                field: "tie_breaks[\(i)]",
                message: "tie_breaks[\(i)] \"\(tieBreak.rawValue)\" is listed twice"
            )
        }
        try validateHumanoid()
    }

    private func validateDivisions() throws(RulebookError) {
        for (i, id) in divisionOrder.enumerated() {
            try knownDivision(id, "division_order[\(i)]")
            if divisionOrder[..<i].contains(id) {
                throw RulebookError(
                    .invalidValue,
                    field: "division_order[\(i)]",
                    message: "division_order[\(i)] \"\(id)\" is listed twice"
                )
            }
        }
        for id in divisions.keys.sorted() {
            let division = divisions[id]!
            let field = "divisions.\(id)"
            if !divisionOrder.contains(id) {
                throw RulebookError(
                    .invalidValue,
                    field: field,
                    message: "division \"\(id)\" is not listed in division_order"
                )
            }
            try nonNegative(division.speedLimit, "\(field).speed_limit")
            guard division.kind == .sanitation else { continue }
            for (name, value) in [("p_ref", division.pRef), ("w_ref", division.wRef)] {
                guard let value else {
                    throw RulebookError(
                        .missingField,
                        field: "\(field).\(name)",
                        message: "missing field \(field).\(name) (a sanitation division needs it for E)"
                    )
                }
                try positive(value, "\(field).\(name)")
            }
        }
    }

    private func validateCoverage() throws(RulebookError) {
        try positive(coverage.cellSize, "coverage.cell_size")
        try nonNegative(coverage.edgeDistance, "coverage.edge_distance")
        try weights([("c", coverage.weights.c), ("e", coverage.weights.e)], "coverage.weights")
        try nonNegative(coverage.repeatThreshold, "coverage.repeat_threshold")
        for kind in coverage.brushWidth.keys.sorted() {
            try positive(coverage.brushWidth[kind]!, "coverage.brush_width.\(kind)")
        }
    }

    private func validateAutonomy() throws(RulebookError) {
        try atLeast(autonomy.countedPerKind, 0, "autonomy.counted_per_kind")
        var seen: [String: String] = [:]
        for (i, deduction) in autonomy.deductions.enumerated() {
            let field = "autonomy.deductions[\(i)]"
            try nonNegative(deduction.value, "\(field).value")
            if autonomy.deductions[..<i].contains(where: { $0.kind == deduction.kind }) {
                throw RulebookError(
                    .invalidValue,
                    field: "\(field).kind",
                    message: "\(field).kind \"\(deduction.kind)\" is listed twice"
                )
            }
            for (j, name) in deduction.interventions.enumerated() {
                let f = "\(field).interventions[\(j)]"
                guard InterventionKind.allCases.contains(where: { $0.schemaName == name }) else {
                    throw RulebookError(
                        .invalidValue,
                        field: f,
                        message: "\(f) is \"\(name)\", not an intervention kind of the protocol"
                    )
                }
                if let other = seen[name] {
                    throw RulebookError(
                        .invalidValue,
                        field: f,
                        message: "\(f) \"\(name)\" is already counted by deduction \"\(other)\""
                    )
                }
                seen[name] = deduction.kind
            }
        }
    }

    private func validateSafety() throws(RulebookError) {
        try nonNegative(safety.staticContact, "safety.static_contact")
        try nonNegative(safety.nearMiss, "safety.near_miss")
        try nonNegative(safety.geofenceExit, "safety.geofence_exit")
        try nonNegative(safety.overSpeed, "safety.over_speed")
        try positive(safety.overSpeedPer, "safety.over_speed_per")
        try nonNegative(safety.nearMissClearance, "safety.near_miss_clearance")
        try nonNegative(safety.nearMissSpeed, "safety.near_miss_speed")
        try atLeast(safety.disqualifyAfter, 1, "safety.disqualify_after")
        for (i, name) in safety.seriousContacts.enumerated()
        where !ContactClass.allCases.contains(where: { $0.schemaName == name }) {
            throw RulebookError(
                .invalidValue,
                field: "safety.serious_contacts[\(i)]",
                message: "safety.serious_contacts[\(i)] is \"\(name)\", not a contact class of the protocol"
            )
        }
    }

    private func validatePenaltiesAndBonuses() throws(RulebookError) {
        try positive(penalties.noProgressWindow, "penalties.no_progress_window")
        try nonNegative(penalties.noProgressDistance, "penalties.no_progress_distance")
        try nonNegative(penalties.noProgressPoints, "penalties.no_progress_points")
        if !autonomy.deductions.contains(where: { $0.kind == penalties.noProgressDeduction }) {
            throw RulebookError(
                .invalidValue,
                field: "penalties.no_progress_deduction",
                message: "penalties.no_progress_deduction is \"\(penalties.noProgressDeduction)\", "
                    + "not a kind of autonomy.deductions"
            )
        }
        try nonNegative(penalties.overflowPerObject, "penalties.overflow_per_object")
        try nonNegative(penalties.sprayPerEvent, "penalties.spray_per_event")
        try positive(penalties.telemetryGap, "penalties.telemetry_gap")
        try nonNegative(bonuses.dumpAndDock, "bonuses.dump_and_dock")
        try nonNegative(bonuses.ramp, "bonuses.ramp")
        try nonNegative(bonuses.refereeAwardMax, "bonuses.referee_award_max")
        for (i, id) in bonuses.rampDivisions.enumerated() {
            try knownDivision(id, "bonuses.ramp_divisions[\(i)]")
        }
    }

    private func validateHumanoid() throws(RulebookError) {
        for (i, id) in humanoid.divisions.enumerated() {
            let field = "humanoid.divisions[\(i)]"
            try knownDivision(id, field)
            if divisions[id]?.kind != .humanoid {
                throw RulebookError(
                    .invalidValue,
                    field: field,
                    message: "\(field) is \"\(id)\", which is not a humanoid division"
                )
            }
        }
        let w = humanoid.weights
        try weights([("items", w.items), ("bin", w.bin), ("A", w.A)], "humanoid.weights")
        try nonNegative(humanoid.fall, "humanoid.fall")
        try nonNegative(humanoid.fallUnaided, "humanoid.fall_unaided")
        try atLeast(humanoid.fallsEndRun, 1, "humanoid.falls_end_run")
        try positive(humanoid.fallAngle, "humanoid.fall_angle")
        try nonNegative(humanoid.fallHeightFraction, "humanoid.fall_height_fraction")
        try positive(humanoid.nominalHeight, "humanoid.nominal_height")
        try nonNegative(humanoid.fallMergeWindow, "humanoid.fall_merge_window")
    }

    // MARK: Checks

    private func knownDivision(_ id: String, _ field: String) throws(RulebookError) {
        if divisions[id] == nil {
            throw RulebookError(
                .unknownDivision,
                field: field,
                message: "\(field) is \"\(id)\", a division the rulebook does not define (known: "
                    + divisionOrder.filter { divisions[$0] != nil }.joined(separator: ", ") + ")"
            )
        }
    }

    private func weights(_ terms: [(String, Double)], _ field: String) throws(RulebookError) {
        var sum = 0.0
        for (name, value) in terms {
            if value < 0 {
                throw RulebookError(
                    .negativeValue,
                    field: "\(field).\(name)",
                    message: "weight \(field).\(name) is \(Rulebook.format(value)); a weight cannot be negative"
                )
            }
            sum += value
        }
        if abs(sum - 1) > Rulebook.weightTolerance {
            let parts = terms.map { "\($0.0) \(Rulebook.format($0.1))" }.joined(separator: " + ")
            throw RulebookError(
                .weightsNotSummingToOne,
                field: field,
                message: "weights \(field) add up to \(Rulebook.format(sum)) (\(parts)); they must add up to 1"
            )
        }
    }

    private func nonNegative(_ value: Double, _ field: String) throws(RulebookError) {
        if value < 0 {
            throw RulebookError(
                .negativeValue,
                field: field,
                message: "\(field) is \(Rulebook.format(value)); it cannot be negative"
            )
        }
    }

    private func positive(_ value: Double, _ field: String) throws(RulebookError) {
        try nonNegative(value, field)
        if value == 0 {
            throw RulebookError(.invalidValue, field: field, message: "\(field) is 0; it must be above 0")
        }
    }

    private func atLeast(_ value: Int, _ minimum: Int, _ field: String) throws(RulebookError) {
        if value < minimum {
            throw RulebookError(
                value < 0 ? .negativeValue : .invalidValue,
                field: field,
                message: "\(field) is \(value); it must be at least \(minimum)"
            )
        }
    }
}
