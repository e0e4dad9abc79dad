import FleetArena
public import FleetProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension RunScorer {
    /// Lowest sender id of the arena's referee system and other infrastructure.
    static let infrastructureIDs: ClosedRange<UInt32> = 0xF000_0000...0xFFFF_FFFE

    /// Scores one frame; called in canonical order by `flush`.
    mutating func process(_ frame: Frame, eventID: Int64?) {
        let h = frame.header
        let t = h.timestampNanoseconds
        if case .runState(let state) = frame.message {
            handleRunState(state, time: t, sender: h.robotID)
            return
        }
        let isReferee = frame.message.type.rawValue >= 0x20 && frame.message.type.rawValue < 0x30
        guard let r = scoredRobot(of: frame, isReferee: isReferee) else { return }
        let evidence = Evidence(h, eventID: eventID)
        if !isReferee {
            noteRobotFrame(r, time: t)
        }
        switch frame.message {
        case .sanitationState(let s):
            sanitationSample(r, s, header: h, evidence: evidence)
        case .humanoidState(let s):
            humanoidSample(r, s, header: h, evidence: evidence)
        case .fall:
            telemetryFall(r, fallen: true, time: t, evidence: evidence)
        default:
            if !safetyEvent(frame.message, r, t, evidence) && !taskEvent(frame.message, r, t, evidence) {
                ignored.unused += 1
            }
        }
    }

    /// The robot (its index) a frame in the run scores for, or nil after counting why it
    /// is ignored: outside RUNNING, a referee event not from the infrastructure or about
    /// another run, a robot not entered, or after its team's run ended.
    mutating func scoredRobot(of frame: Frame, isReferee: Bool) -> Int? {
        let h = frame.header
        let t = h.timestampNanoseconds
        guard inRunning(t) else {
            ignored.outsideRunning += 1
            return nil
        }
        var subject = h.robotID
        if isReferee {
            // Referee events from a robot would let it score itself: only infrastructure sends them.
            guard Self.infrastructureIDs.contains(h.robotID), let about = Self.refereeSubject(frame.message) else {
                ignored.unknownRobot += 1
                return nil
            }
            guard about.run == run.id else {
                ignored.otherRun += 1
                return nil
            }
            subject = about.robot
        }
        guard let r = robotIndex[subject] else {
            ignored.unknownRobot += 1
            return nil
        }
        if let end = teams[robots[r].team].endedAt, t > end {
            ignored.afterRunEnded += 1
            return nil
        }
        return r
    }

    /// Referee events of the safety criterion (S) and of autonomy (A); false for others.
    mutating func safetyEvent(_ message: Message, _ r: Int, _ t: UInt64, _ evidence: Evidence) -> Bool {
        let team = robots[r].team
        switch message {
        case .contact(let e):
            contact(r, e.contact, t, evidence)
        case .nearMissObserved:
            robots[r].nearMisses += 1
            record(.nearMiss, r, delta: 1, total: Double(teamCount(team) { $0.nearMisses }), t, evidence)
        case .geofenceExit:
            robots[r].geofenceExits += 1
            record(.geofenceExit, r, delta: 1, total: Double(teamCount(team) { $0.geofenceExits }), t, evidence)
        case .intervention(let e):
            robots[r].interventionsByKind[e.kind.schemaName, default: 0] += 1
            if let k = deductionOfIntervention[Int(e.kind.rawValue)] {
                robots[r].deductions[k] += 1
                record(.intervention, r, delta: 1, total: Double(teamInterventions(team)), t, evidence)
            }
        case .sprayViolation:
            robots[r].sprayEvents += 1
            record(.spray, r, delta: 1, total: Double(teamCount(team) { $0.sprayEvents }), t, evidence)
        default:
            return false
        }
        return true
    }

    /// Referee events of the task: litter, washing, ramps, dumps, docking, the humanoids'
    /// items, bins and falls; false for others.
    mutating func taskEvent(_ message: Message, _ r: Int, _ t: UInt64, _ evidence: Evidence) -> Bool {
        let team = robots[r].team
        switch message {
        case .litterCollected(let e):
            litter(
                r,
                litter: e.litter,
                itemID: e.itemID,
                mass: Double(e.mass),
                rating: Int(e.rating),
                sign: 1,
                t,
                evidence
            )
        case .litterSpilled(let e):
            litter(
                r,
                litter: e.litter,
                itemID: e.itemID,
                mass: Double(e.mass),
                rating: Int(e.rating),
                sign: -1,
                t,
                evidence
            )
            if e.overflow && e.litter == .object {
                robots[r].overflowObjects += 1
                record(.overflow, r, delta: 1, total: Double(teamCount(team) { $0.overflowObjects }), t, evidence)
            }
        case .stainWashed(let e):
            robots[r].washedArea += Double(e.area)
            record(.washed, r, delta: Double(e.area), total: teamTotal(team) { $0.washedArea }, t, evidence)
        case .rampClimbed:
            robots[r].rampClimbed = true
            if !teams[team].rampClimbed {
                teams[team].rampClimbed = true
                if rampCounts { record(.ramp, r, delta: 1, total: 1, t, evidence) }
            }
        case .transferDump:
            robots[r].transferDumps += 1
            checkDumpAndDock(r, t, evidence)
        case .docked:
            robots[r].docked = true
            checkDumpAndDock(r, t, evidence)
        case .itemPlaced(let e):
            robots[r].itemsPlaced.insert(e.itemID)
            if teams[team].itemsPlaced.insert(e.itemID).inserted {
                record(.itemPlaced, r, delta: 1, total: Double(teams[team].itemsPlaced.count), t, evidence)
            }
        case .binDelivered:
            robots[r].binDelivered = true
            if !teams[team].binDelivered {
                teams[team].binDelivered = true
                record(.binDelivered, r, delta: 1, total: 1, t, evidence)
            }
        case .fallObserved(let e):
            refereeFall(r, unaided: e.unaidedGetUp, time: t, evidence: evidence)
        default:
            return false
        }
        return true
    }

    /// The run an infrastructure frame is about: a `run_state`'s run, or the run a referee
    /// event names; nil for anything else.
    public static func runNamed(by message: Message) -> UInt32? {
        if case .runState(let state) = message { return state.runID }
        return refereeSubject(message)?.run
    }

    static func refereeSubject(_ message: Message) -> (run: UInt32, robot: UInt32)? {
        switch message {
        case .litterCollected(let e): (e.runID, e.robotID)
        case .litterSpilled(let e): (e.runID, e.robotID)
        case .contact(let e): (e.runID, e.robotID)
        case .nearMissObserved(let e): (e.runID, e.robotID)
        case .geofenceExit(let e): (e.runID, e.robotID)
        case .intervention(let e): (e.runID, e.robotID)
        case .stainWashed(let e): (e.runID, e.robotID)
        case .rampClimbed(let e): (e.runID, e.robotID)
        case .sprayViolation(let e): (e.runID, e.robotID)
        case .transferDump(let e): (e.runID, e.robotID)
        case .docked(let e): (e.runID, e.robotID)
        case .itemPlaced(let e): (e.runID, e.robotID)
        case .binDelivered(let e): (e.runID, e.robotID)
        case .fallObserved(let e): (e.runID, e.robotID)
        default: nil
        }
    }

    mutating func handleRunState(_ state: RunState, time t: UInt64, sender: UInt32) {
        guard Self.infrastructureIDs.contains(sender) else {
            ignored.unknownRobot += 1
            return
        }
        guard state.runID == run.id else {
            ignored.otherRun += 1
            return
        }
        switch state.state {
        case .prepare: break
        case .running: if runningStart == nil { runningStart = t }
        case .finished: if runningEnd == nil { runningEnd = t }
        case .final: isFinal = true
        }
    }

    /// Telemetry-gap check over every frame a robot sends inside RUNNING.
    mutating func noteRobotFrame(_ r: Int, time t: UInt64) {
        let from = robots[r].lastFrameTime ?? runningStart ?? t
        if t > from, t - from > gapNs {
            flags.append(ReviewFlag(kind: .telemetryGap, robot: robots[r].entry.id, from: from, to: t))
        }
        robots[r].lastFrameTime = t
        robots[r].frames += 1
    }

    // MARK: Telemetry

    mutating func sanitationSample(_ r: Int, _ s: SanitationState, header h: FrameHeader, evidence: Evidence) {
        let t = h.timestampNanoseconds
        let position = Point(s.x, s.y)
        if let prev = robots[r].lastSample, prev.bootEpoch == h.bootEpoch, t >= prev.time {
            let dt = t - prev.time
            if !prev.docked { robots[r].operatingNs += dt }
            robots[r].energyWh += max(0, s.energyUsed - prev.energy)
            robots[r].distance += max(0, s.distance - (prev.distance ?? s.distance))
            overSpeed(r, speed: Double(s.speed), dt: dt, t, evidence)
            if prev.brushDown && s.brushDown, let width = robots[r].brushWidth {
                sweep(r, from: prev.position, to: position, halfWidth: width / 2, t, evidence)
            } else {
                robots[r].coverage?.liftBrush()
            }
        } else {
            robots[r].coverage?.liftBrush()
            robots[r].anchor = nil
        }
        noProgressCheck(r, position: position, parked: s.status == .docked || s.status == .charging, t, evidence)
        robots[r].lastSample = Sample(
            time: t,
            bootEpoch: h.bootEpoch,
            position: position,
            brushDown: s.brushDown,
            docked: s.status == .docked,
            energy: s.energyUsed,
            distance: s.distance
        )
    }

    mutating func humanoidSample(_ r: Int, _ s: HumanoidState, header h: FrameHeader, evidence: Evidence) {
        let t = h.timestampNanoseconds
        let position = Point(s.x, s.y)
        if let prev = robots[r].lastSample, prev.bootEpoch == h.bootEpoch, t >= prev.time {
            let dt = t - prev.time
            robots[r].operatingNs += dt
            robots[r].energyWh += max(0, s.energyUsed - prev.energy)
            let dx = position.x - prev.position.x
            let dy = position.y - prev.position.y
            robots[r].distance += (dx * dx + dy * dy).squareRoot()
            overSpeed(r, speed: Double(s.speed), dt: dt, t, evidence)
        }
        robots[r].lastSample = Sample(
            time: t,
            bootEpoch: h.bootEpoch,
            position: position,
            brushDown: false,
            docked: false,
            energy: s.energyUsed,
            distance: nil
        )
        telemetryFall(r, fallen: isFallen(s), time: t, evidence: evidence)
    }

    /// |roll| or |pitch| above the rulebook angle, or the base below its fraction of nominal height.
    func isFallen(_ s: HumanoidState) -> Bool {
        let w = Double(s.orientationW)
        let x = Double(s.orientationX)
        let y = Double(s.orientationY)
        let z = Double(s.orientationZ)
        let roll = atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
        let pitch = asin(max(-1, min(1, 2 * (w * y - z * x))))
        let limit = rulebook.humanoid.fallAngle * Double.pi / 180
        let low = rulebook.humanoid.fallHeightFraction * rulebook.humanoid.nominalHeight
        return abs(roll) > limit || abs(pitch) > limit || Double(s.baseHeight) < low
    }

    /// Over-speed time: the interval ending at a sample counts when that sample's speed is above the limit.
    mutating func overSpeed(_ r: Int, speed: Double, dt: UInt64, _ t: UInt64, _ evidence: Evidence) {
        guard abs(speed) > divisionRules.speedLimit, dt > 0 else { return }
        robots[r].overSpeedNs += dt
        let team = robots[r].team
        let total = Double(teams[team].robots.reduce(UInt64(0)) { $0 + robots[$1].overSpeedNs }) / 1e9
        record(.overSpeed, r, delta: Double(dt) / 1e9, total: total, t, evidence)
    }

    mutating func sweep(_ r: Int, from a: Point, to b: Point, halfWidth: Double, _ t: UInt64, _ evidence: Evidence) {
        var touched: [(index: Int, edge: Bool)] = []
        guard
            let (_, newPasses) = robots[r].coverage?.sweep(
                from: a,
                to: b,
                halfWidth: halfWidth,
                onTargetCell: { index, edge, _, _ in touched.append((index, edge)) }
            )
        else { return }
        let team = robots[r].team
        var newCells = 0
        for cell in touched where teams[team].coverage.mark(cell: cell.index, isEdge: cell.edge) {
            newCells += 1
        }
        teams[team].coverage.addPasses(newPasses)
        if newCells > 0 || newPasses > 0 {
            record(
                .coverage,
                r,
                delta: Double(newCells),
                total: Double(teams[team].coverage.coveredCells),
                t,
                evidence
            )
        }
    }

    /// No progress: less than the rulebook distance in the rulebook window, not docked or charging.
    mutating func noProgressCheck(_ r: Int, position: Point, parked: Bool, _ t: UInt64, _ evidence: Evidence) {
        guard let anchor = robots[r].anchor, !parked, t >= anchor.time else {
            robots[r].anchor = (position, t)
            return
        }
        let dx = position.x - anchor.position.x
        let dy = position.y - anchor.position.y
        let d = rulebook.penalties.noProgressDistance
        if dx * dx + dy * dy >= d * d {
            robots[r].anchor = (position, t)
        } else if t - anchor.time >= noProgressNs {
            robots[r].anchor = (position, t)
            robots[r].noProgress += 1
            robots[r].deductions[noProgressDeduction] += 1
            let team = robots[r].team
            record(.noProgress, r, delta: 1, total: Double(teamCount(team) { $0.noProgress }), t, evidence)
        }
    }

    // MARK: Referee

    mutating func litter(
        _ r: Int,
        litter: LitterClass,
        itemID: UInt32,
        mass: Double,
        rating: Int,
        sign: Double,
        _ t: UInt64,
        _ evidence: Evidence
    ) {
        let team = robots[r].team
        switch litter {
        case .dust:
            robots[r].dustKg += sign * mass
            record(.dust, r, delta: sign * mass, total: teamTotal(team) { $0.dustKg }, t, evidence)
        case .gravel:
            robots[r].gravelKg += sign * mass
            record(.gravel, r, delta: sign * mass, total: teamTotal(team) { $0.gravelKg }, t, evidence)
        case .object:
            var delta = 0
            if sign > 0, robots[r].objects[itemID] == nil {
                robots[r].objects[itemID] = rating
                delta = rating
            } else if sign < 0, let had = robots[r].objects.removeValue(forKey: itemID) {
                delta = -had
            }
            guard delta != 0 else { return }
            robots[r].ratingSum += delta
            record(.objects, r, delta: Double(delta), total: Double(teamCount(team) { $0.ratingSum }), t, evidence)
        }
    }

    mutating func contact(_ r: Int, _ kind: ContactClass, _ t: UInt64, _ evidence: Evidence) {
        let team = robots[r].team
        if seriousContact[Int(kind.rawValue)] {
            robots[r].seriousContacts += 1
            record(.seriousContact, r, delta: 1, total: Double(teamCount(team) { $0.seriousContacts }), t, evidence)
            if robots[r].seriousContacts == rulebook.safety.disqualifyAfter {
                record(.disqualified, r, delta: 1, total: 1, t, evidence)
            }
        } else {
            robots[r].staticContacts += 1
            record(.staticContact, r, delta: 1, total: Double(teamCount(team) { $0.staticContacts }), t, evidence)
        }
    }

    /// The bonus needs every sanitation robot of the team (entered in the run; with the
    /// rulebook's `dump_and_dock_robots: present`, those present) to have dumped at the
    /// transfer point and docked.
    mutating func checkDumpAndDock(_ r: Int, _ t: UInt64, _ evidence: Evidence) {
        let team = robots[r].team
        guard !teams[team].dumpAndDock, !isHumanoidDivision else { return }
        let presentOnly = rulebook.bonuses.dumpAndDockScope == .present
        let members = teams[team].robots.filter {
            robots[$0].isSanitation
                && (!presentOnly || robots[$0].frames > 0 || robots[$0].transferDumps > 0 || robots[$0].docked)
        }
        guard !members.isEmpty, members.allSatisfy({ robots[$0].transferDumps > 0 && robots[$0].docked }) else {
            return
        }
        teams[team].dumpAndDock = true
        record(.dumpAndDock, r, delta: 1, total: 1, t, evidence)
    }

    // MARK: Events

    func teamTotal(_ team: Int, _ value: (RobotState) -> Double) -> Double {
        var sum = 0.0
        for r in teams[team].robots { sum += value(robots[r]) }
        return sum
    }

    func teamCount(_ team: Int, _ value: (RobotState) -> Int) -> Int {
        var sum = 0
        for r in teams[team].robots { sum += value(robots[r]) }
        return sum
    }

    func teamInterventions(_ team: Int) -> Int {
        teamCount(team) { $0.deductions.reduce(0, +) }
    }

    mutating func record(
        _ criterion: ScoreCriterion,
        _ r: Int,
        delta: Double,
        total: Double,
        _ t: UInt64,
        _ evidence: Evidence
    ) {
        record(
            criterion,
            robot: robots[r].entry.id,
            team: robots[r].team,
            delta: delta,
            total: total,
            time: t,
            evidence: evidence
        )
    }

    mutating func record(
        _ criterion: ScoreCriterion,
        robot: UInt32,
        team: Int,
        delta: Double,
        total: Double,
        time t: UInt64,
        evidence: Evidence
    ) {
        let score = teamResult(team).runScore
        teams[team].hasEvents = true
        if score != teams[team].lastScore {
            teams[team].lastScore = score
            teams[team].lastScoringEvent = t
        }
        events.append(
            ScoreEvent(
                time: t,
                robot: robot,
                team: teams[team].name,
                criterion: criterion,
                delta: delta,
                total: total,
                score: score,
                evidence: evidence
            )
        )
    }
}
