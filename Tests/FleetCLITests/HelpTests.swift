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
            for expected in [
                "fleet keys robots", "fleet query stats", "fleet run penalty add", "fleet demo", "fleet prune",
                "fleet backup",
            ] {
                #expect(seen.contains(expected), "\(expected) was not reached: \(seen)")
            }
        }

        /// The text above USAGE reads as written: ArgumentParser wraps every line longer
        /// than the terminal (80 columns when not a terminal), so a discussion line of 80
        /// characters or more would break mid-sentence ("…in division P" / "and 2
        /// humanoids…"). Each help is rendered at 80 and at 1,000 columns: below the
        /// overview they must be the same.
        @Test(.timeLimit(.minutes(2)))
        func noHelpTextBreaksALineMidSentenceAtEightyColumns() async throws {
            let folder = try TemporaryFolder()
            var pending: [[String]] = [[]]
            var checked = 0
            func discussion(_ help: String) -> String {
                let aboveUsage = help.components(separatedBy: "\nUSAGE:").first ?? help
                // Skip the overview paragraph (the abstract, wrapped as one paragraph).
                return aboveUsage.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
            }
            while let command = pending.popLast(), command.count <= 3 {
                let narrow = try await FleetProcess.run(
                    command + ["--help"],
                    in: folder.url,
                    timeout: .seconds(30),
                    environment: ["COLUMNS": "80"]
                )
                let wide = try await FleetProcess.run(
                    command + ["--help"],
                    in: folder.url,
                    timeout: .seconds(30),
                    environment: ["COLUMNS": "1000"]
                )
                let name = (["fleet"] + command).joined(separator: " ")
                #expect(
                    discussion(narrow.output) == discussion(wide.output),
                    "\(name) --help has a line of 80 characters or more:\n\(discussion(wide.output))"
                )
                checked += 1
                pending += Self.subcommands(wide.output).map { command + [$0] }
            }
            #expect(checked > 30, "every command's help was checked: \(checked)")
        }
    }
}
