public import Foundation

/// One run of an outside program (a Python, a C compiler, a test runner) to its end: exit
/// status and everything it printed, standard output and standard error together. Blocking:
/// call it through ``offPool(_:)`` from async tests.
public struct ToolRun: Sendable {
    public let status: Int32
    public let output: String
    /// False when the program was killed for running past its timeout.
    public let finished: Bool

    public var succeeded: Bool { finished && status == 0 }

    /// Runs `executable arguments` in `folder` with `environment` added to this process's
    /// environment; killed (SIGKILL) after `timeout`.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        in folder: URL? = nil,
        environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) throws -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000))
        let killed = DispatchSemaphore(value: 0)
        let watchdog = DispatchWorkItem {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            killed.signal()
        }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let timedOut = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        return ToolRun(
            status: process.terminationStatus,
            output: String(decoding: data, as: UTF8.self),
            finished: !timedOut
        )
    }
}
