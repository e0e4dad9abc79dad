import FleetProtocol
import FleetTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// The board in a real browser: headless Chromium (Debian's `chromium`) loads it while
/// robot 1 drives, the DOM is read twice and must show the ranking and a robot that moved,
/// and a screenshot is kept in `.build/test-output/board.png`.
extension ServerSuites {
    @Suite
    struct BoardBrowserTests {
        @Test(
            .enabled(
                if: Chromium.path != nil || ExternalTool.requiredByCI,
                "chromium is not installed (apt-get install -y chromium)"
            ),
            .timeLimit(.minutes(3))
        )
        func theBoardShowsTheRankingAndRobotsThatMove() async throws {
            _ = try #require(Chromium.path, "chromium is required under .ci/run (apt-get install -y chromium)")
            let fixture = try await ServerFixture.make()
            try await fixture.serve { port in
                let url = "http://127.0.0.1:\(port)/"
                let sender = Task {
                    for seq in UInt32(100)..<400 {
                        let x = 2 + Double(seq) * 0.05
                        try await fixture.send([
                            ServerFixture.state(robot: 1, seq: seq, x: x, y: 2 + Double(seq % 40) * 0.1, battery: 80)
                        ])
                        try await Task.sleep(for: .milliseconds(100))
                        if Task.isCancelled { break }
                    }
                }
                defer { sender.cancel() }
                let first = try await offPool { try Chromium.dom(url) }
                try await Task.sleep(for: .seconds(2))
                let second = try await offPool { try Chromium.dom(url) }
                for dom in [first, second] {
                    #expect(dom.contains("data-team=\"alpha\""), "the ranking has team alpha")
                    #expect(dom.contains("data-team=\"beta\""), "the ranking has team beta")
                    #expect(dom.contains("class=\"state RUNNING\""), "the run state is shown")
                    #expect(Chromium.robotX(dom, 2) != nil, "robot 2 is on the map")
                }
                let x1 = Chromium.robotX(first, 1)
                let x2 = Chromium.robotX(second, 1)
                #expect(
                    x1 != nil && x2 != nil && x1 != x2,
                    "robot 1 moved between the reads: \(x1 ?? "-") → \(x2 ?? "-")"
                )
                let png = try await offPool { try Chromium.screenshot(url, name: "board.png") }
                #expect(FileManager.default.fileExists(atPath: png.path), "screenshot at \(png.path)")
            }
        }
    }
}
