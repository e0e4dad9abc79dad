import ArgumentParser
import FleetArena
import FleetCompetition
import FleetStore
import Foundation

/// `fleet arena`: the arena file (Protocols/arena.md): write the simulator's, check one, show a run's.
struct ArenaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arena",
        abstract: "The arena as a file.",
        discussion: """
            Examples:
              fleet arena export --division P --seed 7 > arena.json
              fleet arena check arena.json
              fleet arena show 3 --db fleet.db
            """,
        subcommands: [Export.self, Check.self, Show.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write the simulator's arena for a division and seed as an arena file (a survey's starting point).",
            discussion: """
                Examples:
                  fleet arena export --division P --seed 7 > arena.json
                  fleet arena export --division H --seed 1 > humanoid-arena.json
                """
        )
        @Option(help: "Division: P, N, A or H.") var division: String
        @Option(help: "Arena seed.") var seed: UInt64

        func run() throws {
            let arena = try RunContext.generatedArena(division: division, seed: seed)
            FileHandle.standardOutput.write(Data(arena.fileBytes))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an arena file: every bad field on a line of its own, naming the field and value.",
            discussion: """
                Exits 1 when the file is refused.

                Example:
                  fleet arena check arena.json
                """
        )
        @Argument(help: "Arena file.") var file: String

        func run() throws {
            let arena = try ArenaFileReader.load(file)
            let mask = arena.mask()
            print(
                "\(file): \(FleetArena.fileFormat), division \(arena.division), \(arena.width) × \(arena.height) m, "
                    + "\(mask.targetCellCount) target cells (\(mask.edgeCellCount) edge), \(arena.obstacles.count) obstacles"
            )
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a run's arena file (the one generated from its division and seed when none is stored).",
            discussion: """
                Examples:
                  fleet arena show 3
                  fleet arena show 3 --store postgres://fleet@db:5432/central
                """
        )
        @Argument(help: "Run id.") var runID: UInt32
        @OptionGroup var options: CompetitionOptions

        func run() throws {
            let store = try options.store()
            let arena = try RunContext.arena(of: store.run(runID), store: store)
            FileHandle.standardOutput.write(Data(arena.fileBytes))
        }
    }
}

/// Reads an arena file for a command, turning its problems into one line each on stderr.
enum ArenaFileReader {
    static func load(_ path: String) throws -> FleetArena {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read arena file \(path)")
        }
        do {
            return try FleetArena.load(data)
        } catch {
            for problem in error.errors {
                FileHandle.standardError.write(Data("\(path): \(problem)\n".utf8))
            }
            throw ExitCode.failure
        }
    }
}
