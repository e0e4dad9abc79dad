public import FleetProtocol
public import FleetSimulation

extension SimulationOutput {
    /// Whether the frame is sent by the arena's referee (its own sender) rather than a robot.
    public var isRefereeEvent: Bool {
        if case .refereeEvent = self { return true }
        return false
    }

    /// Whether the frame counts as a state frame in the robot's heartbeat.
    var isState: Bool {
        switch self {
        case .sanitation, .humanoid: true
        default: false
        }
    }

    /// The wire message for this output, field for field: every output is exactly one frame.
    public var message: FleetProtocol.Message {
        switch self {
        case .sanitation(let s): .sanitationState(s.message)
        case .humanoid(let s): .humanoidState(s.message)
        case .heartbeat(let h): .heartbeat(h.message)
        case .robotEvent(let e): e.kind.message
        case .refereeEvent(let e): e.kind.message(runID: e.runID, robotID: e.robotID)
        }
    }
}

extension RobotEventKind {
    var message: FleetProtocol.Message {
        switch self {
        case .collision(let x, let y, let speed, let impulse, let other):
            .collision(Collision(x: x, y: y, speed: speed, impulse: impulse, other: other))
        case .nearMiss(let x, let y, let clearance, let speed, let other):
            .nearMiss(NearMiss(x: x, y: y, clearance: clearance, speed: speed, other: other))
        case .fault(let code, let severity, let active):
            .fault(
                Fault(
                    code: code.rawValue,
                    severity: severity,
                    active: active
                )
            )
        case .interventionStart(let id, let kind):
            .interventionStart(InterventionStart(interventionID: id, kind: kind))
        case .interventionEnd(let id, let duration, let kind):
            .interventionEnd(InterventionEnd(interventionID: id, duration: duration, kind: kind))
        case .fall(let x, let y, let roll, let pitch, let baseHeight):
            .fall(Fall(x: x, y: y, roll: roll, pitch: pitch, baseHeight: baseHeight))
        case .getUp(let duration, let unaided):
            .getUp(GetUp(duration: duration, unaided: unaided))
        case .dump(let x, let y, let mass, let items, let atTransferPoint):
            .dump(Dump(x: x, y: y, mass: mass, items: items, atTransferPoint: atTransferPoint))
        case .litterPickup(let x, let y, let itemID, let mass, let litter):
            .litterPickup(LitterPickup(x: x, y: y, itemID: itemID, mass: mass, litter: litter))
        }
    }
}

extension RefereeEventKind {
    func message(runID: UInt32, robotID: UInt32) -> FleetProtocol.Message {
        if let observed = observation(runID: runID, robotID: robotID) { return observed }
        return switch self {
        case .runState(let state, let division, let arenaSeed, let duration):
            .runState(
                FleetProtocol.RunState(
                    runID: runID,
                    robotID: robotID,
                    state: state,
                    division: FleetProtocol.Division(rawValue: division.rawValue)!,
                    arenaSeed: arenaSeed,
                    duration: duration
                )
            )
        case .intervention(let kind, let duration):
            .intervention(Intervention(runID: runID, robotID: robotID, kind: kind, duration: duration))
        case .stainWashed(let stainID, let area):
            .stainWashed(StainWashed(runID: runID, robotID: robotID, stainID: stainID, area: area))
        case .rampClimbed(let rampID):
            .rampClimbed(RampClimbed(runID: runID, robotID: robotID, rampID: rampID))
        case .transferDump(let mass, let items):
            .transferDump(TransferDump(runID: runID, robotID: robotID, mass: mass, items: items))
        case .docked:
            .docked(Docked(runID: runID, robotID: robotID))
        case .itemPlaced(let itemID, let binID):
            .itemPlaced(ItemPlaced(runID: runID, robotID: robotID, itemID: itemID, binID: binID))
        case .binDelivered(let binID):
            .binDelivered(BinDelivered(runID: runID, robotID: robotID, binID: binID))
        case .fallObserved(let unaidedGetUp):
            .fallObserved(FallObserved(runID: runID, robotID: robotID, unaidedGetUp: unaidedGetUp))
        default:
            preconditionFailure("every observation is encoded by observation(runID:robotID:)")
        }
    }

    /// What the referee saw happen at a place: litter collected or spilled, contacts, near
    /// misses, geofence exits, spray violations; nil for the other events.
    private func observation(runID: UInt32, robotID: UInt32) -> FleetProtocol.Message? {
        switch self {
        case .litterCollected(let itemID, let mass, let x, let y, let litter, let rating):
            .litterCollected(
                LitterCollected(
                    runID: runID,
                    robotID: robotID,
                    itemID: itemID,
                    mass: mass,
                    x: x,
                    y: y,
                    litter: litter,
                    rating: rating
                )
            )
        case .litterSpilled(let itemID, let mass, let litter, let rating, let overflow):
            .litterSpilled(
                LitterSpilled(
                    runID: runID,
                    robotID: robotID,
                    itemID: itemID,
                    mass: mass,
                    litter: litter,
                    rating: rating,
                    overflow: overflow
                )
            )
        case .contact(let x, let y, let speed, let agentID, let contact):
            .contact(
                Contact(
                    runID: runID,
                    robotID: robotID,
                    x: x,
                    y: y,
                    speed: speed,
                    agentID: agentID,
                    contact: contact
                )
            )
        case .nearMissObserved(let x, let y, let clearance, let speed, let agentID, let other):
            .nearMissObserved(
                NearMissObserved(
                    runID: runID,
                    robotID: robotID,
                    x: x,
                    y: y,
                    clearance: clearance,
                    speed: speed,
                    agentID: agentID,
                    other: other
                )
            )
        case .geofenceExit(let x, let y, let distanceOut):
            .geofenceExit(GeofenceExit(runID: runID, robotID: robotID, x: x, y: y, distanceOut: distanceOut))
        case .sprayViolation(let x, let y, let zone):
            .sprayViolation(SprayViolation(runID: runID, robotID: robotID, x: x, y: y, zone: zone))
        default:
            nil
        }
    }
}
