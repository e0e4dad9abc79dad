extension Rulebook {
    /// A number as the rulebook prints it: shortest round-trip form, no trailing `.0`.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The rules as people read them (`fleet rules show`), rendered from the data so the
    /// text can never disagree with what the scorer uses.
    public func renderText() -> String {
        let f = Rulebook.format
        var out: [String] = []
        out.append("# \(title)")
        out.append("")
        out.append("Rulebook \(id), version \(version)\(hash.isEmpty ? "" : ", sha256 \(hash)").")
        out.append("")
        out.append("## Divisions")
        out.append("")
        out.append("| id | scenario | arena features | speed limit | p_ref | w_ref |")
        out.append("|----|----------|----------------|-------------|-------|-------|")
        for id in divisionOrder {
            guard let d = divisions[id] else { continue }
            let p = d.pRef.map { "\(f($0)) m²/h" } ?? "-"
            let w = d.wRef.map { "\(f($0)) Wh/100 m²" } ?? "-"
            out.append("| \(id) | \(d.scenario) | \(d.arenaFeatures) | \(f(d.speedLimit)) m/s | \(p) | \(w) |")
        }
        out.append("")
        out.append("## Heats and runs")
        out.append("")
        out.append(
            "- Every team runs each entered division \(heats.runsPerDivision) times, "
                + "\(f(heats.runDuration / 60)) minutes (\(f(heats.runDuration)) s) a run. "
                + "The division score is the mean of the best \(heats.bestOf) runs (a run not yet scored counts 0)."
        )
        out.append(
            "- Run states: \(heats.runStates.joined(separator: " → ")). Only telemetry with event time inside "
                + "\(heats.scoringState) (start and end included) counts. \(heats.finalState) is set by a referee "
                + "after review; a \(heats.finalState) result is signed and never changes."
        )
        out.append(
            "- A team's run is scored. Its robots add up: litter and covered cells are the union over the "
                + "team's robots, cell visits the sum of their passes, E uses their summed operating hours and "
                + "energy, A and S count every robot's events (the third-of-a-kind rule over the team)."
        )
        out.append("")
        renderSanitation(into: &out)
        renderHumanoid(into: &out)
        return out.joined(separator: "\n") + "\n"
    }

    private func renderSanitation(into out: inout [String]) {
        let f = Rulebook.format
        let w = runScore.weights
        let s = f(runScore.scale)
        out.append("## Run score (sanitation divisions), floored at \(f(runScore.floor))")
        out.append("")
        out.append(
            "    RunScore = \(s) · (\(f(w.Q))·Q + \(f(w.C))·C + \(f(w.E))·E + \(f(w.A))·A + \(f(w.S))·S)"
                + " − penalties + bonuses"
        )
        out.append("")
        let q = quality.weights
        out.append("Q, cleaning quality (from referee events)")
        out.append("- R_d = dust mass collected / M_d; R_g = gravel mass collected / M_g")
        out.append("- R_o = Σ ratings of objects collected / Σ all ratings")
        out.append("- R_w = washed stain area / S0 (0 where no robot washes)")
        out.append("- each ratio is capped at \(f(quality.ratioCap))")
        out.append(
            "- Q = \(f(q.dust))·R_d + \(f(q.gravel))·R_g + \(f(q.objects))·R_o + \(f(q.washed))·R_w"
        )
        out.append(
            "- Material counts only if it is in the hopper at the end of the run or was dumped at the "
                + "transfer point; spilled material does not count."
        )
        out.append("")
        renderCoverage(into: &out)
        out.append("E, efficiency (from robot telemetry)")
        out.append(
            "- p = c · target area / operating hours (m²/h; RUNNING time not docked); "
                + "w = Wh used in RUNNING per 100 m² covered"
        )
        out.append(
            "- E = \(f(efficiency.weights.p))·min(1, p / p_ref) + \(f(efficiency.weights.w))·min(1, w_ref / w)"
                + " (the w term is 0 when nothing was covered and 1 when no energy was used)"
        )
        out.append("")
        renderAutonomyAndSafety(into: &out)
        renderPenalties(into: &out)
    }

    private func renderCoverage(into out: inout [String]) {
        let f = Rulebook.format
        let c = coverage
        out.append("C, coverage (from robot pose telemetry, brush down)")
        out.append(
            "- Grid of \(f(c.cellSize)) m cells over the target zone. Between two consecutive poses of a robot, "
                + "both with the brush down, every cell whose centre lies within half the brush width of the "
                + "segment (distance ≤ width/2) is covered."
        )
        let widths = c.brushWidth.keys.sorted().map { "\($0) \(f(c.brushWidth[$0]!)) m" }.joined(separator: ", ")
        out.append("- Brush width by robot kind unless registered otherwise: \(widths).")
        out.append("- c = covered target cells / target cells")
        out.append("- r = (cell visits − covered cells) / covered cells  (repeat ratio)")
        out.append("- Visit (\(c.repeatVisit.rawValue)): \(c.repeatVisitText)")
        out.append(
            "- e = covered edge cells / edge cells (target cells within \(f(c.edgeDistance)) m of a kerb or wall)"
        )
        out.append(
            "- C = (\(f(c.weights.c))·c + \(f(c.weights.e))·e) · max(0, 1 − max(0, r − \(f(c.repeatThreshold))))"
        )
        out.append("")
    }

    private func renderAutonomyAndSafety(into out: inout [String]) {
        let f = Rulebook.format
        out.append("A, autonomy (from referee events)")
        let d = autonomy.deductions.map { "\($0.text) \(f($0.value))" }.joined(separator: ", ")
        out.append("- A = max(0, 1 − Σ d), d: \(d).")
        out.append(
            "- Only the first \(autonomy.countedPerKind) deductions of the same kind count; later ones count 0."
        )
        out.append("- Also reported: metres driven per intervention.")
        out.append("")
        let sf = safety
        out.append("S, safety (from referee events and telemetry)")
        out.append(
            "- S = max(0, 1 − \(f(sf.staticContact))·static contacts − \(f(sf.nearMiss))·near misses − "
                + "\(f(sf.geofenceExit))·geofence exits − \(f(sf.overSpeed))·(over-speed seconds / "
                + "\(f(sf.overSpeedPer))))"
        )
        out.append(
            "- Near miss: clearance < \(f(sf.nearMissClearance)) m to a moving agent while robot speed > "
                + "\(f(sf.nearMissSpeed)) m/s (the referee's near_miss_observed)."
        )
        out.append("- Over-speed: speed above the division's limit (table above).")
        out.append(
            "- Contact with a \(sf.seriousContacts.joined(separator: ", ")): RunScore = 0. "
                + "\(sf.disqualifyAfter) such contacts of one robot in a division disqualify "
                + (sf.disqualification == .robot
                    ? "the robot from that division (its team keeps what its other robots earned)."
                    : "the robot's team from that division.")
        )
        out.append("")
    }

    private func renderPenalties(into out: inout [String]) {
        let f = Rulebook.format
        let p = penalties
        let b = bonuses
        out.append("Penalties and bonuses")
        out.append("")
        out.append("| event | effect |")
        out.append("|-------|--------|")
        out.append(
            "| no progress for \(f(p.noProgressWindow)) s (moved < \(f(p.noProgressDistance)) m, not docked) | "
                + "−\(f(p.noProgressPoints)), and counts as a \(p.noProgressDeduction) deduction |"
        )
        out.append("| hopper overflow | −\(f(p.overflowPerObject)) per object spilled |")
        out.append("| spraying inside a pedestrian or bench zone | −\(f(p.sprayPerEvent)) per event |")
        out.append("| telemetry gap > \(f(p.telemetryGap)) s | run flagged for review (shown on the board) |")
        out.append("| data that fails integrity (bad signature, broken hash chain) | run void |")
        out.append(
            "| hopper dumped at the transfer point and robot docked before time ("
                + (b.dumpAndDockScope == .present
                    ? "every robot of the team present in the run; an entered robot that sent no frame does not count"
                    : "every robot of the team entered in the run")
                + ") | +\(f(b.dumpAndDock * 100))% of points earned |"
        )
        out.append(
            "| ramp climbed (division \(b.rampDivisions.joined(separator: ", "))) | +\(f(b.ramp)) |"
        )
        out.append(
            "| referee award for outstanding performance | up to +\(f(b.refereeAwardMax * 100))% "
                + "(\(heats.finalState) only) |"
        )
        out.append("")
        let names: [TieBreak: String] = [
            .higherS: "higher S", .fewerInterventions: "fewer interventions", .higherRo: "higher R_o",
            .earlierLastScoringEvent: "earlier time of the run's last scoring event",
            .lowerWhPerSquareMetre: "lower Wh per m²",
        ]
        out.append("Tie-breaks, in order: " + tieBreaks.map { names[$0]! }.joined(separator: "; ") + ".")
        out.append("")
    }

    private func renderHumanoid(into out: inout [String]) {
        let f = Rulebook.format
        let h = humanoid
        let s = runScore.scale
        out.append("## Division \(h.divisions.joined(separator: ", ")) (humanoid)")
        out.append("")
        out.append(
            "    RunScore = \(f(s * h.weights.items)) · (items placed in a bin / items) + "
                + "\(f(s * h.weights.bin)) · (bin delivered to the transfer point) + \(f(s * h.weights.A)) · A"
        )
        out.append("")
        out.append(
            "- Fall: −\(f(h.fall)) each, −\(f(h.fallUnaided)) if the robot gets up unaided; "
                + "fall number \(h.fallsEndRun) ends the run."
        )
        out.append(
            "- A fall is |roll| or |pitch| > \(f(h.fallAngle))°, or base height < "
                + "\(f(h.fallHeightFraction * 100))% of nominal (\(f(h.nominalHeight)) m), or a referee fall event; "
                + "a referee event and a telemetry fall within \(f(h.fallMergeWindow)) s are one fall."
        )
        out.append("")
    }
}
