import FleetProtocol
import FleetTestSupport
import Foundation
import Testing

/// The `fleet` executable built next to the test binary, run as a real process.
enum FleetBinary {
    static let url: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("fleet")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/fleet")
    }()
}

/// Runs `fleet` as a user that cannot write what a test made read-only. Root ignores file
/// permissions, so a test running as root starts the child as `nobody` (`setpriv`); any other
/// user runs it directly, the permissions applying to it already.
enum UnprivilegedFleet {
    static var needsAnotherUser: Bool { getuid() == 0 }

    /// The executable and the arguments that start `fleet arguments` without privileges.
    static func command(_ arguments: [String]) -> (URL, [String]) {
        guard needsAnotherUser else { return (FleetBinary.url, arguments) }
        return (
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary.path] + arguments
        )
    }

    /// The `fleet` binary where `nobody` may run it: the built one when every folder above
    /// it lets others in, else a copy (mode 755) in a temporary folder removed at exit.
    static let binary: URL = {
        let built = FleetBinary.url.resolvingSymlinksInPath()
        func othersMay(_ path: String, _ bits: Int) -> Bool {
            let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
            return mode & bits == bits
        }
        var folder = built.deletingLastPathComponent()
        var reachable = othersMay(built.path, 0o005)
        while reachable && folder.path != "/" {
            reachable = othersMay(folder.path, 0o001)
            folder = folder.deletingLastPathComponent()
        }
        if reachable { return built }
        let copyFolder = "/tmp/fleet-unprivileged-\(getpid())"
        try? FileManager.default.createDirectory(
            atPath: copyFolder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755]
        )
        let copy = URL(fileURLWithPath: copyFolder).appendingPathComponent("fleet")
        try? FileManager.default.removeItem(at: copy)
        try? FileManager.default.copyItem(at: built, to: copy)
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
        atexit { try? FileManager.default.removeItem(atPath: "/tmp/fleet-unprivileged-\(getpid())") }
        return copy
    }()
}

/// A running `fleet` process with its output collected.
final class FleetProcess: @unchecked Sendable {
    // @unchecked Sendable: `output`, `errors` and `openPipes` are written by the pipes'
    // reader threads and read under `lock`.
    let process = Process()
    private let lock = NSLock()
    private var output = Data()
    private var errors = Data()
    private var openPipes = 2

    /// `environment`: variables set for the child on top of this process's. `unprivileged`:
    /// run it as a user that file permissions apply to (`UnprivilegedFleet`). `launcher`: a
    /// command that execs `fleet` (its path and `arguments` follow the launcher's own), e.g.
    /// one that mounts a small file system first.
    init(
        _ arguments: [String],
        in folder: URL,
        environment: [String: String] = [:],
        unprivileged: Bool = false,
        launcher: [String] = []
    ) throws {
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [FleetBinary.url.path] + arguments
        } else if unprivileged {
            let (executable, wrapped) = UnprivilegedFleet.command(arguments)
            process.executableURL = executable
            process.arguments = wrapped
        } else {
            process.executableURL = FleetBinary.url
            process.arguments = arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = folder
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Each pipe is read to its end on a thread of its own, so a process that prints a
        // large report and exits at once is read whole however busy the machine is.
        collect(out.fileHandleForReading, isErrors: false)
        collect(err.fileHandleForReading, isErrors: true)
    }

    private func collect(_ handle: FileHandle, isErrors: Bool) {
        // Weak: a test that throws drops its process, and `deinit` must still run to kill it.
        let thread = Thread { [weak self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                guard let self else { return }
                self.lock.withLock {
                    if isErrors { self.errors.append(data) } else { self.output.append(data) }
                }
            }
            guard let self else { return }
            self.lock.withLock { self.openPipes -= 1 }
        }
        thread.start()
    }

    /// A test that throws before it stops its processes must not leave them running.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var standardOutput: String { lock.withLock { String(decoding: output, as: UTF8.self) } }
    var standardError: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }
    var pid: Int32 { process.processIdentifier }

    /// The exit status, or `Int32.min` while the process still runs: Foundation traps on
    /// `terminationStatus` of a running process, which would end the whole test run (a wait
    /// that timed out on a loaded machine took every test after it down once).
    var exitStatus: Int32 { process.isRunning ? Int32.min : process.terminationStatus }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit, at most `timeout`; returns whether it did.
    @discardableResult
    func wait(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning && clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { return false }
        // Its output is whole once both pipes reach their end (a few seconds at most, in
        // case a child of the process still holds one open).
        let drained = clock.now + .seconds(5)
        while lock.withLock({ openPipes > 0 }) && clock.now < drained {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Resident memory of the process, bytes (from /proc).
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// Runs `fleet arguments` to completion and returns its standard output.
    static func run(
        _ arguments: [String],
        in folder: URL,
        timeout: Duration = .seconds(60),
        environment: [String: String] = [:],
        unprivileged: Bool = false
    ) async throws -> (status: Int32, output: String, errors: String) {
        let process = try FleetProcess(arguments, in: folder, environment: environment, unprivileged: unprivileged)
        guard await process.wait(timeout: timeout) else {
            process.signal(SIGKILL)
            throw CLITestError("fleet \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        return (process.process.terminationStatus, process.standardOutput, process.standardError)
    }
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary folder for one test, removed afterwards.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A free TCP port on 127.0.0.1 for a child process to bind, taken below the kernel's
/// ephemeral range (32768 and up here): a port the kernel handed out as free would be handed
/// out again to the next outgoing connection, and with a benchmark's thousands of
/// connections beside the tests one of them took it before the child could bind it. Tried at
/// random until one binds, then released.
func freePort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if bound == 0 { return port }
    }
    throw CLITestError("no free port in 20000..<32000 after 200 tries")
}

/// Writes a recording of `robots` sanitation robots sending `framesPerRobot` frames each at
/// 10 Hz of simulated time, interleaved by time as a fleet would send them.
func writeRecording(to path: String, robots: Int, framesPerRobot: Int, firstRobot: UInt32 = 1) throws -> [[UInt8]] {
    var file = Recording.header(startUnixNanos: 0)
    var frames: [[UInt8]] = []
    let start: UInt64 = 1_800_000_000_000_000_000
    for step in 0..<framesPerRobot {
        for robot in 0..<robots {
            let state = DrivingRobot.state(
                step: step,
                y: Double(robot),
                battery: 100 - Float(step % 100) * 0.5,
                hopperFill: Float(step % 100)
            )
            let time = start + UInt64(step) * 100_000_000 + UInt64(robot) * 1000
            let frame = FrameEncoder.encode(
                .sanitationState(state),
                robotID: firstRobot + UInt32(robot),
                bootEpoch: 0,
                sequence: UInt32(step),
                timestampNanoseconds: time,
                flags: FrameHeader.simulatedTimeFlag
            )
            frame.withUnsafeBytes { Recording.appendRecord($0, offsetNanos: UInt64(step) * 100_000_000, to: &file) }
            frames.append(frame)
        }
    }
    try Data(file).write(to: URL(fileURLWithPath: path))
    return frames
}
