import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// `fleet` as a user meets it: every command and subcommand explains itself with examples.
    @Suite
    struct HelpTests {
        /// The subcommands a help text lists under SUBCOMMANDS.
        static func subcommands(_ help: String) -> [String] {
            guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
            // The list ends at the first line that is not indented (a blank one).
            return help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
                .prefix { $0.hasPrefix("  ") }
                .compactMap { line in
                    // "  name   what it does" (continuation lines are indented further).
                    guard !line.hasPrefix("   ") else { return nil }
                    return line.split(separator: " ").first.map(String.init)
                }
        }

        @Test(.timeLimit(.minutes(2)))
        func everyCommandHasHelpWithExamples() async throws {
            let folder = try TemporaryFolder()
            var pending: [[String]] = [[]]
            var seen: [String] = []
            while let command = pending.popLast(), command.count <= 3 {
                let result = try await FleetProcess.run(command + ["--help"], in: folder.url, timeout: .seconds(30))
                let name = (["fleet"] + command).joined(separator: " ")
                #expect(result.status == 0, "\(name) --help: \(result.errors)")
                // "Example:" or "Examples:", each followed by commands to copy.
                #expect(result.output.contains("Example"), "\(name) --help has no examples:\n\(result.output)")
                #expect(
                    result.output.contains("  fleet ") || result.output.contains("/fleet "),
                    "\(name) --help shows no command:\n\(result.output)"
                )
                seen.append(name)
                pending += Self.subcommands(result.output).map { command + [$0] }
            }
            // The tree was walked, down to the leaves.
            for expected in ["fleet keys robots", "fleet query stats", "fleet run penalty add", "fleet demo"] {
                #expect(seen.contains(expected), "\(expected) was not reached: \(seen)")
            }
        }
    }
}
