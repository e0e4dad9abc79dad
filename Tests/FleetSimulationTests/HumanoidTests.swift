import FleetProtocol
import Testing

@testable import FleetSimulation

struct HumanoidTests {
    let rec = Recording.humanoids

    @Test func jointAnglesStayWithinLimits() {
        #expect(rec.humanoidSamples.count > 10_000)
        for s in rec.humanoidSamples {
            for j in Joint.allCases {
                #expect(j.limits.contains(s.jointPosition[j.rawValue]), "\(j.name) = \(s.jointPosition[j.rawValue])")
            }
        }
    }

    @Test func imuOrientationIsAUnitQuaternionAndGravityShows() {
        for s in rec.humanoidSamples {
            let n =
                s.orientationW * s.orientationW + s.orientationX * s.orientationX + s.orientationY * s.orientationY
                + s.orientationZ * s.orientationZ
            #expect(abs(n - 1) < 1e-4)
            if s.taskPhase != .fallen && s.taskPhase != .gettingUp { #expect(s.accelZ > 7 && s.baseHeight > 0.5) }
        }
    }

    @Test func aSkilledHumanoidPlacesItemsAndDeliversABin() {
        let t = rec.robot(1)
        #expect(t.itemsPlaced >= 5)
        #expect(t.binDelivered)
        let placed = rec.refereeEvents.filter { if case .itemPlaced = $0.kind { $0.robotID == 1 } else { false } }
        #expect(placed.count == t.itemsPlaced)
        #expect(rec.refereeEvents.contains { if case .binDelivered = $0.kind { $0.robotID == 1 } else { false } })
    }

    @Test func fallsAreReportedAndTheThirdEndsTheRun() {
        let t = rec.robot(2)
        let falls = rec.robotEvents.filter { if case .fall = $0.kind { $0.robotID == 2 } else { false } }
        #expect(t.falls >= 1 && t.falls <= 3)
        #expect(falls.count == t.falls)
        for f in falls {
            guard case let .fall(_, _, roll, pitch, _) = f.kind else { continue }
            #expect(max(abs(roll), abs(pitch)) > .pi / 3)
        }
        let getUps = rec.robotEvents.filter {
            if case let .getUp(_, unaided) = $0.kind { $0.robotID == 2 && unaided } else { false }
        }
        #expect(getUps.count == t.unaidedGetUps)
        let observed = rec.refereeEvents.filter {
            if case let .fallObserved(u) = $0.kind { $0.robotID == 2 && !u } else { false }
        }
        #expect(observed.count == t.falls)
        // After a third fall the robot stays down.
        if t.falls == 3, let last = falls.last {
            #expect(
                rec.humanoidSamples.filter { $0.robotID == 2 && $0.time > last.time }.allSatisfy {
                    $0.taskPhase == .fallen
                }
            )
        }
    }

    @Test func jointsWarmWithEffortAndBatteryFalls() {
        let samples = rec.humanoidSamples.filter { $0.robotID == 1 }
        let first = samples.first!
        let last = samples.last!
        #expect(last.jointTemperature[Joint.leftKnee.rawValue] > first.jointTemperature[Joint.leftKnee.rawValue])
        #expect(last.batterySOC < first.batterySOC)
        #expect(zip(samples, samples.dropFirst()).allSatisfy { $1.energyUsed >= $0.energyUsed })
    }
}
