/// The schema's message categories: a heartbeat counts state and event frames apart.
public enum MessageCategory: String, Sendable, CaseIterable {
    /// Periodic state (sanitation, humanoid, heartbeat).
    case state
    /// Something a robot detected about itself.
    case robotEvent = "robot_event"
    /// Something the arena or a referee saw.
    case refereeEvent = "referee_event"
    /// Protocol control, such as acknowledgements in reliable mode.
    case control
}
