import FleetProtocol
import Foundation
import HummingbirdTesting
import Testing

/// The board in a real browser: headless Chromium (Debian's `chromium`) loads it while
/// robot 1 drives, the DOM is read twice and must show the ranking and a robot that moved,
/// and a screenshot is kept in `.build/test-output/board.png`.
extension ServerSuites {
    @Suite
    struct BoardBrowserTests {
        static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }

        static let outputFolder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-output")

        /// Runs chromium headless on `url` with `arguments`, returns stdout.
        static func chromium(_ arguments: [String], url: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromium!)
            process.arguments =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                    "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path)",
                ] + arguments + [url]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // A browser that hangs must not hang the test run.
            let watchdog = Thread {
                Thread.sleep(forTimeInterval: 30)
                if process.isRunning { process.terminate() }
            }
            watchdog.start()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }

        /// The `cx` of robot `id`'s circle on the map.
        static func robotX(_ dom: String, _ id: Int) -> String? {
            guard let range = dom.range(of: "data-robot=\"\(id)\" class=\"robot\"") else { return nil }
            let rest = dom[range.upperBound...]
            guard let cx = rest.range(of: "cx=\"") else { return nil }
            return String(rest[cx.upperBound...].prefix { $0 != "\"" })
        }

        @Test(
            .enabled(if: chromium != nil, "chromium is not installed (apt-get install -y chromium)"),
            .timeLimit(.minutes(3))
        )
        func theBoardShowsTheRankingAndRobotsThatMove() async throws {
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
                let arguments = ["--timeout=5000", "--dump-dom"]
                let first = try await offPool { try Self.chromium(arguments, url: url) }
                try await Task.sleep(for: .seconds(2))
                let second = try await offPool { try Self.chromium(arguments, url: url) }
                for dom in [first, second] {
                    #expect(dom.contains("data-team=\"alpha\""), "the ranking has team alpha")
                    #expect(dom.contains("data-team=\"beta\""), "the ranking has team beta")
                    #expect(dom.contains("class=\"state RUNNING\""), "the run state is shown")
                    #expect(Self.robotX(dom, 2) != nil, "robot 2 is on the map")
                }
                let x1 = Self.robotX(first, 1)
                let x2 = Self.robotX(second, 1)
                #expect(
                    x1 != nil && x2 != nil && x1 != x2,
                    "robot 1 moved between the reads: \(x1 ?? "-") → \(x2 ?? "-")"
                )
                try FileManager.default.createDirectory(at: Self.outputFolder, withIntermediateDirectories: true)
                let png = Self.outputFolder.appendingPathComponent("board.png")
                _ = try await offPool {
                    try Self.chromium(
                        ["--timeout=3000", "--window-size=1280,800", "--screenshot=\(png.path)"],
                        url: url
                    )
                }
                #expect(FileManager.default.fileExists(atPath: png.path), "screenshot at \(png.path)")
            }
        }
    }
}
