import FleetProtocol
import Testing

@testable import FleetSimulation

struct SanitationPlausibilityTests {
    let rec = Recording.sanitation

    func params(_ id: UInt32) -> SanitationParameters {
        let s = rec.setup(id)
        return s.parameters ?? .standard(s.kind)
    }

    @Test func noRobotEverOverlapsAnObstacle() {
        for s in rec.sanitationSamples {
            let arena = rec.arenas[rec.run(of: s.robotID)]
            let p = Vec2(s.x, s.y)
            let clearance = arena.layout.obstacles.map { $0.shape.clearance(to: p) }.min() ?? .infinity
            #expect(clearance >= params(s.robotID).radius - 1e-9, "robot \(s.robotID) at \(p)")
        }
    }

    @Test func leavingTheGeofenceIsAlwaysReportedFirst() {
        var reportedOut = Set<UInt32>()
        for o in rec.outputs {
            switch o {
            case let .refereeEvent(e):
                if case .geofenceExit = e.kind { reportedOut.insert(e.robotID) }
            case let .sanitation(s):
                let fence = rec.arenas[rec.run(of: s.robotID)].layout.geofence
                if fence.contains(Vec2(s.x, s.y)) {
                    reportedOut.remove(s.robotID)
                } else {
                    #expect(reportedOut.contains(s.robotID), "robot \(s.robotID) outside at \(s.time) without an event")
                }
            default: break
            }
        }
    }

