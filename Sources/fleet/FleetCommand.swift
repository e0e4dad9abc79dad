import ArgumentParser

@main
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Ingest robot telemetry over ZeroMQ, store it in SQLite, score the sanitation-robot competition.",
        discussion: """
            Start here:
              fleet demo                      run the whole thing on fleet.db
              fleet ingest --listen tcp://127.0.0.1:5556
              fleet query robots --db fleet.db
            """,
        subcommands: [
            DemoCommand.self, IngestCommand.self, SimCommand.self, ReplayCommand.self, QueryCommand.self,
            BenchCommand.self,
        ]
    )
}
