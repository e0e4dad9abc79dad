public import Foundation

/// Headless Chromium (Debian's `chromium`) for tests that load the board in a real browser.
public enum Chromium {
    /// The browser's path, nil when none is installed (the tests that need one are skipped).
    public static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Where tests keep screenshots: `.build/test-output` of the package.
    public static let outputFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-output")

    /// Runs chromium headless on `url` with `arguments` (e.g. `--dump-dom`), returns stdout.
    /// A browser that hangs is killed after `timeout` seconds.
    public static func run(_ arguments: [String], url: String, timeout: TimeInterval = 30) throws -> String {
        guard let path else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--user-data-dir=\(profile.path)",
            ] + arguments + [url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = Thread {
            Thread.sleep(forTimeInterval: timeout)
            if process.isRunning { process.terminate() }
        }
        watchdog.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The page's DOM after `budget` ms of virtual time.
    public static func dom(_ url: String, budget: Int = 5000) throws -> String {
        try run(["--timeout=\(budget)", "--dump-dom"], url: url)
    }

    /// A screenshot of the page at `size` (e.g. `1280,800`) saved to `output/name`; returns its URL.
    public static func screenshot(
        _ url: String,
        name: String,
        size: String = "1280,800",
        budget: Int = 3000
    ) throws
        -> URL
    {
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let png = outputFolder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: png)
        _ = try run(["--timeout=\(budget)", "--window-size=\(size)", "--screenshot=\(png.path)"], url: url)
        return png
    }

    /// The `cx` of robot `id`'s circle on the board's map.
    public static func robotX(_ dom: String, _ id: Int) -> String? {
        guard let range = dom.range(of: "data-robot=\"\(id)\" class=\"robot\"") else { return nil }
        let rest = dom[range.upperBound...]
        guard let cx = rest.range(of: "cx=\"") else { return nil }
        return String(rest[cx.upperBound...].prefix { $0 != "\"" })
    }
}