    @Test func speedAndAccelerationStayWithinLimits() {
        var last: [UInt32: SanitationSample] = [:]
        var contactSince: [UInt32: UInt64] = [:]
        for o in rec.outputs {
            // Impacts stop a robot at once, and a referee who carries a robot puts it down at rest.
            if case let .robotEvent(e) = o, case .collision = e.kind { contactSince[e.robotID] = e.time }
            if case let .refereeEvent(e) = o, case let .intervention(kind, _) = e.kind,
                kind == .reposition || kind == .rescue
            {
                contactSince[e.robotID] = e.time
            }
            guard case let .sanitation(s) = o else { continue }
            let p = params(s.robotID)
            #expect(abs(Double(s.speed)) <= p.maxSpeed + 1e-6)
            #expect(abs(Double(s.turnRate)) <= p.maxTurnRate + 1e-6)
            if let prev = last[s.robotID], (contactSince[s.robotID] ?? 0) <= prev.time {
                let dt = Double(s.time - prev.time) / 1e9
                #expect(
                    abs(Double(s.speed - prev.speed)) <= p.maxAcceleration * dt + 0.02 + 1e-4,
                    "robot \(s.robotID) at \(s.time) \(s.status)"
                )
            }
            last[s.robotID] = s
        }
    }

    @Test func batteryOnlyFallsAndEnergyMatchesPowerTimesTime() {
        for id in rec.configuration.runs.flatMap(\.robots).map(\.id) {
            let samples = rec.sanitationSamples.filter { $0.robotID == id }
            var integral = 0.0
            for (a, b) in zip(samples, samples.dropFirst()) {
                #expect(b.batterySOC <= a.batterySOC)
                #expect(b.energyUsed >= a.energyUsed)
                if a.status == .docked && b.status == .docked { #expect(b.energyUsed == a.energyUsed) }
                integral += Double(b.batteryVoltage) * Double(b.batteryCurrent) * Double(b.time - a.time) / 1e9 / 3600
            }
            let used = samples.last!.energyUsed
            #expect(used > 1)
            #expect(abs(integral - used) <= 0.05 * used, "robot \(id): ∫VI dt \(integral) vs \(used) Wh")
            #expect(abs(rec.robot(id).energyWh - used) < 1e-9)
            let p = params(id)
            let socDrop = Double(samples.first!.batterySOC - samples.last!.batterySOC) / 100
            #expect(abs(socDrop * p.batteryWh - used) < 0.01 * used + 0.5)
        }
    }

    @Test func theHopperFillsWithLitterAndEmptiesAtTheTransferPoint() {
        let samples = rec.sanitationSamples.filter { $0.robotID == 8 }
        let dumps = rec.robotEvents.filter { if case .dump = $0.kind { $0.robotID == 8 } else { false } }
        #expect(dumps.count >= 2)
        let transfer = rec.arenas[rec.run(of: 8)].layout.transferPoint
        for d in dumps {
            guard case let .dump(x, y, mass, _, at) = d.kind else { continue }
            #expect(at && Vec2(x, y).distance(to: transfer) < 0.5)
            #expect(mass > 0)
            let before = samples.last { $0.time < d.time }!
            let after = samples.first { $0.time >= d.time }!
            #expect(before.hopperFill > 0 && after.hopperFill == 0)
        }
        // Fill only grows while the brush is down.
        for (a, b) in zip(samples, samples.dropFirst()) where b.hopperFill > a.hopperFill {
            #expect(b.brushDown || a.brushDown)
        }
        let truth = rec.robot(8)
        #expect(truth.dumps == dumps.count)
        #expect(truth.litter.dustKg + truth.litter.gravelKg > 0.5)
    }

    @Test func coverageNeverDecreases() {
        for id in rec.configuration.runs.flatMap(\.robots).map(\.id) {
            let series = rec.snapshots.map { snap in snap.runs.flatMap(\.robots).first { $0.robotID == id }!.coverage! }
            for (a, b) in zip(series, series.dropFirst()) {
                #expect(
                    b.coveredCells >= a.coveredCells && b.coveredEdgeCells >= a.coveredEdgeCells && b.visits >= a.visits
                )
            }
            #expect(series.last!.c > 0.02)
        }
    }

    @Test func telemetryCoverageIsWhatAScorerComputesFromTheSamples() {
        for (r, run) in rec.configuration.runs.enumerated() {
            let start = UInt64((run.prepare * 1e9).rounded())
            let end = start + UInt64((run.duration * 1e9).rounded())
            for robot in run.robots {
                var grid = CoverageGrid(map: rec.arenas[r].map)
                var prev: SanitationSample?
                for s in rec.sanitationSamples where s.robotID == robot.id && s.time >= start && s.time <= end {
                    if let p = prev, p.brushDown, s.brushDown {
                        grid.sweep(from: Vec2(p.x, p.y), to: Vec2(s.x, s.y), halfWidth: params(robot.id).brushWidth / 2)
                    } else {
                        grid.liftBrush()
                    }
                    prev = s
                }
                let truth = rec.robot(robot.id)
                #expect(grid.summary == truth.telemetryCoverage)
                // Sampling at 10 Hz instead of 50 Hz loses little coverage.
                #expect(abs(truth.telemetryCoverage!.c - truth.coverage!.c) < 0.01)
            }
        }
    }

    @Test func litterTruthAgreesWithRefereeEvents() {
        for id in rec.configuration.runs.flatMap(\.robots).map(\.id) {
            var dust = 0.0
            var gravel = 0.0
            var objects = Set<UInt32>()
            for e in rec.refereeEvents where e.robotID == id {
                switch e.kind {
                case let .litterCollected(item, mass, _, _, litter, _):
                    switch litter {
                    case .dust: dust += Double(mass)
                    case .gravel: gravel += Double(mass)
                    case .object: objects.insert(item)
                    }
                case let .litterSpilled(item, _, litter, _, _):
                    if litter == .object { objects.remove(item) }
                default: break
                }
            }
            let t = rec.robot(id)
            #expect(abs(dust - t.litter.dustKg) < 1e-3 * max(1, dust))
            #expect(abs(gravel - t.litter.gravelKg) < 1e-3 * max(1, gravel))
            #expect(objects.sorted() == t.litter.objectIDs)
        }
    }

    @Test func safetyAndInterventionTruthAgreesWithRefereeEvents() {
        for id in rec.configuration.runs.flatMap(\.robots).map(\.id) {
            let events = rec.refereeEvents.filter { $0.robotID == id }
            func count(_ match: (RefereeEventKind) -> Bool) -> Int { events.filter { match($0.kind) }.count }
            let t = rec.robot(id)
            #expect(t.contacts.total == count { if case .contact = $0 { true } else { false } })
            #expect(t.nearMisses == count { if case .nearMissObserved = $0 { true } else { false } })
            #expect(t.geofenceExits == count { if case .geofenceExit = $0 { true } else { false } })
            #expect(t.sprayViolations == count { if case .sprayViolation = $0 { true } else { false } })
            #expect(t.interventions.total == count { if case .intervention = $0 { true } else { false } })
            #expect(t.docked == (count { if case .docked = $0 { true } else { false } } == 1))
            let washed = events.reduce(0.0) { if case let .stainWashed(_, a) = $1.kind { $0 + Double(a) } else { $0 } }
            #expect(abs(washed - t.stainAreaWashed) < 1e-4)
        }
    }

    @Test func nearMissesAreReportedOnlyWhenCloseAndFast() {
        for e in rec.refereeEvents {
            if case let .nearMissObserved(_, _, clearance, speed, agent, _) = e.kind {
                #expect(clearance < 0.5 && speed > 0.5 && agent > 0)
            }
        }
    }

    @Test func carelessTeamsSprayInProtectedZonesAndCarefulOnesDoNot() {
        // Careless washers forget to stop spraying now and then (not at every zone they cross).
        #expect(rec.robot(2).sprayViolations + rec.robot(5).sprayViolations > 0)
        #expect(rec.robot(6).sprayViolations == 0)
    }

    @Test func washersWashStainsAndOthersDoNot() {
        #expect(rec.robot(1).stainAreaWashed == 0)
        #expect(rec.robot(2).stainAreaWashed + rec.robot(5).stainAreaWashed + rec.robot(6).stainAreaWashed > 0)
    }
}
