import ArgumentParser
import FleetArena
import FleetCompetition
import FleetConsole
import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create runs and move them through PREPARE → RUNNING → FINISHED → FINAL; referee actions.",
        discussion: """
            Examples:
              fleet run create --division P --seed 7 --name heat-1-run-1    # its id
              fleet run start 1
              fleet run stop 1
              fleet run penalty add 1 --team team-2 --points 5 --by referee-a --reason \\
                  "pushed a bench"
              fleet run award 1 --team team-1 --fraction 0.05 --by jury --reason \\
                  "elegant dump"
              fleet run finalize 1                            # recompute, sign: FINAL
              fleet run list --division P
            """,
        subcommands: [
            Create.self, Start.self, Stop.self, Finalize.self, List.self, Penalty.self, Award.self,
        ]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a run in PREPARE for the registered teams; prints its id.",
            discussion: """
                The rulebook's bytes are stored with the run under their hash; the arena comes
                from the division and the seed (every team of a heat gets the same seed), or
                from --arena FILE (Protocols/arena.md), stored with the run the same way. With
                --window referee (default) the RUNNING window in event time comes from the
                arena referee's run_state frames for this run id (fleet sim --run-id ID sends
                them); with --window wall it is the wall-clock time of `run start` … `run
                stop`.

                Examples:
                  fleet run create --division P --seed 7 --name heat-1-run-1
                  fleet run create --division N --seed 3 --name demo --rulebook \\
                      my-rulebook.json --team team-1 --team team-2
                  fleet run create --division P --seed 7 --name surveyed --arena arena.json
                """
        )

        @OptionGroup var options: CompetitionOptions

        @Option(help: "Division: P, N, A or H.")
        var division: String

        @Option(help: "Arena seed.")
        var seed: UInt64

        @Option(help: "Run name.")
        var name: String

        @Option(help: "Rulebook file (default: Rulebooks/rulebook-v1.json).")
        var rulebook: String?

        @Option(help: "Arena file the run is scored in (default: the arena generated from --division and --seed).")
        var arena: String?

        @Option(help: "Where the RUNNING window comes from: referee or wall.")
        var window: String = "referee"

        @Option(name: .customLong("team"), help: "Teams entered (default: every registered team); repeat.")
        var teams: [String] = []

        @Option(
            help:
                "Run id (default: the next free one). Sites forwarding to one central database number their runs apart."
        )
        var id: UInt32?

        func validate() throws {
            guard ["P", "N", "A", "H"].contains(division) else {
                throw ValidationError("--division must be P, N, A or H; got \(division)")
            }
            guard RunWindowSource(rawValue: window) != nil else {
                throw ValidationError("--window must be referee or wall; got \(window)")
            }
            guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
            if id == 0 { throw ValidationError("--id must be 1 or more") }
        }

        func run() throws {
            let (book, bytes, _) = try RulebookFile.load(rulebook)
            guard book.divisions[division] != nil else {
                throw ValidationError("rulebook \(book.id) has no division \(division)")
            }
            let arenaFile = try arena.map { try ArenaFileReader.load($0) }
            if let arenaFile, arenaFile.division != division {
                throw ValidationError(
                    "the arena file \(arena ?? "") is of division \(arenaFile.division); --division is \(division)"
                )
            }
            let store = try options.store(mustExist: false, writing: true)
            var robots = try store.registeredRobots()
            if !teams.isEmpty {
                let known = Set(robots.map(\.team))
                if let missing = teams.first(where: { !known.contains($0) }) {
                    throw ValidationError("team \(missing) is not registered (fleet team add \(missing) --robot ID...)")
                }
                robots = robots.filter { teams.contains($0.team) }
            }
            guard !robots.isEmpty else {
                throw ValidationError("no robots registered: fleet team add NAME --robot ID[:kind] first")
            }
            let context = try RunContext(
                run: RunRecord(
                    id: 0,
                    name: name,
                    division: division,
                    seed: seed,
                    state: .prepare,
                    window: RunWindowSource(rawValue: window)!,
                    rulebookHash: book.hash,
                    createdNanos: 0,
                    review: false
                ),
                rulebook: book,
                entries: robots,
                arena: arenaFile
            )
            _ = try context.makeScorer()  // refuses robots the rulebook cannot score (no brush width)
            let id = try store.createRun(
                id: id,
                name: name,
                division: division,
                seed: seed,
                window: RunWindowSource(rawValue: window)!,
                rulebook: (book.hash, book.id, bytes),
                arena: arenaFile?.stored,
                entries: robots,
                at: nowNanos()
            )
            print(id)
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PREPARE → RUNNING.",
            discussion: "Example:\n  fleet run start 1"
        )
        @OptionGroup var options: CompetitionOptions
        @Argument(help: "Run id.") var id: UInt32

        func run() throws {
            let run = try RunCommand.transition(options, id, .running)
            print("run \(run.id) \(run.name): RUNNING")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "RUNNING → FINISHED; the live scorer stores its result once the run's frames stop.",
            discussion: "Example:\n  fleet run stop 1"
        )
        @OptionGroup var options: CompetitionOptions
        @Argument(help: "Run id.") var id: UInt32

        func run() throws {
            let run = try RunCommand.transition(options, id, .finished)
            print("run \(run.id) \(run.name): FINISHED")
        }
    }

    static func transition(_ options: CompetitionOptions, _ id: UInt32, _ target: RunPhase) throws -> RunRecord {
        do {
            return try options.store(writing: true).transition(id, to: target, at: nowNanos())
        } catch let error as StorageError where error.code != .readOnly {
            // A transition the run's state refuses; a read-only database is no usage error.
            throw ValidationError(error.message)
        }
    }

    struct Finalize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "FINISHED → FINAL: recompute from the database, sign with the service key, store.",
            discussion: """
                The key (Ed25519) is created on first use: fleet-service.key next to the
                database unless --key says otherwise. The live result, if there is one, must
                equal the recompute; if not, the run is flagged for review.

                Examples:
                  fleet run finalize 1
                  fleet run finalize 1 --key /etc/fleet/service.key
                """
        )
        @OptionGroup var options: CompetitionOptions
        @Argument(help: "Run id.") var id: UInt32
        @Option(help: "Service key file (default: fleet-service.key next to the database).")
        var key: String?

        func run() throws {
            let store = try options.store(writing: true)
            let key = try ServiceKey(path: key ?? ServiceKey.defaultPath(forDatabase: options.db), create: true)
            let outcome = try Finalizer.finalize(store: store, runID: id, key: key, now: nowNanos())
            let doc = outcome.document
            print("run \(id) \(doc.run.name): FINAL, signed with \(key.path)")
            for team in doc.result.teams.sorted(by: { $0.runScore > $1.runScore }) {
                print("  \(team.team): \(decimal(team.runScore, 6))")
            }
            print("  \(doc.chains.count) hash chains over \(doc.chains.reduce(0) { $0 + $1.frames }) frames")
            print(
                "  service public key \(key.publishPublicKey()) (in \(TrustAnchor.publicKeyPath(forKey: key.path)); publish it: fleet verify --public-key KEY)"
            )
            if doc.liveAgrees == false {
                print("  warning: the live result differed from the recompute; flagged for review")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs and their states.",
            discussion: "Example:\n  fleet run list --division P --format json"
        )
        @OptionGroup var options: CompetitionOptions
        @Option(help: "Only this division.") var division: String?
        @Option(help: "Output: table, json or csv.") var format: OutputFormat = .table

        func run() throws {
            let runs = try options.store().runs(division: division)
            let table = DataTable(
                columns: ["run", "name", "division", "seed", "state", "window", "review", "rulebook"],
                rows: runs.map {
                    [
                        .integer(Int64($0.id)), .text($0.name), .text($0.division), .text(String($0.seed)),
                        .text($0.state.rawValue), .text($0.window.rawValue), .text($0.review ? "yes" : ""),
                        .text(String($0.rulebookHash.prefix(12))),
                    ]
                }
            )
            print(table.render(format), terminator: "")
        }
    }

    struct Penalty: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or remove a referee penalty (points off a team's run score).",
            discussion: """
                Examples:
                  fleet run penalty add 1 --team team-2 --robot 201 --points 5 --by \\
                      referee-a \\
                      --reason "pushed a bench"
                  fleet run penalty remove 1 --penalty 4 --by head-referee --reason \\
                      "video review"
                """,
            subcommands: [Add.self, Remove.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a penalty; prints its id.",
                discussion:
                    "Example:\n  fleet run penalty add 1 --team team-2 --points 5 --by referee-a \\\n      --reason \"pushed a bench\""
            )
            @OptionGroup var options: CompetitionOptions
            @Argument(help: "Run id.") var id: UInt32
            @Option(help: "Team penalized.") var team: String
            @Option(help: "The robot at fault (optional).") var robot: UInt32?
            @Option(help: "Points off the run score.") var points: Double
            @Option(help: "Who decided.") var by: String
            @Option(help: "Why.") var reason: String

            func validate() throws {
                guard points > 0, points.isFinite else {
                    throw ValidationError("--points must be positive, got \(points)")
                }
                guard !by.isEmpty, !reason.isEmpty else { throw ValidationError("--by and --reason must not be empty") }
            }

            func run() throws {
                let store = try options.store(writing: true)
                try RunCommand.checkEntry(store, id, team: team, robot: robot)
                let action = try RunCommand.record(
                    store,
                    RefereeAction(
                        runID: id,
                        kind: .penaltyAdd,
                        team: team,
                        robotID: robot,
                        value: points,
                        by: by,
                        reason: reason,
                        atNanos: nowNanos()
                    )
                )
                print(action)
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take a penalty back.",
                discussion:
                    "Example:\n  fleet run penalty remove 1 --penalty 4 --by head-referee \\\n      --reason \"video review\""
            )
            @OptionGroup var options: CompetitionOptions
            @Argument(help: "Run id.") var id: UInt32
            @Option(help: "The penalty's id (printed by `penalty add`).") var penalty: Int64
            @Option(help: "Who decided.") var by: String
            @Option(help: "Why.") var reason: String

            func run() throws {
                let store = try options.store(writing: true)
                let action = try RunCommand.record(
                    store,
                    RefereeAction(
                        runID: id,
                        kind: .penaltyRemove,
                        team: nil,
                        value: nil,
                        target: penalty,
                        by: by,
                        reason: reason,
                        atNanos: nowNanos()
                    )
                )
                print(action)
            }
        }
    }

    struct Award: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Award a team a bonus for outstanding performance (a fraction of its points); counts once FINAL.",
            discussion: """
                Only on a FINISHED run, before finalize (a FINAL result never changes). A later
                award to the same team replaces the earlier one.

                Example:
                  fleet run award 1 --team team-1 --fraction 0.05 --by jury --reason \\
                      "elegant dump"
                """
        )
        @OptionGroup var options: CompetitionOptions
        @Argument(help: "Run id.") var id: UInt32
        @Option(help: "Team awarded.") var team: String
        @Option(help: "Fraction of the points earned (at most the rulebook's maximum).") var fraction: Double
        @Option(help: "Who decided.") var by: String
        @Option(help: "Why.") var reason: String

        func run() throws {
            let store = try options.store(writing: true)
            try RunCommand.checkEntry(store, id, team: team, robot: nil)
            let context = try RunContext(store: store, runID: id)
            let max = context.rulebook.bonuses.refereeAwardMax
            guard fraction >= 0, fraction <= max else {
                throw ValidationError("--fraction must be 0...\(max) (bonuses.referee_award_max), got \(fraction)")
            }
            let action = try RunCommand.record(
                store,
                RefereeAction(
                    runID: id,
                    kind: .award,
                    team: team,
                    value: fraction,
                    by: by,
                    reason: reason,
                    atNanos: nowNanos()
                )
            )
            print(action)
        }
    }

    static func checkEntry(_ store: any CompetitionStore, _ id: UInt32, team: String, robot: UInt32?) throws {
        let entries = try store.entries(runID: id)
        guard entries.contains(where: { $0.team == team }) else {
            throw ValidationError("team \(team) is not entered in run \(id)")
        }
        if let robot, !entries.contains(where: { $0.team == team && $0.robotID == robot }) {
            throw ValidationError("robot \(robot) is not on team \(team) in run \(id)")
        }
    }

    static func record(_ store: any CompetitionStore, _ action: RefereeAction) throws -> Int64 {
        do {
            return try store.addAction(action)
        } catch let error as StorageError {
            throw ValidationError(error.message)
        }
    }
}
