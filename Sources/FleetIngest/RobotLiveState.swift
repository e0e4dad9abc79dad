public import FleetProtocol

/// What kind of sender a robot id belongs to, from the frames it sends.
public enum RobotKind: String, Sendable, Codable, CaseIterable {
    case sanitation
    case humanoid
    case referee
    case unknown

    init(_ type: MessageType, robotID: UInt32) {
        if robotID >= 0xF000_0000 {
            self = .referee
            return
        }
        switch type {
        case .sanitationState: self = .sanitation
        case .humanoidState: self = .humanoid
        default: self = type.category == .refereeEvent ? .referee : .unknown
        }
    }
}

/// The latest of everything a robot has said: what the board, the scorer and the HTTP API
/// read while a run goes on.
public struct RobotLiveState: Sendable, Equatable {
    public var robotID: UInt32
    public var kind: RobotKind
    public var bootEpoch: UInt32
    /// Event time of the newest frame, ns.
    public var lastTimestamp: UInt64
    /// Event time of the oldest frame since the service started, ns (`UInt64.max` before any).
    public var firstTimestamp: UInt64
    /// When the newest frame was received, ns on the receiver's clock.
    public var lastReceivedAt: UInt64
    /// The newest state frame's message (sanitation or humanoid): the latest value of
    /// every field.
    public var state: Message?
    /// Event time of `state`.
    public var stateTimestamp: UInt64
    public var heartbeat: Heartbeat?
    /// Frames accepted from this robot since the service started.
    public var framesAccepted: Int

    public init(robotID: UInt32, kind: RobotKind, bootEpoch: UInt32) {
        self.robotID = robotID
        self.kind = kind
        self.bootEpoch = bootEpoch
        lastTimestamp = 0
        firstTimestamp = .max
        lastReceivedAt = 0
        state = nil
        stateTimestamp = 0
        heartbeat = nil
        framesAccepted = 0
    }

    /// Takes in one accepted frame of this robot.
    mutating func update(header: FrameHeader, message: borrowing Message, receivedAt: UInt64) {
        framesAccepted += 1
        lastReceivedAt = max(lastReceivedAt, receivedAt)
        firstTimestamp = min(firstTimestamp, header.timestampNanoseconds)
        if header.timestampNanoseconds >= lastTimestamp {
            lastTimestamp = header.timestampNanoseconds
            bootEpoch = header.bootEpoch
        }
        switch message {
        case .sanitationState, .humanoidState:
            if kind == .unknown { kind = RobotKind(message.type, robotID: robotID) }
            if header.timestampNanoseconds >= stateTimestamp {
                state = copy message
                stateTimestamp = header.timestampNanoseconds
            }
        case .heartbeat(let beat):
            heartbeat = beat
        default:
            break
        }
    }
}
