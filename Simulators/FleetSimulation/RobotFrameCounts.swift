import FleetProtocol

/// What both robot models count of their own output, for their heartbeats.
protocol RobotFrameCounts {
    var id: UInt32 { get }
    /// State frames per second the robot is configured for.
    var stateRate: Double { get }
    var stateFrames: UInt32 { get }
    var eventFrames: UInt32 { get }
    var heartbeats: UInt64 { get set }
}

extension RobotFrameCounts {
    /// The next heartbeat: frames sent before it (state, events, heartbeats), and counts.
    mutating func heartbeat(timeNs: UInt64, uptime: Double) -> HeartbeatSample {
        let sent = UInt64(stateFrames) + UInt64(eventFrames) + heartbeats
        heartbeats += 1
        return HeartbeatSample(
            robotID: id,
            time: timeNs,
            Heartbeat(
                framesSent: sent,
                uptime: uptime,
                stateFrames: stateFrames,
                eventFrames: eventFrames,
                queueDrops: 0,
                stateRate: Float(stateRate)
            )
        )
    }
}
