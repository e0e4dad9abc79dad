public import FleetSimulation

/// The entry list of a simulated competition, from the few numbers `fleet sim` takes.
///
/// Team i (from 1) enters robots with ids `i·100+1`, `i·100+2`, … (`i·1000+1`, … once a team
/// has more than 100), cycling through sweeper, litter picker and washer; teams cycle
/// through the skill presets (expert, solid, novice, reckless), so they score differently.
/// Humanoids run in a division H run of their own (run id + 1) unless the division is H,
/// and are dealt round robin to the teams, numbered after the team's sanitation robots.
/// Pure: the same roster always gives the same configuration.
///
/// Two arenas at once: teams are numbered from `firstTeam`, so a second fleet with its
/// first team after the first fleet's last has robot ids of its own (with the same id
/// stride), and its referee too (`refereeID`). Renumbered, a fleet is the same fleet: the
/// j-th team gets the j-th skill preset and every robot the seed it has with `firstTeam` 1.
public struct FleetRoster: Codable, Equatable, Sendable {
    public var division: SimDivision
    public var teams: Int
    public var robotsPerTeam: Int
    public var humanoids: Int
    /// Sanitation state rate (Hz).
    public var stateRate: Double
    /// Humanoid state rate (Hz).
    public var humanoidRate: Double
    /// RUNNING lasts this long (simulated seconds).
    public var duration: Double
    /// PREPARE before RUNNING (simulated seconds).
    public var prepare: Double
    /// Arena seed of every run, and the root of every robot's own seed.
    public var seed: UInt64
    /// Run id of the first run; referee events carry it.
    public var runID: UInt32
    /// The number of the first team (team names and robot ids follow from it).
    public var firstTeam: Int

    /// Skill presets in the order teams get them.
    public static let skillPresets: [(name: String, skill: SkillProfile)] = [
        ("expert", .expert), ("solid", .solid), ("novice", .novice), ("reckless", .reckless),
    ]
    /// Kinds in the order a team's robots get them.
    public static let sanitationKinds: [RobotKind] = [.sweeper, .litterPicker, .washer]

    public init(
        division: SimDivision = .park,
        teams: Int = 4,
        robotsPerTeam: Int = 3,
        humanoids: Int = 0,
        stateRate: Double = 10,
        humanoidRate: Double = 50,
        duration: Double = 60,
        prepare: Double = 1,
        seed: UInt64 = 1,
        runID: UInt32 = 1,
        firstTeam: Int = 1
    ) {
        self.division = division
        self.teams = teams
        self.robotsPerTeam = robotsPerTeam
        self.humanoids = humanoids
        self.stateRate = stateRate
        self.humanoidRate = humanoidRate
        self.duration = duration
        self.prepare = prepare
        self.seed = seed
        self.runID = runID
        self.firstTeam = firstTeam
    }

    /// The sender id of the arena's referee: 0xF0000000 + the first team's number, so that
    /// fleets of different teams (two arenas) never share a sender.
    public var refereeID: UInt32 { 0xF000_0000 &+ UInt32(clamping: firstTeam) }

    /// The largest `firstTeam`: the referee's id stays below 0xFFFFFFFF.
    public static let maximumFirstTeam = 0x0FFF_FFFE

    /// The runner's configuration for this roster: its simulation and its referee.
    public func runnerConfiguration(step: Double = 0.02) throws(RunnerError) -> FleetRunner.Configuration {
        var configuration = FleetRunner.Configuration(simulation: try self.configuration(step: step))
        configuration.refereeID = refereeID
        return configuration
    }

    /// The team name of team `index` (from 1).
    public static func teamName(_ index: Int) -> String {
        teamName(index, position: index)
    }

    /// The name of team `number`, the `position`-th of its fleet (from 1): its skill preset
    /// is the position's.
    public static func teamName(_ number: Int, position: Int) -> String {
        "team-\(number)-\(skillPresets[(position - 1) % skillPresets.count].name)"
    }

