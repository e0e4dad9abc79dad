/// The referee recorded a human intervention (rulebook A criterion).
public struct Intervention: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// Kind.
    public var kind: InterventionKind
    /// Length; 0 for instantaneous kinds. [s]
    public var duration: Float

    public init(runID: UInt32, robotID: UInt32, kind: InterventionKind, duration: Float) {
        self.runID = runID
        self.robotID = robotID
        self.kind = kind
        self.duration = duration
    }
}

extension Intervention: MessageBody {
    public static var messageType: MessageType { .intervention }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("kind", .u8, at: 8, enum: "intervention_kind"),
        FieldLayout("reserved", .u8, count: 3, at: 9),
        FieldLayout("duration", .f32, at: 12, min: 0),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        kind = try body.enumeration(8, "kind", as: InterventionKind.self)
        duration = try body.f32(12, "duration", min: 0)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(kind, at: 8)
        body.write(duration, at: 12)
    }
}
