// The libraries' option values as command-line arguments: the libraries do not import
// ArgumentParser, so the conformances live here (public because the types are; the
// executable exports nothing).
public import ArgumentParser
public import FleetConsole
public import FleetRunner

/// `--format table|json|csv` on the data commands.
extension OutputFormat: ExpressibleByArgument {}

/// `fleet replay --rate max|original`.
extension Replayer.Rate: ExpressibleByArgument {}