    /// The simulation this roster describes; throws with the setting at fault.
    public func configuration(step: Double = 0.02) throws(RunnerError) -> SimulationConfiguration {
        try validate(step: step)
        let stride = try idStride()
        let root = SeededGenerator(seed: seed)
        // `team` is the position in this fleet (from 1): the preset and the seed are the
        // position's, the number and the id the renumbered team's.
        func setup(id: Int, team: Int, kind: RobotKind, rate: Double) -> RobotSetup {
            let offset = (firstTeam - 1) * stride
            var stream = root.derived(UInt64(id))
            return RobotSetup(
                id: UInt32(id + offset),
                team: Self.teamName(team + firstTeam - 1, position: team),
                kind: kind,
                skill: Self.skillPresets[(team - 1) % Self.skillPresets.count].skill,
                stateRate: rate,
                seed: stream.next()
            )
        }
        var main: [RobotSetup] = []
        var extra: [RobotSetup] = []
        for team in 1...teams {
            for k in 0..<robotsPerTeam {
                let kind = division == .humanoid ? .humanoid : Self.sanitationKinds[k % Self.sanitationKinds.count]
                let rate = kind == .humanoid ? humanoidRate : stateRate
                main.append(setup(id: team * stride + k + 1, team: team, kind: kind, rate: rate))
            }
        }
        for h in 0..<humanoids {
            let team = h % teams + 1
            let id = team * stride + robotsPerTeam + h / teams + 1
            let robot = setup(id: id, team: team, kind: .humanoid, rate: humanoidRate)
            if division == .humanoid { main.append(robot) } else { extra.append(robot) }
        }
        var runs: [RunSetup] = []
        if !main.isEmpty {
            runs.append(
                RunSetup(
                    runID: runID,
                    division: division,
                    arenaSeed: seed,
                    duration: duration,
                    prepare: prepare,
                    robots: main.sorted { $0.id < $1.id }
                )
            )
        }
        if !extra.isEmpty {
            runs.append(
                RunSetup(
                    runID: runID &+ 1,
                    division: .humanoid,
                    arenaSeed: seed,
                    duration: duration,
                    prepare: prepare,
                    robots: extra.sorted { $0.id < $1.id }
                )
            )
        }
        return SimulationConfiguration(step: step, runs: runs)
    }

    /// Every setting in range; throws naming the one that is not.
    private func validate(step: Double) throws(RunnerError) {
        guard teams >= 1 else { throw RunnerError(.invalidConfiguration, "teams must be at least 1, got \(teams)") }
        guard robotsPerTeam >= 0 else {
            throw RunnerError(.invalidConfiguration, "robots per team must be 0 or more, got \(robotsPerTeam)")
        }
        guard humanoids >= 0 else {
            throw RunnerError(.invalidConfiguration, "humanoids must be 0 or more, got \(humanoids)")
        }
        guard robotsPerTeam + humanoids > 0 else { throw RunnerError(.invalidConfiguration, "the fleet has no robots") }
        guard (1...Self.maximumFirstTeam).contains(firstTeam) else {
            throw RunnerError(
                .invalidConfiguration,
                "the first team's number must be 1...\(Self.maximumFirstTeam), got \(firstTeam)"
            )
        }
        for (name, rate) in [("rate", stateRate), ("humanoid rate", humanoidRate)] {
            guard rate > 0, rate <= 1 / step, rate.isFinite else {
                throw RunnerError(
                    .invalidConfiguration,
                    "\(name) must be above 0 and at most \(1 / step) Hz (one sample per simulation step), got \(rate)"
                )
            }
        }
        guard duration > 0, duration.isFinite else {
            throw RunnerError(.invalidConfiguration, "duration must be a positive number of seconds, got \(duration)")
        }
    }

    /// Robot ids per team: 100, or the power of ten that holds a team's robots and humanoids;
    /// throws when the fleet's teams do not fit the robot id range.
    private func idStride() throws(RunnerError) -> Int {
        let humanoidsPerTeam = (humanoids + teams - 1) / teams
        let perTeam = robotsPerTeam + humanoidsPerTeam
        var stride = 100
        while stride < perTeam { stride *= 10 }
        guard UInt64(firstTeam + teams) * UInt64(stride) < 0xEFFF_FFFF else {
            throw RunnerError(
                .invalidConfiguration,
                firstTeam == 1
                    ? "\(teams) teams of \(perTeam) robots do not fit the robot id range"
                    : "teams \(firstTeam)...\(firstTeam + teams - 1) of \(perTeam) robots do not fit the robot id range"
            )
        }
        return stride
    }
}
