/// A human took over or helped (as the robot saw it).
public struct InterventionStart: Sendable, Equatable {
    /// Sender-chosen id, repeated in the matching intervention_end.
    public var interventionID: UInt32
    /// Kind.
    public var kind: InterventionKind

    public init(interventionID: UInt32, kind: InterventionKind) {
        self.interventionID = interventionID
        self.kind = kind
    }
}

extension InterventionStart: MessageBody {
    public static var messageType: MessageType { .interventionStart }

    public static let layout: [FieldLayout] = [
        FieldLayout("intervention_id", .u32, at: 0),
        FieldLayout("kind", .u8, at: 4, enum: "intervention_kind"),
        FieldLayout("reserved", .u8, count: 3, at: 5),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        interventionID = body.u32(0)
        kind = try body.enumeration(4, "kind", as: InterventionKind.self)
    }

    func write(to body: BodyWriter) {
        body.write(interventionID, at: 0)
        body.write(kind, at: 4)
    }
}
