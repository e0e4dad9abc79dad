import Foundation
import Synchronization

/// A process the benchmark starts (`fleet ingest`, a `fleet replay` load generator) with
/// its stdin and stdout on pipes: stdout is read line by line on a thread of its own, so the
/// child never blocks on a full pipe, and the benchmark looks at the lines as they come.
final class BenchChild: Sendable {
    let process: Process
    private let input: FileHandle
    private let state = Mutex<(lines: [String], closed: Bool)>(([], false))

    init(arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        self.process = process
        self.input = stdin.fileHandleForWriting
        let reading = stdout.fileHandleForReading
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let data = reading.availableData
                if data.isEmpty { break }
                pending.append(data)
                var lines: [String] = []
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
                if !lines.isEmpty { self.state.withLock { $0.lines += lines } }
            }
            self.state.withLock { $0.closed = true }
        }
    }

    /// Lines the child has written so far.
    var lines: [String] { state.withLock { $0.lines } }
    var lastLine: String? { state.withLock { $0.lines.last } }
    /// The child closed its stdout (it exited, as a rule).
    var closed: Bool { state.withLock { $0.closed } }

    func send(_ line: String) {
        try? input.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Waits until `ready` holds for the lines so far, the child closes its stdout, or the
    /// deadline passes; returns whether `ready` held.
    func wait(until deadline: ContinuousClock.Instant, for ready: ([String]) -> Bool) async -> Bool {
        while ContinuousClock.now < deadline {
            let (lines, closed) = state.withLock { ($0.lines, $0.closed) }
            if ready(lines) { return true }
            if closed { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return ready(lines)
    }

    /// SIGTERM, then waits (off the cooperative pool) until the child has exited.
    func terminateAndWait() async {
        if process.isRunning { process.terminate() }
        await waitForExit()
    }

    func waitForExit() async {
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
