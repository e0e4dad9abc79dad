import ArgumentParser

@main
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Ingest robot telemetry over ZeroMQ, store it in SQLite, score the sanitation-robot competition.",
        discussion: """
            Examples, to start with:
              fleet demo                      run the whole thing on fleet.db
              fleet ingest --listen tcp://127.0.0.1:5556
              fleet query robots --db fleet.db
              fleet team add team-1 --robot 101:sweeper --robot 102:washer
              fleet run create --division P --seed 7 --name run-1; fleet run start 1
              fleet score 1; fleet run stop 1; fleet run finalize 1; fleet verify 1
              fleet standings --division P
            """,
        subcommands: [
            DemoCommand.self, IngestCommand.self, SimCommand.self, ReplayCommand.self, QueryCommand.self,
            BenchCommand.self, TeamCommand.self, RunCommand.self, ScoreCommand.self, VerifyCommand.self,
            StandingsCommand.self, RulesCommand.self, ExportCommand.self, KeysCommand.self, PruneCommand.self,
            BackupCommand.self, ForwardCommand.self, ServeCommand.self, ArenaCommand.self,
        ]
    )
}
