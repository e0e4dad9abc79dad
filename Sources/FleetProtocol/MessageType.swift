/// Every message type of protocol v1.0, with the wire id as raw value.
public enum MessageType: UInt8, CaseIterable, Sendable {
    case sanitationState = 1
    case humanoidState = 2
    case heartbeat = 3
    case collision = 16
    case nearMiss = 17
    case fault = 18
    case interventionStart = 19
    case interventionEnd = 20
    case fall = 21
    case getUp = 22
    case dump = 23
    case litterPickup = 24
    case runState = 32
    case litterCollected = 33
    case litterSpilled = 34
    case contact = 35
    case nearMissObserved = 36
    case geofenceExit = 37
    case intervention = 38
    case stainWashed = 39
    case rampClimbed = 40
    case sprayViolation = 41
    case transferDump = 42
    case docked = 43
    case itemPlaced = 44
    case binDelivered = 45
    case fallObserved = 46
    case ack = 48

    /// Schema name (`sanitation_state`), as error codes, vectors and JSON output spell it.
    public var schemaName: String {
        switch self {
        case .sanitationState: "sanitation_state"
        case .humanoidState: "humanoid_state"
        case .heartbeat: "heartbeat"
        case .collision: "collision"
        case .nearMiss: "near_miss"
        case .fault: "fault"
        case .interventionStart: "intervention_start"
        case .interventionEnd: "intervention_end"
        case .fall: "fall"
        case .getUp: "get_up"
        case .dump: "dump"
        case .litterPickup: "litter_pickup"
        case .runState: "run_state"
        case .litterCollected: "litter_collected"
        case .litterSpilled: "litter_spilled"
        case .contact: "contact"
        case .nearMissObserved: "near_miss_observed"
        case .geofenceExit: "geofence_exit"
        case .intervention: "intervention"
        case .stainWashed: "stain_washed"
        case .rampClimbed: "ramp_climbed"
        case .sprayViolation: "spray_violation"
        case .transferDump: "transfer_dump"
        case .docked: "docked"
        case .itemPlaced: "item_placed"
        case .binDelivered: "bin_delivered"
        case .fallObserved: "fall_observed"
        case .ack: "ack"
        }
    }

    /// Body bytes in protocol v1.0.
    public var bodySize: Int {
        switch self {
        case .sanitationState: 96
        case .humanoidState: 488
        case .heartbeat: 32
        case .collision: 28
        case .nearMiss: 28
        case .fault: 4
        case .interventionStart: 8
        case .interventionEnd: 12
        case .fall: 32
        case .getUp: 8
        case .dump: 24
        case .litterPickup: 28
        case .runState: 32
        case .litterCollected: 40
        case .litterSpilled: 24
        case .contact: 40
        case .nearMissObserved: 40
        case .geofenceExit: 32
        case .intervention: 16
        case .stainWashed: 20
        case .rampClimbed: 16
        case .sprayViolation: 32
        case .transferDump: 16
        case .docked: 8
        case .itemPlaced: 16
        case .binDelivered: 16
        case .fallObserved: 16
        case .ack: 16
        }
    }

    /// Whether the frames are periodic state, robot events, referee events or control.
    public var category: MessageCategory {
        switch self {
        case .sanitationState, .humanoidState, .heartbeat:
            .state
        case .collision, .nearMiss, .fault, .interventionStart, .interventionEnd, .fall, .getUp, .dump, .litterPickup:
            .robotEvent
        case .runState, .litterCollected, .litterSpilled, .contact, .nearMissObserved, .geofenceExit, .intervention,
            .stainWashed, .rampClimbed, .sprayViolation, .transferDump, .docked, .itemPlaced, .binDelivered,
            .fallObserved:
            .refereeEvent
        case .ack:
            .control
        }
    }

    /// The body layout, as the message struct declares it.
    public var layout: [FieldLayout] {
        switch self {
        case .sanitationState: SanitationState.layout
        case .humanoidState: HumanoidState.layout
        case .heartbeat: Heartbeat.layout
        case .collision: Collision.layout
        case .nearMiss: NearMiss.layout
        case .fault: Fault.layout
        case .interventionStart: InterventionStart.layout
        case .interventionEnd: InterventionEnd.layout
        case .fall: Fall.layout
        case .getUp: GetUp.layout
        case .dump: Dump.layout
        case .litterPickup: LitterPickup.layout
        case .runState: RunState.layout
        case .litterCollected: LitterCollected.layout
        case .litterSpilled: LitterSpilled.layout
        case .contact: Contact.layout
        case .nearMissObserved: NearMissObserved.layout
        case .geofenceExit: GeofenceExit.layout
        case .intervention: Intervention.layout
        case .stainWashed: StainWashed.layout
        case .rampClimbed: RampClimbed.layout
        case .sprayViolation: SprayViolation.layout
        case .transferDump: TransferDump.layout
        case .docked: Docked.layout
        case .itemPlaced: ItemPlaced.layout
        case .binDelivered: BinDelivered.layout
        case .fallObserved: FallObserved.layout
        case .ack: Ack.layout
        }
    }
}
