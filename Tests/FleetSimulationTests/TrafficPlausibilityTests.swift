import FleetProtocol
import FleetRunner
import FleetScoring
import Foundation
import Testing

@testable import FleetSimulation

/// Heats in the divisions with traffic (N: cyclists on a sidewalk; A: cars and cyclists on an
/// auxiliary road), scored by the rulebook's scorer the way `fleet sim` sends them: a careful
/// team should mostly avoid the traffic and a careless one not always, so scores spread as in
/// division P. Before robots gave way to traffic and traffic came in from outside the arena,
/// every robot of every team touched a car or a bike in A (two contacts each in a full heat),
/// so every team scored 0 (issue 11 item 12).
struct TrafficPlausibilityTests {
    static let rulebook: Rulebook = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Rulebooks/rulebook-v1.json")
        return try! Rulebook.load(Data(contentsOf: url))
    }()

    static let referee: UInt32 = 0xF000_0001
    /// Seeds of the heats, and their length: five minutes of `fleet sim`'s default line-up
    /// (four teams, expert, solid, novice and reckless, of a sweeper, a litter picker and a
    /// washer) take a few seconds each in a debug build.
    static let seeds: [UInt64] = [1, 2, 3, 4]
    static let duration = 300.0
    /// Points between the best and the worst team of a heat, at least.
    static let spreadMargin = 10.0

    struct Heat {
        let seed: UInt64
        let result: RunResult
        let truth: RunTruth

        func score(_ team: String) -> Double { result.teams.first { $0.team == team }!.runScore }

        /// Serious contacts (pedestrian, cyclist, vehicle) per robot, from the truth.
        var serious: [UInt32: Int] {
            Dictionary(
                uniqueKeysWithValues: truth.robots.map {
                    ($0.robotID, $0.contacts.pedestrian + $0.contacts.cyclist + $0.contacts.vehicle)
                }
            )
        }
    }

    /// One run of `fleet sim`'s line-up, its outputs turned into protocol frames as the fleet
    /// runner sends them and scored.
    static func heat(_ division: SimDivision, seed: UInt64) throws -> Heat {
        let roster = FleetRoster(division: division, duration: duration, seed: seed)
        let configuration = try roster.configuration()
        var sim = FleetSimulation(configuration)
        var sink = CollectingSink()
        sim.runToEnd(into: &sink)
        let map = sim.arena(ofRun: 0).map
        let truth = sim.groundTruth().runs[0]
        var scorer = try RunScorer(
            rulebook: rulebook,
            run: RunScorer.Run(id: roster.runID, division: FleetProtocol.Division(rawValue: division.rawValue)!),
            arena: RunScorer.Arena(
                mask: CoverageMask(
                    origin: Point(map.origin.x, map.origin.y),
                    cellSize: map.cellSize,
                    columns: map.columns,
                    rows: map.rows,
                    flags: map.flags
                ),
                totals: FleetScoring.ArenaTotals(
                    dustMass: truth.totals.dustMass,
                    gravelMass: truth.totals.gravelMass,
                    ratingSum: truth.totals.ratingSum,
                    stainArea: truth.totals.stainArea,
                    items: truth.totals.items
                )
            ),
            robots: configuration.runs[0].robots.map {
                RunScorer.Robot(id: $0.id, team: $0.team, kind: $0.kind.rawValue)
            }
        )
        var sequence: [UInt32: UInt32] = [:]
        for output in sink.outputs {
            let sender: UInt32
            let time: UInt64
            switch output {
            case .sanitation(let s): (sender, time) = (s.robotID, s.time)
            case .humanoid(let s): (sender, time) = (s.robotID, s.time)
            case .refereeEvent(let e): (sender, time) = (referee, e.time)
            case .heartbeat, .robotEvent: continue
            }
            let message = output.message
            let seq = sequence[sender, default: 0]
            sequence[sender] = seq + 1
            let header = FrameHeader(
                messageType: message.type.rawValue,
                flags: FrameHeader.simulatedTimeFlag,
                robotID: sender,
                bootEpoch: 1,
                sequence: seq,
                bodyLength: UInt32(message.type.bodySize),
                timestampNanoseconds: time
            )
            scorer.consume(Frame(header: header, message: message))
        }
        return Heat(seed: seed, result: scorer.finish(), truth: truth)
    }

    @Test(arguments: [SimDivision.sidewalk, .auxiliaryRoad])
    func heatsWithTrafficGiveASpreadOfScores(division: SimDivision) throws {
        let expert = FleetRoster.teamName(1)
        let novice = FleetRoster.teamName(3)
        var expertAhead = 0
        var expertScored = 0
        var expertTotal = 0.0
        var noviceTotal = 0.0
        for seed in Self.seeds {
            let heat = try Self.heat(division, seed: seed)
            let scores = heat.result.teams.map(\.runScore)
            let table = heat.result.teams.map { "\($0.team) \(($0.runScore * 10).rounded() / 10)" }
            let context = "\(division) seed \(seed): \(table), serious contacts \(heat.serious.filter { $0.value > 0 })"
            #expect(heat.result.teams.count == 4, "\(context)")
            // Not every team scores 0, and the teams' scores spread.
            #expect(scores.contains { $0 > 0 }, "\(context)")
            #expect(scores.max()! - scores.min()! > Self.spreadMargin, "\(context)")
            // At least one team none of whose robots touched a person, bike or car: one contact
            // zeroes the run, a second disqualifies the robot.
            #expect(heat.result.teams.contains { !$0.zeroedByContact && $0.disqualifiedRobots.isEmpty }, "\(context)")
            #expect(heat.serious.values.allSatisfy { $0 < Self.rulebook.safety.disqualifyAfter }, "\(context)")
            // The scorer and the truth count the same contacts.
            for team in heat.result.teams {
                let touches = team.robots.reduce(0) { $0 + heat.serious[$1]! }
                #expect(team.zeroedByContact == (touches > 0), "\(context)")
            }
            if heat.score(expert) > heat.score(novice) { expertAhead += 1 }
            if heat.score(expert) > 0 { expertScored += 1 }
            expertTotal += heat.score(expert)
            noviceTotal += heat.score(novice)
        }
        // The careful expert team mostly keeps clear of traffic and usually beats the novices.
        #expect(expertScored * 4 >= Self.seeds.count * 3, "\(division): expert scored in \(expertScored) heats")
        #expect(expertAhead * 2 >= Self.seeds.count, "\(division): expert ahead of novice in \(expertAhead) heats")
        #expect(
            expertTotal > noviceTotal,
            "\(division): expert \(expertTotal / Double(Self.seeds.count)), novice \(noviceTotal / Double(Self.seeds.count)) on average"
        )
    }

    /// Cars and bikes come in from well outside the arena, never appear in it: a rider or
    /// driver who appears next to a robot (at the dock, say) cannot stop in time.
    @Test(arguments: SimDivision.allCases)
    func trafficComesInFromOutsideTheArena(division: SimDivision) {
        for seed in UInt64(1)...5 {
            let layout = ArenaLayout.generate(division: division, seed: seed)
            for route in layout.routes where SanitationRobot.isTraffic(route.agentClass) {
                #expect(layout.geofence.distanceOutside(route.points[0]) >= ArenaLayout.trafficRunUp - 1e-9)
                #expect(!route.state(at: 0).active, "\(division) seed \(seed) route \(route.id) on the arena at 0")
            }
        }
    }
}
