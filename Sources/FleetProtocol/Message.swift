/// One decoded message body of any type; the frame header says who sent it and when.
///
/// Stored inline (the largest payload, `HumanoidState`, is under 500 bytes), so a
/// decoded message never touches the heap.
public enum Message: Sendable, Equatable {
    case sanitationState(SanitationState)
    case humanoidState(HumanoidState)
    case heartbeat(Heartbeat)
    case collision(Collision)
    case nearMiss(NearMiss)
    case fault(Fault)
    case interventionStart(InterventionStart)
    case interventionEnd(InterventionEnd)
    case fall(Fall)
    case getUp(GetUp)
    case dump(Dump)
    case litterPickup(LitterPickup)
    case runState(RunState)
    case litterCollected(LitterCollected)
    case litterSpilled(LitterSpilled)
    case contact(Contact)
    case nearMissObserved(NearMissObserved)
    case geofenceExit(GeofenceExit)
    case intervention(Intervention)
    case stainWashed(StainWashed)
    case rampClimbed(RampClimbed)
    case sprayViolation(SprayViolation)
    case transferDump(TransferDump)
    case docked(Docked)
    case itemPlaced(ItemPlaced)
    case binDelivered(BinDelivered)
    case fallObserved(FallObserved)
    case ack(Ack)

    /// The wire message type.
    public var type: MessageType {
        switch self {
        case .sanitationState: .sanitationState
        case .humanoidState: .humanoidState
        case .heartbeat: .heartbeat
        case .collision: .collision
        case .nearMiss: .nearMiss
        case .fault: .fault
        case .interventionStart: .interventionStart
        case .interventionEnd: .interventionEnd
        case .fall: .fall
        case .getUp: .getUp
        case .dump: .dump
        case .litterPickup: .litterPickup
        case .runState: .runState
        case .litterCollected: .litterCollected
        case .litterSpilled: .litterSpilled
        case .contact: .contact
        case .nearMissObserved: .nearMissObserved
        case .geofenceExit: .geofenceExit
        case .intervention: .intervention
        case .stainWashed: .stainWashed
        case .rampClimbed: .rampClimbed
        case .sprayViolation: .sprayViolation
        case .transferDump: .transferDump
        case .docked: .docked
        case .itemPlaced: .itemPlaced
        case .binDelivered: .binDelivered
        case .fallObserved: .fallObserved
        case .ack: .ack
        }
    }

    static func decode(_ type: MessageType, from body: BodyReader) throws(ProtocolError) -> Message {
        switch type {
        case .sanitationState: .sanitationState(try SanitationState(reading: body))
        case .humanoidState: .humanoidState(try HumanoidState(reading: body))
        case .heartbeat: .heartbeat(try Heartbeat(reading: body))
        case .collision: .collision(try Collision(reading: body))
        case .nearMiss: .nearMiss(try NearMiss(reading: body))
        case .fault: .fault(try Fault(reading: body))
        case .interventionStart: .interventionStart(try InterventionStart(reading: body))
        case .interventionEnd: .interventionEnd(try InterventionEnd(reading: body))
        case .fall: .fall(try Fall(reading: body))
        case .getUp: .getUp(try GetUp(reading: body))
        case .dump: .dump(try Dump(reading: body))
        case .litterPickup: .litterPickup(try LitterPickup(reading: body))
        case .runState: .runState(try RunState(reading: body))
        case .litterCollected: .litterCollected(try LitterCollected(reading: body))
        case .litterSpilled: .litterSpilled(try LitterSpilled(reading: body))
        case .contact: .contact(try Contact(reading: body))
        case .nearMissObserved: .nearMissObserved(try NearMissObserved(reading: body))
        case .geofenceExit: .geofenceExit(try GeofenceExit(reading: body))
        case .intervention: .intervention(try Intervention(reading: body))
        case .stainWashed: .stainWashed(try StainWashed(reading: body))
        case .rampClimbed: .rampClimbed(try RampClimbed(reading: body))
        case .sprayViolation: .sprayViolation(try SprayViolation(reading: body))
        case .transferDump: .transferDump(try TransferDump(reading: body))
        case .docked: .docked(try Docked(reading: body))
        case .itemPlaced: .itemPlaced(try ItemPlaced(reading: body))
        case .binDelivered: .binDelivered(try BinDelivered(reading: body))
        case .fallObserved: .fallObserved(try FallObserved(reading: body))
        case .ack: .ack(try Ack(reading: body))
        }
    }

    func write(to body: BodyWriter) {
        switch self {
        case .sanitationState(let message): message.write(to: body)
        case .humanoidState(let message): message.write(to: body)
        case .heartbeat(let message): message.write(to: body)
        case .collision(let message): message.write(to: body)
        case .nearMiss(let message): message.write(to: body)
        case .fault(let message): message.write(to: body)
        case .interventionStart(let message): message.write(to: body)
        case .interventionEnd(let message): message.write(to: body)
        case .fall(let message): message.write(to: body)
        case .getUp(let message): message.write(to: body)
        case .dump(let message): message.write(to: body)
        case .litterPickup(let message): message.write(to: body)
        case .runState(let message): message.write(to: body)
        case .litterCollected(let message): message.write(to: body)
        case .litterSpilled(let message): message.write(to: body)
        case .contact(let message): message.write(to: body)
        case .nearMissObserved(let message): message.write(to: body)
        case .geofenceExit(let message): message.write(to: body)
        case .intervention(let message): message.write(to: body)
        case .stainWashed(let message): message.write(to: body)
        case .rampClimbed(let message): message.write(to: body)
        case .sprayViolation(let message): message.write(to: body)
        case .transferDump(let message): message.write(to: body)
        case .docked(let message): message.write(to: body)
        case .itemPlaced(let message): message.write(to: body)
        case .binDelivered(let message): message.write(to: body)
        case .fallObserved(let message): message.write(to: body)
        case .ack(let message): message.write(to: body)
        }
    }
}
