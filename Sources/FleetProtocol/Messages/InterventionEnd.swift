/// The intervention with this id ended.
public struct InterventionEnd: Sendable, Equatable {
    /// Id from intervention_start.
    public var interventionID: UInt32
    /// How long it lasted. [s]
    public var duration: Float
    /// Kind.
    public var kind: InterventionKind

    public init(interventionID: UInt32, duration: Float, kind: InterventionKind) {
        self.interventionID = interventionID
        self.duration = duration
        self.kind = kind
    }
}

extension InterventionEnd: MessageBody {
    public static var messageType: MessageType { .interventionEnd }

    public static let layout: [FieldLayout] = [
        FieldLayout("intervention_id", .u32, at: 0),
        FieldLayout("duration", .f32, at: 4, min: 0),
        FieldLayout("kind", .u8, at: 8, enum: "intervention_kind"),
        FieldLayout("reserved", .u8, count: 3, at: 9),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        interventionID = body.u32(0)
        duration = try body.f32(4, "duration", min: 0)
        kind = try body.enumeration(8, "kind", as: InterventionKind.self)
    }

    func write(to body: BodyWriter) {
        body.write(interventionID, at: 0)
        body.write(duration, at: 4)
        body.write(kind, at: 8)
    }
}
