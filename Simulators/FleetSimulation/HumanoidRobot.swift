struct HumanoidRobot {
    let id: UInt32
    let runIndex: Int
    let samplePeriod: Int
    var truth: RobotTruth
    var position = Vec2.zero
    var stateFrames: UInt32 = 0
    var eventFrames: UInt32 = 0
    var heartbeats: UInt64 = 0

    init(setup: RobotSetup, runIndex: Int, arena: Arena, start: Vec2, samplePeriod: Int) {
        id = setup.id
        self.runIndex = runIndex
        self.samplePeriod = samplePeriod
        truth = RobotTruth(robotID: id, team: setup.team, kind: .humanoid)
    }

    mutating func step<S: SimulationSink>(_ ctx: StepContext, state: inout ArenaState, sink: inout S) {}

    func sample(timeNs: UInt64) -> HumanoidSample { fatalError() }

    mutating func heartbeat(timeNs: UInt64, uptime: Double) -> HeartbeatSample { fatalError() }
}
