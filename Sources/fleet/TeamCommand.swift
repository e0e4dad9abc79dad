import ArgumentParser
import FleetCompetition
import FleetConsole
import FleetProtocol
import FleetStorage
import FleetStore
import Foundation

struct TeamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team",
        abstract: "Register teams and their robots.",
        discussion: """
            Examples:
              fleet team add team-1 --robot 101:sweeper --robot 102:litterPicker \\
                  --robot 103:washer:0.9
              fleet team add --heat heat.json
              fleet team list --format json

            A heat file: {"teams": [{"name": "team-1", "robots": [{"id": 101, "kind":
            "sweeper"}]}]} (optional per robot: "name", "brushWidth" in m).
            """,
        subcommands: [Add.self, List.self]
    )

    static let kinds = ["sweeper", "litterPicker", "washer", "humanoid"]

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a team with its robots (ID[:kind[:brush width m]]), or every team of a heat file.",
            discussion: """
                Kinds: sweeper (default), litterPicker, washer, humanoid. Without a brush width
                the rulebook's width for the kind applies.

                Examples:
                  fleet team add team-1 --robot 101:sweeper --robot 102:litterPicker \\
                      --robot 103:washer
                  fleet team add --heat heat.json --db fleet.db
                """
        )

        @OptionGroup var options: CompetitionOptions

        @Argument(help: "Team name.")
        var name: String?

        @Option(name: .customLong("robot"), help: "A robot: ID[:kind[:brush width]]; repeat for each.")
        var robots: [String] = []

        @Option(help: "A heat file (JSON) listing teams and robots.")
        var heat: String?

        struct HeatFile: Decodable {
            struct Team: Decodable {
                var name: String
                var robots: [Robot]
            }

            struct Robot: Decodable {
                var id: UInt32
                var kind: String?
                var name: String?
                var brushWidth: Double?
            }

            var teams: [Team]
        }

        func validate() throws {
            if heat == nil && name == nil {
                throw ValidationError("give a team NAME with --robot ID..., or --heat FILE")
            }
            if heat != nil && (name != nil || !robots.isEmpty) {
                throw ValidationError("--heat FILE registers its own teams: leave out NAME and --robot")
            }
            if heat == nil && robots.isEmpty {
                throw ValidationError("team \(name!) needs at least one --robot ID[:kind]")
            }
        }

        static func parse(_ spec: String, team: String) throws -> RegisteredRobot {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (1...3).contains(parts.count), let id = UInt32(parts[0]), id > 0, id < 0xF000_0000 else {
                throw ValidationError(
                    "--robot \(spec): expected ID[:kind[:brush width]] with ID 1...\(0xF000_0000 - 1) (ids from 0xF0000000 are the arena's)"
                )
            }
            let kind = parts.count > 1 && !parts[1].isEmpty ? parts[1] : "sweeper"
            guard TeamCommand.kinds.contains(kind) else {
                throw ValidationError(
                    "--robot \(spec): kind \(kind) is not one of \(TeamCommand.kinds.joined(separator: ", "))"
                )
            }
            var width: Double?
            if parts.count == 3 {
                guard let w = Double(parts[2]), w > 0, w.isFinite else {
                    throw ValidationError(
                        "--robot \(spec): brush width \(parts[2]) must be a positive number of metres"
                    )
                }
                width = w
            }
            return RegisteredRobot(robotID: id, team: team, kind: kind, brushWidth: width)
        }

        func run() throws {
            let store = try options.store(mustExist: false, writing: true)
            var teams: [(String, [RegisteredRobot])] = []
            if let heat {
                guard let data = FileManager.default.contents(atPath: heat) else {
                    throw ValidationError("cannot read heat file \(heat)")
                }
                let file: HeatFile
                do {
                    file = try JSONDecoder().decode(HeatFile.self, from: data)
                } catch {
                    throw ValidationError(
                        "heat file \(heat) is not {\"teams\": [{\"name\", \"robots\": [{\"id\", \"kind\"}]}]}: \(error)"
                    )
                }
                for team in file.teams {
                    var robots: [RegisteredRobot] = []
                    for robot in team.robots {
                        var entry = try Self.parse("\(robot.id):\(robot.kind ?? "sweeper")", team: team.name)
                        entry.name = robot.name
                        entry.brushWidth = robot.brushWidth
                        robots.append(entry)
                    }
                    teams.append((team.name, robots))
                }
            } else {
                teams.append((name!, try robots.map { try Self.parse($0, team: name!) }))
            }
            for (team, robots) in teams {
                do {
                    try store.addTeam(team, robots: robots, at: nowNanos())
                } catch let error as StorageError {
                    throw ValidationError(error.message)
                }
                print("team \(team): \(robots.map { "\($0.robotID) \($0.kind)" }.joined(separator: ", "))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registered teams and robots.",
            discussion: "Example:\n  fleet team list --format csv"
        )

        @OptionGroup var options: CompetitionOptions

        @Option(help: "Output: table, json or csv.")
        var format: OutputFormat = .table

        func run() throws {
            let robots = try options.store().registeredRobots()
            let table = DataTable(
                columns: ["team", "robot", "kind", "name", "brush_width"],
                rows: robots.map {
                    [
                        .text($0.team), .integer(Int64($0.robotID)), .text($0.kind), $0.name.map { .text($0) } ?? .null,
                        $0.brushWidth.map { .number($0) } ?? .null,
                    ]
                }
            )
            print(table.render(format), terminator: "")
        }
    }
}
