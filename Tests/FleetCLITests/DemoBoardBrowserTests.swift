import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// `fleet demo --http … --keep-serving` watched in a real browser: while the run goes on the
    /// board's ranking, scores, heatmap and robots change between two reads; after the run the
    /// board shows the final ranking and keeps serving until SIGINT.
    @Suite
    struct DemoBoardBrowserTests {
        /// The board's ranking as (team, score text) in rank order.
        static func ranking(_ dom: String) -> [(team: String, score: String)] {
            var rows: [(String, String)] = []
            var rest = dom[...]
            while let row = rest.range(of: "<tr data-team=\"") {
                let tail = rest[row.upperBound...]
                let team = String(tail.prefix { $0 != "\"" })
                guard let score = tail.range(of: "<td class=\"score\">") else { break }
                let text = String(tail[score.upperBound...].prefix { $0 != "<" })
                rows.append((team, text))
                rest = tail[score.upperBound...]
            }
            return rows
        }

        /// Heatmap cells drawn on the map.
        static func heatCells(_ dom: String) -> Int {
            guard let start = dom.range(of: "<g id=\"heat\">"), let end = dom[start.upperBound...].range(of: "</g>")
            else {
                return 0
            }
            return dom[start.upperBound..<end.lowerBound].components(separatedBy: "<rect").count - 1
        }

        @Test(
            .enabled(
                if: Chromium.path != nil || ExternalTool.requiredByCI,
                "chromium is not installed (apt-get install -y chromium)"
            ),
            .timeLimit(.minutes(8))
        )
        func theDemoBoardChangesLiveAndKeepsServingTheFinalResult() async throws {
            _ = try #require(Chromium.path, "chromium is required under .ci/run (apt-get install -y chromium)")
            let folder = try TemporaryFolder()
            let demo = try FleetProcess(
                [
                    "demo", "--db", "demo.db", "--duration", "900", "--time-scale", "25", "--teams", "4", "--humanoids",
                    "0",
                    "--http", "127.0.0.1:0", "--keep-serving",
                ],
                in: folder.url
            )
            defer { demo.signal(SIGKILL) }
            let clock = ContinuousClock()
            var deadline = clock.now + .seconds(60)
            var url: String?
            while url == nil && clock.now < deadline && demo.process.isRunning {
                if let line = demo.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("live board: ") })
                {
                    url = String(line.dropFirst("live board: ".count))
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let board = try #require(
                url,
                "the demo prints the board's URL: \(demo.standardOutput) \(demo.standardError)"
            )
            // Let the fleet get going, then read the board twice while the run goes on.
            try await Task.sleep(for: .seconds(6))
            let first = try await offPool { try Chromium.dom(board) }
            try await Task.sleep(for: .seconds(5))
            let second = try await offPool { try Chromium.dom(board) }
            let live = try await offPool {
                try Chromium.screenshot(board, name: "demo-board-live.png", size: "1400,900")
            }
            #expect(FileManager.default.fileExists(atPath: live.path), "screenshot at \(live.path)")
            let (rankingA, rankingB) = (Self.ranking(first), Self.ranking(second))
            #expect(rankingA.count == 4 && rankingB.count == 4, "four teams ranked: \(rankingA) / \(rankingB)")
            #expect(first.contains("class=\"state RUNNING\"") && second.contains("class=\"state RUNNING\""))
            #expect(rankingA.map(\.score) != rankingB.map(\.score), "scores moved: \(rankingA) → \(rankingB)")
            #expect(
                Self.heatCells(second) > Self.heatCells(first),
                "coverage grew: \(Self.heatCells(first)) → \(Self.heatCells(second))"
            )
            let moved = [101, 102, 201, 202, 301, 401].filter {
                let (a, b) = (Chromium.robotX(first, $0), Chromium.robotX(second, $0))
                return a != nil && b != nil && a != b
            }
            #expect(!moved.isEmpty, "robots moved on the map")

            // The run ends, is finalized, and the board keeps serving the final result.
            // 36 s of wall time at 25× on an idle machine; at a load average of 12 (a fresh-clone
            // CI run beside a full suite and a benchmark) the fleet was still sending after 120 s.
            deadline = clock.now + .seconds(300)
            while !demo.standardOutput.contains("serving the board at") && clock.now < deadline
                && demo.process.isRunning
            {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(
                demo.standardOutput.contains("serving the board at"),
                "\(demo.standardOutput)\n\(demo.standardError)"
            )
            let final = try await offPool { try Chromium.dom(board) }
            let shownState = final.range(of: "class=\"state[^\"]*\"", options: .regularExpression).map { final[$0] }
            #expect(shownState == "class=\"state FINAL\"", "the board shows the FINAL run: \(shownState ?? "no state")")
            let finalRanking = Self.ranking(final)
            #expect(finalRanking.count == 4)
            // Nothing moves any more, yet every robot's sparklines show its last two minutes:
            // the board seeds them from the stored rollups.
            let sparklines = final.components(separatedBy: "class=\"spark-battery\"").count - 1
            #expect(sparklines >= 12, "battery sparklines of the 12 robots drawn from rollups: \(sparklines)")
            // The printed standings rank the teams the way the board does.
            let printed = finalRanking.map(\.team).compactMap { team in
                demo.standardOutput.range(of: team).map { _ in team }
            }
            #expect(printed.count == 4, "every team on the board is in the printed results")
            let png = try await offPool { try Chromium.screenshot(board, name: "demo-board.png", size: "1400,900") }
            #expect(FileManager.default.fileExists(atPath: png.path), "screenshot at \(png.path)")

            demo.signal(SIGINT)
            #expect(await demo.wait(timeout: .seconds(20)), "the demo stops on SIGINT")
            #expect(demo.exitStatus == 0, "\(demo.standardError)")
        }
    }
}
