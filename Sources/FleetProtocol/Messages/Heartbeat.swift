/// Once a second: what the sender has sent, so a receiver can tell loss from silence.
public struct Heartbeat: Sendable, Equatable {
    /// Frames sent in this boot epoch before this one (= this frame's sequence).
    public var framesSent: UInt64
    /// Time since boot. [s]
    public var uptime: Double
    /// State frames sent in this boot epoch.
    public var stateFrames: UInt32
    /// Event frames sent in this boot epoch.
    public var eventFrames: UInt32
    /// Frames the sender dropped locally (send queue full).
    public var queueDrops: UInt32
    /// Configured state publishing rate. [Hz]
    public var stateRate: Float

    public init(
        framesSent: UInt64,
        uptime: Double,
        stateFrames: UInt32,
        eventFrames: UInt32,
        queueDrops: UInt32,
        stateRate: Float
    ) {
        self.framesSent = framesSent
        self.uptime = uptime
        self.stateFrames = stateFrames
        self.eventFrames = eventFrames
        self.queueDrops = queueDrops
        self.stateRate = stateRate
    }
}

extension Heartbeat: MessageBody {
    public static var messageType: MessageType { .heartbeat }

    public static let layout: [FieldLayout] = [
        FieldLayout("frames_sent", .u64, at: 0),
        FieldLayout("uptime", .f64, at: 8),
        FieldLayout("state_frames", .u32, at: 16),
        FieldLayout("event_frames", .u32, at: 20),
        FieldLayout("queue_drops", .u32, at: 24),
        FieldLayout("state_rate", .f32, at: 28, min: 0),
    ]

    init(reading body: BodyReader) throws(ProtocolError) {
        framesSent = body.u64(0)
        uptime = try body.f64(8, "uptime")
        stateFrames = body.u32(16)
        eventFrames = body.u32(20)
        queueDrops = body.u32(24)
        stateRate = try body.f32(28, "state_rate", min: 0)
    }

    func write(to body: BodyWriter) {
        body.write(framesSent, at: 0)
        body.write(uptime, at: 8)
        body.write(stateFrames, at: 16)
        body.write(eventFrames, at: 20)
        body.write(queueDrops, at: 24)
        body.write(stateRate, at: 28)
    }
}
