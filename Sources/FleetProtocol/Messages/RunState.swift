/// The run changed state.
public struct RunState: Sendable, Equatable {
    /// Run this event belongs to.
    public var runID: UInt32
    /// Robot the event is about (0: the run as a whole).
    public var robotID: UInt32
    /// New state.
    public var state: RunStateValue
    /// Division of the run.
    public var division: Division
    /// Seed the arena layout was generated from.
    public var arenaSeed: UInt64
    /// Scheduled run length. [s]
    public var duration: Double

    public init(
        runID: UInt32,
        robotID: UInt32,
        state: RunStateValue,
        division: Division,
        arenaSeed: UInt64,
        duration: Double
    ) {
        self.runID = runID
        self.robotID = robotID
        self.state = state
        self.division = division
        self.arenaSeed = arenaSeed
        self.duration = duration
    }
}

extension RunState: MessageBody {
    public static var messageType: MessageType { .runState }

    public static let layout: [FieldLayout] = [
        FieldLayout("run_id", .u32, at: 0),
        FieldLayout("robot_id", .u32, at: 4),
        FieldLayout("state", .u8, at: 8, enum: "run_state"),
        FieldLayout("division", .u8, at: 9, enum: "division"),
        FieldLayout("reserved", .u16, at: 10),
        FieldLayout("reserved", .u32, at: 12),
        FieldLayout("arena_seed", .u64, at: 16),
        FieldLayout("duration", .f64, at: 24, min: 0),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        runID = body.u32(0)
        robotID = body.u32(4)
        state = try body.enumeration(8, "state", as: RunStateValue.self)
        division = try body.enumeration(9, "division", as: Division.self)
        arenaSeed = body.u64(16)
        duration = try body.f64(24, "duration", min: 0)
    }

    func write(to body: BodyWriter) {
        body.write(runID, at: 0)
        body.write(robotID, at: 4)
        body.write(state, at: 8)
        body.write(division, at: 9)
        body.write(arenaSeed, at: 16)
        body.write(duration, at: 24)
    }
}
