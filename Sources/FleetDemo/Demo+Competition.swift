import FleetCompetition
import FleetIngest
import FleetKeys
import FleetProtocol
import FleetRobotClient
import FleetRunner
import FleetScoring
import FleetSimulation
import FleetStore
import ZeroMQ

extension Demo {
    /// Registers the roster's teams (once per database) and creates the run of each division.
    static func prepareCompetition(
        store: any CompetitionStore,
        roster: FleetRoster,
        db: String
    ) throws -> Runs {
        let simulation = try roster.configuration()
        let registered = Set(try store.registeredRobots().map(\.robotID))
        var teams: [String: [RegisteredRobot]] = [:]
        var park: [RegisteredRobot] = []
        var humanoid: [RegisteredRobot] = []
        for run in simulation.runs {
            for robot in run.robots {
                let entry = RegisteredRobot(robotID: UInt32(robot.id), team: robot.team, kind: robot.kind.rawValue)
                teams[robot.team, default: []].append(entry)
                if robot.kind == .humanoid { humanoid.append(entry) } else { park.append(entry) }
            }
        }
        for (team, robots) in teams.sorted(by: { $0.key < $1.key })
        where robots.contains(where: { !registered.contains($0.robotID) }) {
            try store.addTeam(team, robots: robots.filter { !registered.contains($0.robotID) }, at: nowNanos())
        }
        let (book, bytes, _) = try RulebookFile.load(nil)
        let name = "demo seed \(roster.seed)"
        let parkRun = try store.createRun(
            name: name,
            division: "P",
            seed: roster.seed,
            window: .referee,
            rulebook: (book.hash, book.id, bytes),
            entries: park,
            at: nowNanos()
        )
        var humanoidRun: UInt32?
        if !humanoid.isEmpty {
            // The simulator gives the humanoids' run the next id.
            let id = try store.createRun(
                name: name,
                division: "H",
                seed: roster.seed,
                window: .referee,
                rulebook: (book.hash, book.id, bytes),
                entries: humanoid,
                at: nowNanos()
            )
            guard id == parkRun + 1 else {
                throw CompetitionError(
                    .badArgument,
                    "run ids \(parkRun) and \(id) are not consecutive; use a fresh --db"
                )
            }
            humanoidRun = id
        }
        return (parkRun, humanoidRun, [parkRun] + (humanoidRun.map { [$0] } ?? []))
    }

    /// Fresh CURVE keys for a demo: the ingester's pair, and a pair for every robot of
    /// `simulation` and for the referee, their public halves on the ingester's allowlist.
    static func makeKeys(
        for simulation: SimulationConfiguration
    ) throws -> (ingest: IngestService.Authentication, fleet: FleetRunner.Curve) {
        let server = try CurveKeyPair.generate()
        let (allowlist, secrets) = try RobotKeyring.generatePairs(
            for: FleetRunner.Configuration(simulation: simulation).senderIDs
        )
        return (
            IngestService.Authentication(serverKeys: server, allowlist: allowlist),
            FleetRunner.Curve(serverKey: server.publicKey, secretKeys: secrets)
        )
    }
}
