/// What changes in an arena during a run: litter left on the ground, stains washed, and
/// where the moving agents are now. One per run; robots in the run share it.
struct ArenaState: Sendable {
    /// Per dust/gravel entry of the arena: mass still lying there (kg).
    var litterRemaining: [Double]
    var objectOnGround: [Bool]
    /// Per stain cell.
    var stainWashed: [Bool]
    var agents: [AgentState]
    /// Per agent: how long it has waited for robots (vehicles brake; their route runs late).
    var agentDelay: [Double]
    /// Per agent: sideways step (m, left of its direction) to pass a robot (people and bikes).
    var agentOffset: [Double]
    /// Robots in the run as of the last step: position and radius.
    var robotDiscs: [(Vec2, Double)] = []

    init(arena: Arena) {
        litterRemaining = arena.litterEntryMass
        objectOnGround = [Bool](repeating: true, count: arena.layout.objects.count)
        stainWashed = [Bool](repeating: false, count: arena.stainCellStain.count)
        agents = arena.layout.routes.map { $0.state(at: 0) }
        agentDelay = [Double](repeating: 0, count: arena.layout.routes.count)
        agentOffset = agentDelay
    }

    /// Moves every agent to time `t`. Agents follow their routes but give way to robots:
    /// vehicles brake for a robot ahead in their lane, people and cyclists step aside at a
    /// limited sideways speed, so a robot that drives at them can still come too close.
    mutating func moveAgents(arena: Arena, to t: Double, dt: Double) {
        let routes = arena.layout.routes
        for k in routes.indices {
            let route = routes[k]
            var s = route.state(at: t - agentDelay[k])
            guard s.active else {
                agentOffset[k] = 0
                agents[k] = s
                continue
            }
            let dir = s.velocity * (1 / route.speed)
            let normal = Vec2(-dir.y, dir.x)
            var desired = 0.0
            var brake = false
            for (p, r) in robotDiscs {
                let rel = p - s.position
                let along = rel.dot(dir)
                let lateral = rel.dot(normal)
                let need = route.radius + r + 0.6
                if route.agentClass == .vehicle {
                    if along > 0 && along < 8 && abs(lateral) < need { brake = true }
                } else if along > -1 && along < 2 + 4 * route.speed && abs(lateral - agentOffset[k]) < need {
                    desired = lateral >= 0 ? lateral - need : lateral + need
                }
            }
            if brake {
                agentDelay[k] += dt
                s = route.state(at: t - agentDelay[k])
                s.velocity = .zero
            }
            let rate = (route.agentClass == .cyclist ? 1.0 : 0.8) * dt
            agentOffset[k] += min(max(desired - agentOffset[k], -rate), rate)
            s.position = s.position + normal * agentOffset[k]
            agents[k] = s
        }
    }
}

/// What a robot needs to know about the step it is taking.
struct StepContext {
    let runID: UInt32
    let division: Division
    let arena: Arena
    /// Start and end of the step (s).
    let t0: Double
    let t1: Double
    let dt: Double
    /// End of the step in ns.
    let timeNs: UInt64
    /// The step lies inside RUNNING.
    let running: Bool
    let runStart: Double
    let runEnd: Double
    let speedLimit: Double
}
