public import Foundation

/// Tools from outside the package that tests run for real: Python packages from the
/// virtual environment `.ci/run` makes (`.venv-ci`, from `Tests/requirements-ci.txt`) and
/// programs from Debian's packages (prometheus, psql, cc, …).
///
/// Where a tool is missing, a test skips on a developer's machine but fails in CI:
/// `.ci/run` exports `FLEET_CI=1`, and there a tool that could not be installed is a
/// failure, never a silent skip.
public enum ExternalTool {
    /// The package's root folder (the one holding Package.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// True under `.ci/run`: a missing tool fails the test instead of skipping it.
    public static var requiredByCI: Bool { ProcessInfo.processInfo.environment["FLEET_CI"] != nil }

    /// The Python of the CI virtual environment: `FLEET_CI_PYTHON` if set, else
    /// `.venv-ci/bin/python` under the package root; nil when neither exists.
    public static var ciPython: String? {
        if let path = ProcessInfo.processInfo.environment["FLEET_CI_PYTHON"],
            FileManager.default.isExecutableFile(atPath: path)
        {
            return path
        }
        let venv = packageRoot.appendingPathComponent(".venv-ci/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// `name` found on PATH or in `extraFolders` (e.g. `/usr/lib/postgresql/15/bin`).
    public static func program(_ name: String, extraFolders: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let folders = path.split(separator: ":").map(String.init) + extraFolders
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether `module` imports in the CI Python (e.g. `mcap`, `schemathesis`).
    public static func ciPythonHas(module: String) -> Bool {
        guard let python = ciPython else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
